import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { Handler } from "aws-lambda";
import type { BatchProgram } from "../local/batch";
import { batchContract } from "../model/batch-contract";
import { BATCH_CONTAINER_DIR } from "../model/project";
import { defaultBatchProcesses, runWorkflow } from "../local/runner";
import { parseConfig } from "../model/config";
import { localStoppedTask } from "./support/mock-arns";
import { capturingOutput } from "./support/function-output";

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
