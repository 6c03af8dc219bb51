/**
 * Where the functions write besides their result: one JSON log record per invocation, and for
 * each trade its embedded metric format (EMF) document (contracts/telemetry.ts).
 *
 * The functions use Lambda's advanced logging controls rather than a logging library: with the
 * JSON log format, Lambda turns each console record into a JSON line with its timestamp, level
 * and request id, and drops those below the function's application log level, so the bundles
 * stay a few kilobytes. The EMF document is written to stdout as it is, outside the console
 * records, so CloudWatch Logs reads it as EMF and extracts its metrics (no PutMetricData call).
 */
import type { Context } from "aws-lambda";

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

/** Logs why an invocation fails, with what it was given, then fails it with the same error. */
export function failed(output: FunctionOutput, invocation: Invocation, error: unknown, given: object): never {
    output.error({ message: "failed", ...invocation, error: (error as Error).message, ...given });
    throw error;
}
