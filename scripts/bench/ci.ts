/**
 * npm run bench:ci: the wall time of `.ci/run`, CI's entry point, each run on a fresh clone of
 * the repository's last commit (what is not committed is not measured), as CI runs it. Reads the
 * time of each step from the lines `.ci/run` prints, and gives `npm ci` apart from the steps
 * after it. Prints each run and the medians with their spread.
 * Usage: npm run bench:ci [-- --runs N]
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import * as path from "node:path";
import { benchmark, processIo, runMain, type ToolIo } from "../cli/cli";
import { median } from "../cli/stats";
import { PROJECT_ROOT } from "../../model/project";
import { spread } from "./timing";

export const USAGE = `usage: npm run bench:ci -- [options]

Runs .ci/run on a fresh clone of the last commit, each time, and times its steps.

  --runs N   how many runs to time (1 to 1000, default 3)
  --help     print this help

Exit codes: 0 measured; 1 a run of .ci/run failed, so nothing was measured; 2 bad usage.`;

/** The steps .ci/run times, as it names them, in the order it runs them. */
export const STEPS = ["npm ci", "the lint and the format check", "npm test", "the load tests", "everything after npm ci"] as const;
type Step = (typeof STEPS)[number];

/** Each step's seconds, from the `ci: STEP took N ms` lines of a run's output; a step the output does not time is an error. */
export function stepSeconds(output: string): Record<Step, number> {
    const took = new Map([...output.matchAll(/^ci: (.+) took (\d+) ms$/gm)].map((m) => [m[1], Number(m[2]) / 1000]));
    return Object.fromEntries(
        STEPS.map((step) => {
            const seconds = took.get(step);
            if (seconds === undefined) {
                throw new Error(`.ci/run printed no time for ${step}`);
            }
            return [step, seconds];
        }),
    ) as Record<Step, number>;
}

/** One run of .ci/run in a fresh clone, removed after: its output, or why it failed. */
function runCi(): { output: string; failure?: string } {
    const dir = fs.mkdtempSync(path.join(tmpdir(), "stock-trader-ci-"));
    try {
        const clone = spawnSync("git", ["clone", "--quiet", PROJECT_ROOT, dir], { encoding: "utf8" });
        if (clone.status !== 0) {
            return { output: "", failure: `git clone failed: ${clone.stderr.trim()}` };
        }
        const run = spawnSync("bash", [".ci/run"], { cwd: dir, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
        const output = `${run.stdout}${run.stderr}`;
        return run.status === 0
            ? { output }
            : { output, failure: `.ci/run exited ${run.status}, so its time means nothing:\n${output.split("\n").slice(-40).join("\n")}` };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The benchmark as a tool: prints its figures and gives 0, or 1 when .ci/run fails, or 2 on bad flags. */
export function main(argv: string[], io: ToolIo = processIo): Promise<number> {
    return benchmark(argv, io, 3, USAGE, async (runs) => {
        const seconds = Object.fromEntries(STEPS.map((step) => [step, [] as number[]])) as Record<Step, number[]>;
        for (let i = 0; i < runs; i++) {
            const run = runCi();
            if (run.failure !== undefined) {
                io.err(run.failure);
                return 1;
            }
            const steps = stepSeconds(run.output);
            STEPS.forEach((step) => seconds[step].push(steps[step]));
            io.out(`run ${i + 1}: ${STEPS.map((step) => `${step} ${steps[step].toFixed(1)} s`).join(", ")}`);
        }
        io.out(`node ${process.version}, ${availableParallelism()} cores, ${runs} runs`);
        for (const step of STEPS) {
            io.out(`${step}: median ${median(seconds[step]).toFixed(1)} s, spread ${spread(seconds[step], 1)} s`);
        }
        return 0;
    });
}

if (require.main === module) {
    runMain(() => main(process.argv.slice(2)));
}
