/**
 * `npm run execute -- --rerun-batch EXECUTION_ARN`: runs the batch task of a failed execution
 * again, with exactly the request `Run ECS task` sent (its overrides, network and capacity, read
 * from the execution's history), waits for it to stop, and reports its exit code and log lines.
 * The batch job is idempotent, so running it again for the same trade is safe.
 */
import { DescribeTasksCommand, RunTaskCommand, type ECSClient, type RunTaskCommandInput, type Task } from "@aws-sdk/client-ecs";
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { BATCH_ENV } from "../../model/transaction";
import { STATES } from "../../model/workflow";
import { call, ExecuteError, POLL, THROTTLED, type CallDeps } from "../cli/aws-calls";

/** What `Run ECS task` sent, as Step Functions recorded it, and what the rerun needs to know of it. */
export interface BatchRequest {
    /** The RunTask request in the SDK's form. */
    input: RunTaskCommandInput;
    containerName: string;
    /** The trade the task processes (its TRANSACTION_ID). */
    tradeId?: string;
}

/** Step Functions' service integrations name request fields as the API does (PascalCase); the SDK takes them camelCase. */
export function sdkShape(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(sdkShape);
    }
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key.charAt(0).toLowerCase() + key.slice(1), sdkShape(inner)]));
    }
    return value;
}

const isBatchTask = (details: { resourceType?: string; resource?: string } | undefined) =>
    details?.resourceType === "ecs" && details.resource?.startsWith("runTask") === true;

/** The last request `Run ECS task` sent: its TaskScheduled event's parameters, every path already resolved. */
export function batchRequest(history: readonly HistoryEvent[]): BatchRequest | undefined {
    const scheduled = history.filter((e) => e.type === "TaskScheduled" && isBatchTask(e.taskScheduledEventDetails)).at(-1);
    if (!scheduled) {
        return undefined;
    }
    const input = sdkShape(JSON.parse(scheduled.taskScheduledEventDetails?.parameters ?? "{}")) as RunTaskCommandInput;
    const override = input.overrides?.containerOverrides?.[0];
    return {
        input,
        containerName: override?.name ?? "",
        tradeId: override?.environment?.find((e) => e.name === BATCH_ENV.transactionId)?.value,
    };
}

/**
 * Why an execution's batch should not be run again, or undefined when it ended in a batch
 * failure: FAILED, in a Fail state, after `Run ECS task` failed.
 */
export function rerunRefusal(status: string, history: readonly HistoryEvent[]): string | undefined {
    if (status !== "FAILED") {
        return status === "SUCCEEDED"
            ? "not rerun: the execution SUCCEEDED, so its batch task ran"
            : `not rerun: the execution is ${status}, not failed after its batch task${status === "RUNNING" ? "" : `; redrive it instead (--redrive)`}`;
    }
    const entered = history.filter((e) => e.type?.endsWith("StateEntered")).map((e) => e.stateEnteredEventDetails?.name);
    const batchFailed = history.some((e) => e.type === "TaskFailed" && isBatchTask(e.taskFailedEventDetails));
    if (!entered.includes(STATES.runEcsTask) || !batchFailed) {
        const last = entered.at(-1) ?? "its first state";
        return `not rerun: the execution failed before its batch task ran (its last state was "${last}"); redrive it instead (--redrive), which runs the failed step again`;
    }
    return undefined;
}

/** How the rerun task ended. */
export interface RerunResult {
    taskArn: string;
    exitCode?: number;
    stopCode?: string;
    stoppedReason?: string;
}

/** Starts the task with the recorded request and polls DescribeTasks until it has stopped. */
export async function runAgain(ecs: ECSClient, request: BatchRequest, deps: CallDeps): Promise<RerunResult> {
    // Where the request names no cluster, RunTask ran the task on the default cluster, as DescribeTasks then reads.
    const { cluster } = request.input;
    const started = await call("ecs:RunTask", request.input.taskDefinition ?? "", () => ecs.send(new RunTaskCommand(request.input)), deps);
    const taskArn = started.tasks?.[0]?.taskArn;
    if (taskArn === undefined) {
        const failure = started.failures?.[0];
        throw new ExecuteError(`ECS started no task: ${failure?.reason ?? "no reason given"}${failure?.detail ? ` (${failure.detail})` : ""}`);
    }
    let delay = POLL.firstMs;
    for (;;) {
        await deps.sleep(delay);
        const described = await call("ecs:DescribeTasks", taskArn, () => ecs.send(new DescribeTasksCommand({ cluster, tasks: [taskArn] })), deps, THROTTLED);
        const task: Task | undefined = described.tasks?.[0];
        if (task?.lastStatus === "STOPPED") {
            const container = task.containers?.find((c) => c.name === request.containerName);
            return { taskArn, exitCode: container?.exitCode, stopCode: task.stopCode, stoppedReason: task.stoppedReason };
        }
        delay = Math.min(POLL.maxMs, delay * POLL.factor);
    }
}
