/**
 * What the functions write besides their result: one JSON log record per invocation, and for
 * each trade a CloudWatch embedded metric format (EMF) document. It imports no handler, so the
 * model can name the metrics without loading one.
 *
 * The functions use Lambda's advanced logging controls rather than a logging library: with the
 * JSON log format, Lambda turns each console record into a JSON line with its timestamp, level
 * and request id, and drops those below the function's application log level, so the bundles
 * stay a few kilobytes. The EMF document is written to stdout as it is, outside the console
 * records, so CloudWatch Logs reads it as EMF and extracts its metrics (no PutMetricData call).
 * Lambda's filtering reads a JSON line on stdout by its `level` and counts one without a level
 * as INFO, so at WARN or above it would drop every trade metric: each document carries the
 * function's own application log level, which Lambda always keeps, and an RFC 3339 timestamp,
 * without which Lambda also counts the line as INFO.
 */
import type { Context } from "aws-lambda";
import type { TradeType } from "./contract";

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

/** Where a function's records go: the console for log records, stdout for EMF documents. */
export interface FunctionOutput {
    info(record: object): void;
    error(record: object): void;
    metrics(document: object): void;
}

export const lambdaOutput: FunctionOutput = {
    info: (record) => console.info(record),
    error: (record) => console.error(record),
    metrics: (document) => process.stdout.write(`${JSON.stringify(document)}\n`),
};

/** What every record says about its invocation: the request id, and whether it was the instance's first. */
export interface Invocation {
    requestId: string;
    coldStart: boolean;
}

/** Counts a function instance's invocations: the first is its cold start. */
export function invocationTracker(): (context: Context) => Invocation {
    let cold = true;
    return (context) => {
        const invocation = { requestId: context.awsRequestId, coldStart: cold };
        cold = false;
        return invocation;
    };
}

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

/** Logs why an invocation fails, with what it was given, then fails it with the same error. */
export function failed(output: FunctionOutput, invocation: Invocation, error: unknown, given: object): never {
    output.error({ message: "failed", ...invocation, error: (error as Error).message, ...given });
    throw error;
}
