/**
 * npm run bench:program: the program phase of `pulumi preview`/`up` as Pulumi's runtime runs it
 * (the dev stack, under the test mocks), against its floor, a program generated from a recorded
 * run that only registers the same resources with the same inputs and options (floor.ts), and
 * an empty program that only loads the same SDKs, all with the same loader. Each run is a fresh
 * process, and the program keeps no cache of its own between runs (esbuild bundles in memory,
 * ts-node compiles in memory, Node's compile cache is off), so every run is cold, as a pull
 * request's preview on a fresh runner. Prints each one's median time, its spread and its peak
 * memory, and the program's ratio to its floor. Usage: npm run bench:program [-- --runs N].
 * The load is transpile-only whatever PULUMI_NODEJS_TRANSPILE_ONLY says: tsconfig.json's
 * ts-node `swc` implies it.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import { availableParallelism } from "node:os";
import * as path from "node:path";
import { benchmark, processIo, runMain, type ToolIo } from "../cli/cli";
import { median } from "../cli/stats";
import { PROJECT_ROOT } from "../../model/project";
import { writeFloor } from "./floor";
import { spread } from "./timing";

interface Phase {
    ms: number;
    maxRssMb: number;
    resources: number;
}

function phase(entryPoint: string): Phase {
    const { NODE_COMPILE_CACHE: _cache, ...env } = process.env;
    const out = execFileSync(process.execPath, [path.join(__dirname, "program-phase.js"), entryPoint], {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
        env,
        stdio: ["ignore", "pipe", "inherit"],
    });
    return JSON.parse(out.trim().split("\n").at(-1) ?? "") as Phase;
}

export const USAGE = `usage: npm run bench:program -- [options]

  --runs N   how many times to run each program phase, alternated (1 to 1000, default 9)
  --help     print this help

Exit codes: 0 measured; 2 bad usage.`;

const times = (phases: readonly Phase[]) => phases.map((p) => p.ms);

/** The benchmark as a tool: prints its figures and gives 0, or prints the usage and gives 2 on bad flags. */
export function main(argv: string[], io: ToolIo = processIo): Promise<number> {
    return benchmark(argv, io, 9, USAGE, async (runs) => {
        const floorFile = await writeFloor("dev");
        const entries = { program: "index.ts", floor: floorFile, empty: "scripts/bench/empty-program.ts" };
        const phases: Record<keyof typeof entries, Phase[]> = { program: [], floor: [], empty: [] };
        try {
            // Alternate the three so that each sees the same machine load.
            for (let i = 0; i < runs; i++) {
                for (const key of Object.keys(entries) as (keyof typeof entries)[]) {
                    phases[key].push(phase(entries[key]));
                }
            }
        } finally {
            fs.rmSync(path.dirname(floorFile), { recursive: true, force: true });
        }
        const row = (label: string, of: Phase[]) =>
            `${label.padEnd(16)} ${median(times(of)).toFixed(0).padStart(6)} ms  (${spread(times(of), 0)})  ${median(of.map((p) => p.maxRssMb))
                .toFixed(0)
                .padStart(5)} MB  ${String(of[0].resources).padStart(3)} resources`;
        const ratios = phases.program.map((p, i) => p.ms / phases.floor[i].ms);
        io.out(`node ${process.version}, ${availableParallelism()} cores, median of ${runs} alternated cold runs each, transpile-only (ts-node with swc)`);
        io.out(row("program (dev)", phases.program));
        io.out(row("floor", phases.floor));
        io.out(row("empty program", phases.empty));
        io.out(`program / floor  ${(median(times(phases.program)) / median(times(phases.floor))).toFixed(2)}x  (each run's: ${spread(ratios, 2)}x)`);
        return 0;
    });
}

if (require.main === module) {
    runMain(() => main(process.argv.slice(2)));
}
