import * as assert from "node:assert/strict";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { summarize, traceEvent } from "../scripts/local/simulate";
import { batchTask, stateTracer, type TraceEvent } from "../scripts/cli/trace";

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
