import { randomInt } from "node:crypto";
import type { Handler } from "aws-lambda";
import { describe, type StockPriceEvent } from "./trade";

/** Prices are whole numbers from 0 to 99, as in the SAM sample. */
export const MAX_STOCK_PRICE = 99;

/** Builds a checker around a price source; the deployed one draws a random price. */
export function createStockChecker(priceSource: () => number = () => randomInt(0, MAX_STOCK_PRICE + 1)): Handler<unknown, StockPriceEvent> {
    return async () => {
        const price = priceSource();
        if (!Number.isInteger(price) || price < 0 || price > MAX_STOCK_PRICE) {
            throw new RangeError(`stock_price must be an integer from 0 to ${MAX_STOCK_PRICE} (got ${describe(price)})`);
        }
        return { stock_price: price };
    };
}

export const handler = createStockChecker();
