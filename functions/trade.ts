import { randomInt, randomUUID } from "node:crypto";
import type { Handler } from "aws-lambda";

/** What Check Stock Value hands to Buy Stock or Sell Stock. */
export interface StockPriceEvent {
    stock_price: number;
}

export type TradeType = "buy" | "sell";

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

/** Throws unless the event carries a usable `stock_price`. */
export function readStockPrice(event: unknown): number {
    const price = (event as Partial<StockPriceEvent> | null | undefined)?.stock_price;
    if (typeof price !== "number" || !Number.isFinite(price) || price < 0) {
        throw new TypeError(
            `stock_price must be a finite number >= 0 (got ${describe(price)})`,
        );
    }
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

/** A Lambda handler that executes trades of one type. */
export function createTradeHandler(type: TradeType, deps: TradeDeps = defaultTradeDeps): Handler<unknown, TradeResult> {
    return async (event) => executeTrade(type, event, deps);
}

/** Renders a bad value for an error message. */
export function describe(value: unknown): string {
    if (value === undefined) {
        return "nothing";
    }
    return typeof value === "number" ? String(value) : (JSON.stringify(value) ?? String(value));
}
