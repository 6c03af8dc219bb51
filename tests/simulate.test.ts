import * as assert from "node:assert/strict";
import { BATCH_CONTAINER_DIR } from "../model/project";
import { main, parseOptions, summarize, traceEvent } from "../scripts/local/simulate";
import { runInProcess, runTool } from "./support/tool";
import type { RunReport } from "../local/runner";
import { tempDir } from "./support/temp";

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

    it("says how many executions are done on standard error where it is not a terminal, at the end at least", async () => {
        const run = await simulateHere("--executions", "3", "--concurrency", "1", "--price", "10");
        assert.equal(run.status, 0, run.stderr);
        const lines = run.stderr.split("\n");
        lines.slice(0, -1).forEach((line) => assert.match(line, /^ {2}[12] of 3 executions done$/));
        assert.equal(lines.at(-1), "  3 of 3 executions done");
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
        assert.equal(stack.stderr, "no stack file Pulumi.nowhere.yaml");
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
        // On a pipe, stderr has the run's progress lines, and nothing else: no warning either.
        assert.deepEqual(
            run.stderr.split("\n").filter((line) => line !== "" && !/^ {2}\d+ of 400 executions done$/.test(line)),
            [],
        );
    });

    it("rejects bad options with a usage error and exit code 2", async () => {
        const run = await simulateHere("--executions", "0");
        assert.equal(run.status, 2);
        assert.match(run.stderr, /^--executions must be an integer from 1 to 100000 \(got 0\); npm run simulate -- --help lists what it takes$/);
    });

    const badOptions: [string, string[], RegExp][] = [
        ["an unknown option", ["--fast"], /: unknown flag --fast$/],
        ["a non-integer count", ["--executions", "two"], /--executions must be an integer from 1 to 100000 \(got two\)/],
        ["a zero concurrency", ["--concurrency", "0"], /--concurrency must be an integer from 1 to 1000 \(got 0\)/],
        ["a price above 99", ["--price", "100"], /--price must be an integer from 0 to 99 \(got 100\)/],
        ["a negative price", ["--price", "-1"], /--price/],
        ["input that is not JSON", ["--input", "{nope"], /--input must be JSON \(got \{nope\)/],
        ["a flag without its value", ["--price"], /: --price needs a value$/],
    ];
    for (const [label, args, message] of badOptions) {
        it(`rejects ${label}`, () => {
            assert.throws(() => parseOptions(args), message);
        });
    }

    it("parses every option", () => {
        assert.deepEqual(
            parseOptions(["--executions", "5", "--concurrency", "2", "--input", '{"a":1}', "--price", "0", "--fail-batch", "--json", "--stack", "prod"]),
            {
                executions: 5,
                concurrency: 2,
                input: { a: 1 },
                price: 0,
                failBatch: true,
                interruptBatch: 0,
                stack: "prod",
                batch: BATCH_CONTAINER_DIR,
                set: {},
                json: true,
                help: false,
            },
        );
    });
});

describe("npm run simulate: options, events, summaries and where its progress goes", () => {
    const simulateHere = (...args: string[]) => runInProcess(main, args);

    it("leaves the price to the checker unless --price forces one", () => {
        assert.equal(parseOptions([]).price, undefined);
        assert.equal(parseOptions(["--price", "0"]).price, 0);
    });

    it("traces only the engine's events that name a state", () => {
        for (const type of ["StateEntered", "StateExited", "StateFailed", "StateRetried", "StateCaught", "ExecutionStarted"]) {
            assert.equal(traceEvent({ type, timestamp: 5 }), undefined, type);
        }
        assert.deepEqual(traceEvent({ type: "StateEntered", timestamp: 5, state: { name: "Buy Stock", type: "Task" } }), {
            kind: "entered",
            state: "Buy Stock",
            at: 5,
        });
    });

    it("counts a table item without a Type as neither a buy nor a sell", () => {
        const report: RunReport = {
            results: [{ status: "SUCCEEDED", durationMs: 20 }],
            items: [{ Id: { S: "t-1" } }, { Id: { S: "t-2" }, Type: { S: "buy" } }],
            durationMs: 1000,
            endpoint: "http://127.0.0.1:9",
        };
        const summary = summarize(report);
        assert.deepEqual([summary.buy, summary.sell, summary.itemsInTable], [1, 0, 2]);
    });

    it("refuses a batch folder without a contract with exit 2, naming the file, and runs nothing", async () => {
        const run = await simulateHere("--batch", tempDir("no-contract-"));
        assert.equal(run.status, 2);
        assert.match(run.stderr, /^\S*contract\.json: is missing: a batch program's folder describes it in contract\.json$/);
        assert.equal(run.stdout, "\n");
    });

    it("interrupts batch runs on a Fargate Spot stack, whose workflow runs them again and succeeds", async () => {
        const run = await simulateHere("--interrupt-batch", "1", "--set", "batchCapacity=FARGATE_SPOT", "--price", "10", "--json");
        assert.equal(run.status, 0, run.stderr);
        assert.equal(JSON.parse(run.stdout).status, "SUCCEEDED");
    });

    it("prints several executions with --json as their summary and each result", async () => {
        const run = await simulateHere("--executions", "2", "--price", "10", "--json");
        assert.equal(run.status, 0, run.stderr);
        const printed = JSON.parse(run.stdout);
        assert.deepEqual(Object.keys(printed), ["summary", "results"]);
        assert.equal(printed.summary.succeeded, 2);
        assert.deepEqual(
            printed.results.map((result: { status: string }) => result.status),
            ["SUCCEEDED", "SUCCEEDED"],
        );
    });

    it("draws its progress bar over itself on the process's standard error when that is a terminal", async () => {
        const { stdout, stderr } = process;
        const saved = { out: stdout.write, err: stderr.write, isTTY: stderr.isTTY };
        const drawn: string[] = [];
        stdout.write = () => true;
        stderr.write = (chunk: string) => drawn.push(chunk) > 0;
        stderr.isTTY = true;
        const status = await main(["--executions", "2", "--price", "10"]).finally(() => {
            stdout.write = saved.out;
            stderr.write = saved.err;
            stderr.isTTY = saved.isTTY;
        });
        assert.equal(status, 0);
        assert.deepEqual(
            drawn.filter((chunk) => chunk.startsWith("\r")),
            [`\r  [${"#".repeat(15)}${"-".repeat(15)}] 1/2`, `\r  [${"#".repeat(30)}] 2/2\n`],
        );
    });
});
