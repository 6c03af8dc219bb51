import * as assert from "node:assert/strict";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { summarize, traceEvent } from "../scripts/local/simulate";
import { batchTask, failStateOf, historyTranslator, stateTracer, type TraceEvent } from "../scripts/cli/trace";

const TASK = "arn:aws:ecs:us-east-1:123456789012:task/c/0123";

describe("the state-by-state trace", () => {
    it("writes one line per event, each state's duration from its last entry or retry", () => {
        const lines: string[] = [];
        const trace = stateTracer((line) => lines.push(line));
        const events: TraceEvent[] = [
            { kind: "entered", state: "Check Stock Value", at: 1000 },
            { kind: "failed", state: "Check Stock Value", at: 1012.4, error: "Lambda.Unknown" },
            { kind: "retried", state: "Check Stock Value", at: 1500 },
            { kind: "exited", state: "Check Stock Value", at: 1507.6 },
            { kind: "entered", state: "Run ECS task", at: 2000 },
            { kind: "failed", state: "Run ECS task", at: 2400, error: "States.TaskFailed", task: { taskArn: TASK, exitCode: 1 } },
            { kind: "caught", state: "Run ECS task", at: 2400 },
            { kind: "exited", state: "Run ECS task", at: 2500, task: { taskArn: TASK, stopCode: "SpotInterruption" } },
            { kind: "exited", state: "Never entered", at: 3000, task: {} },
        ];
        events.forEach(trace);
        assert.deepEqual(lines, [
            "  → Check Stock Value",
            "  ✗ Check Stock Value        12 ms  Lambda.Unknown",
            "  ↻ Check Stock Value (retry)",
            "  ← Check Stock Value         8 ms",
            "  → Run ECS task",
            `  ✗ Run ECS task            400 ms  States.TaskFailed  task ${TASK}  exit 1`,
            "  ⤷ Run ECS task caught the error",
            `  ← Run ECS task            500 ms  task ${TASK}  stopped: SpotInterruption`,
            "  ← Never entered             0 ms  task ?",
        ]);
    });

    it("reads the batch task from Run ECS task's output or its failure's cause, and from nothing else", () => {
        assert.deepEqual(batchTask("Run ECS task", { id: "t", batch: { TaskArn: TASK, ExitCode: 0 } }), { taskArn: TASK, exitCode: 0 });
        assert.deepEqual(batchTask("Run ECS task", JSON.stringify({ TaskArn: TASK, Containers: [{ ExitCode: 3 }] })), { taskArn: TASK, exitCode: 3 });
        assert.deepEqual(batchTask("Run ECS task", JSON.stringify({ TaskArn: TASK, StopCode: "SpotInterruption", Containers: [{}] })), {
            taskArn: TASK,
            stopCode: "SpotInterruption",
        });
        assert.equal(batchTask("Run ECS task", "not json"), undefined);
        assert.equal(batchTask("Run ECS task", null), undefined);
        assert.equal(batchTask("Run ECS task", { other: 1 }), undefined);
        assert.equal(batchTask("Buy Stock", { batch: { TaskArn: TASK, ExitCode: 0 } }), undefined);
    });

    it("turns the local engine's events into trace events, and leaves out those of no state", () => {
        const state = (name: string, output?: unknown) => ({ name, type: "Task", output });
        assert.deepEqual(traceEvent({ type: "StateEntered", timestamp: 1, state: state("Buy Stock") }), { kind: "entered", state: "Buy Stock", at: 1 });
        assert.deepEqual(traceEvent({ type: "StateExited", timestamp: 2, state: state("Run ECS task", { batch: { TaskArn: TASK, ExitCode: 0 } }) }), {
            kind: "exited",
            state: "Run ECS task",
            at: 2,
            task: { taskArn: TASK, exitCode: 0 },
        });
        assert.deepEqual(
            traceEvent({
                type: "StateFailed",
                timestamp: 3,
                state: state("Run ECS task"),
                Error: "States.TaskFailed",
                Cause: JSON.stringify({ TaskArn: TASK, Containers: [{ ExitCode: 1 }] }),
            }),
            {
                kind: "failed",
                state: "Run ECS task",
                at: 3,
                error: "States.TaskFailed",
                task: { taskArn: TASK, exitCode: 1 },
            },
        );
        assert.deepEqual(traceEvent({ type: "StateFailed", timestamp: 3, state: state("Buy Stock") }), {
            kind: "failed",
            state: "Buy Stock",
            at: 3,
            error: "unknown error",
            task: undefined,
        });
        assert.deepEqual(traceEvent({ type: "StateRetried", timestamp: 4, state: state("Buy Stock") }), { kind: "retried", state: "Buy Stock", at: 4 });
        assert.deepEqual(traceEvent({ type: "StateCaught", timestamp: 5, state: state("Run ECS task") }), { kind: "caught", state: "Run ECS task", at: 5 });
        assert.equal(traceEvent({ type: "ExecutionStarted", timestamp: 0 }), undefined);
        assert.equal(traceEvent({ type: "MapIterationStarted", timestamp: 0, state: state("x") }), undefined);
    });

    it("summarizes a run: outcomes, trade types, the table, throughput and the median", () => {
        const item = (type: string, processed: boolean): Record<string, AttributeValue> => ({
            Id: { S: type },
            Type: { S: type },
            ...(processed ? { ProcessedAt: { S: "2026-11-30T00:00:00Z" } } : {}),
        });
        const summary = summarize({
            results: [
                { status: "SUCCEEDED", durationMs: 100 },
                { status: "FAILED", durationMs: 300 },
                { status: "SUCCEEDED", durationMs: 250.04 },
            ],
            items: [item("buy", true), item("sell", true), item("sell", false)],
            durationMs: 1500,
            endpoint: "http://127.0.0.1:1",
        });
        assert.deepEqual(summary, {
            executions: 3,
            succeeded: 2,
            failed: 1,
            buy: 1,
            sell: 2,
            itemsInTable: 3,
            itemsProcessed: 2,
            executionsPerSecond: 2,
            medianExecutionMs: 250,
        });
    });
});

describe("the trace of an execution's history on AWS", () => {
    const T0 = Date.parse("2026-11-28T10:00:00.000Z");
    /** A history event as GetExecutionHistory gives it: ids from 1, each 100 ms after the last. */
    const event = (id: number, type: string, details: Partial<HistoryEvent> = {}): HistoryEvent => ({
        id,
        previousEventId: id - 1,
        timestamp: new Date(T0 + id * 100),
        type: type as HistoryEvent["type"],
        ...details,
    });
    const at = (id: number) => T0 + id * 100;
    const entered = (name: string): Partial<HistoryEvent> => ({ stateEnteredEventDetails: { name, input: "{}", inputDetails: { truncated: false } } });
    const exited = (name: string, output = "{}"): Partial<HistoryEvent> => ({ stateExitedEventDetails: { name, output, outputDetails: { truncated: false } } });

    it("reads a Lambda retried after a failed attempt as a retry, and its state's exit after the retry as no caught error", () => {
        const translate = historyTranslator();
        const history = [
            event(1, "TaskStateEntered", entered("Check Stock Value")),
            event(2, "LambdaFunctionScheduled"),
            event(3, "LambdaFunctionFailed", { lambdaFunctionFailedEventDetails: { error: "Lambda.Unknown", cause: "The function timed out" } }),
            event(4, "LambdaFunctionScheduled"),
            event(5, "LambdaFunctionStarted"),
            event(6, "TaskStateExited", exited("Check Stock Value", '{"stock_price":42}')),
        ];
        assert.deepEqual(history.map(translate), [
            [{ kind: "entered", state: "Check Stock Value", at: at(1) }],
            [],
            [{ kind: "failed", state: "Check Stock Value", at: at(3), error: "Lambda.Unknown", task: undefined }],
            [{ kind: "retried", state: "Check Stock Value", at: at(4) }],
            [],
            [{ kind: "exited", state: "Check Stock Value", at: at(6), task: undefined }],
        ]);
    });

    it("names an exit by the state that left, which inside a Parallel state is not the one last entered", () => {
        const translate = historyTranslator();
        const history = [
            event(1, "ParallelStateEntered", entered("Both")),
            event(2, "PassStateEntered", entered("Left")),
            event(3, "PassStateExited", exited("Left")),
            event(4, "ParallelStateExited", exited("Both")),
        ];
        assert.deepEqual(
            history.flatMap(translate).map((t) => `${t.kind} ${t.state}`),
            ["entered Both", "entered Left", "exited Left", "exited Both"],
        );
    });

    it("reads events that carry no details, as the SDK's types allow, by the state last entered and the event's type", () => {
        const translate = historyTranslator();
        const history = [
            event(1, "TaskStateEntered", entered("Run ECS task")),
            event(2, "TaskFailed"),
            event(3, "TaskStateExited"),
            event(4, "PassStateEntered"),
        ];
        assert.deepEqual(history.map(translate), [
            [{ kind: "entered", state: "Run ECS task", at: at(1) }],
            [{ kind: "failed", state: "Run ECS task", at: at(2), error: "TaskFailed", task: undefined }],
            [
                { kind: "caught", state: "Run ECS task", at: at(3) },
                { kind: "exited", state: "Run ECS task", at: at(3), task: undefined },
            ],
            [{ kind: "entered", state: "", at: at(4) }],
        ]);
    });

    it("begins in no state and with no failed attempt, for a history read from the middle of a state", () => {
        assert.deepEqual(historyTranslator()(event(7, "TaskStateExited", exited("Buy Stock"))), [
            { kind: "exited", state: "Buy Stock", at: at(7), task: undefined },
        ]);
        assert.deepEqual(historyTranslator()(event(7, "LambdaFunctionScheduled")), []);
        assert.deepEqual(historyTranslator()(event(7, "LambdaFunctionTimedOut", { lambdaFunctionTimedOutEventDetails: { error: "States.Timeout" } })), [
            { kind: "failed", state: "", at: at(7), error: "States.Timeout", task: undefined },
        ]);
    });

    it("names the Fail state an execution ended in, and none when it entered no state at all", () => {
        assert.equal(
            failStateOf([
                event(1, "ExecutionStarted"),
                event(2, "TaskStateEntered", entered("Check Stock Value")),
                event(3, "TaskStateExited", exited("Check Stock Value")),
                event(4, "FailStateEntered", entered("Trade Failed")),
                event(5, "ExecutionFailed", { executionFailedEventDetails: { error: "TradeFailed" } }),
            ]),
            "Trade Failed",
        );
        assert.equal(failStateOf([event(1, "ExecutionStarted"), event(2, "TaskStateEntered", entered("Buy Stock")), event(3, "ExecutionAborted")]), undefined);
        assert.equal(
            failStateOf([event(1, "ExecutionStarted"), event(2, "ExecutionFailed", { executionFailedEventDetails: { error: "States.Runtime" } })]),
            undefined,
        );
        assert.equal(failStateOf([]), undefined);
    });

    it("reads the batch task of a failure whose cause lists no container, by its stop code", () => {
        assert.deepEqual(batchTask("Run ECS task", JSON.stringify({ TaskArn: TASK, StopCode: "TaskFailedToStart" })), {
            taskArn: TASK,
            stopCode: "TaskFailedToStart",
        });
        assert.deepEqual(batchTask("Run ECS task", JSON.stringify({ TaskArn: TASK, StopCode: "TaskFailedToStart", Containers: [] })), {
            taskArn: TASK,
            stopCode: "TaskFailedToStart",
        });
    });
});
