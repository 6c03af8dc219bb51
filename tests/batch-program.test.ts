import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { GetItemCommand, PutItemCommand } from "@aws-sdk/client-dynamodb";
import { buildBatchProgram, runBatch } from "../local/batch";
import { execForm, lastInstruction, readBatchDockerfile } from "../batch-container/dockerfile";
import { contextFiles } from "../batch-container/image-tag";
import { BATCH_CONTAINER_DIR } from "../model/project";
import { EMULATOR_ENV, startLocalDynamoDB, type LocalDynamoDB } from "../local/dynamodb";
import { parseConfig } from "../model/config";

const USAGE = "usage: batch --arg1 <integer> --arg2 <integer>, each exactly once (environment: TRANSACTION_ID, TRANSACTION_TABLE)";

/** The one JSON error line a run wrote to stderr, without its timestamp. */
function usageError(stderr: string): Record<string, unknown> {
    const lines = stderr.trimEnd().split("\n");
    assert.equal(lines.length, 1, stderr);
    const { time, ...rest } = JSON.parse(lines[0]) as Record<string, unknown>;
    assert.match(String(time), /^\d{4}-\d\d-\d\dT/);
    return rest;
}

describe("batch program (child process against dynalite)", function () {
    let db: LocalDynamoDB;
    let env: Record<string, string>;

    before(async () => {
        buildBatchProgram();
        db = await startLocalDynamoDB();
        env = { ...EMULATOR_ENV, AWS_ENDPOINT_URL_DYNAMODB: db.endpoint, TRANSACTION_TABLE: db.tableName };
    });
    after(() => db.stop());

    async function record(id: string) {
        await db.client.send(
            new PutItemCommand({
                TableName: db.tableName,
                Item: { Id: { S: id }, Type: { S: "buy" }, Price: { N: "42" }, Quantity: { N: "3" }, Timestamp: { S: "2026-01-01T00:00:00.000Z" } },
            }),
        );
    }
    const item = async (id: string) => (await db.client.send(new GetItemCommand({ TableName: db.tableName, Key: { Id: { S: id } } }))).Item;
    const logLines = (stdout: string) =>
        stdout
            .trim()
            .split("\n")
            .map((line) => JSON.parse(line) as Record<string, unknown>);

    it("marks the transaction processed with its arguments and exits 0", async () => {
        await record("t-success");
        const before = new Date().toISOString();
        const run = await runBatch(["--arg1", "100", "--arg2", "200"], { ...env, TRANSACTION_ID: "t-success" });
        assert.equal(run.exitCode, 0, run.stderr);
        assert.equal(run.stderr, "");
        const stored = await item("t-success");
        assert.ok(stored);
        assert.deepEqual(Object.keys(stored).sort(), ["Arg1", "Arg2", "Id", "Price", "ProcessedAt", "Quantity", "Timestamp", "Type"]);
        assert.deepEqual(stored.Arg1, { N: "100" });
        assert.deepEqual(stored.Arg2, { N: "200" });
        assert.deepEqual(stored.Price, { N: "42" });
        assert.ok(stored.ProcessedAt.S! >= before && stored.ProcessedAt.S! <= new Date().toISOString());
    });

    it("writes one JSON log line per step to stdout, reaching the emulator through AWS_ENDPOINT_URL too", async () => {
        await record("t-logs");
        const { AWS_ENDPOINT_URL_DYNAMODB: endpoint, ...rest } = env;
        const run = await runBatch(["--arg1", "1", "--arg2", "2"], { ...rest, AWS_ENDPOINT_URL: endpoint, TRANSACTION_ID: "t-logs" });
        assert.equal(run.exitCode, 0, run.stderr);
        const lines = logLines(run.stdout);
        assert.deepEqual(
            lines.map((l) => l.step),
            ["start", "marked-processed", "done"],
        );
        assert.deepEqual(
            { transactionId: lines[0].transactionId, table: lines[0].table, arg1: lines[0].arg1, arg2: lines[0].arg2 },
            { transactionId: "t-logs", table: db.tableName, arg1: 1, arg2: 2 },
        );
    });

    it("re-runs idempotently: only ProcessedAt changes", async () => {
        await record("t-rerun");
        const first = await runBatch(["--arg1", "5", "--arg2", "6"], { ...env, TRANSACTION_ID: "t-rerun" });
        assert.equal(first.exitCode, 0, first.stderr);
        const afterFirst = await item("t-rerun");
        await new Promise((resolve) => setTimeout(resolve, 5));
        const second = await runBatch(["--arg1", "5", "--arg2", "6"], { ...env, TRANSACTION_ID: "t-rerun" });
        assert.equal(second.exitCode, 0, second.stderr);
        const afterSecond = await item("t-rerun");
        assert.ok(afterFirst && afterSecond);
        assert.notEqual(afterSecond.ProcessedAt.S, afterFirst.ProcessedAt.S);
        assert.deepEqual({ ...afterSecond, ProcessedAt: undefined }, { ...afterFirst, ProcessedAt: undefined });
    });

    it("fails with exit 1 and the cause on stderr when the item does not exist, creating nothing", async () => {
        const run = await runBatch(["--arg1", "1", "--arg2", "2"], { ...env, TRANSACTION_ID: "t-missing" });
        assert.equal(run.exitCode, 1);
        const error = JSON.parse(run.stderr.trim());
        assert.equal(error.reason, `transaction t-missing does not exist in table ${db.tableName}`);
        assert.match(error.cause, /^ConditionalCheckFailedException: /);
        assert.equal(await item("t-missing"), undefined);
    });

    it("fails with exit 1 and the AWS error on stderr when the table does not exist", async () => {
        const run = await runBatch(["--arg1", "1", "--arg2", "2"], { ...env, TRANSACTION_ID: "t-x", TRANSACTION_TABLE: "NoSuchTable" });
        assert.equal(run.exitCode, 1);
        assert.match(JSON.parse(run.stderr.trim()).cause, /^ResourceNotFoundException: /);
    });

    it("rejects bad arguments with exit 2 and the usage line, touching nothing", async () => {
        await record("t-args");
        const run = await runBatch(["--arg1", "1", "--arg2", "2", "--arg3", "3"], { ...env, TRANSACTION_ID: "t-args" });
        assert.equal(run.exitCode, 2);
        assert.deepEqual(usageError(run.stderr), { level: "error", step: "usage", reason: 'unexpected argument "--arg3"', usage: USAGE });
        assert.equal(run.stdout, "");
        assert.equal((await item("t-args"))?.ProcessedAt, undefined);
    });

    it("accepts negative integers and stores them", async () => {
        await record("t-negative");
        const run = await runBatch(["--arg1=-5", "--arg2", "-6"], { ...env, TRANSACTION_ID: "t-negative" });
        assert.equal(run.exitCode, 0, run.stderr);
        const stored = await item("t-negative");
        assert.deepEqual([stored?.Arg1, stored?.Arg2], [{ N: "-5" }, { N: "-6" }]);
    });

    it("accepts exactly the commands the stack config accepts as batchCommand", async () => {
        // The edges where the two could part: leading zeros, a negative zero, the = form out of
        // order, and a plain refusal. The properties hold the parser to the config over many more.
        const commands = [
            ["--arg1", "abc", "--arg2", "2"],
            ["--arg1", "007", "--arg2", "2"],
            ["--arg1", "0", "--arg2", "-0"],
            ["--arg2=4", "--arg1", "3"],
        ];
        await record("t-agree");
        const verdicts = await Promise.all(
            commands.map(async (command) => {
                let configAccepts = true;
                try {
                    parseConfig({ batchCommand: JSON.stringify(command) });
                } catch {
                    configAccepts = false;
                }
                const run = await runBatch(command, { ...env, TRANSACTION_ID: "t-agree" });
                return { command, configAccepts, exitCode: run.exitCode };
            }),
        );
        for (const { command, configAccepts, exitCode } of verdicts) {
            assert.equal(
                exitCode,
                configAccepts ? 0 : 2,
                `${JSON.stringify(command)}: config ${configAccepts ? "accepts" : "rejects"} it, the program exits ${exitCode}`,
            );
        }
        assert.ok(verdicts.some((v) => v.configAccepts) && verdicts.some((v) => !v.configAccepts));
    });

    it("rejects a missing TRANSACTION_ID with exit 2 and the usage line", async () => {
        const { TRANSACTION_ID: _omitted, ...without } = { ...env, TRANSACTION_ID: "t-env" };
        const run = await runBatch(["--arg1", "1", "--arg2", "2"], without);
        assert.equal(run.exitCode, 2);
        assert.deepEqual(usageError(run.stderr), { level: "error", step: "usage", reason: "environment variable TRANSACTION_ID must be set", usage: USAGE });
    });
});

describe("batch-container/Dockerfile", () => {
    const instructions = readBatchDockerfile();

    it("COPYs only paths the build context holds, as .dockerignore leaves it", () => {
        const context = contextFiles(BATCH_CONTAINER_DIR);
        const copies = instructions.filter((i) => i.keyword === "COPY" && !i.args.startsWith("--from="));
        assert.ok(copies.length > 0);
        for (const copy of copies) {
            const sources = copy.args
                .split(/\s+/)
                .filter((a) => !a.startsWith("--"))
                .slice(0, -1);
            for (const source of sources) {
                const path_ = path.posix.normalize(source).replace(/\/$/, "");
                assert.ok(
                    context.some((file) => file === path_ || file.startsWith(`${path_}/`)),
                    `COPY ${source}: not in the build context (${context.join(", ")})`,
                );
            }
        }
    });

    it("has an exec-form ENTRYPOINT that runs the program", () => {
        assert.deepEqual(execForm(lastInstruction(instructions, "ENTRYPOINT")), ["node", "dist/main.js"]);
    });

    it("has an exec-form CMD holding the default arguments", () => {
        assert.deepEqual(execForm(lastInstruction(instructions, "CMD")), ["--arg1", "1", "--arg2", "2"]);
    });

    it("runs as a non-root user in the final stage", () => {
        const lastFrom = instructions.map((i) => i.keyword).lastIndexOf("FROM");
        const user = lastInstruction(instructions.slice(lastFrom), "USER");
        assert.ok(user && !["root", "0"].includes(user.args), "the final stage must switch to a non-root USER");
    });

    it("builds with the same AWS SDK and esbuild versions the tests run", () => {
        const image = JSON.parse(fs.readFileSync(path.join(BATCH_CONTAINER_DIR, "package.json"), "utf8"));
        const project = JSON.parse(fs.readFileSync(path.join(BATCH_CONTAINER_DIR, "..", "package.json"), "utf8"));
        assert.equal(image.dependencies["@aws-sdk/client-dynamodb"], project.devDependencies["@aws-sdk/client-dynamodb"]);
        assert.equal(image.devDependencies.esbuild, project.dependencies.esbuild);
    });

    it("is multi-stage and keeps its build context free of local installs", () => {
        assert.ok(instructions.filter((i) => i.keyword === "FROM").length >= 2);
        const ignored = fs.readFileSync(path.join(BATCH_CONTAINER_DIR, ".dockerignore"), "utf8").split("\n");
        assert.ok(ignored.includes("node_modules") && ignored.includes("dist"));
    });
});
