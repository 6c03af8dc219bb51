import * as assert from "node:assert/strict";
import * as net from "node:net";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { createStockChecker } from "../functions/stock-checker";
import { localWorkflow } from "../local/stand-ins";
import { engineDefinition, engineStateMachine, limitConcurrency, runWorkflow, type ExecutionEvent, type RunReport } from "../local/runner";
import { localStoppedTask } from "./support/mock-arns";
import { loadStackConfig } from "../scripts/cli/stack-files";

const config = loadStackConfig("dev");

/** Handles the runner may leave open: servers, sockets, child processes, timers aside. */
function openHandles(): string[] {
    return process.getActiveResourcesInfo().filter((r) => ["TCPServerWrap", "TCPSocketWrap", "ProcessWrap", "PipeWrap"].includes(r));
}

function refusesConnections(endpoint: string): Promise<boolean> {
    const { hostname, port } = new URL(endpoint);
    return new Promise((resolve) => {
        const socket = net.connect(Number(port), hostname);
        socket.once("connect", () => {
            socket.destroy();
            resolve(false);
        });
        socket.once("error", () => resolve(true));
    });
}

function itemById(report: RunReport, id: string): Record<string, AttributeValue> {
    const matches = report.items.filter((item) => item.Id?.S === id);
    assert.equal(matches.length, 1, `expected one item with Id ${id}`);
    return matches[0];
}

describe("local workflow runner", () => {
    for (const [path_, price, type] of [
        ["buy", 10, "buy"],
        ["sell", 90, "sell"],
    ] as const) {
        it(`runs the ${path_} path end to end and leaves the trade recorded and processed`, async () => {
            const report = await runWorkflow({ config, price });
            const [result] = report.results;
            assert.equal(result.status, "SUCCEEDED", result.cause);
            const output = result.output as Record<string, any>;
            assert.equal(output.type, type);
            assert.equal(output.price, String(price));
            assert.equal(output.batch.ExitCode, 0);
            assert.equal(report.items.length, 1);
            const item = itemById(report, output.id);
            assert.deepEqual(
                { Type: item.Type, Price: item.Price, Quantity: item.Quantity, Timestamp: item.Timestamp, Arg1: item.Arg1, Arg2: item.Arg2 },
                {
                    Type: { S: type },
                    Price: { N: String(price) },
                    Quantity: { N: output.qty },
                    Timestamp: { S: output.timestamp },
                    Arg1: { N: "100" },
                    Arg2: { N: "200" },
                },
            );
            assert.match(item.ProcessedAt?.S ?? "", /^\d{4}-\d\d-\d\dT/);
        });
    }

    it("routes a failed batch through Catch to Error: FAILED, ECS-shaped cause kept, trade recorded but not processed", async () => {
        const events: ExecutionEvent[] = [];
        const report = await runWorkflow({ config, price: 20, failBatch: true, onEvent: (_i, e) => events.push(e) });
        const [result] = report.results;
        assert.equal(result.status, "FAILED");
        assert.equal(result.error, "States.TaskFailed");
        const cause = JSON.parse(result.cause ?? "");
        assert.equal(cause.StopCode, "EssentialContainerExited");
        assert.equal(cause.StoppedReason, "Essential container in task exited");
        assert.equal(cause.Containers[0].ExitCode, 1);
        assert.equal(cause.Containers[0].Name, "batch");
        assert.match(cause.StderrTail.join("\n"), /ResourceNotFoundException/);
        assert.ok(
            events.some((e) => e.type === "StateCaught" && e.state?.name === "Run ECS task"),
            "Run ECS task must catch the failure",
        );
        assert.ok(
            events.some((e) => e.type === "StateEntered" && e.state?.name === "Error"),
            "the execution must go through Error",
        );
        assert.ok(!events.some((e) => e.type === "StateRetried" && e.state?.name === "Run ECS task"), "a container's exit is never retried");
        assert.equal(report.items.length, 1);
        assert.equal(report.items[0].ProcessedAt, undefined);
        assert.equal(report.items[0].Type?.S, "buy");
    });

    it("retries a checker that fails once, and the execution succeeds", async () => {
        let calls = 0;
        const flaky = createStockChecker(() => {
            calls++;
            if (calls === 1) {
                throw new Error("price feed unavailable");
            }
            return 30;
        });
        const events: ExecutionEvent[] = [];
        const report = await runWorkflow({ config, handlers: { checker: flaky }, onEvent: (_i, e) => events.push(e) });
        assert.equal(report.results[0].status, "SUCCEEDED", report.results[0].cause);
        assert.equal(calls, 2);
        assert.deepEqual(
            events.filter((e) => e.state?.name === "Check Stock Value").map((e) => e.type),
            ["StateEntered", "StateFailed", "StateRetried", "StateExited"],
        );
        assert.equal(report.items.length, 1);
    });

    it("describes a failed batch task as ECS does: the stopped task, its container's exit code, the stderr tail", async () => {
        const report = await runWorkflow({ config, failBatch: true });
        const cause = JSON.parse(report.results[0].cause ?? "");
        assert.match(cause.TaskArn, /^arn:aws:ecs:us-east-1:000000000000:task\/stock-trader-local\/[0-9a-f]{32}$/);
        const { TaskArn: _taskArn, ...rest } = cause;
        assert.deepEqual({ ...rest, StderrTail: cause.StderrTail.map((line: string) => JSON.parse(line).step) }, localStoppedTask("batch", 1, ["failed"]));
    });

    it("describes a Spot interruption as ECS does: stopped by SpotInterruption, the container never ran", async () => {
        const spot = loadStackConfig("dev", { "stock-trader:batchCapacity": "FARGATE_SPOT", "stock-trader:batchInterruptionRetries": "0" });
        const report = await runWorkflow({ config: spot, interruptBatch: 1 });
        const { TaskArn, ...cause } = JSON.parse(report.results[0].cause ?? "");
        assert.match(TaskArn, /^arn:aws:ecs:us-east-1:000000000000:task\/stock-trader-local\/[0-9a-f]{32}$/);
        assert.deepEqual(cause, {
            ClusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/stock-trader-local",
            TaskDefinitionArn: "arn:aws:ecs:us-east-1:000000000000:task-definition/stock-trader-batch:1",
            LaunchType: "FARGATE",
            CapacityProviderName: "FARGATE_SPOT",
            LastStatus: "STOPPED",
            DesiredStatus: "STOPPED",
            StopCode: "SpotInterruption",
            StoppedReason: "Your Spot Task was interrupted.",
            Containers: [{ Name: "batch", LastStatus: "STOPPED" }],
        });
    });

    it("reports a handler's error as Lambda does: its name as the error, message, type and stack as the cause", async () => {
        const failing = async () => {
            throw new RangeError("no price today");
        };
        const report = await runWorkflow({ config, handlers: { checker: failing }, retryDelayMs: 1 });
        const [result] = report.results;
        assert.equal(result.status, "FAILED");
        assert.equal(result.error, "RangeError");
        const cause = JSON.parse(result.cause ?? "");
        assert.deepEqual([cause.errorMessage, cause.errorType], ["no price today", "RangeError"]);
        assert.ok(Array.isArray(cause.trace) && cause.trace[0] === "RangeError: no price today" && cause.trace.length > 1, JSON.stringify(cause.trace));
    });

    it("runs 200 executions 20 at a time: exactly 200 items, all processed, none lost or duplicated @load", async function () {
        this.timeout(180000);
        const report = await runWorkflow({ config, executions: 200, concurrency: 20 });
        assert.equal(report.results.length, 200);
        assert.deepEqual(
            report.results.filter((r) => r.status !== "SUCCEEDED"),
            [],
        );
        const outputIds = report.results.map((r) => (r.output as { id: string }).id);
        assert.equal(new Set(outputIds).size, 200);
        assert.equal(report.items.length, 200);
        assert.deepEqual(report.items.map((i) => i.Id?.S).sort(), [...outputIds].sort());
        assert.equal(report.items.filter((i) => i.ProcessedAt?.S).length, 200);
    });

    it("gives the engine AWS's Task timeout where the definition sets none, and keeps the ones it sets", () => {
        const { definition } = localWorkflow(config, "TransactionTable");
        const engine = engineDefinition(definition);
        for (const [name, state] of Object.entries(engine.States)) {
            const deployed = definition.States[name];
            if (state.Type !== "Task" || deployed.Type !== "Task") {
                assert.deepEqual(state, deployed);
                continue;
            }
            // AWS's default is 99999999 s; a Node.js timer holds at most 2^31-1 ms.
            assert.equal(state.TimeoutSeconds, deployed.TimeoutSeconds ?? 2147483, name);
            assert.ok((state.TimeoutSeconds ?? 0) > 60, `${name} must not time out after aws-local-stepfunctions' 60 s default`);
        }
        assert.equal((engine.States["Run ECS task"] as { TimeoutSeconds?: number }).TimeoutSeconds, config.batchTimeoutSeconds);
        assert.equal(
            (definition.States["Record Transaction"] as { TimeoutSeconds?: number }).TimeoutSeconds,
            undefined,
            "the deployed definition is not changed",
        );
    });

    it("validates a definition the first time the engine gets it, refusing an invalid one every time it is given", () => {
        const { definition } = localWorkflow(config, "TransactionTable");
        const record = definition.States["Record Transaction"];
        const broken: [string, unknown][] = [
            ["a start state it lacks", { ...definition, StartAt: "No such state" }],
            ["a path that is no JSONPath", { ...definition, States: { ...definition.States, "Record Transaction": { ...record, InputPath: "trade" } } }],
            [
                "a resource that is no ARN",
                { ...definition, States: { ...definition.States, "Record Transaction": { ...record, Resource: "dynamodb:putItem" } } },
            ],
        ];
        for (const [label, bad] of [...broken, broken[0]]) {
            assert.throws(() => engineStateMachine(bad as typeof definition), /State machine definition is invalid/, label);
        }
        for (let attempt = 0; attempt < 2; attempt++) {
            assert.doesNotThrow(() => engineStateMachine(engineDefinition(definition)));
        }
    });

    it("validates a definition cut from another as that one, once for all its cuts, and refuses every cut of an invalid one", () => {
        const full = engineDefinition(localWorkflow(config, "TransactionTable").definition);
        // Not a definition the engine accepts on its own: it stands for a cut of one it does.
        const cut = { ...full, StartAt: "No such state" };
        assert.throws(() => engineStateMachine(cut), /State machine definition is invalid/);
        assert.doesNotThrow(() => engineStateMachine(cut, full));
        const broken = { ...full, StartAt: "No such state either" };
        assert.throws(() => engineStateMachine(full, broken), /State machine definition is invalid/);
    });

    it("caps every timeout the engine sets at Node.js's longest timer, the execution's included", () => {
        const longest = loadStackConfig("dev", { "stock-trader:batchTimeoutSeconds": "2200000", "stock-trader:executionTimeoutSeconds": "31536000" });
        const { definition } = localWorkflow(longest, "TransactionTable");
        const engine = engineDefinition(definition);
        assert.equal(engine.TimeoutSeconds, 2147483);
        assert.equal((engine.States["Run ECS task"] as { TimeoutSeconds?: number }).TimeoutSeconds, 2147483);
        assert.equal(definition.TimeoutSeconds, 31536000, "the deployed definition keeps its year");
    });

    for (const [key, value] of [
        ["executionTimeoutSeconds", "31536000"],
        ["batchTimeoutSeconds", "2200000"],
    ]) {
        it(`simulates a config with ${key} ${value}, past Node.js's longest timer, to SUCCEEDED`, async () => {
            const warnings: string[] = [];
            const onWarning = (warning: Error) => warnings.push(warning.name);
            process.on("warning", onWarning);
            try {
                const report = await runWorkflow({ config: loadStackConfig("dev", { [`stock-trader:${key}`]: value }) });
                assert.equal(report.results[0].status, "SUCCEEDED", report.results[0].cause);
            } finally {
                process.off("warning", onWarning);
            }
            assert.ok(!warnings.includes("TimeoutOverflowWarning"), warnings.join(", "));
        });
    }

    it("runs at most the given number of batch programs at once, and every one of them", async () => {
        const limit = limitConcurrency(3);
        let running = 0;
        let peak = 0;
        const results = await Promise.all(
            Array.from({ length: 20 }, (_, i) =>
                limit(async () => {
                    running++;
                    peak = Math.max(peak, running);
                    await new Promise((resolve) => setTimeout(resolve, 2));
                    running--;
                    return i;
                }),
            ),
        );
        assert.equal(peak, 3);
        assert.deepEqual(
            results,
            Array.from({ length: 20 }, (_, i) => i),
        );
        await assert.rejects(
            limit(async () => Promise.reject(new Error("kept"))),
            /kept/,
        );
        assert.equal(await limit(async () => "after a failure"), "after a failure");
    });

    it("leaves no child process, socket or listening port behind", async () => {
        const before = openHandles();
        const report = await runWorkflow({ config, executions: 3, concurrency: 3 });
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(openHandles(), before);
        assert.ok(await refusesConnections(report.endpoint), `${report.endpoint} still accepts connections`);
    });
});
