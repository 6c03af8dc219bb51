/**
 * One view of an execution as it runs, shared by `npm run simulate` (local events) and
 * `npm run execute` (AWS's execution history): a line when a state is entered and when it is
 * left, with its duration, its error, its retries, and for the batch state the task and the
 * container's exit code. Each caller turns its own events into `TraceEvent`s.
 */
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { STATES } from "../../model/workflow";

/** Which ECS task a `Run ECS task` attempt ran, and how its container ended. */
export interface BatchTask {
    taskArn?: string;
    exitCode?: number;
    /** Why ECS stopped the task, when its container did not simply exit (a Spot interruption). */
    stopCode?: string;
}

export type TraceEvent =
    | { kind: "entered"; state: string; at: number }
    | { kind: "exited"; state: string; at: number; task?: BatchTask }
    | { kind: "failed"; state: string; at: number; error: string; task?: BatchTask }
    | { kind: "retried"; state: string; at: number }
    | { kind: "caught"; state: string; at: number };

const NAME_WIDTH = 20;

/**
 * The task of a `Run ECS task` result: the state's output (`batch` holds `{ TaskArn, ExitCode }`)
 * on success, or its cause on failure (ECS's stopped-task description). Anything else: none.
 */
export function batchTask(state: string, value: unknown): BatchTask | undefined {
    if (state !== STATES.runEcsTask) {
        return undefined;
    }
    let parsed = value;
    if (typeof value === "string") {
        try {
            parsed = JSON.parse(value);
        } catch {
            return undefined;
        }
    }
    const record = parsed as {
        batch?: { TaskArn?: string; ExitCode?: number };
        TaskArn?: string;
        StopCode?: string;
        Containers?: { ExitCode?: number }[];
    } | null;
    if (record?.batch) {
        return { taskArn: record.batch.TaskArn, exitCode: record.batch.ExitCode };
    }
    if (record?.TaskArn !== undefined) {
        const exitCode = record.Containers?.[0]?.ExitCode;
        return exitCode === undefined ? { taskArn: record.TaskArn, stopCode: record.StopCode } : { taskArn: record.TaskArn, exitCode };
    }
    return undefined;
}

const describeTask = (task: BatchTask | undefined) =>
    task
        ? `  task ${task.taskArn ?? "?"}${task.exitCode === undefined ? "" : `  exit ${task.exitCode}`}${task.stopCode === undefined ? "" : `  stopped: ${task.stopCode}`}`
        : "";

/** A function that writes one line per event, measuring each state from when it was last entered or retried. */
export function stateTracer(write: (line: string) => void): (event: TraceEvent) => void {
    const since = new Map<string, number>();
    const duration = (event: TraceEvent) => `${String(Math.round(event.at - (since.get(event.state) ?? event.at))).padStart(6)} ms`;
    return (event) => {
        switch (event.kind) {
            case "entered":
                since.set(event.state, event.at);
                write(`  → ${event.state}`);
                break;
            case "exited":
                write(`  ← ${event.state.padEnd(NAME_WIDTH)} ${duration(event)}${describeTask(event.task)}`);
                break;
            case "failed":
                write(`  ✗ ${event.state.padEnd(NAME_WIDTH)} ${duration(event)}  ${event.error}${describeTask(event.task)}`);
                break;
            case "retried":
                since.set(event.state, event.at);
                write(`  ↻ ${event.state} (retry)`);
                break;
            case "caught":
                write(`  ⤷ ${event.state} caught the error`);
                break;
        }
    };
}

const FAILURE_EVENTS = new Set([
    "LambdaFunctionFailed",
    "LambdaFunctionStartFailed",
    "LambdaFunctionScheduleFailed",
    "LambdaFunctionTimedOut",
    "TaskFailed",
    "TaskStartFailed",
    "TaskSubmitFailed",
    "TaskTimedOut",
]);
const ATTEMPT_EVENTS = new Set(["LambdaFunctionScheduled", "TaskScheduled"]);

interface FailureDetails {
    error?: string;
    cause?: string;
}

/** Turns AWS's history events into the shared trace's, remembering the state they belong to. */
export function historyTranslator(): (event: HistoryEvent) => TraceEvent[] {
    let current = "";
    let failedAttempt = false;
    return (event) => {
        const at = event.timestamp ? new Date(event.timestamp).getTime() : 0;
        const type = event.type ?? "";
        if (type.endsWith("StateEntered")) {
            current = event.stateEnteredEventDetails?.name ?? "";
            failedAttempt = false;
            return [{ kind: "entered", state: current, at }];
        }
        if (type.endsWith("StateExited")) {
            const name = event.stateExitedEventDetails?.name ?? current;
            const exited: TraceEvent = { kind: "exited", state: name, at, task: batchTask(name, event.stateExitedEventDetails?.output) };
            // A state that leaves after a failed attempt has caught the error.
            return failedAttempt ? [{ kind: "caught", state: name, at }, exited] : [exited];
        }
        if (FAILURE_EVENTS.has(type)) {
            const details = Object.entries(event).find(([key]) => key.endsWith("EventDetails"))?.[1] as FailureDetails | undefined;
            failedAttempt = true;
            const task = batchTask(current, details?.cause);
            return [{ kind: "failed", state: current, at, error: details?.error ?? type, task }];
        }
        if (ATTEMPT_EVENTS.has(type) && failedAttempt) {
            failedAttempt = false;
            return [{ kind: "retried", state: current, at }];
        }
        return [];
    };
}

/** The execution ended in a Fail state: the name of that state, or undefined. */
export function failStateOf(history: readonly HistoryEvent[]): string | undefined {
    const entered = history.filter((e) => e.type?.endsWith("StateEntered")).at(-1);
    return entered?.type === "FailStateEntered" ? entered.stateEnteredEventDetails?.name : undefined;
}
