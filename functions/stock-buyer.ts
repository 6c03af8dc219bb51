import { createTradeHandler } from "./trade";

export const handler = createTradeHandler("buy");
