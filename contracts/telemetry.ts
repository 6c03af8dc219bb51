/**
 * What the functions write besides their result, named once for the handlers and the model: the
 * metric namespace, dimensions and names, the environment variables Lambda and the program set,
 * and the embedded metric format (EMF) document of each trade. Pure: no import but types.
 *
 * Each document carries the function's own application log level, which Lambda always keeps, and
 * an RFC 3339 timestamp: Lambda's advanced logging reads a JSON line on stdout by its `level`, and
 * counts one without a level, or without a timestamp, as INFO, so at WARN or above it would drop
 * every trade metric.
 */
import type { TradeType } from "./functions";

/** The CloudWatch namespace of the project's own metrics. */
export const METRIC_NAMESPACE = "StockTrader";
/** The dimensions each trade metric is recorded under. */
export const TRADE_DIMENSIONS = ["Stack", "TradeType"] as const;
/** The trade metrics: how many trades, and at what price. */
export const TRADE_METRICS = { trades: "Trades", price: "TradePrice" } as const;
/** The environment variable that names the stack, the metrics' `Stack` dimension. */
export const STACK_ENV = "STOCK_TRADER_STACK";
/** The environment variable in which Lambda gives a function its application log level. */
export const LOG_LEVEL_ENV = "AWS_LAMBDA_LOG_LEVEL";

/**
 * The EMF document of one trade: one more trade of its type, at its price, on this stack, at
 * `level`, the function's application log level (INFO, Lambda's default, when none is set).
 */
export function tradeMetrics(trade: { type: TradeType; price: number }, stack: string, at: Date, level = "INFO"): object {
    return {
        level,
        timestamp: at.toISOString(),
        _aws: {
            Timestamp: at.getTime(),
            CloudWatchMetrics: [
                {
                    Namespace: METRIC_NAMESPACE,
                    Dimensions: [[...TRADE_DIMENSIONS]],
                    Metrics: [
                        { Name: TRADE_METRICS.trades, Unit: "Count" },
                        { Name: TRADE_METRICS.price, Unit: "None" },
                    ],
                },
            ],
        },
        Stack: stack,
        TradeType: trade.type,
        [TRADE_METRICS.trades]: 1,
        [TRADE_METRICS.price]: trade.price,
    };
}
