import { randomInt } from "node:crypto";
import type { Handler } from "aws-lambda";
import { failed, invocationTracker, lambdaOutput, type FunctionOutput } from "./telemetry";
import { assertStockPrice, MAX_STOCK_PRICE, type StockPriceEvent } from "../contracts/functions";

/** Builds a checker around a price source; the deployed one draws a random price. Each check is logged with its price. */
export function createStockChecker(
    priceSource: () => number = () => randomInt(0, MAX_STOCK_PRICE + 1),
    output: FunctionOutput = lambdaOutput,
): Handler<unknown, StockPriceEvent> {
    const invocation = invocationTracker();
    return async (_event, context) => {
        const current = invocation(context);
        const price = priceSource();
        try {
            assertStockPrice(price);
        } catch (error) {
            return failed(output, current, error, { price });
        }
        output.info({ message: "checked price", ...current, price });
        return { stock_price: price };
    };
}

export const handler = createStockChecker();
