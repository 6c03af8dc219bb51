/**
 * Benchmarks the local workflow run: executions per second and the median per-execution
 * latency for each batch size. Not part of npm test.
 * Usage: npm run bench:simulate [-- --sizes 1,100,1000 --concurrency 20]
 */
import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { runWorkflow } from "../local/runner";
import { summarize } from "./simulate";
import { loadStackConfig } from "./stack-files";

async function main(): Promise<void> {
    const { values } = parseArgs({
        strict: true,
        options: { sizes: { type: "string", default: "1,100,1000" }, concurrency: { type: "string", default: "20" } },
    });
    const sizes = values.sizes.split(",").map(Number);
    const concurrency = Number(values.concurrency);
    if (sizes.some((n) => !Number.isInteger(n) || n < 1) || !Number.isInteger(concurrency) || concurrency < 1) {
        throw new Error(
            `--sizes must be positive integers separated by commas and --concurrency a positive integer (got ${values.sizes}, ${values.concurrency})`,
        );
    }
    const config = loadStackConfig("dev");
    console.log(`node ${process.version}, ${availableParallelism()} cores, concurrency ${concurrency}`);
    console.log("executions  executions/s  median latency (ms)  succeeded");
    for (const executions of sizes) {
        const summary = summarize(await runWorkflow({ config, executions, concurrency }));
        console.log(
            `${String(executions).padStart(10)}  ${summary.executionsPerSecond.toFixed(2).padStart(12)}  ${summary.medianExecutionMs.toFixed(1).padStart(19)}  ${summary.succeeded}`,
        );
    }
}

main().catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
});
