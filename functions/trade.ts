import { randomInt, randomUUID } from "node:crypto";
import type { Handler } from "aws-lambda";
import { failed, invocationTracker, lambdaOutput, STACK_ENV, tradeMetrics, type TRADE_TYPES, type FunctionOutput } from "./telemetry";

/** What Check Stock Value hands to Buy Stock or Sell Stock. */
export interface StockPriceEvent {
    stock_price: number;
}

export type TradeType = (typeof TRADE_TYPES)[number];

/**
 * One executed trade. `price` and `qty` are strings because they are written to DynamoDB
 * as `N` values, which travel as strings in the service's JSON.
 */
export interface TradeResult {
    id: string;
    price: string;
    type: TradeType;
    qty: string;
    timestamp: string;
}

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

/** Prices are whole numbers from 0 to 99, as in the SAM sample. */
export const MAX_STOCK_PRICE = 99;

/**
 * Throws unless `price` is a price this workflow deals in: a whole number from 0 to 99. That
 * also keeps it a number DynamoDB can store exactly, which `1e+300` or `5e-324` would not be.
 */
export function assertStockPrice(price: unknown): asserts price is number {
    if (typeof price !== "number" || !Number.isInteger(price) || price < 0 || price > MAX_STOCK_PRICE) {
        throw new RangeError(`stock_price must be an integer from 0 to ${MAX_STOCK_PRICE} (got ${describe(price)})`);
    }
}

/** Throws unless the event carries a usable `stock_price`. */
export function readStockPrice(event: unknown): number {
    const price = (event as Partial<StockPriceEvent> | null | undefined)?.stock_price;
    assertStockPrice(price);
    return price;
}

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
        output.metrics(tradeMetrics(traded, process.env[STACK_ENV] ?? "unknown", new Date(trade.timestamp)));
        return trade;
    };
}

/** Renders a bad value for an error message. */
export function describe(value: unknown): string {
    if (value === undefined) {
        return "nothing";
    }
    // JSON has no form for a function or a symbol; their type names them well enough.
    return typeof value === "number" ? String(value) : (JSON.stringify(value) ?? typeof value);
}
