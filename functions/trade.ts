import { randomInt, randomUUID } from "node:crypto";
import type { Handler } from "aws-lambda";
import { readStockPrice, type TradeResult, type TradeType } from "../contracts/functions";
import { LOG_LEVEL_ENV, STACK_ENV, tradeMetrics } from "../contracts/telemetry";
import { failed, invocationTracker, lambdaOutput, type FunctionOutput } from "./telemetry";

/** Sources of randomness and time, injectable so that tests can pin them. */
export interface TradeDeps {
    newId: () => string;
    quantity: () => number;
    now: () => Date;
}

export const defaultTradeDeps: TradeDeps = {
    newId: randomUUID,
    quantity: () => randomInt(1, 11),
    now: () => new Date(),
};

/** Buy and sell differ only in their type: this is the one piece of trade logic both use. */
export function executeTrade(type: TradeType, event: unknown, deps: TradeDeps = defaultTradeDeps): TradeResult {
    const price = readStockPrice(event);
    return {
        id: deps.newId(),
        price: String(price),
        type,
        qty: String(deps.quantity()),
        timestamp: deps.now().toISOString(),
    };
}

/**
 * A Lambda handler that executes trades of one type. Each trade is logged (id, type, price,
 * quantity) and counted in the trade metrics; a bad event is logged before the handler fails.
 */
export function createTradeHandler(type: TradeType, deps: TradeDeps = defaultTradeDeps, output: FunctionOutput = lambdaOutput): Handler<unknown, TradeResult> {
    const invocation = invocationTracker();
    return async (event, context) => {
        const current = invocation(context);
        let trade: TradeResult;
        try {
            trade = executeTrade(type, event, deps);
        } catch (error) {
            return failed(output, current, error, { event });
        }
        const traded = { id: trade.id, type, price: Number(trade.price), quantity: Number(trade.qty) };
        output.info({ message: "traded", ...current, trade: traded });
        output.metrics(tradeMetrics(traded, process.env[STACK_ENV] ?? "unknown", new Date(trade.timestamp), process.env[LOG_LEVEL_ENV]));
        return trade;
    };
}
