import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { prepareBatch, runBatch } from "../../local/batch";
import { EMULATOR_ENV, startLocalDynamoDB } from "../../local/dynamodb";
import { tempDir } from "../../tests/support/temp";

/** This program's folder. */
const BATCH_CONTAINER_DIR = path.resolve(__dirname, "..");

const BUNDLE = path.join(BATCH_CONTAINER_DIR, "dist", "main.js");

function build(): Promise<number | null> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["build.mjs"], { cwd: BATCH_CONTAINER_DIR, stdio: "ignore" });
        child.once("error", reject);
        child.once("close", resolve);
    });
}

describe("batch program build", () => {
    it("never lets a reader see a half-written dist/main.js while six builds run at once @load", async function () {
        this.timeout(60000);
        prepareBatch(BATCH_CONTAINER_DIR);
        const complete = fs.readFileSync(BUNDLE);
        let reads = 0;
        const partial: number[] = [];
        let building = true;
        const reader = (async () => {
            while (building) {
                const seen = fs.readFileSync(BUNDLE);
                reads++;
                if (!seen.equals(complete)) {
                    partial.push(seen.length);
                }
                await new Promise((resolve) => setImmediate(resolve));
            }
        })();
        const exits = await Promise.all(Array.from({ length: 6 }, build));
        building = false;
        await reader;
        assert.deepEqual(exits, [0, 0, 0, 0, 0, 0]);
        assert.ok(reads > 10, `only ${reads} reads happened during the builds`);
        assert.deepEqual(partial, [], `${partial.length} of ${reads} reads saw an incomplete bundle of ${complete.length} bytes`);
        assert.deepEqual(fs.readdirSync(path.dirname(BUNDLE)), ["main.js"], "no temporary file is left behind");
    });

    it("loads the Node.js modules the SDK imports as a CommonJS bundle does, so a run against an http:// endpoint does not load undici", async function () {
        this.timeout(30000);
        const program = prepareBatch(BATCH_CONTAINER_DIR);
        const db = await startLocalDynamoDB();
        try {
            await db.client.send(new PutItemCommand({ TableName: db.tableName, Item: { Id: { S: "t-1" } } }));
            // Node.js lists each of its own modules as it loads it; undici is the one its ES module
            // loader reaches through node:http's WebSocket.
            const preload = path.join(tempDir("preload-"), "undici.js");
            fs.writeFileSync(
                preload,
                "process.on('exit', () => process.stderr.write(`undici ${process.moduleLoadList.some((m) => m.includes('undici'))}`));\n",
            );
            const run = await runBatch(
                ["--arg1", "1", "--arg2", "2"],
                { ...EMULATOR_ENV, AWS_ENDPOINT_URL: db.endpoint, TRANSACTION_ID: "t-1", TRANSACTION_TABLE: db.tableName },
                { ...program, command: [program.command[0], "--require", preload, ...program.command.slice(1)] },
            );
            assert.equal(run.exitCode, 0, run.stderr);
            assert.ok(run.stderr.endsWith("undici false"), run.stderr);
        } finally {
            await db.stop();
        }
    });
});
