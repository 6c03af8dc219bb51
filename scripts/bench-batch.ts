/**
 * Times the batch program from spawn to exit against the embedded emulator, as the workflow's
 * last state runs it, and reports the bundle size. Usage: npm run bench:batch [-- --runs N]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { builtBatchImage, runBatch } from "../local/batch";
import { BATCH_CONTAINER_DIR } from "../model/project";
import { BATCH_ENV } from "../model/transaction";
import { EMULATOR_ENV, startLocalDynamoDB } from "../local/dynamodb";
import { runsFlag } from "./cli";
import { median } from "./stats";

async function main(): Promise<void> {
    const runs = runsFlag(process.argv.slice(2), 15);
    const image = builtBatchImage();
    const bundleBytes = fs.statSync(path.join(BATCH_CONTAINER_DIR, "dist", "main.js")).size;
    const db = await startLocalDynamoDB();
    try {
        const env = { ...EMULATOR_ENV, AWS_ENDPOINT_URL_DYNAMODB: db.endpoint, [BATCH_ENV.tableName]: db.tableName };
        const durations: number[] = [];
        for (let i = 0; i < runs; i++) {
            const id = `bench-${i}`;
            await db.client.send(new PutItemCommand({ TableName: db.tableName, Item: { Id: { S: id } } }));
            const run = await runBatch(["--arg1", "1", "--arg2", "2"], { ...env, [BATCH_ENV.transactionId]: id }, image);
            if (run.exitCode !== 0) {
                throw new Error(`run ${i} exited ${run.exitCode}: ${run.stderr}`);
            }
            durations.push(run.durationMs);
        }
        console.log(`bundle dist/main.js: ${bundleBytes} bytes`);
        console.log(
            `start-to-exit over ${runs} runs: median ${median(durations).toFixed(1)} ms, min ${Math.min(...durations).toFixed(1)} ms, max ${Math.max(...durations).toFixed(1)} ms`,
        );
    } finally {
        await db.stop();
    }
}

main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
});
