import { randomInt } from "node:crypto";
import type { Handler } from "aws-lambda";
import { assertStockPrice, MAX_STOCK_PRICE, type StockPriceEvent } from "./trade";

/** Builds a checker around a price source; the deployed one draws a random price. */
export function createStockChecker(priceSource: () => number = () => randomInt(0, MAX_STOCK_PRICE + 1)): Handler<unknown, StockPriceEvent> {
    return async () => {
        const price = priceSource();
        assertStockPrice(price);
        return { stock_price: price };
    };
}

export const handler = createStockChecker();
