import type { Context } from "aws-lambda";
import type { FunctionOutput } from "../../functions/telemetry";

/** What a handler wrote, by stream: its log records by level, and its metric documents. */
export interface Captured {
    info: Record<string, unknown>[];
    error: Record<string, unknown>[];
    metrics: Record<string, unknown>[];
}

/** An output that keeps each record as JSON would carry it, for a test to read. */
export function capturingOutput(): FunctionOutput & { captured: Captured } {
    const captured: Captured = { info: [], error: [], metrics: [] };
    const keep = (into: Record<string, unknown>[]) => (record: object) => into.push(JSON.parse(JSON.stringify(record)) as Record<string, unknown>);
    return { captured, info: keep(captured.info), error: keep(captured.error), metrics: keep(captured.metrics) };
}

/** The context Lambda passes, as far as the handlers read it. */
export const lambdaContext = (awsRequestId: string) => ({ awsRequestId }) as Context;

/**
 * Runs `body` with the console's info and error records and stdout's lines captured, as Lambda
 * would receive them from the deployed handlers.
 */
export async function capturingConsole<T>(body: () => Promise<T>): Promise<{ result: T; info: unknown[]; error: unknown[]; stdout: string[] }> {
    const info: unknown[] = [];
    const error: unknown[] = [];
    const stdout: string[] = [];
    const saved = { info: console.info, error: console.error, write: process.stdout.write };
    console.info = (record: unknown) => info.push(record);
    console.error = (record: unknown) => error.push(record);
    process.stdout.write = (chunk: string) => stdout.push(chunk) > 0;
    try {
        return { result: await body(), info, error, stdout };
    } finally {
        console.info = saved.info;
        console.error = saved.error;
        process.stdout.write = saved.write;
    }
}
