/**
 * npm run bench:test: the wall time of `npm test`, run whole as a contributor runs it, several
 * times in a row. Prints each run, the median, and mocha's count of the tests. Run it on an idle
 * machine after `npm ci`; the project aims for a median within 30 s on 2 cores.
 * Usage: npm run bench:test [-- --runs N]
 */
import { spawnSync } from "node:child_process";
import { availableParallelism } from "node:os";
import { benchmark, processIo, runMain, type ToolIo } from "./cli";
import { median } from "./stats";
import { PROJECT_ROOT } from "../model/project";

export const USAGE = `usage: npm run bench:test -- [options]

  --runs N   how many times to run npm test (1 to 1000, default 3)
  --help     print this help

Exit codes: 0 measured; 1 npm test failed, so nothing was measured; 2 bad usage.`;

/** The benchmark as a tool: prints its figures and gives 0, or prints the usage and gives 2 on bad flags. */
export function main(argv: string[], io: ToolIo = processIo): Promise<number> {
    return benchmark(argv, io, 3, USAGE, async (runs) => {
        const seconds: number[] = [];
        let passing = "";
        for (let i = 0; i < runs; i++) {
            const started = performance.now();
            const run = spawnSync("npm", ["test"], { cwd: PROJECT_ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
            seconds.push((performance.now() - started) / 1000);
            if (run.status !== 0) {
                io.err(`npm test exited ${run.status}, so its time means nothing:\n${run.stdout}\n${run.stderr}`);
                return 1;
            }
            passing = /^\s*(\d+) passing/m.exec(run.stdout)?.[1] ?? "?";
            io.out(`run ${i + 1}: ${seconds[i].toFixed(1)} s`);
        }
        io.out(`node ${process.version}, ${availableParallelism()} cores, ${passing} tests: median ${median(seconds).toFixed(1)} s of ${runs} runs`);
        return 0;
    });
}

if (require.main === module) {
    runMain(() => main(process.argv.slice(2)));
}
