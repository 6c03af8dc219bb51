/**
 * Times the batch program from spawn to exit against the embedded emulator, as the workflow's
 * last state runs it, with its contract's example command, and reports the size of its image's
 * build context. Usage: npm run bench:batch [-- --runs N]
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PutItemCommand } from "@aws-sdk/client-dynamodb";
import { prepareBatch, runBatch } from "../../local/batch";
import { contextFiles } from "../../model/image-context";
import { BATCH_ENV, TRANSACTION_TABLE_KEY } from "../../model/transaction";
import { EMULATOR_ENV, startLocalDynamoDB } from "../../local/dynamodb";
import { benchmark, processIo, runMain, type ToolIo } from "../cli/cli";
import { median } from "../cli/stats";

export const USAGE = `usage: npm run bench:batch -- [options]

  --runs N   how many times to run the batch program (1 to 1000, default 15)
  --help     print this help

Exit codes: 0 measured; 2 bad usage.`;

/** The benchmark as a tool: prints its figures and gives 0, or prints the usage and gives 2 on bad flags. */
export function main(argv: string[], io: ToolIo = processIo): Promise<number> {
    return benchmark(argv, io, 15, USAGE, async (runs) => {
        const program = prepareBatch();
        const contextBytes = contextFiles(program.dir).reduce((sum, file) => sum + fs.statSync(path.join(program.dir, file)).size, 0);
        const db = await startLocalDynamoDB();
        try {
            const env = { ...EMULATOR_ENV, AWS_ENDPOINT_URL: db.endpoint, AWS_ENDPOINT_URL_DYNAMODB: db.endpoint, [BATCH_ENV.tableName]: db.tableName };
            const durations: number[] = [];
            for (let i = 0; i < runs; i++) {
                const id = `bench-${i}`;
                await db.client.send(new PutItemCommand({ TableName: db.tableName, Item: { [TRANSACTION_TABLE_KEY.name]: { S: id } } }));
                const run = await runBatch(program.contract.arguments.example, { ...env, [BATCH_ENV.transactionId]: id }, program);
                if (run.exitCode !== program.contract.exitCodes.done) {
                    throw new Error(`run ${i} exited ${run.exitCode}: ${run.stderr}`);
                }
                durations.push(run.durationMs);
            }
            io.out(`${program.command.join(" ")}, build context ${contextBytes} bytes`);
            io.out(
                `start-to-exit over ${runs} runs: median ${median(durations).toFixed(1)} ms, min ${Math.min(...durations).toFixed(1)} ms, max ${Math.max(...durations).toFixed(1)} ms`,
            );
        } finally {
            await db.stop();
        }
        return 0;
    });
}

if (require.main === module) {
    runMain(() => main(process.argv.slice(2)));
}
