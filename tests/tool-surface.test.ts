/**
 * Every tool's command line, benchmarks included, read as people type it: `--help` anywhere
 * among other flags, good or bad, prints the tool's help and exits 0; an unknown flag exits 2
 * with one line naming it and then the usage. Nothing prints a stack trace. The tools run
 * in-process, as their entry points run them; none of these runs gets past its flags.
 */
import * as assert from "node:assert/strict";
import fc from "fast-check";
import * as batch from "../scripts/bench/batch";
import * as lintBench from "../scripts/bench/lint";
import * as ciBench from "../scripts/bench/ci";
import * as program from "../scripts/bench/program";
import * as simulateBench from "../scripts/bench/simulate";
import * as testBench from "../scripts/bench/test";
import * as batchCheck from "../scripts/local/batch-check";
import * as batchTry from "../scripts/local/batch-try";
import * as changeTry from "../scripts/local/change-try";
import * as cost from "../scripts/local/cost";
import * as diagram from "../scripts/docs/diagram";
import * as docs from "../scripts/docs/docs";
import { execute, OPTIONS as EXECUTE_OPTIONS, USAGE as EXECUTE_USAGE } from "../scripts/operate/execute";
import * as preflight from "../scripts/preflight/preflight";
import { live, OPTIONS as LIVE_OPTIONS, USAGE as LIVE_USAGE } from "../scripts/operate/live";
import { OPTIONS as PRUNE_OPTIONS, prune, USAGE as PRUNE_USAGE } from "../scripts/operate/prune";
import { e2e, OPTIONS as E2E_OPTIONS, usage as e2eUsage } from "../scripts/e2e/driver";
import { STEPS as E2E_STEPS } from "../scripts/e2e/scenarios";
import * as show from "../scripts/local/show";
import * as simulate from "../scripts/local/simulate";
import * as testState from "../scripts/teststate/teststate";
import * as snapshots from "./support/write-snapshots";
import { BENCHMARK_OPTIONS, helpCommand, parseCommand, UsageError, type Option, type OptionTable, type ToolIo } from "../scripts/cli/cli";
import { settings } from "./support/arbitraries";
import { runInProcess } from "./support/tool";

type Main = (argv: string[], io: ToolIo) => Promise<number>;

/** Each tool: its npm script, its main and its usage, and flags it takes with a value that is wrong for it. */
const TOOLS: { script: string; main: Main; usage: string; options: OptionTable; badFlags: string[][] }[] = [
    {
        script: "cost",
        main: cost.main,
        usage: cost.USAGE,
        options: cost.OPTIONS,
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
        options: simulate.OPTIONS,
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
        options: EXECUTE_OPTIONS,
        badFlags: [["--stack"], ["--state-machine-arn", "not-an-arn"]],
    },
    {
        script: "prune-versions",
        // No run here reads a stack's outputs: each ends at its flags.
        main: (argv, io) =>
            prune(argv, { ...io, stackOutputs: () => Promise.reject(new Error("read no stack")), sleep: () => Promise.resolve(), now: () => new Date(0) }),
        usage: PRUNE_USAGE,
        options: PRUNE_OPTIONS,
        badFlags: [["--stack"], ["--state-machine-arn", "not-an-arn"]],
    },
    {
        script: "live",
        // No run here reads a stack's outputs: each ends at its flags.
        main: (argv, io) =>
            live(argv, { ...io, stackOutputs: () => Promise.reject(new Error("read no stack")), sleep: () => Promise.resolve(), now: () => new Date(0) }),
        usage: LIVE_USAGE,
        options: LIVE_OPTIONS,
        badFlags: [["status"], ["bake", "--stack", "prod", "--to", "3"], ["rollback", "--stack", "prod"], ["--stack", "prod", "bogus"]],
    },
    {
        script: "test:e2e",
        // An engine that refuses every call: each run here ends at its flags, or at the account guard.
        main: (argv, io) =>
            e2e(argv, {
                ...io,
                engine: () => ({
                    createStack: () => Promise.reject(new Error("no stack")),
                    selectStack: () => Promise.reject(new Error("no stack")),
                    listStacks: async () => [],
                    stackFiles: () => [],
                    removeStackFile: () => undefined,
                }),
                prerequisites: {
                    environmentRegion: async () => undefined,
                    caller: async () => ({ account: "000000000000" }),
                    pulumi: async () => [],
                    docker: async () => [],
                },
                steps: E2E_STEPS,
                baseConfig: () => ({}),
                now: () => new Date(0),
                onSignal: () => () => undefined,
                shortId: () => "00000000",
                runCost: () => 0,
            }),
        usage: e2eUsage(E2E_STEPS),
        options: E2E_OPTIONS,
        badFlags: [
            ["--account", "12"],
            ["--region", "Mars"],
            ["--sweep", "--keep"],
        ],
    },
    {
        script: "test:teststate",
        // A client that refuses every call: each run here ends at its flags.
        main: (argv, io) =>
            testState.main(argv, io, {
                stackRegion: async () => "us-east-1",
                sfn: () => ({ send: () => Promise.reject(new Error("send nothing")), destroy: () => undefined }) as never,
                sleep: async () => undefined,
            }),
        usage: testState.USAGE,
        options: testState.OPTIONS,
        badFlags: [
            ["--region", "Mars"],
            ["--stack", "nowhere"],
            ["--set", "nokey"],
        ],
    },
    { script: "preflight", main: preflight.main, usage: preflight.USAGE, options: preflight.OPTIONS, badFlags: [["--stack", "nowhere"]] },
    {
        script: "show",
        main: show.main,
        usage: show.USAGE,
        options: show.OPTIONS,
        badFlags: [["bogus"], ["--stack", "nowhere", "definition"], ["--set", "nokey", "alarms"]],
    },
    // No run here writes the snapshots: each ends at its flags.
    { script: "snapshots", main: (argv, io) => snapshots.main(argv, io, async () => []), usage: snapshots.USAGE, options: snapshots.OPTIONS, badFlags: [] },
    { script: "diagram", main: diagram.main, usage: diagram.USAGE, options: diagram.OPTIONS, badFlags: [] },
    { script: "batch:check", main: batchCheck.main, usage: batchCheck.USAGE, options: batchCheck.OPTIONS, badFlags: [["--batch", "no/such/folder"]] },
    { script: "batch:try", main: batchTry.main, usage: batchTry.USAGE, options: batchTry.OPTIONS, badFlags: [["--keep"], ["--batch", "no/such/folder"]] },
    { script: "change:try", main: changeTry.main, usage: changeTry.USAGE, options: changeTry.OPTIONS, badFlags: [["--keep"], ["--patch", "no/such.patch"]] },
    { script: "docs", main: docs.main, usage: docs.USAGE, options: docs.OPTIONS, badFlags: [["--check=yes"]] },
    {
        script: "bench:batch",
        main: batch.main,
        usage: batch.USAGE,
        options: BENCHMARK_OPTIONS,
        badFlags: [
            ["--runs", "0"],
            ["--runs", "x"],
        ],
    },
    { script: "bench:program", main: program.main, usage: program.USAGE, options: BENCHMARK_OPTIONS, badFlags: [["--runs", "1001"]] },
    {
        script: "bench:simulate",
        main: simulateBench.main,
        usage: simulateBench.USAGE,
        options: simulateBench.OPTIONS,
        badFlags: [
            ["--sizes", "0"],
            ["--concurrency", "x"],
        ],
    },
    { script: "bench:test", main: testBench.main, usage: testBench.USAGE, options: testBench.OPTIONS, badFlags: [["--runs", "-1"]] },
    { script: "bench:lint", main: lintBench.main, usage: lintBench.USAGE, options: BENCHMARK_OPTIONS, badFlags: [["--runs", "0"]] },
    { script: "bench:ci", main: ciBench.main, usage: ciBench.USAGE, options: BENCHMARK_OPTIONS, badFlags: [["--runs", "0"]] },
];

const STACK_TRACE = /^\s+at .+:\d+:\d+\)?$/m;

/** The exit codes a tool's usage documents, from its "Exit codes:" paragraph. */
const documentedExits = (usage: string): number[] => {
    const paragraph = /^Exit codes: ([\s\S]*)$/m.exec(usage)?.[1] ?? "";
    return paragraph.split(";").map((clause) => Number(/^\s*(\d)\b/.exec(clause)?.[1]));
};

/** The flag a command-line word names: `--runs=3` and `--runs` both name runs. */
const flagName = (word: string) => word.replace(/^--/, "").replace(/=.*$/, "");

/** Values an integer flag takes: its bounds, the values next to them, and any in between. */
const inBounds = ({ min, max }: { min: number; max: number }) =>
    fc.oneof(fc.constantFrom(min, max, Math.min(min + 1, max), Math.max(max - 1, min)), fc.integer({ min, max })).map(String);
/** What no integer flag takes: the values just outside its bounds (given as `--flag=-1`), and what is not a whole number. */
const outOfBounds = ({ min, max }: { min: number; max: number }) => fc.constantFrom(String(min - 1), String(max + 1), "1.5", "x", "");

/** One flag as a person would type it, with a value the table allows. */
const validFlag = (name: string, option: Option): fc.Arbitrary<string[]> => {
    if (option.type === "boolean") {
        return fc.constant([`--${name}`]);
    }
    if (!option.multiple && option.integer) {
        const bounds = option.integer;
        const value = bounds.list ? fc.array(inBounds(bounds), { minLength: 1, maxLength: 3 }).map((items) => items.join(",")) : inBounds(bounds);
        return fc.tuple(value, fc.boolean()).map(([v, joined]) => (joined ? [`--${name}=${v}`] : [`--${name}`, v]));
    }
    const text = option.pattern === undefined ? fc.stringMatching(/^[a-z0-9][a-z0-9=._]{0,11}$/) : fc.stringMatching(option.pattern.test);
    return text.filter((v) => !v.startsWith("-")).map((v) => [`--${name}`, v]);
};

/** Flags of the table other than --help, each valid, any of them repeated, in any order. */
const validFlags = (options: OptionTable) => {
    const names = Object.keys(options).filter((name) => name !== "help");
    // Each flag's arbitrary built once: a regular expression's is costly to build for every draw.
    const flag = Object.fromEntries(names.map((name) => [name, validFlag(name, options[name])]));
    return names.length === 0
        ? fc.constant([] as string[][])
        : fc.array(
              fc.constantFrom(...names).chain((name) => flag[name]),
              { maxLength: 6 },
          );
};

/** One flag the table refuses, and the flag the refusal must name; a missing value goes last. */
interface Bad {
    argv: string[];
    names: string;
    last: boolean;
}
const badFlag = (options: OptionTable): fc.Arbitrary<Bad> => {
    const entries = Object.entries(options);
    const unknown = fc
        .stringMatching(/^[a-z][a-z-]{0,10}[a-z]$/)
        .filter((name) => !Object.hasOwn(options, name))
        .map((name) => ({ argv: [`--${name}`], names: `--${name}`, last: false }));
    const outside = entries.flatMap(([name, option]) =>
        option.type === "string" && !option.multiple && option.integer
            ? [outOfBounds(option.integer).map((v) => ({ argv: [`--${name}=${v}`], names: `--${name}`, last: false }))]
            : [],
    );
    const misshapen = entries.flatMap(([name, option]) =>
        option.type === "string" && option.pattern
            ? [
                  fc
                      .string({ maxLength: 12 })
                      .filter((v) => !option.pattern!.test.test(v))
                      .map((v) => ({ argv: [`--${name}=${v}`], names: `--${name}`, last: false })),
              ]
            : [],
    );
    const missing = entries
        .filter(([, option]) => option.type === "string")
        .map(([name]) => fc.constant<Bad>({ argv: [`--${name}`], names: `--${name}`, last: true }));
    const valued = entries
        .filter(([name, option]) => option.type === "boolean" && name !== "help")
        .map(([name]) => fc.constant<Bad>({ argv: [`--${name}=yes`], names: `--${name}`, last: false }));
    return fc.oneof(unknown, ...outside, ...misshapen, ...missing, ...valued);
};

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

            it("reads every list of flags its table allows, valid values next to each bound and repeated flags included", () => {
                fc.assert(
                    fc.property(validFlags(tool.options), (flags) => {
                        const { values } = parseCommand(flags.flat(), tool.options);
                        // A repeated flag's last value is the one read, as util.parseArgs reads it.
                        for (const argv of flags) {
                            const name = flagName(argv[0]);
                            const option = tool.options[name];
                            const last = flags.filter((group) => flagName(group[0]) === name).at(-1)!;
                            const given = last.length === 2 ? last[1] : last[0].includes("=") ? last[0].replace(/^[^=]*=/, "") : true;
                            if (option.type === "string" && option.multiple) {
                                assert.ok((values[name] as unknown as string[]).includes(argv[1]), name);
                            } else {
                                assert.equal(values[name], given, name);
                            }
                        }
                    }),
                    settings(40),
                );
            });

            it("refuses any list with one flag its table does not allow: exit 2, one line naming the flag and pointing at --help, with no trace", async () => {
                const exits = documentedExits(tool.usage);
                assert.ok(exits.includes(2), `${tool.script}'s usage documents exit 2`);
                await fc.assert(
                    fc.asyncProperty(validFlags(tool.options), badFlag(tool.options), fc.nat(), async (flags, bad, at) => {
                        // Between two flags, never between a flag and its value; a flag without its value ends the line.
                        // The last of a repeated flag wins, so the line has no other of the flag refused.
                        const groups = flags.filter((group) => flagName(group[0]) !== flagName(bad.argv[0]));
                        groups.splice(bad.last ? groups.length : at % (groups.length + 1), 0, bad.argv);
                        const argv = groups.flat();
                        assert.throws(() => parseCommand(argv, tool.options), UsageError);
                        const run = await runInProcess(tool.main, argv);
                        assert.equal(run.status, 2, argv.join(" "));
                        assert.ok(exits.includes(run.status));
                        const [first, ...rest] = run.stderr.split("\n");
                        assert.ok(first.includes(bad.names), `${argv.join(" ")}: ${first}`);
                        assert.ok(first.endsWith(`; ${helpCommand(tool.usage)} lists what it takes`), first);
                        assert.deepEqual(rest, [], argv.join(" "));
                        assert.equal(run.stdout, "\n");
                        assert.doesNotMatch(run.stderr, STACK_TRACE);
                    }),
                    settings(25),
                );
            });

            it("exits 2 for an unknown flag in one line, naming it and where the help is, with no stack trace", async () => {
                const run = await runInProcess(tool.main, ["--no-such-flag"]);
                assert.equal(run.status, 2);
                assert.equal(run.stderr, `unknown flag --no-such-flag; ${helpCommand(tool.usage)} lists what it takes`);
                assert.match(helpCommand(tool.usage), new RegExp(`^npm run ${tool.script} -- --help$`));
            });

            for (const flags of tool.badFlags) {
                it(`exits 2 for ${flags.join(" ")}, saying what is wrong, with no stack trace`, async () => {
                    const run = await runInProcess(tool.main, flags);
                    assert.equal(run.status, 2, run.stdout + run.stderr);
                    assert.ok(run.stderr.length > 0);
                    assert.doesNotMatch(run.stderr, STACK_TRACE);
                    assert.doesNotMatch(run.stderr, /^usage: /m, "a usage error points at --help instead of printing the usage");
                });
            }
        });
    }
});
