/**
 * npm run bench:test: the wall time of `npm test`, run whole as a contributor runs it, several
 * times in a row, and its CPU time, its child processes included, where Linux's /proc counts it.
 * Prints each run, the medians, and mocha's count of the tests. Run it on an idle machine after
 * `npm ci`. With --profile, runs npm test once and prints where its CPU goes: the workers, the
 * child processes the tests start, and the test files and tests that take the most. With
 * --counts, prints instead what the suite and the program hold: the tests of the files git
 * tracks, and the resources each stack registers, the figures CONTRIBUTING.md shows.
 * Usage: npm run bench:test [-- --runs N | --profile | --counts]
 */
import { execFileSync } from "node:child_process";
import { availableParallelism, tmpdir } from "node:os";
import * as fs from "node:fs";
import * as path from "node:path";
import { BENCHMARK_OPTIONS, processIo, refuseCaller, toolFlags, runMain, UsageError, type OptionTable, type ToolIo } from "../cli/cli";
import { median } from "../cli/stats";
import { PROJECT_ROOT } from "../../model/project";
import { stackNames } from "../cli/stack-files";
import { childCpuSeconds } from "./cpu";
import { LOG_VARIABLE, type CpuRecord } from "./test-cpu";
import { spread, timeNpm } from "./timing";

export const USAGE = `usage: npm run bench:test -- [options]

  --runs N    how many times to run npm test (1 to 1000, default 3)
  --profile   run npm test once, reading each test's CPU and that of the child processes it
              waits for, and print where the CPU goes (Linux only: it reads /proc)
  --counts    print the number of tests (of the test files mocha's spec names) and of the resources
              the repository's stacks register, and run nothing else
  --help      print this help

Exit codes: 0 measured (or counted); 1 npm test failed, so nothing was measured, or --profile
ran where there is no /proc; 2 bad usage.`;

export const OPTIONS = {
    ...BENCHMARK_OPTIONS,
    profile: { type: "boolean", default: false },
    counts: { type: "boolean", default: false },
} as const satisfies OptionTable;

/** The suite's mocha config (.mocharc.json), which npm test reads: its test files' patterns, and the modules each process loads first. */
interface MochaConfig {
    spec: string[];
    require: string[];
}
const mochaConfig = () => JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, ".mocharc.json"), "utf8")) as MochaConfig;

/** The repository's own stacks, whose figures the docs show whatever stack files are added. */
const REPOSITORY_STACKS = ["dev", "prod"] as const;

/** The tests mocha would run, from the test files its spec (.mocharc.json) names, without running them: all of them, and the load tests among them. */
function testCounts(): { tests: number; load: number; files: number } {
    const { spec, require: modules } = mochaConfig();
    const files = [...new Set(spec.flatMap((pattern) => fs.globSync(pattern, { cwd: PROJECT_ROOT })))].sort();
    const mocha = path.join(PROJECT_ROOT, "node_modules", "mocha", "bin", "mocha.js");
    const requires = modules.flatMap((r) => ["--require", r]);
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

/** The test files, then the tests, that take the most CPU: how many of each the profile lists. */
export const PROFILE_TOP = 12;

/** Where the CPU of one run of npm test went, from the readings of its tests, its whole wall time and its whole CPU (`--profile`). */
export function profileReport(records: readonly CpuRecord[], wall: number, cpu: number): string[] {
    const files = records.filter((r) => r.kind === "file");
    const tests = records.filter((r) => r.kind === "test");
    const workers = new Set(files.map((f) => f.pid)).size;
    const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
    const loading = sum(files.map((f) => f.loading));
    const running = sum(files.map((f) => f.own));
    const children = sum(files.map((f) => f.children));
    const s = (seconds: number) => `${seconds.toFixed(1)} s`;
    const name = (file: string) => path.relative(PROJECT_ROOT, file);
    const byFile = files
        .map((f) => ({ ...f, total: f.loading + f.own + f.children }))
        .sort((a, b) => b.total - a.total)
        .slice(0, PROFILE_TOP)
        .map(
            (f) => `  ${s(f.total).padStart(7)}  ${name(f.file)} (loading ${s(f.loading)}, its hooks and tests ${s(f.own)}, child processes ${s(f.children)})`,
        );
    const byTest = tests
        .map((t) => ({ ...t, total: t.own + t.children }))
        .sort((a, b) => b.total - a.total)
        .slice(0, PROFILE_TOP)
        .map((t) => `  ${s(t.total).padStart(7)}  ${name(t.file)}: ${t.title} (its worker ${s(t.own)}, child processes ${s(t.children)})`);
    return [
        `npm test, run once, ${tests.length} tests in ${files.length} files: ${s(wall)} of wall time, ${s(cpu)} of CPU (user and system, child processes included)`,
        `  ${s(loading + running)} in mocha's ${workers} workers: ${s(loading)} loading the test files and what they import (a worker's start with its first file), ${s(running)} in their hooks and tests`,
        `  ${s(children)} in the child processes the tests start, counted as each is waited for`,
        `  ${s(cpu - loading - running - children)} in the rest: npm, the shell, mocha's main process`,
        `the ${byFile.length} test files that take the most CPU, their hooks and the child processes they start included:`,
        ...byFile,
        `the ${byTest.length} tests that take the most CPU, their beforeEach and afterEach hooks included:`,
        ...byTest,
    ];
}

/** Runs npm test once with the CPU hooks, and prints where its CPU went; 1 where npm test fails or the system has no /proc. */
function profile(io: ToolIo): number {
    if (childCpuSeconds() === undefined) {
        io.err("--profile reads the CPU of the tests' child processes from Linux's /proc, which this system lacks; nothing was measured");
        return 1;
    }
    const dir = fs.mkdtempSync(path.join(tmpdir(), "stock-trader-profile-"));
    try {
        const log = path.join(dir, "cpu.jsonl");
        // The project's mocha config with the hooks required after its own: mocha puts a --require
        // given on the command line before the config's, ts-node's among them.
        const config = mochaConfig();
        const profiled = path.join(dir, "mocharc.json");
        fs.writeFileSync(profiled, JSON.stringify({ ...config, require: [...config.require, path.join(__dirname, "test-cpu.ts")] }));
        const run = timeNpm(["test", "--", "--config", profiled], { [LOG_VARIABLE]: log });
        if (run.failure !== undefined) {
            io.err(run.failure);
            return 1;
        }
        const records = fs
            .readFileSync(log, "utf8")
            .split("\n")
            .filter((line) => line !== "")
            .map((line) => JSON.parse(line) as CpuRecord);
        profileReport(records, run.seconds, run.cpuSeconds!).forEach((line) => io.out(line));
        return 0;
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The tool: prints its figures and gives 0, or 1 when npm test fails, or 2 on bad flags. */
export async function main(argv: string[], io: ToolIo = processIo): Promise<number> {
    const values = toolFlags(argv, OPTIONS, io, USAGE);
    if (typeof values === "number") {
        return values;
    }
    const alone = (["profile", "counts"] as const).filter((flag) => values[flag]);
    if (alone.length > 0 && (alone.length > 1 || values.runs !== undefined)) {
        return refuseCaller(new UsageError(`--profile and --counts each run alone: give one of them, without --runs (got ${argv.join(" ")})`), io, USAGE);
    }
    if (values.counts) {
        const { tests, load, files } = testCounts();
        io.out(`${thousands(tests - load)} tests in ${files} files, run by npm test; ${load} more by npm run test:load`);
        io.out((await resourceCounts()).map(({ stack, resources }) => `the ${stack} stack registers ${resources} resources`).join("; "));
        return 0;
    }
    if (values.profile) {
        return profile(io);
    }
    const runs = values.runs === undefined ? 3 : Number(values.runs);
    const seconds: number[] = [];
    const cpu: number[] = [];
    let passing = "";
    for (let i = 0; i < runs; i++) {
        const run = timeNpm(["test"]);
        if (run.failure !== undefined) {
            io.err(run.failure);
            return 1;
        }
        seconds.push(run.seconds);
        if (run.cpuSeconds !== undefined) {
            cpu.push(run.cpuSeconds);
        }
        passing = /^\s*(\d+) passing/m.exec(run.stdout)?.[1] ?? "?";
        io.out(`run ${i + 1}: ${run.seconds.toFixed(1)} s` + (run.cpuSeconds === undefined ? "" : `, ${run.cpuSeconds.toFixed(1)} s of CPU`));
    }
    const cpuFigure = cpu.length === runs ? `; ${median(cpu).toFixed(1)} s of CPU (${spread(cpu, 1)}), user and system, child processes included` : "";
    io.out(
        `node ${process.version}, ${availableParallelism()} cores, ${passing} tests: median ${median(seconds).toFixed(1)} s (${spread(seconds, 1)}) of ${runs} runs${cpuFigure}`,
    );
    return 0;
}

if (require.main === module) {
    runMain(() => main(process.argv.slice(2)));
}
