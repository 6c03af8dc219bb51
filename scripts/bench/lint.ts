/**
 * npm run bench:lint: the wall time of `npm run lint`, run whole as a contributor runs it, cold
 * and warm in turn. A cold run starts without the type check's build info (as on a fresh clone,
 * or in CI); the warm run after it finds the build info the cold one left, as a second lint on
 * an unchanged tree does. ESLint keeps no cache. Prints each pair and the medians with their spread.
 * Usage: npm run bench:lint [-- --runs N]
 */
import * as fs from "node:fs";
import { availableParallelism } from "node:os";
import { benchmark, processIo, runMain, type ToolIo } from "../cli/cli";
import { median } from "../cli/stats";
import { CACHE_DIR } from "../../model/project";
import { spread, timeNpm } from "./timing";

export const USAGE = `usage: npm run bench:lint -- [options]

  --runs N   how many cold and warm pairs of npm run lint to time (1 to 1000, default 5)
  --help     print this help

Exit codes: 0 measured; 1 npm run lint failed, so nothing was measured; 2 bad usage.`;

/** The benchmark as a tool: prints its figures and gives 0, or 1 when the lint fails, or 2 on bad flags. */
export function main(argv: string[], io: ToolIo = processIo): Promise<number> {
    return benchmark(argv, io, 5, USAGE, async (runs) => {
        const seconds = { cold: [] as number[], warm: [] as number[] };
        for (let i = 0; i < runs; i++) {
            for (const kind of ["cold", "warm"] as const) {
                if (kind === "cold") {
                    fs.rmSync(CACHE_DIR, { recursive: true, force: true });
                }
                const run = timeNpm(["run", "lint"]);
                seconds[kind].push(run.seconds);
                if (run.failure !== undefined) {
                    io.err(run.failure);
                    return 1;
                }
            }
            io.out(`run ${i + 1}: cold ${seconds.cold[i].toFixed(1)} s, warm ${seconds.warm[i].toFixed(1)} s`);
        }
        io.out(`node ${process.version}, ${availableParallelism()} cores, ${runs} runs of each`);
        for (const kind of ["cold", "warm"] as const) {
            io.out(`${kind}: median ${median(seconds[kind]).toFixed(1)} s, spread ${spread(seconds[kind], 1)} s`);
        }
        return 0;
    });
}

if (require.main === module) {
    runMain(() => main(process.argv.slice(2)));
}
