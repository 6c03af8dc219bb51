import { createTradeHandler } from "./trade";

export const handler = createTradeHandler("sell");
