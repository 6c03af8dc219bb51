import * as assert from "node:assert/strict";
import * as net from "node:net";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { createStockChecker } from "../functions/stock-checker";
import { localWorkflow } from "../local/definition";
import { engineDefinition, engineStateMachine, limitConcurrency, runWorkflow, type ExecutionEvent, type RunReport } from "../local/runner";
import { main, parseOptions } from "../scripts/simulate";
import { localStoppedTask } from "./support/expected-workflow";
import { runInProcess, runTool } from "./support/tool";
import { loadStackConfig } from "../scripts/stack-files";

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
        const broken = { ...definition, StartAt: "No such state" };
        for (let attempt = 0; attempt < 2; attempt++) {
            assert.throws(() => engineStateMachine(broken), /State machine definition is invalid/);
        }
        for (let attempt = 0; attempt < 2; attempt++) {
            assert.doesNotThrow(() => engineStateMachine(engineDefinition(definition)));
        }
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

describe("npm run simulate", () => {
    const simulate = (...args: string[]) => runTool("bin/simulate.ts", args);

    it("runs one execution end to end and exits 0", () => {
        const run = simulate("--json");
        assert.equal(run.status, 0, run.stderr);
        const result = JSON.parse(run.stdout);
        assert.equal(result.status, "SUCCEEDED");
        assert.equal(result.summary.itemsProcessed, 1);
    });

    const simulateHere = (...args: string[]) => runInProcess(main, args);

    it("with --fail-batch ends FAILED with the batch's exit code in the cause and exits 1", async () => {
        const run = await simulateHere("--fail-batch", "--price", "10");
        assert.equal(run.status, 1, run.stderr);
        const lines = run.stdout.split("\n");
        assert.equal(lines[0], "Simulating 1 execution(s) of the dev definition, 1 at a time");
        assert.deepEqual(
            lines.filter((l) => /^ {2}[→←✗⤷]/.test(l)).map((l) => l.replace(/ +\d+ ms.*$/, "")),
            [
                "  → Check Stock Value",
                "  ← Check Stock Value",
                "  → Buy or Sell?",
                "  ← Buy or Sell?",
                "  → Buy Stock",
                "  ← Buy Stock",
                "  → Record Transaction",
                "  ← Record Transaction",
                "  → Run ECS task",
                "  ✗ Run ECS task",
                "  ⤷ Run ECS task caught the error",
                "  ← Run ECS task",
                "  → Error",
                "  ✗ Error",
            ],
        );
        assert.match(run.stdout, /^Status: FAILED \(\d+ ms\)$/m);
        assert.match(run.stdout, /^Error: States\.TaskFailed$/m);
        assert.match(run.stdout, /^Cause: \{.*"ExitCode":1/m);
    });

    it("prints a succeeded execution's output, and with --json the result and its summary", async () => {
        const text = await simulateHere("--price", "90");
        assert.equal(text.status, 0, text.stderr);
        assert.match(text.stdout, /^Status: SUCCEEDED \(\d+ ms\)$/m);
        const output = JSON.parse(text.stdout.slice(text.stdout.indexOf("Output: ") + "Output: ".length));
        assert.equal(output.type, "sell");
        const json = await simulateHere("--json", "--price", "10");
        assert.equal(json.status, 0);
        const result = JSON.parse(json.stdout);
        assert.equal(result.status, "SUCCEEDED");
        assert.equal(result.output.type, "buy");
        assert.deepEqual(
            { ...result.summary, executionsPerSecond: 0, medianExecutionMs: 0 },
            {
                executions: 1,
                succeeded: 1,
                failed: 0,
                buy: 1,
                sell: 0,
                itemsInTable: 1,
                itemsProcessed: 1,
                executionsPerSecond: 0,
                medianExecutionMs: 0,
            },
        );
    });

    it("summarizes several executions in words, each figure as the JSON has it", async () => {
        const run = await simulateHere("--executions", "3", "--concurrency", "2", "--price", "10");
        assert.equal(run.status, 0, run.stderr);
        const lines = run.stdout.trimEnd().split("\n");
        assert.equal(lines[0], "Simulating 3 execution(s) of the dev definition, 2 at a time");
        const figures = Object.fromEntries(lines.slice(2).map((l) => [l.slice(2, 26).trimEnd(), l.slice(27)]));
        assert.deepEqual(Object.keys(figures), [
            "executions",
            "succeeded",
            "failed",
            "buy",
            "sell",
            "items in the table",
            "items marked processed",
            "executions per second",
            "median latency (ms)",
        ]);
        assert.deepEqual(
            [
                figures.executions,
                figures.succeeded,
                figures.failed,
                figures.buy,
                figures.sell,
                figures["items in the table"],
                figures["items marked processed"],
            ],
            ["3", "3", "0", "3", "0", "3", "3"],
        );
        assert.ok(Number(figures["executions per second"]) > 0 && Number(figures["median latency (ms)"]) > 0);
    });

    it("refuses --interrupt-batch on on-demand Fargate, a bad --set and a missing stack file, with exit 2", async () => {
        const interrupt = await simulateHere("--interrupt-batch", "1");
        assert.equal(interrupt.status, 2);
        assert.equal(
            interrupt.stderr,
            "--interrupt-batch needs batchCapacity FARGATE_SPOT: on-demand Fargate tasks are never interrupted (the dev stack uses FARGATE; add --set batchCapacity=FARGATE_SPOT)",
        );
        const set = await simulateHere("--set", "buyThreshold=200");
        assert.equal(set.status, 2);
        assert.match(set.stderr, /stock-trader:buyThreshold must be an integer from 0 to 99 \(got 200\)/);
        const stack = await simulateHere("--stack", "nowhere");
        assert.equal(stack.status, 2);
        assert.match(stack.stderr, /^cannot read Pulumi\.nowhere\.yaml: /);
        const help = await simulateHere("--help");
        assert.equal(help.status, 0);
        assert.match(help.stdout, /^usage: npm run simulate -- \[options\]/);
    });

    it("serves 400 executions at concurrency 400: all succeed, exit 0 @load", function () {
        this.timeout(300000);
        const run = runTool("bin/simulate.ts", ["--executions", "400", "--concurrency", "400", "--json"], { timeout: 280000, maxBuffer: 64 * 1024 * 1024 });
        assert.equal(run.status, 0, run.stderr);
        const { summary } = JSON.parse(run.stdout);
        assert.deepEqual(
            { executions: summary.executions, succeeded: summary.succeeded, itemsInTable: summary.itemsInTable, itemsProcessed: summary.itemsProcessed },
            { executions: 400, succeeded: 400, itemsInTable: 400, itemsProcessed: 400 },
        );
        assert.equal(run.stderr, "", "no warning either");
    });

    it("rejects bad options with a usage error and exit code 2", async () => {
        const run = await simulateHere("--executions", "0");
        assert.equal(run.status, 2);
        assert.match(run.stderr, /^--executions must be an integer from 1 to 100000 \(got 0\)\nusage: npm run simulate/);
    });

    const badOptions: [string, string[], RegExp][] = [
        ["an unknown option", ["--fast"], /Unknown option '--fast'/],
        ["a non-integer count", ["--executions", "two"], /--executions must be an integer from 1 to 100000 \(got two\)/],
        ["a zero concurrency", ["--concurrency", "0"], /--concurrency must be an integer from 1 to 1000 \(got 0\)/],
        ["a price above 99", ["--price", "100"], /--price must be an integer from 0 to 99 \(got 100\)/],
        ["a negative price", ["--price", "-1"], /--price/],
        ["input that is not JSON", ["--input", "{nope"], /--input must be JSON \(got \{nope\)/],
        ["a flag without its value", ["--price"], /argument missing/],
    ];
    for (const [label, args, message] of badOptions) {
        it(`rejects ${label}`, () => {
            assert.throws(() => parseOptions(args), message);
        });
    }

    it("parses every option", () => {
        assert.deepEqual(
            parseOptions(["--executions", "5", "--concurrency", "2", "--input", '{"a":1}', "--price", "0", "--fail-batch", "--json", "--stack", "prod"]),
            { executions: 5, concurrency: 2, input: { a: 1 }, price: 0, failBatch: true, interruptBatch: 0, stack: "prod", set: {}, json: true, help: false },
        );
    });
});
