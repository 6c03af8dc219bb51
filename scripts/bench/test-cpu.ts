/**
 * A mocha root-hook plugin for `npm run bench:test -- --profile`, which runs npm test with
 * `--require` of this file and STOCK_TRADER_TEST_CPU_LOG naming a file. Each worker appends a JSON
 * line to that file for each test it runs, and one for each test file: the CPU seconds of the
 * worker, and of the child processes it waited for, in that time.
 */
import * as fs from "node:fs";
import type * as Mocha from "mocha";
import { childCpuSeconds, ownCpuSeconds } from "./cpu";

export const LOG_VARIABLE = "STOCK_TRADER_TEST_CPU_LOG";

/**
 * One line of the log. A test's holds what its `beforeEach` and `afterEach` hooks and the test
 * took; a file's holds what the worker took loading the file and what it imports (for a worker's
 * first file, its start too), then what the file's hooks and tests took, with the child processes
 * it waited for in all that time.
 */
export type CpuRecord =
    | { kind: "test"; pid: number; file: string; title: string; own: number; children: number }
    | { kind: "file"; pid: number; file: string; loading: number; own: number; children: number };

interface Reading {
    own: number;
    children: number;
}

function read(): Reading {
    const children = childCpuSeconds();
    if (children === undefined) {
        throw new Error("the CPU of the tests' child processes is read from Linux's /proc, which this system lacks");
    }
    return { own: ownCpuSeconds(), children };
}

/** The hooks, writing to `log`; a worker's readings start from nothing, as its process does. */
export function cpuHooks(log: string): Mocha.RootHookObject {
    let fileEnded: Reading = { own: 0, children: 0 };
    let fileStarted = fileEnded;
    let testStarted = fileEnded;
    let file = "";
    const write = (record: CpuRecord) => fs.appendFileSync(log, `${JSON.stringify(record)}\n`);
    return {
        beforeAll(this: Mocha.Context) {
            fileStarted = read();
            const root = this.test!.parent!;
            file = root.suites[0]?.file ?? root.tests[0]?.file ?? "";
        },
        beforeEach() {
            testStarted = read();
        },
        afterEach(this: Mocha.Context) {
            const now = read();
            const test = this.currentTest!;
            write({
                kind: "test",
                pid: process.pid,
                file: test.file ?? file,
                title: test.fullTitle(),
                own: now.own - testStarted.own,
                children: now.children - testStarted.children,
            });
        },
        afterAll() {
            const now = read();
            write({
                kind: "file",
                pid: process.pid,
                file,
                loading: fileStarted.own - fileEnded.own,
                own: now.own - fileStarted.own,
                children: now.children - fileEnded.children,
            });
            fileEnded = now;
        },
    };
}

/** What mocha loads from a root-hook plugin: the hooks, writing to the file the variable names. */
export function mochaHooks(): Mocha.RootHookObject {
    const log = process.env[LOG_VARIABLE];
    if (!log) {
        throw new Error(`${LOG_VARIABLE} must name the file the tests' CPU readings go to; npm run bench:test -- --profile sets it`);
    }
    return cpuHooks(log);
}
