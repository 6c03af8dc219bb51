/**
 * This program's own tests of its image and its process: the Node.js it is built and run on, its
 * bundle's dependencies, and its log lines. What the workflow relies on of it is the contract's,
 * checked by tests/batch-contract.test.ts for any program in this folder.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { prepareBatch, runBatch, type BatchProgram } from "../../local/batch";
import { EMULATOR_ENV, startLocalDynamoDB, type LocalDynamoDB } from "../../local/dynamodb";

/** This program's folder. */
const DIR = path.resolve(__dirname, "..");

describe("the Node.js batch program's image", () => {
    const dockerfile = fs.readFileSync(path.join(DIR, "Dockerfile"), "utf8");

    it("starts both stages from node:<the project's major>-alpine, bundles in the build stage, and runs the bundle", () => {
        const bases = [...dockerfile.matchAll(/^FROM (?:--platform=\S+ )?node:(\d+)-alpine@sha256:/gm)].map((m) => Number(m[1]));
        const projectMajor = Number(fs.readFileSync(path.join(DIR, "..", ".nvmrc"), "utf8").split(".")[0]);
        assert.deepEqual(bases, [projectMajor, projectMajor]);
        assert.match(dockerfile, /^ENTRYPOINT \["node", "dist\/main\.js"\]$/m);
        const ignored = fs.readFileSync(path.join(DIR, ".dockerignore"), "utf8").split("\n");
        assert.ok(ignored.includes("node_modules") && ignored.includes("dist") && ignored.includes("test"));
    });

    it("builds with the same AWS SDK and esbuild versions the project's tests run", () => {
        const image = JSON.parse(fs.readFileSync(path.join(DIR, "package.json"), "utf8"));
        const project = JSON.parse(fs.readFileSync(path.join(DIR, "..", "package.json"), "utf8"));
        assert.equal(image.dependencies["@aws-sdk/client-dynamodb"], project.devDependencies["@aws-sdk/client-dynamodb"]);
        assert.equal(image.devDependencies.esbuild, project.dependencies.esbuild);
    });
});

describe("the Node.js batch program's log lines (child process against dynalite)", () => {
    let db: LocalDynamoDB;
    let program: BatchProgram;
    before(async () => {
        program = prepareBatch(DIR);
        db = await startLocalDynamoDB();
    });
    after(() => db.stop());

    it("writes one JSON log line per step to stdout, and its usage in the error line of a refusal", async () => {
        await db.client.send(new PutItemCommand({ TableName: db.tableName, Item: { Id: { S: "t-logs" } } }));
        const env = { ...EMULATOR_ENV, AWS_ENDPOINT_URL: db.endpoint, TRANSACTION_TABLE: db.tableName, TRANSACTION_ID: "t-logs" };
        const run = await runBatch(["--arg1", "1", "--arg2", "2"], env, program);
        assert.equal(run.exitCode, 0, run.stderr);
        const lines = run.stdout
            .trim()
            .split("\n")
            .map((line) => JSON.parse(line) as Record<string, unknown>);
        assert.deepEqual(
            lines.map((l) => l.step),
            ["start", "marked-processed", "done"],
        );
        assert.deepEqual(
            { transactionId: lines[0].transactionId, table: lines[0].table, arg1: lines[0].arg1, arg2: lines[0].arg2 },
            { transactionId: "t-logs", table: db.tableName, arg1: 1, arg2: 2 },
        );
        const refused = await runBatch(["--arg1", "1", "--arg2", "2", "--arg3", "3"], env, program);
        const { time, ...error } = JSON.parse(refused.stderr.trim()) as Record<string, unknown>;
        assert.match(String(time), /^\d{4}-\d\d-\d\dT/);
        assert.deepEqual(error, {
            level: "error",
            step: "usage",
            reason: 'unexpected argument "--arg3"',
            usage: "usage: batch --arg1 <integer> --arg2 <integer>, each exactly once (environment: TRANSACTION_ID, TRANSACTION_TABLE)",
        });
    });
});
