/**
 * What the benchmarks share: the spread of their figures, and an npm command of the project run
 * whole and timed, as a contributor runs it.
 */
import { spawnSync } from "node:child_process";
import { PROJECT_ROOT } from "../../model/project";
import { childCpuSeconds } from "./cpu";

/** The smallest and the largest of the figures, `min–max`, each with this many decimals. */
export const spread = (values: readonly number[], digits: number): string => `${Math.min(...values).toFixed(digits)}–${Math.max(...values).toFixed(digits)}`;

/**
 * One run of `npm ARGS` in the project: its wall time; its CPU seconds, user and system, its child
 * processes included, where the system counts them (`childCpuSeconds`); what it printed; and why
 * its time means nothing where it failed.
 */
export interface TimedRun {
    seconds: number;
    cpuSeconds?: number;
    stdout: string;
    failure?: string;
}

/** Runs `npm ARGS` in the project, with `env` added to this process's environment. */
export function timeNpm(args: readonly string[], env: NodeJS.ProcessEnv = {}): TimedRun {
    const cpuBefore = childCpuSeconds();
    const started = performance.now();
    const run = spawnSync("npm", args, { cwd: PROJECT_ROOT, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: { ...process.env, ...env } });
    const seconds = (performance.now() - started) / 1000;
    const cpuAfter = childCpuSeconds();
    const cpuSeconds = cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore;
    if (run.status !== 0) {
        return {
            seconds,
            cpuSeconds,
            stdout: run.stdout,
            failure: `npm ${args.join(" ")} exited ${run.status}, so its time means nothing:\n${run.stdout}\n${run.stderr}`,
        };
    }
    return { seconds, cpuSeconds, stdout: run.stdout };
}
