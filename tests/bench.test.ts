import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type * as Mocha from "mocha";
import { PROJECT_ROOT } from "../model/project";
import { childCpuSeconds, childTicks, ownCpuSeconds } from "../scripts/bench/cpu";
import { cpuHooks, LOG_VARIABLE, mochaHooks, type CpuRecord } from "../scripts/bench/test-cpu";
import { main, PROFILE_TOP, profileReport } from "../scripts/bench/test";
import { runInProcess } from "./support/tool";
import { tempDir } from "./support/temp";

/** Spends about `seconds` of this process's CPU. */
function spin(seconds: number): void {
    const until = ownCpuSeconds() + seconds;
    while (ownCpuSeconds() < until) {
        // Reading the CPU is the work.
    }
}

/** A child process that spends more than 0.1 s of CPU, and is waited for. */
const busyChild = () =>
    spawnSync(process.execPath, ["-e", "const t = process.cpuUsage(); for (let u = t; u.user + u.system < 100000; u = process.cpuUsage(t));"]);

/** A /proc/PID/stat line of 52 fields, the command named `name`, with cutime and cstime as given. */
const statLine = (name: string, cutime: number, cstime: number) => {
    const fields = Array.from({ length: 50 }, (_, i) => String(i + 3));
    fields[0] = "S";
    fields[13] = String(cutime);
    fields[14] = String(cstime);
    return `4242 (${name}) ${fields.join(" ")}\n`;
};

describe("the benchmarks' CPU readings", () => {
    it("read the waited-for children's ticks, cutime and cstime, after the command's name, whatever the name holds", () => {
        assert.equal(childTicks(statLine("node", 7, 5)), 12);
        assert.equal(childTicks(statLine("a) (b) 1 2 3", 100, 0)), 100);
        for (const broken of ["", "4242 node S 1", statLine("node", 7, 5).replace(" 7 5 ", " x 5 ")]) {
            assert.throws(() => childTicks(broken), /^Error: not a line of \/proc\/PID\/stat, whose 16th and 17th fields are whole numbers: /, broken);
        }
    });

    it("count a child process's CPU once it is waited for, where the system has /proc", function () {
        const before = childCpuSeconds();
        if (before === undefined) {
            this.skip();
        }
        busyChild();
        assert.ok(childCpuSeconds()! - before >= 0.1, `${childCpuSeconds()! - before} s`);
    });
});

describe("npm run bench:test -- --profile", () => {
    /** A context as mocha gives the hooks: the root suite of one file, then each test. */
    const rootOf = (file: string, inSuite: boolean) =>
        ({ test: { parent: inSuite ? { suites: [{ file }], tests: [] } : { suites: [], tests: [{ file }] } } }) as unknown as Mocha.Context;
    const testOf = (file: string, title: string) => ({ currentTest: { file, fullTitle: () => title } }) as unknown as Mocha.Context;
    type Hook = (this: Mocha.Context) => void;

    it("writes a line for each test and each file: the worker's CPU, loading and running apart, and its children's", function () {
        if (childCpuSeconds() === undefined) {
            this.skip();
        }
        const log = path.join(tempDir("cpu-log-"), "cpu.jsonl");
        const hooks = cpuHooks(log) as Record<"beforeAll" | "beforeEach" | "afterEach" | "afterAll", Hook>;
        hooks.beforeAll.call(rootOf("/p/a.test.ts", true));
        hooks.beforeEach.call(testOf("/p/a.test.ts", "a one"));
        spin(0.05);
        hooks.afterEach.call(testOf("/p/a.test.ts", "a one"));
        hooks.beforeEach.call(testOf("/p/a.test.ts", "a two"));
        busyChild();
        hooks.afterEach.call(testOf("/p/a.test.ts", "a two"));
        hooks.afterAll.call(rootOf("/p/a.test.ts", true));
        spin(0.05);
        busyChild();
        hooks.beforeAll.call(rootOf("/p/b.test.ts", false));
        hooks.afterAll.call(rootOf("/p/b.test.ts", false));

        const records = fs
            .readFileSync(log, "utf8")
            .trimEnd()
            .split("\n")
            .map((line) => JSON.parse(line) as CpuRecord);
        assert.deepEqual(
            records.map((r) => [r.kind, r.pid, r.file, r.kind === "test" ? r.title : ""]),
            [
                ["test", process.pid, "/p/a.test.ts", "a one"],
                ["test", process.pid, "/p/a.test.ts", "a two"],
                ["file", process.pid, "/p/a.test.ts", ""],
                ["file", process.pid, "/p/b.test.ts", ""],
            ],
        );
        const [one, two, a, b] = records as [CpuRecord, CpuRecord, CpuRecord & { kind: "file" }, CpuRecord & { kind: "file" }];
        assert.ok(one.own >= 0.05 && one.children === 0, JSON.stringify(one));
        assert.ok(two.children >= 0.1, JSON.stringify(two));
        assert.ok(a.own >= one.own + two.own && a.children >= two.children, JSON.stringify(a));
        // The first file's loading is the process's CPU before it; the next file's, the CPU since
        // the first ended, with the child processes waited for then.
        assert.ok(a.loading > 0.05, JSON.stringify(a));
        assert.ok(b.loading >= 0.05 && b.loading < 0.09, JSON.stringify(b));
        assert.ok(b.own < 0.04 && b.children >= 0.1, JSON.stringify(b));
    });

    it("refuses to load without the file its readings go to, naming the variable", () => {
        const given = process.env[LOG_VARIABLE];
        delete process.env[LOG_VARIABLE];
        try {
            assert.throws(
                () => mochaHooks(),
                /^Error: STOCK_TRADER_TEST_CPU_LOG must name the file the tests' CPU readings go to; npm run bench:test -- --profile sets it$/,
            );
        } finally {
            if (given !== undefined) {
                process.env[LOG_VARIABLE] = given;
            }
        }
    });

    it("reports the workers, the child processes and the rest, then the files and the tests that take the most", () => {
        const file = (name: string) => path.join(PROJECT_ROOT, "tests", name);
        const records: CpuRecord[] = [
            { kind: "file", pid: 1, file: file("a.test.ts"), loading: 1, own: 2, children: 0.5 },
            { kind: "file", pid: 2, file: file("b.test.ts"), loading: 0.5, own: 1, children: 4 },
            { kind: "file", pid: 1, file: file("c.test.ts"), loading: 0, own: 0.25, children: 0 },
            ...Array.from({ length: PROFILE_TOP + 2 }, (_, i): CpuRecord => ({
                kind: "test",
                pid: 1,
                file: file("a.test.ts"),
                title: `t${i}`,
                own: i / 10,
                children: i === 3 ? 3 : 0,
            })),
        ];
        const lines = profileReport(records, 8, 12);
        assert.deepEqual(lines.slice(0, 9), [
            `npm test, run once, ${PROFILE_TOP + 2} tests in 3 files: 8.0 s of wall time, 12.0 s of CPU (user and system, child processes included)`,
            "  4.8 s in mocha's 2 workers: 1.5 s loading the test files and what they import (a worker's start with its first file), 3.3 s in their hooks and tests",
            "  4.5 s in the child processes the tests start, counted as each is waited for",
            "  2.8 s in the rest: npm, the shell, mocha's main process",
            "the 3 test files that take the most CPU, their hooks and the child processes they start included:",
            "    5.5 s  tests/b.test.ts (loading 0.5 s, its hooks and tests 1.0 s, child processes 4.0 s)",
            "    3.5 s  tests/a.test.ts (loading 1.0 s, its hooks and tests 2.0 s, child processes 0.5 s)",
            "    0.3 s  tests/c.test.ts (loading 0.0 s, its hooks and tests 0.3 s, child processes 0.0 s)",
            `the ${PROFILE_TOP} tests that take the most CPU, their beforeEach and afterEach hooks included:`,
        ]);
        const tests = lines.slice(9);
        assert.equal(tests.length, PROFILE_TOP);
        assert.equal(tests[0], "    3.3 s  tests/a.test.ts: t3 (its worker 0.3 s, child processes 3.0 s)");
        assert.equal(tests[1], `    1.3 s  tests/a.test.ts: t${PROFILE_TOP + 1} (its worker 1.3 s, child processes 0.0 s)`);
        assert.ok(!tests.some((line) => / t[01] /.test(line)));
    });

    it("runs alone: --profile and --counts refuse each other and --runs, exit 2", async () => {
        for (const argv of [
            ["--profile", "--counts"],
            ["--profile", "--runs", "2"],
            ["--runs=1", "--counts"],
        ]) {
            const run = await runInProcess(main, argv);
            assert.equal(run.status, 2, argv.join(" "));
            assert.equal(
                run.stderr,
                `--profile and --counts each run alone: give one of them, without --runs (got ${argv.join(" ")}); npm run bench:test -- --help lists what it takes`,
            );
        }
    });
});
