import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { PROJECT_ROOT } from "../model/project";
import { runInProcess } from "./support/tool";
import {
    benchmark,
    callerProblem,
    configOverrides,
    jsonFlag,
    parseFlags,
    processIo,
    QUALIFIED_STACK_NAME,
    runMain,
    STACK_NAME,
    type OptionTable,
    UsageError,
} from "../scripts/cli/cli";
import { ConfigError, parseConfig } from "../model/config";
import { thrown } from "./support/thrown";

describe("the tools' shared command line", () => {
    it("parses known flags strictly and turns any problem into a UsageError in the tools' words, offering the nearest flag", () => {
        const options = { count: { type: "string" }, json: { type: "boolean", default: false } } as const;
        assert.deepEqual({ ...parseFlags(["--count", "3"], options) }, { count: "3", json: false });
        const refusal = (argv: string[]) => thrown(() => parseFlags(argv, options), UsageError).message;
        assert.equal(refusal(["--other"]), "unknown flag --other");
        assert.equal(refusal(["--jsn"]), "unknown flag --jsn; did you mean --json?");
        assert.equal(refusal(["-j"]), "unknown flag -j");
        assert.equal(refusal(["positional"]), "unexpected argument positional: this tool takes only flags");
        assert.equal(refusal(["--json=yes"]), "--json takes no value");
        assert.equal(refusal(["--count"]), "--count needs a value");
        assert.equal(refusal(["--count", "--json"]), "--count needs a value");
    });

    it("reads a repeated flag's every value against its form", () => {
        const options = { stack: { type: "string", multiple: true, pattern: STACK_NAME } } as const satisfies OptionTable;
        assert.deepEqual(parseFlags(["--stack", "dev", "--stack", "prod"], options).stack, ["dev", "prod"]);
        assert.equal(
            thrown(() => parseFlags(["--stack", "dev", "--stack", "a b"], options), UsageError).message,
            `--stack must be ${STACK_NAME.form} (got a b)`,
        );
    });

    it("words the errors that are the caller's to fix, and only those", () => {
        const usage = "usage: npm run tool";
        assert.equal(
            callerProblem(new UsageError("--runs must be an integer"), usage),
            "--runs must be an integer; npm run tool -- --help lists what it takes",
        );
        assert.equal(
            callerProblem(new UsageError("no --account"), "usage: npm run test:e2e -- --account ID"),
            "no --account; npm run test:e2e -- --help lists what it takes",
        );
        let refused: unknown;
        try {
            parseConfig({ buyThreshold: "200" });
        } catch (error) {
            refused = error;
        }
        assert.ok(refused instanceof ConfigError);
        assert.equal(callerProblem(refused, usage), refused.message);
        const missing = Object.assign(new Error("ENOENT: no such file or directory, open 'Pulumi.nowhere.yaml'"), { code: "ENOENT" });
        assert.equal(callerProblem(missing, usage, "nowhere"), "no stack file Pulumi.nowhere.yaml");
        assert.equal(callerProblem(missing, usage), undefined, "a missing file is the caller's only where the tool reads a stack file");
        assert.equal(callerProblem(new TypeError("a bug"), usage, "dev"), undefined);
        assert.equal(callerProblem(Object.assign(new Error("denied"), { code: "EACCES" }), usage, "dev"), undefined);
    });

    it("runs a benchmark with --runs as a positive integer, or its default, and prints its help for --help anywhere", async () => {
        const ranWith = async (argv: string[]) => {
            let runs: number | undefined;
            const run = await runInProcess((args, io) => benchmark(args, io, 7, "usage: bench", async (n) => ((runs = n), 0)), argv);
            return { ...run, runs };
        };
        assert.equal((await ranWith([])).runs, 7);
        assert.equal((await ranWith(["--runs", "3"])).runs, 3);
        assert.equal((await ranWith(["--runs=1"])).runs, 1);
        for (const argv of [["--runs", "0"], ["--runs", "1.5"], ["--runs", "x"], ["--other"], ["--runs"]]) {
            const run = await ranWith(argv);
            assert.deepEqual([run.status, run.runs], [2, undefined], argv.join(" "));
            assert.doesNotMatch(run.stderr, /\n/);
            assert.match(run.stderr, /; --help lists what it takes$/);
        }
        const help = await ranWith(["--runs", "0", "--help"]);
        assert.deepEqual([help.status, help.stdout, help.runs], [0, "usage: bench\n", undefined]);
    });

    it("lets --help win over every other flag, wherever it stands, where the tool takes it", () => {
        const options = { count: { type: "string" }, help: { type: "boolean", default: false } } as const;
        for (const argv of [["--help"], ["--count", "x", "--help"], ["--help", "--unknown"], ["--unknown", "--help", "--count"]]) {
            assert.equal(parseFlags(argv, options).help, true, argv.join(" "));
        }
        assert.throws(() => parseFlags(["--help"], { count: { type: "string" } }), UsageError, "a tool without --help refuses it");
    });

    it("reads an integer flag within its table's bounds, a list item by item, naming the flag and the range otherwise", () => {
        const options = {
            runs: { type: "string", integer: { min: 1, max: 9 } },
            sizes: { type: "string", integer: { min: 0, max: 9, list: true } },
        } as const;
        assert.deepEqual({ ...parseFlags([], options) }, {});
        for (const runs of ["1", "9", "5"]) {
            assert.equal(parseFlags(["--runs", runs], options).runs, runs);
        }
        assert.equal(parseFlags(["--sizes", "0,9,3"], options).sizes, "0,9,3");
        for (const bad of ["0", "10", "x1", "1x", "1.5", "-1", " 2", ""]) {
            assert.throws(
                () => parseFlags([`--runs=${bad}`], options),
                (e: Error) => e instanceof UsageError && e.message === `--runs must be an integer from 1 to 9 (got ${bad})`,
                bad,
            );
        }
        for (const [bad, item] of [
            ["1,10", "10"],
            ["1,,2", ""],
            ["3,", ""],
        ]) {
            assert.throws(
                () => parseFlags(["--sizes", bad], options),
                (e: Error) => e instanceof UsageError && e.message === `--sizes must be an integer from 0 to 9 (got ${item})`,
                bad,
            );
        }
    });

    it("takes stack names as Pulumi does: 1 to 100 letters, digits, hyphens, underscores or periods, qualified by organization and project where pulumi takes them", () => {
        const stack = { stack: { type: "string", pattern: STACK_NAME } } as const;
        const qualified = { stack: { type: "string", pattern: QUALIFIED_STACK_NAME } } as const;
        for (const name of ["dev", "my_stack.v1", "e2e-3f9a", "x".repeat(100)]) {
            assert.equal(parseFlags([`--stack=${name}`], stack).stack, name);
            assert.equal(parseFlags([`--stack=${name}`], qualified).stack, name);
        }
        for (const name of ["acme/prod", "acme/stock-trader/prod"]) {
            assert.equal(parseFlags([`--stack=${name}`], qualified).stack, name);
            assert.throws(() => parseFlags([`--stack=${name}`], stack), /^Error: --stack must be a stack name, 1 to 100 letters/);
        }
        const refused: [string, typeof stack | typeof qualified][] = [
            ["", stack],
            ["my stack", stack],
            ["org:dev", qualified],
            ["x".repeat(101), stack],
            ["a/b/c/d", qualified],
            ["dev/", qualified],
            ["../prod", stack],
        ];
        for (const [name, options] of refused) {
            assert.throws(
                () => parseFlags([`--stack=${name}`], options),
                (e: Error) => e instanceof UsageError && e.message.startsWith("--stack must be a stack name") && e.message.endsWith(`(got ${name})`),
                name,
            );
        }
    });

    it("reads a JSON flag, naming the flag when it is not JSON", () => {
        assert.deepEqual(jsonFlag("input", '{"a":[1]}'), { a: [1] });
        assert.throws(
            () => jsonFlag("input", "{nope"),
            (e: Error) => e instanceof UsageError && e.message === "--input must be JSON (got {nope)",
        );
    });

    it("turns --set KEY=VALUE into namespaced config entries, keeping everything after the first =", () => {
        assert.deepEqual(configOverrides(["batchCapacity=FARGATE_SPOT", 'batchCommand=["--a","b=c"]', "note=two\nlines", "empty="]), {
            "stock-trader:batchCapacity": "FARGATE_SPOT",
            "stock-trader:batchCommand": '["--a","b=c"]',
            "stock-trader:note": "two\nlines",
            "stock-trader:empty": "",
        });
        for (const bad of ["batchCapacity", "=FARGATE", "batch-capacity=FARGATE", "x batchCapacity=FARGATE", "stock-trader:=FARGATE"]) {
            assert.throws(
                () => configOverrides([bad]),
                (e: Error) =>
                    e instanceof UsageError &&
                    e.message === `--set must be KEY=VALUE or stock-trader:KEY=VALUE, such as batchCapacity=FARGATE_SPOT (got ${bad})`,
                bad,
            );
        }
    });

    it("takes a key with this project's namespace as without it, and refuses another namespace's in one line naming the keys it takes", () => {
        assert.deepEqual(configOverrides(["stock-trader:buyThreshold=40"]), configOverrides(["buyThreshold=40"]));
        const refused = thrown(() => configOverrides(["aws:region=eu-west-1"]), UsageError);
        assert.match(
            refused.message,
            /^--set takes this project's keys, KEY=VALUE or stock-trader:KEY=VALUE \(got aws:region=eu-west-1\): buyThreshold, batchCommand, /,
        );
        assert.match(refused.message, /; set aws: keys in the stack file$/);
        assert.doesNotMatch(refused.message, /\n/);
    });

    it("writes each line to standard output or standard error with its newline", () => {
        const written: [string, string][] = [];
        const originals = { out: process.stdout.write, err: process.stderr.write };
        process.stdout.write = (chunk: string) => written.push(["out", chunk]) > 0;
        process.stderr.write = (chunk: string) => written.push(["err", chunk]) > 0;
        try {
            processIo.out("to stdout");
            processIo.err("to stderr");
        } finally {
            process.stdout.write = originals.out;
            process.stderr.write = originals.err;
        }
        assert.deepEqual(written, [
            ["out", "to stdout\n"],
            ["err", "to stderr\n"],
        ]);
    });

    describe("runMain", () => {
        const saved = { exitCode: process.exitCode, error: console.error };
        afterEach(() => {
            process.exitCode = saved.exitCode;
            console.error = saved.error;
        });
        const settled = () => new Promise((resolve) => setImmediate(resolve));

        it("makes main's result the exit code", async () => {
            runMain(async () => 3);
            await settled();
            assert.equal(process.exitCode, 3);
        });

        it("prints an unexpected error with its stack and exits 1", async () => {
            const printed: unknown[] = [];
            console.error = (value: unknown) => printed.push(value);
            const failure = new Error("boom");
            runMain(async () => {
                throw failure;
            });
            await settled();
            assert.equal(process.exitCode, 1);
            assert.deepEqual(printed, [failure]);
        });
    });
});

describe("a tool whose reader closes standard output early", () => {
    it("ends quietly with its exit code, 0 here, as `npm run simulate | head -1` closes it", async () => {
        // A tool that writes far more than a pipe holds, through the tools' own entry and output.
        const tool = `require("./scripts/cli/cli").runMain(async () => { for (let i = 0; i < 200000; i++) require("./scripts/cli/cli").processIo.out("line " + i); return 0; });`;
        const child = spawn(process.execPath, ["--require", "ts-node/register/transpile-only", "--eval", tool], {
            cwd: PROJECT_ROOT,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
        child.stdout.destroy();
        const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
        assert.equal(stderr, "");
        assert.equal(code, 0);
    });
});
