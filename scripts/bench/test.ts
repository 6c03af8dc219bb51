/**
 * npm run bench:test: the wall time of `npm test`, run whole as a contributor runs it, several
 * times in a row. Prints each run, the median, and mocha's count of the tests. Run it on an idle
 * machine after `npm ci`; the project aims for a median within 30 s on 2 cores. With --counts,
 * prints instead what the suite and the program hold: the tests of the files git tracks, and the
 * resources each stack registers, the figures CONTRIBUTING.md shows.
 * Usage: npm run bench:test [-- --runs N | --counts]
 */
import { execFileSync } from "node:child_process";
import { availableParallelism } from "node:os";
import * as fs from "node:fs";
import * as path from "node:path";
import { BENCHMARK_OPTIONS, processIo, toolFlags, runMain, type OptionTable, type ToolIo } from "../cli/cli";
import { median } from "../cli/stats";
import { PROJECT_ROOT } from "../../model/project";
import { stackNames } from "../cli/stack-files";
import { timeNpm } from "./timing";

export const USAGE = `usage: npm run bench:test -- [options]

  --runs N   how many times to run npm test (1 to 1000, default 3)
  --counts   print the number of tests (of the test files mocha's spec names) and of the resources the
             repository's stacks register, and run nothing else
  --help     print this help

Exit codes: 0 measured (or counted); 1 npm test failed, so nothing was measured; 2 bad usage.`;

export const OPTIONS = { ...BENCHMARK_OPTIONS, counts: { type: "boolean", default: false } } as const satisfies OptionTable;

/** The repository's own stacks, whose figures the docs show whatever stack files are added. */
const REPOSITORY_STACKS = ["dev", "prod"] as const;

/** The tests mocha would run, from the test files its spec (.mocharc.json) names, without running them: all of them, and the load tests among them. */
function testCounts(): { tests: number; load: number; files: number } {
    const { spec } = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, ".mocharc.json"), "utf8")) as { spec: string[] };
    const files = [...new Set(spec.flatMap((pattern) => fs.globSync(pattern, { cwd: PROJECT_ROOT })))].sort();
    const mocha = path.join(PROJECT_ROOT, "node_modules", "mocha", "bin", "mocha.js");
    const requires = ["ts-node/register/transpile-only", "tests/support/stack-traces.ts", "tests/support/temp.ts"].flatMap((r) => ["--require", r]);
    const out = execFileSync(process.execPath, [mocha, "--no-config", ...requires, "--dry-run", "--reporter", "json", ...files], {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    const report = JSON.parse(out) as { tests: { fullTitle: string }[] };
    return { tests: report.tests.length, load: report.tests.filter((t) => t.fullTitle.includes("@load")).length, files: files.length };
}

/** How many resources each of the repository's stacks registers: its program run under the test mocks. */
async function resourceCounts(): Promise<{ stack: string; resources: number }[]> {
    // The test mocks stand in for the engine; loaded here only, as a count is all this needs of them.
    // Each stack's run is the one the test suite shares, when the docs check runs in it.
    const { runStack } = await import("../../tests/support/program");
    const counts: { stack: string; resources: number }[] = [];
    for (const stack of REPOSITORY_STACKS.filter((name) => stackNames().includes(name))) {
        const run = await runStack(stack);
        if (run.error !== undefined) {
            throw run.error instanceof Error ? run.error : new Error(`the ${stack} program failed: ${JSON.stringify(run.error)}`);
        }
        counts.push({ stack, resources: run.resources.length });
    }
    return counts;
}

const thousands = (n: number) => n.toLocaleString("en-US");

/** The tool: prints its figures and gives 0, or 1 when npm test fails, or 2 on bad flags. */
export async function main(argv: string[], io: ToolIo = processIo): Promise<number> {
    const values = toolFlags(argv, OPTIONS, io, USAGE);
    if (typeof values === "number") {
        return values;
    }
    if (values.counts) {
        const { tests, load, files } = testCounts();
        io.out(`${thousands(tests - load)} tests in ${files} files, run by npm test; ${load} more by npm run test:load`);
        io.out((await resourceCounts()).map(({ stack, resources }) => `the ${stack} stack registers ${resources} resources`).join("; "));
        return 0;
    }
    const runs = values.runs === undefined ? 3 : Number(values.runs);
    const seconds: number[] = [];
    let passing = "";
    for (let i = 0; i < runs; i++) {
        const run = timeNpm(["test"]);
        seconds.push(run.seconds);
        if (run.failure !== undefined) {
            io.err(run.failure);
            return 1;
        }
        passing = /^\s*(\d+) passing/m.exec(run.stdout)?.[1] ?? "?";
        io.out(`run ${i + 1}: ${seconds[i].toFixed(1)} s`);
    }
    io.out(`node ${process.version}, ${availableParallelism()} cores, ${passing} tests: median ${median(seconds).toFixed(1)} s of ${runs} runs`);
    return 0;
}

if (require.main === module) {
    runMain(() => main(process.argv.slice(2)));
}
