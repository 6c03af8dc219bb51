import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Handler } from "aws-lambda";
import { COMPILE_CACHE_DIR, type BatchProgram } from "../local/batch";
import { batchContract } from "../model/batch-contract";
import { BATCH_CONTAINER_DIR } from "../model/project";
import { defaultBatchProcesses, limitConcurrency, runWorkflow } from "../local/runner";
import { parseConfig } from "../model/config";
import { localStoppedTask } from "./support/mock-arns";
import { capturingOutput } from "./support/function-output";
import * as net from "node:net";
import { DescribeTableCommand, DynamoDBClient, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { startLocalDynamoDB, type LocalDynamoDB } from "../local/dynamodb";
import { taskStandIns, type StandInOptions } from "../local/stand-ins";
import { STATES } from "../model/workflow";
import { tempDir } from "./support/temp";

/** A stand-in batch program: a Node.js script that records what it was started with, then does as told. */
function standIn(record: string, body: string): BatchProgram {
    const source = `require("node:fs").appendFileSync(${JSON.stringify(record)}, JSON.stringify({ argv: process.argv.slice(1), env: process.env }) + "\\n"); ${body}`;
    return { dir: BATCH_CONTAINER_DIR, contract: batchContract(), command: [process.execPath, "-e", source, "--"], defaultCommand: ["--from-cmd"] };
}

interface Started {
    argv: string[];
    env: Record<string, string>;
}

describe("the local engine's stand-ins for Lambda, DynamoDB and ECS", () => {
    let dir: string;
    let record: string;
    const started = (): Started[] =>
        fs
            .readFileSync(record, "utf8")
            .trim()
            .split("\n")
            .map((line) => JSON.parse(line) as Started);
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "runner-"));
        record = path.join(dir, "runs.jsonl");
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("starts the batch with the state's command and the trade's id, the table's name and the emulator's endpoint", async () => {
        const config = parseConfig({ batchCommand: '["--arg1","7","--arg2","8"]', batchContainerName: "worker" });
        const report = await runWorkflow({ config, price: 10, batchProgram: standIn(record, "") });
        const [result] = report.results;
        assert.equal(result.status, "SUCCEEDED", result.cause);
        const output = result.output as { id: string; batch: { TaskArn: string; ExitCode: number } };
        const [run] = started();
        assert.deepEqual(run.argv, ["--arg1", "7", "--arg2", "8"]);
        assert.deepEqual(run.env, {
            PATH: process.env.PATH,
            NODE_COMPILE_CACHE: COMPILE_CACHE_DIR,
            AWS_REGION: "us-east-1",
            AWS_ACCESS_KEY_ID: "local",
            AWS_SECRET_ACCESS_KEY: "local",
            AWS_ENDPOINT_URL: report.endpoint,
            AWS_ENDPOINT_URL_DYNAMODB: report.endpoint,
            TRANSACTION_TABLE: "TransactionTable",
            TRANSACTION_ID: output.id,
        });
        assert.equal(output.batch.ExitCode, 0);
        assert.match(output.batch.TaskArn, /^arn:aws:ecs:us-east-1:000000000000:task\/stock-trader-local\/[0-9a-f]{32}$/);
        assert.ok(result.durationMs > 0 && result.durationMs < 60000, String(result.durationMs));
        assert.ok(report.durationMs >= result.durationMs && report.durationMs < 60000, String(report.durationMs));
    });

    it("fails a batch that exits non-zero with the stopped task ECS describes, its last ten stderr lines added", async () => {
        const config = parseConfig({ batchContainerName: "worker" });
        const lines = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`);
        const body = `process.stderr.write(${JSON.stringify(lines.join("\n\n"))} + "\\n\\n"); process.exitCode = 3;`;
        const report = await runWorkflow({ config, price: 90, batchProgram: standIn(record, body) });
        const [result] = report.results;
        assert.equal(result.status, "FAILED");
        assert.equal(result.error, "States.TaskFailed");
        const task = JSON.parse(result.cause!);
        const { TaskArn: _taskArn, ...rest } = task;
        assert.deepEqual(rest, localStoppedTask("worker", 3, lines.slice(-10)));
        assert.equal(started().length, 1);
    });

    it("names the Spot capacity provider in the stopped task of a Spot stack", async () => {
        const config = parseConfig({ batchCapacity: "FARGATE_SPOT", batchInterruptionRetries: "1" });
        const report = await runWorkflow({ config, interruptBatch: 1, batchProgram: standIn(record, "process.exitCode = 1;") });
        const task = JSON.parse(report.results[0].cause!);
        assert.equal(task.CapacityProviderName, "FARGATE_SPOT");
        assert.equal(task.Containers[0].ExitCode, 1);
        assert.equal(started().length, 1, "the interrupted run never started the program");
    });

    it("reports a function's error as Lambda does: its name, and a cause with the message, the type and the trace", async () => {
        const typed: Handler = async () => {
            throw Object.assign(new TypeError("no price"), { stack: "TypeError: no price\n    at checker" });
        };
        const report = await runWorkflow({ config: parseConfig({}), handlers: { checker: typed }, batchProgram: standIn(record, "") });
        assert.equal(report.results[0].error, "TypeError");
        assert.deepEqual(JSON.parse(report.results[0].cause!), {
            errorMessage: "no price",
            errorType: "TypeError",
            trace: ["TypeError: no price", "    at checker"],
        });

        const bare: Handler = async () => {
            throw Object.assign(new Error("bare"), { stack: undefined });
        };
        const plain = await runWorkflow({ config: parseConfig({}), handlers: { checker: bare }, batchProgram: standIn(record, "") });
        assert.deepEqual(JSON.parse(plain.results[0].cause!), { errorMessage: "bare", errorType: "Error", trace: [""] });
    });

    it("reports DynamoDB's refusal of the trade as Step Functions names it", async () => {
        const emptyId: Handler = async (event: { stock_price: number }) => ({
            id: "",
            price: String(event.stock_price),
            type: "buy",
            qty: "1",
            timestamp: "t",
        });
        const report = await runWorkflow({ config: parseConfig({}), price: 10, handlers: { buyer: emptyId }, batchProgram: standIn(record, "") });
        assert.equal(report.results[0].error, "DynamoDB.ValidationException");
        assert.match(report.results[0].cause!, /empty string/);
        assert.deepEqual(report.items, []);
    });

    it("hands the functions' log records and metric documents to functionOutput, each invocation with its own request id", async () => {
        const output = capturingOutput();
        const report = await runWorkflow({ config: parseConfig({}), price: 10, functionOutput: output, batchProgram: standIn(record, "") });
        const trade = report.results[0].output as { id: string };
        const [checked, traded] = output.captured.info as { message: string; requestId: string; trade?: { id: string } }[];
        assert.deepEqual([checked.message, traded.message, traded.trade?.id], ["checked price", "traded", trade.id]);
        assert.notEqual(checked.requestId, traded.requestId);
        assert.match(traded.requestId, /^[0-9a-f-]{36}$/);
        assert.equal(output.captured.metrics.length, 1);
    });

    it("runs two batch programs per core by default", () => {
        assert.equal(defaultBatchProcesses(), 2 * os.availableParallelism());
    });
});

describe("the local engine's Run ECS task stand-in, called as the engine calls it", () => {
    const CLUSTER = "arn:aws:ecs:us-east-1:000000000000:cluster/stock-trader-local";
    const TASK_DEFINITION = "arn:aws:ecs:us-east-1:000000000000:task-definition/stock-trader-batch:1";
    let record: string;
    beforeEach(() => {
        record = path.join(tempDir("stand-in-"), "runs.jsonl");
    });
    const started = (): Started[] =>
        fs.existsSync(record)
            ? fs
                  .readFileSync(record, "utf8")
                  .trim()
                  .split("\n")
                  .map((line) => JSON.parse(line) as Started)
            : [];
    /** The stand-in of a stack whose container is `worker`; the emulator is never called, as the batch program is a stand-in too. */
    const runEcsTask = (program: BatchProgram, options: Omit<StandInOptions, "config"> = {}) => {
        const db: LocalDynamoDB = {
            endpoint: "http://127.0.0.1:9",
            tableName: "Trades",
            client: new DynamoDBClient({ region: "us-east-1" }),
            scan: async () => [],
            stop: async () => undefined,
        };
        return taskStandIns({ config: parseConfig({ batchContainerName: "worker" }), ...options }, db, program, limitConcurrency(1))[STATES.runEcsTask];
    };
    /** The stopped task a run that did not succeed reports, as Step Functions gets it. */
    const stoppedTask = async (run: Promise<unknown>) => {
        const error = await run.then(
            () => assert.fail("the task succeeded"),
            (failure: unknown) => failure as Error,
        );
        assert.equal(error.name, "States.TaskFailed", error.message);
        return JSON.parse(error.message) as { StopCode: string; CapacityProviderName?: string; StderrTail?: string[] };
    };

    it("runs the Dockerfile's CMD with the task definition's environment where the state overrides nothing of its own container, and only its own container's override otherwise", async () => {
        const run = runEcsTask(standIn(record, ""));
        const task = { Cluster: CLUSTER, TaskDefinition: TASK_DEFINITION };
        const sidecar = { Name: "sidecar", Command: ["--sidecar"], Environment: [{ Name: "TRANSACTION_ID", Value: "t-sidecar" }] };
        await run(task);
        await run({ ...task, Overrides: {} });
        await run({ ...task, Overrides: { ContainerOverrides: [sidecar] } });
        await run({ ...task, Overrides: { ContainerOverrides: [sidecar, { Name: "worker", Command: ["--arg1", "1"] }] } });
        await run({ ...task, Overrides: { ContainerOverrides: [sidecar, { Name: "worker", Environment: [{ Name: "TRANSACTION_ID", Value: "t-1" }] }] } });
        assert.deepEqual(
            started().map(({ argv, env }) => [argv, env.TRANSACTION_ID ?? null, env.TRANSACTION_TABLE]),
            [
                [["--from-cmd"], null, "Trades"],
                [["--from-cmd"], null, "Trades"],
                [["--from-cmd"], null, "Trades"],
                [["--arg1", "1"], null, "Trades"],
                [["--from-cmd"], "t-1", "Trades"],
            ],
        );
    });

    it("ends the first N runs of each trade as Spot interruptions, counting each trade's runs apart", async () => {
        const run = runEcsTask(standIn(record, ""), { interruptBatch: 1 });
        const forTrade = (id: string) => ({
            Cluster: CLUSTER,
            TaskDefinition: TASK_DEFINITION,
            CapacityProviderStrategy: [{ CapacityProvider: "FARGATE_SPOT" }],
            Overrides: { ContainerOverrides: [{ Name: "worker", Environment: [{ Name: "TRANSACTION_ID", Value: id }] }] },
        });
        for (const id of ["t-1", "t-2"]) {
            const task = await stoppedTask(run(forTrade(id)));
            assert.deepEqual([task.StopCode, task.CapacityProviderName], ["SpotInterruption", "FARGATE_SPOT"], id);
        }
        assert.deepEqual(started(), [], "an interrupted run never starts the program");
        await run(forTrade("t-2"));
        await run(forTrade("t-1"));
        assert.deepEqual(
            started().map(({ env }) => env.TRANSACTION_ID),
            ["t-2", "t-1"],
        );
    });

    it("keeps each stderr line's own indentation in the tail, leaving out only the blank end, and names no capacity provider where the strategy lists none", async () => {
        const run = runEcsTask(standIn(record, 'process.stderr.write("  indented\\nlast  \\n \\n"); process.exitCode = 2;'));
        const task = await stoppedTask(run({ Cluster: CLUSTER, TaskDefinition: TASK_DEFINITION, CapacityProviderStrategy: [] }));
        assert.deepEqual(task.StderrTail, ["  indented", "last"]);
        assert.equal(task.CapacityProviderName, undefined);
    });
});

describe("a local run's executions", () => {
    let record: string;
    beforeEach(() => {
        record = path.join(tempDir("runner-"), "runs.jsonl");
    });

    it("times a failed execution, and the whole run, within the call's own time", async () => {
        const before = performance.now();
        const report = await runWorkflow({ config: parseConfig({}), price: 90, batchProgram: standIn(record, "process.exitCode = 3;") });
        const elapsed = performance.now() - before;
        const [result] = report.results;
        assert.equal(result.status, "FAILED");
        assert.ok(result.durationMs > 0 && result.durationMs <= report.durationMs, `${result.durationMs} ms of ${report.durationMs} ms`);
        assert.ok(report.durationMs <= elapsed, `${report.durationMs} ms of ${elapsed} ms`);
    });

    it("runs no execution when asked for none", async () => {
        const report = await runWorkflow({ config: parseConfig({}), executions: 0, batchProgram: standIn(record, "") });
        assert.deepEqual([report.results, report.items], [[], []]);
    });

    it("runs no more batch programs at once than batchProcesses says, however many executions run at once", async () => {
        // Each program records its start (standIn) and, 300 ms later, its end: long enough that a second program started beside it would start before it ends.
        const body = `setTimeout(() => require("node:fs").appendFileSync(${JSON.stringify(record)}, JSON.stringify({ end: true }) + "\\n"), 300);`;
        const report = await runWorkflow({
            config: parseConfig({}),
            price: 10,
            executions: 2,
            concurrency: 2,
            batchProcesses: 1,
            batchProgram: standIn(record, body),
        });
        assert.deepEqual(
            report.results.map((result) => result.status),
            ["SUCCEEDED", "SUCCEEDED"],
        );
        const marks = fs
            .readFileSync(record, "utf8")
            .trim()
            .split("\n")
            .map((line) => ("end" in (JSON.parse(line) as object) ? "end" : "start"));
        assert.deepEqual(marks, ["start", "end", "start", "end"]);
    });
});

describe("the local DynamoDB", () => {
    it("scans every item, across the pages a scan is split into past a megabyte", async () => {
        const db = await startLocalDynamoDB("Pages", "id");
        try {
            const blob = "x".repeat(350_000);
            for (const id of ["a", "b", "c", "d"]) {
                await db.client.send(new PutItemCommand({ TableName: db.tableName, Item: { id: { S: id }, blob: { S: blob } } }));
            }
            assert.deepEqual((await db.scan()).map((item) => item.id.S).sort(), ["a", "b", "c", "d"]);
        } finally {
            await db.stop();
        }
    });

    it("starts with its table ACTIVE, which the emulator makes it on a timer after CreateTable answers, so a first write finds it", async () => {
        // Without the wait, about one start in ten described its table as CREATING here.
        for (let start = 0; start < 30; start++) {
            const db = await startLocalDynamoDB();
            try {
                const { Table } = await db.client.send(new DescribeTableCommand({ TableName: db.tableName }));
                assert.equal(Table?.TableStatus, "ACTIVE", `start ${start + 1}`);
            } finally {
                await db.stop();
            }
        }
    });

    it("fails to start with a table DynamoDB would not create", async () => {
        await assert.rejects(startLocalDynamoDB("x"), { name: "ValidationException" });
    });

    it("listens on the loopback address only: no other address of this machine reaches it", async () => {
        const db = await startLocalDynamoDB();
        try {
            const { hostname, port } = new URL(db.endpoint);
            const reachable = (host: string) =>
                new Promise<boolean>((resolve) => {
                    const socket = net.connect({ host, port: Number(port) }, () => {
                        socket.destroy();
                        resolve(true);
                    });
                    socket.once("error", () => resolve(false));
                });
            assert.equal(await reachable(hostname), true);
            const others = [
                "::1",
                ...Object.values(os.networkInterfaces())
                    .flatMap((addresses) => addresses ?? [])
                    .filter((address) => !address.internal)
                    .map((address) => address.address),
            ];
            for (const host of others) {
                assert.equal(await reachable(host), false, host);
            }
        } finally {
            await db.stop();
        }
    });
});
