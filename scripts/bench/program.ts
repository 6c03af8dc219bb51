/**
 * npm run bench:program: the program phase of `pulumi preview`/`up` as Pulumi's runtime runs it
 * (the dev stack, under the test mocks), against an empty program that only loads the same
 * SDKs with the same loader. Prints the median time and peak memory of each and their ratio.
 * Usage: npm run bench:program [-- --runs N]. The load is transpile-only whatever
 * PULUMI_NODEJS_TRANSPILE_ONLY says: tsconfig.json's ts-node `swc` implies it.
 */
import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";
import * as path from "node:path";
import { benchmark, processIo, runMain, type ToolIo } from "../cli/cli";
import { median } from "../cli/stats";
import { PROJECT_ROOT } from "../../model/project";

interface Phase {
    ms: number;
    maxRssMb: number;
    resources: number;
}

function phase(entryPoint: string): Phase {
    const out = execFileSync(process.execPath, [path.join(__dirname, "program-phase.js"), entryPoint], {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
    });
    return JSON.parse(out.trim().split("\n").at(-1) ?? "") as Phase;
}

export const USAGE = `usage: npm run bench:program -- [options]

  --runs N   how many times to run each program phase (1 to 1000, default 7)
  --help     print this help

Exit codes: 0 measured; 2 bad usage.`;

/** The benchmark as a tool: prints its figures and gives 0, or prints the usage and gives 2 on bad flags. */
export function main(argv: string[], io: ToolIo = processIo): Promise<number> {
    return benchmark(argv, io, 7, USAGE, async (runs) => {
        const program: Phase[] = [];
        const empty: Phase[] = [];
        // Alternate the two so that both see the same machine load.
        for (let i = 0; i < runs; i++) {
            program.push(phase("index.ts"));
            empty.push(phase("scripts/bench/empty-program.ts"));
        }
        const row = (label: string, phases: Phase[]) =>
            `${label.padEnd(16)} ${median(phases.map((p) => p.ms))
                .toFixed(0)
                .padStart(6)} ms  ${median(phases.map((p) => p.maxRssMb))
                .toFixed(0)
                .padStart(5)} MB  ${String(phases[0].resources).padStart(3)} resources`;
        io.out(`node ${process.version}, ${availableParallelism()} cores, median of ${runs} runs each, transpile-only (ts-node with swc)`);
        io.out(row("program (dev)", program));
        io.out(row("empty program", empty));
        io.out(`ratio            ${(median(program.map((p) => p.ms)) / median(empty.map((p) => p.ms))).toFixed(2)}x`);
        return 0;
    });
}

if (require.main === module) {
    runMain(() => main(process.argv.slice(2)));
}
