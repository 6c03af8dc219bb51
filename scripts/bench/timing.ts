/**
 * What the benchmarks share: the spread of their figures, and an npm command of the project run
 * whole and timed, as a contributor runs it.
 */
import { spawnSync } from "node:child_process";
import { PROJECT_ROOT } from "../../model/project";

/** The smallest and the largest of the figures, `min–max`, each with this many decimals. */
export const spread = (values: readonly number[], digits: number): string => `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;

/** One run of `npm ARGS` in the project: its wall time, what it printed, and why its time means nothing where it failed. */
export interface TimedRun {
    seconds: number;
    stdout: string;
    failure?: string;
}

export function timeNpm(args: readonly string[]): TimedRun {
    const started = performance.now();
    const run = spawnSync("npm", args, { cwd: PROJECT_ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    const seconds = (performance.now() - started) / 1000;
    if (run.status !== 0) {
        return { seconds, stdout: run.stdout, failure: `npm ${args.join(" ")} exited ${run.status}, so its time means nothing:\n${run.stdout}\n${run.stderr}` };
    }
    return { seconds, stdout: run.stdout };
}
