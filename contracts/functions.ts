/**
 * What the trading functions take and give, and the prices they deal in: the contract the
 * handlers and the model both import, which imports neither. The batch program's contract is
 * its folder's contract.json (model/batch-contract.ts reads it).
 */

/** Prices are whole numbers from 0 to 99, as in the SAM sample. */
export const MAX_STOCK_PRICE = 99;

/** What Check Stock Value hands to Buy Stock or Sell Stock. */
export interface StockPriceEvent {
    stock_price: number;
}

/** The kinds of trade, each the TradeType dimension's value of its metrics. */
export const TRADE_TYPES = ["buy", "sell"] as const;
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

/** Renders a bad value for an error message. */
export function describe(value: unknown): string {
    if (value === undefined) {
        return "nothing";
    }
    // JSON has no form for a function or a symbol; their type names them well enough.
    return typeof value === "number" ? String(value) : (JSON.stringify(value) ?? typeof value);
}
