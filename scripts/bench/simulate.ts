/**
 * Benchmarks the local workflow run: executions per second and the median per-execution
 * latency for each batch size. Not part of npm test.
 * Usage: npm run bench:simulate [-- --sizes 1,100,1000 --concurrency 20]
 */
import { availableParallelism } from "node:os";
import { runWorkflow } from "../../local/runner";
import { summarize } from "../local/simulate";
import { parseFlags, processIo, refuseCaller, runMain, type OptionTable, type ToolIo } from "../cli/cli";
import { loadStackConfig } from "../cli/stack-files";

export const USAGE = `usage: npm run bench:simulate -- [options]

  --sizes N,N,...    the batch sizes to run, executions each (1 to 100000; default 1,100,1000)
  --concurrency N    executions at once (1 to 1000, default 20)
  --help             print this help

Exit codes: 0 measured; 2 bad usage.`;

export const OPTIONS = {
    sizes: { type: "string", default: "1,100,1000", integer: { min: 1, max: 100_000, list: true } },
    concurrency: { type: "string", default: "20", integer: { min: 1, max: 1000 } },
    help: { type: "boolean", default: false },
} as const satisfies OptionTable;

/** The benchmark as a tool: prints its figures and gives 0, or prints the usage and gives 2 on bad flags. */
export async function main(argv: string[], io: ToolIo = processIo): Promise<number> {
    let sizes: number[];
    let concurrency: number;
    try {
        const values = parseFlags(argv, OPTIONS);
        if (values.help) {
            io.out(USAGE);
            return 0;
        }
        sizes = values.sizes.split(",").map(Number);
        concurrency = Number(values.concurrency);
    } catch (error) {
        return refuseCaller(error, io, USAGE);
    }
    const config = loadStackConfig("dev");
    io.out(`node ${process.version}, ${availableParallelism()} cores, concurrency ${concurrency}`);
    io.out("executions  executions/s  median latency (ms)  succeeded");
    for (const executions of sizes) {
        const summary = summarize(await runWorkflow({ config, executions, concurrency }));
        io.out(
            `${String(executions).padStart(10)}  ${summary.executionsPerSecond.toFixed(2).padStart(12)}  ${summary.medianExecutionMs.toFixed(1).padStart(19)}  ${summary.succeeded}`,
        );
    }
    return 0;
}

if (require.main === module) {
    runMain(() => main(process.argv.slice(2)));
}
