/**
 * Every tool's command line, benchmarks included, read as people type it: `--help` anywhere
 * among other flags, good or bad, prints the tool's help and exits 0; an unknown flag exits 2
 * with one line naming it and then the usage. Nothing prints a stack trace. The tools run
 * in-process, as their entry points run them; none of these runs gets past its flags.
 */
import * as assert from "node:assert/strict";
import fc from "fast-check";
import * as batch from "../scripts/bench-batch";
import * as program from "../scripts/bench-program";
import * as simulateBench from "../scripts/bench-simulate";
import * as testBench from "../scripts/bench-test";
import * as cost from "../scripts/cost";
import * as diagram from "../scripts/diagram";
import * as docs from "../scripts/docs";
import { execute, USAGE as EXECUTE_USAGE } from "../scripts/execute";
import * as preflight from "../scripts/preflight";
import * as show from "../scripts/show";
import * as simulate from "../scripts/simulate";
import type { ToolIo } from "../scripts/cli";
import { settings } from "./support/arbitraries";
import { runInProcess } from "./support/tool";

type Main = (argv: string[], io: ToolIo) => Promise<number>;

/** Each tool: its npm script, its main and its usage, and flags it takes with a value that is wrong for it. */
const TOOLS: { script: string; main: Main; usage: string; badFlags: string[][] }[] = [
    {
        script: "cost",
        main: cost.main,
        usage: cost.USAGE,
        badFlags: [
            ["--executions-per-month", "many"],
            ["--set", "nokey"],
            ["--stack", "nowhere"],
        ],
    },
    {
        script: "simulate",
        main: simulate.main,
        usage: simulate.USAGE,
        badFlags: [
            ["--executions", "0"],
            ["--stack", "nowhere"],
        ],
    },
    {
        script: "execute",
        // No run here reads a stack's outputs or waits: each ends at its flags.
        main: (argv, io) => execute(argv, { ...io, stackOutputs: () => Promise.reject(new Error("read no stack")), sleep: () => Promise.resolve() }),
        usage: EXECUTE_USAGE,
        badFlags: [["--stack"], ["--state-machine-arn", "not-an-arn"]],
    },
    { script: "preflight", main: preflight.main, usage: preflight.USAGE, badFlags: [["--stack", "nowhere"]] },
    { script: "show", main: show.main, usage: show.USAGE, badFlags: [["bogus"], ["--stack", "nowhere", "definition"], ["--set", "nokey", "alarms"]] },
    { script: "diagram", main: diagram.main, usage: diagram.USAGE, badFlags: [] },
    { script: "docs", main: docs.main, usage: docs.USAGE, badFlags: [["--check=yes"]] },
    {
        script: "bench:batch",
        main: batch.main,
        usage: batch.USAGE,
        badFlags: [
            ["--runs", "0"],
            ["--runs", "x"],
        ],
    },
    { script: "bench:program", main: program.main, usage: program.USAGE, badFlags: [["--runs", "1001"]] },
    {
        script: "bench:simulate",
        main: simulateBench.main,
        usage: simulateBench.USAGE,
        badFlags: [
            ["--sizes", "0"],
            ["--concurrency", "x"],
        ],
    },
    { script: "bench:test", main: testBench.main, usage: testBench.USAGE, badFlags: [["--runs", "-1"]] },
];

const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/m;

describe("every tool's command line", () => {
    for (const tool of TOOLS) {
        describe(`npm run ${tool.script}`, () => {
            it("prints its help and exits 0 for --help anywhere among other flags, good or bad", async () => {
                const others = fc
                    .array(fc.constantFrom(...tool.badFlags, ["--unknown-flag"], ["--json"], ["--stack", "dev"]), { maxLength: 3 })
                    .map((flags) => flags.flat());
                await fc.assert(
                    fc.asyncProperty(others, fc.nat(), async (flags, at) => {
                        const argv = [...flags];
                        argv.splice(at % (argv.length + 1), 0, "--help");
                        const run = await runInProcess(tool.main, argv);
                        assert.equal(run.status, 0, `${argv.join(" ")}: ${run.stderr}`);
                        assert.equal(run.stdout, `${tool.usage}\n`, argv.join(" "));
                        assert.equal(run.stderr, "");
                    }),
                    settings(10),
                );
            });

            it("exits 2 for an unknown flag, naming it, then its usage, with no stack trace", async () => {
                const run = await runInProcess(tool.main, ["--no-such-flag"]);
                assert.equal(run.status, 2);
                assert.match(run.stderr, /^Unknown option '--no-such-flag'/);
                assert.ok(run.stderr.includes(tool.usage.split("\n")[0]), run.stderr);
                assert.doesNotMatch(run.stderr, STACK_TRACE);
            });

            for (const flags of tool.badFlags) {
                it(`exits 2 for ${flags.join(" ")}, saying what is wrong, with no stack trace`, async () => {
                    const run = await runInProcess(tool.main, flags);
                    assert.equal(run.status, 2, run.stdout + run.stderr);
                    assert.ok(run.stderr.length > 0);
                    assert.doesNotMatch(run.stderr, STACK_TRACE);
                });
            }
        });
    }
});
