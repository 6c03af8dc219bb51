/**
 * The log lines of one execution, in time order: each Lambda invocation's lines from its
 * function's log group, and the batch container's from its awslogs stream. An invocation's lines
 * are found in its time window (from the execution's history) by the records the functions write
 * (the checked price, the trade's id, or the failure), then every line with the same request id.
 */
import { type CloudWatchLogsClient, GetLogEventsCommand, paginateFilterLogEvents } from "@aws-sdk/client-cloudwatch-logs";
import type { HistoryEvent } from "@aws-sdk/client-sfn";

/** One log line of an execution, from a function or the batch container. */
export interface LogLine {
    /** Milliseconds since the epoch, as CloudWatch Logs stamps the event. */
    at: number;
    /** The function's name, or `batch`. */
    source: string;
    message: string;
}

/** One invocation of a function, as the execution's history records it. */
export interface LambdaInvocation {
    functionArn: string;
    from: number;
    to: number;
    /** The function's result, when it succeeded. */
    output?: Record<string, unknown>;
    failed: boolean;
}

const ENDED = new Set(["LambdaFunctionSucceeded", "LambdaFunctionFailed", "LambdaFunctionTimedOut", "LambdaFunctionStartFailed"]);

const time = (event: HistoryEvent) => (event.timestamp ? new Date(event.timestamp).getTime() : 0);

/** Every Lambda invocation of the history, oldest first: scheduled, then ended. */
export function lambdaInvocations(history: readonly HistoryEvent[]): LambdaInvocation[] {
    const invocations: LambdaInvocation[] = [];
    let scheduled: { functionArn: string; from: number } | undefined;
    for (const event of history) {
        if (event.type === "LambdaFunctionScheduled") {
            scheduled = { functionArn: event.lambdaFunctionScheduledEventDetails?.resource ?? "", from: time(event) };
        } else if (scheduled && ENDED.has(event.type ?? "")) {
            const output = event.lambdaFunctionSucceededEventDetails?.output;
            invocations.push({
                ...scheduled,
                to: time(event),
                output: output === undefined ? undefined : (JSON.parse(output) as Record<string, unknown>),
                failed: event.type !== "LambdaFunctionSucceeded",
            });
            scheduled = undefined;
        }
    }
    return invocations;
}

type LogRecord = { requestId?: string; record?: { requestId?: string }; message?: unknown } & Record<string, unknown>;

function parse(message: string): LogRecord | undefined {
    try {
        const value: unknown = JSON.parse(message);
        return typeof value === "object" && value !== null ? (value as LogRecord) : undefined;
    } catch {
        return undefined;
    }
}

/** The request id of a line in Lambda's JSON log format: an application record's, or a platform record's. */
export function requestIdOf(record: LogRecord): string | undefined {
    return record.requestId ?? record.record?.requestId;
}

/** Whether an application record is this invocation's own: its failure, its trade, or its checked price. */
export function isInvocationRecord(record: LogRecord, invocation: LambdaInvocation): boolean {
    const app = (typeof record.message === "object" && record.message !== null ? record.message : record) as Record<string, unknown>;
    if (invocation.failed) {
        return app.message === "failed";
    }
    const output = invocation.output ?? {};
    if (typeof output.id === "string") {
        return (app.trade as { id?: unknown } | undefined)?.id === output.id;
    }
    return app.message === "checked price" && app.price === output.stock_price;
}

/** What reading log lines needs: the client, and how to call AWS with the caller's refusal handling. */
export interface LogReader {
    client: CloudWatchLogsClient;
    call<T>(action: string, resource: string, send: () => Promise<T>): Promise<T>;
}

/** The log lines of one invocation, from its function's log group, a second either side of its window. */
export async function invocationLines(reader: LogReader, invocation: LambdaInvocation, logGroupName: string, source: string): Promise<LogLine[]> {
    const events: { timestamp?: number; message?: string }[] = [];
    await reader.call("logs:FilterLogEvents", logGroupName, async () => {
        const pages = paginateFilterLogEvents({ client: reader.client }, { logGroupName, startTime: invocation.from - 1000, endTime: invocation.to + 1000 });
        for await (const page of pages) {
            events.push(...(page.events ?? []));
        }
    });
    const parsed = events.map((event) => ({ event, record: parse(event.message ?? "") }));
    const requestIds = new Set(parsed.filter(({ record }) => record && isInvocationRecord(record, invocation)).map(({ record }) => requestIdOf(record!)));
    return parsed
        .filter(({ record }) => record && requestIds.has(requestIdOf(record)))
        .map(({ event }) => ({ at: event.timestamp ?? 0, source, message: event.message ?? "" }));
}

/** The batch container's lines for a task, from its awslogs stream `<prefix>/<container>/<task id>`. */
export async function batchLines(reader: LogReader, taskArn: string, logGroup: string, container: string): Promise<LogLine[]> {
    const logStreamName = `${container}/${container}/${taskArn.split("/").at(-1)}`;
    const lines: LogLine[] = [];
    let token: string | undefined;
    for (;;) {
        const page = await reader.call("logs:GetLogEvents", `${logGroup}:${logStreamName}`, () =>
            reader.client.send(new GetLogEventsCommand({ logGroupName: logGroup, logStreamName, startFromHead: true, nextToken: token })),
        );
        lines.push(...(page.events ?? []).map((e) => ({ at: e.timestamp ?? 0, source: "batch", message: e.message ?? "" })));
        // GetLogEvents returns the token it was given once there is nothing more to read.
        if (!page.nextForwardToken || page.nextForwardToken === token) {
            return lines;
        }
        token = page.nextForwardToken;
    }
}

/** Lines of several sources in time order; lines of the same moment keep the order they came in. */
export const inTimeOrder = (lines: readonly LogLine[]): LogLine[] => [...lines].sort((a, b) => a.at - b.at);

/** The lines as `npm run execute` prints them: the time, the source, the line. */
export function renderLogLines(lines: readonly LogLine[]): string[] {
    const width = Math.max(0, ...lines.map((l) => l.source.length));
    return lines.map((l) => `  ${new Date(l.at).toISOString()}  ${l.source.padEnd(width)}  ${l.message}`);
}
