import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { GetExecutionHistoryCommand, SFNClient, type GetExecutionHistoryCommandInput, type HistoryEvent } from "@aws-sdk/client-sfn";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { PROJECT_ROOT } from "../model/project";
import { runInProcess } from "./support/tool";
import {
    benchmark,
    callerProblem,
    endQuietlyOnClosedOutput,
    helpCommand,
    refuseCaller,
    runCommand,
    toolFlags,
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
import {
    allPages,
    AwsFailure,
    call,
    classify,
    clientConfig,
    errorDocument,
    ExecuteError,
    failureOf,
    newEvents,
    notTheApi,
    regionNotice,
    reportFailure,
} from "../scripts/cli/aws-calls";
import { callTimeoutMs, everyInterval, seconds, stillRunning, VariableError } from "../scripts/cli/progress";
import { noCredentials, serviceError } from "./support/aws-errors";
import { withEnvironment } from "./support/loopback";

describe("the tools' shared command line", () => {
    it("parses known flags strictly and turns any problem into a UsageError in the tools' words, offering the nearest flag", () => {
        const options = { count: { type: "string" }, json: { type: "boolean", default: false } } as const;
        assert.deepEqual({ ...parseFlags(["--count", "3"], options) }, { count: "3", json: false });
        const refusal = (argv: string[]) => thrown(() => parseFlags(argv, options), UsageError).message;
        assert.equal(refusal(["--other"]), "unknown flag --other");
        assert.equal(refusal(["--jsn"]), "unknown flag --jsn; did you mean --json?");
        assert.equal(refusal(["-j"]), "unknown flag -j");
        assert.equal(refusal(["positional"]), 'unexpected argument "positional": this tool takes only flags');
        assert.equal(refusal([""]), 'unexpected argument "": this tool takes only flags');
        assert.equal(refusal([" x"]), 'unexpected argument " x": this tool takes only flags');
        assert.equal(refusal(["it's"]), 'unexpected argument "it\'s": this tool takes only flags');
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

describe("the tools' shared command line, further", () => {
    it("reads the npm command that lists a tool's help off its usage's first line only", () => {
        assert.equal(helpCommand("usage: npm run cost -- [options]"), "npm run cost -- --help");
        assert.equal(helpCommand("usage: npm run test:e2e -- --account ID"), "npm run test:e2e -- --help");
        assert.equal(helpCommand("Estimates the month's cost.\nusage: npm run cost -- [options]"), "--help");
    });

    it("prints the caller's problem and gives 2, and lets any other error through unprinted", () => {
        const err: string[] = [];
        const io = { err: (line: string) => err.push(line) };
        assert.equal(refuseCaller(new UsageError("--runs must be an integer"), io, "usage: npm run tool"), 2);
        const bug = new TypeError("Cannot read properties of undefined (reading 'stack')");
        assert.throws(
            () => refuseCaller(bug, io, "usage: npm run tool", "dev"),
            (e: unknown) => e === bug,
        );
        assert.deepEqual(err, ["--runs must be an integer; npm run tool -- --help lists what it takes"]);
    });

    it("offers the nearest flag for a typo counted without its leading dashes", () => {
        const options = { count: { type: "string" }, json: { type: "boolean", default: false } } as const;
        assert.equal(thrown(() => parseFlags(["--jn"], options), UsageError).message, "unknown flag --jn; did you mean --json?");
    });

    it("refuses a timeout or progress interval that is not a positive number of seconds as bad usage, before reading the flags, and still gives --help", async () => {
        const options = { count: { type: "string" }, help: { type: "boolean", default: false } } as const;
        await withEnvironment({ STOCK_TRADER_PROGRESS_SECONDS: "0", STOCK_TRADER_AWS_TIMEOUT_SECONDS: undefined }, async () => {
            assert.equal(
                thrown(() => parseFlags(["--count", "3"], options), UsageError).message,
                "STOCK_TRADER_PROGRESS_SECONDS must be a number of seconds above 0, such as 15 (got 0)",
            );
            assert.equal(parseFlags(["--count", "3", "--help"], options).help, true);
        });
    });

    it("gives a tool its flags, or ends its run: 0 once it printed its help, 2 once it said in one line what is wrong", () => {
        const options = {
            count: { type: "string", integer: { min: 1, max: 9 } },
            help: { type: "boolean", default: false },
        } as const satisfies OptionTable;
        const usage = "usage: npm run tool -- [--count N]";
        const flagsOf = (argv: string[]) => {
            const out: string[] = [];
            const err: string[] = [];
            const result = toolFlags(argv, options, { out: (line) => out.push(line), err: (line) => err.push(line) }, usage);
            return { result: typeof result === "number" ? result : { ...result }, out, err };
        };
        assert.deepEqual(flagsOf(["--count", "3"]), { result: { count: "3", help: false }, out: [], err: [] });
        assert.deepEqual(flagsOf(["--count", "0", "--help"]), { result: 0, out: [usage], err: [] });
        assert.deepEqual(flagsOf(["--count", "0"]), {
            result: 2,
            out: [],
            err: ["--count must be an integer from 1 to 9 (got 0); npm run tool -- --help lists what it takes"],
        });
    });

    it("runs a program and gives its exit code and output, 0 for one that succeeds, and says when there is no such program", async () => {
        assert.deepEqual(await runCommand(process.execPath, ["-e", "process.stdout.write('done')"]), { missing: false, code: 0, stdout: "done", stderr: "" });
        assert.deepEqual(await runCommand(process.execPath, ["-e", "process.exit(3)"]), { missing: false, code: 3, stdout: "", stderr: "" });
        assert.equal((await runCommand("stock-trader-no-such-program", [])).missing, true);
    });

    describe("a reader that closed standard output early, in this process", () => {
        const saved = { exit: process.exit, exitCode: process.exitCode };
        beforeEach(() => {
            saved.exit = process.exit;
            saved.exitCode = process.exitCode;
        });
        afterEach(() => {
            process.exit = saved.exit;
            process.exitCode = saved.exitCode;
        });
        const exitsCaught = () => {
            const exits: (number | string | null | undefined)[] = [];
            process.exit = ((code?: number | string | null) => {
                exits.push(code);
            }) as typeof process.exit;
            return exits;
        };
        const epipe = () => Object.assign(new Error("write EPIPE"), { code: "EPIPE", errno: -32, syscall: "write" });

        it("ends the tool with the exit code it has, 0 if none, on EPIPE, and lets any other write error through", () => {
            const stream = new EventEmitter() as unknown as NodeJS.WriteStream;
            endQuietlyOnClosedOutput(stream);
            const exits = exitsCaught();
            process.exitCode = undefined;
            stream.emit("error", epipe());
            process.exitCode = 3;
            stream.emit("error", epipe());
            const full = Object.assign(new Error("write ENOSPC"), { code: "ENOSPC", syscall: "write" });
            assert.throws(
                () => stream.emit("error", full),
                (e: unknown) => e === full,
            );
            assert.deepEqual(exits, [0, 3]);
        });

        it("is how runMain's tool ends when its standard output's reader has gone", async () => {
            const before = process.stdout.listeners("error");
            runMain(async () => 4);
            await new Promise((resolve) => setImmediate(resolve));
            const added = process.stdout.listeners("error").filter((listener) => !before.includes(listener));
            added.forEach((listener) => process.stdout.removeListener("error", listener as (...args: unknown[]) => void));
            assert.equal(added.length, 1);
            const exits = exitsCaught();
            (added[0] as (error: NodeJS.ErrnoException) => void)(epipe());
            assert.deepEqual(exits, [4]);
        });
    });
});

describe("how long the tools wait, and how often they say so", () => {
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

    it("takes the call timeout from its variable in seconds, the default where it is unset or empty, and refuses anything but a positive number", async () => {
        const timeoutWith = (value: string | undefined) => withEnvironment({ STOCK_TRADER_AWS_TIMEOUT_SECONDS: value }, async () => callTimeoutMs());
        assert.equal(await timeoutWith(undefined), 30000);
        assert.equal(await timeoutWith(""), 30000);
        assert.equal(await timeoutWith("2.5"), 2500);
        for (const bad of ["soon", "0", "-1", "Infinity"]) {
            await withEnvironment({ STOCK_TRADER_AWS_TIMEOUT_SECONDS: bad }, async () => {
                assert.equal(
                    thrown(() => callTimeoutMs(), VariableError).message,
                    `STOCK_TRADER_AWS_TIMEOUT_SECONDS must be a number of seconds above 0, such as 30 (got ${bad})`,
                );
            });
        }
    });

    it("says a wait in tenths of a second below ten seconds, in whole seconds from ten", () => {
        assert.deepEqual([2500, 9900, 10_000, 12_400, 12_600].map(seconds), ["2.5 s", "9.9 s", "10 s", "12 s", "13 s"]);
    });

    it("lets a progress line through once a progress interval, and the last one always", async () => {
        await withEnvironment({ STOCK_TRADER_PROGRESS_SECONDS: undefined }, async () => {
            let t = 0;
            const lines: string[] = [];
            const say = everyInterval(
                (line) => lines.push(line),
                () => t,
            );
            t = 1000;
            say("too soon");
            t = 2000;
            say("the last", true);
            t = 16_999;
            say("still too soon");
            t = 17_000;
            say("15 s after the last");
            assert.deepEqual(lines, ["the last", "15 s after the last"]);
        });
    });

    it("says a step is still running every progress interval, with the time since it began, until it is stopped", async () => {
        await withEnvironment({ STOCK_TRADER_PROGRESS_SECONDS: "0.02" }, async () => {
            let t = 1000;
            const lines: string[] = [];
            const stop = stillRunning(
                (line) => lines.push(line),
                "building the image",
                () => t,
            );
            t = 3500;
            await pause(80);
            stop();
            const said = lines.length;
            await pause(80);
            assert.ok(said >= 1, "at least one line while it runs");
            assert.equal(lines[0], "… building the image: still running after 2.5 s");
            assert.equal(lines.length, said, "no line once stopped");
        });
    });

    it("does not keep the process alive for its progress lines", () => {
        const timersHoldingTheProcess = () => process.getActiveResourcesInfo().filter((resource) => resource === "Timeout").length;
        const before = timersHoldingTheProcess();
        const stop = stillRunning(() => undefined, "waiting");
        const during = timersHoldingTheProcess();
        stop();
        assert.equal(during, before);
    });
});

describe("how the tools call AWS", () => {
    const EXECUTION = "arn:aws:states:eu-west-1:123456789012:execution:trading-workflow-state-machine:4f2b7c1e-9d3a-4c5b-8e6f-0a1b2c3d4e5f";
    const ACTION = "states:DescribeExecution";
    const ON = `${ACTION} on ${EXECUTION}`;
    const NETWORK = "check the network, any proxy (HTTPS_PROXY) and AWS_ENDPOINT_URL";
    const ELSEWHERE = "AWS_ENDPOINT_URL, or a proxy in between, points elsewhere";
    const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    const slowly =
        <T>(ms: number, value: T) =>
        () =>
            new Promise<T>((resolve) => setTimeout(() => resolve(value), ms));
    /** What a failure of ACTION on EXECUTION classified as `kind` holds. */
    const classified = (kind: string, code: string, message: string) => ({ name: "AwsFailure", kind, code, action: ACTION, resource: EXECUTION, message });
    /** What a classified failure says, field by field. */
    const described = (failure: AwsFailure | undefined) =>
        failure && { name: failure.name, kind: failure.kind, code: failure.code, action: failure.action, resource: failure.resource, message: failure.message };

    it("gives its clients the region and each attempt's timeout, which fails the call", async () => {
        await withEnvironment({ STOCK_TRADER_AWS_TIMEOUT_SECONDS: "2" }, async () => {
            assert.deepEqual(clientConfig("eu-west-1"), {
                region: "eu-west-1",
                requestHandler: { connectionTimeout: 2000, requestTimeout: 2000, throwOnRequestTimeout: true },
            });
        });
    });

    it("gives a notice only where AWS_REGION names another region than the resource's", async () => {
        await withEnvironment({ AWS_REGION: "eu-west-1", AWS_DEFAULT_REGION: undefined }, async () => {
            assert.equal(regionNotice(EXECUTION, "eu-west-1"), undefined);
            assert.equal(
                regionNotice(EXECUTION, "us-east-1"),
                `notice: ${EXECUTION} is in us-east-1, and AWS_REGION says eu-west-1: the calls go to us-east-1`,
            );
        });
    });

    it("says that AWS did not answer within the timeout, and where the limit is set", async () => {
        await withEnvironment({ STOCK_TRADER_AWS_TIMEOUT_SECONDS: "2.5" }, async () => {
            const timeout = Object.assign(new Error("@smithy/node-http-handler - [ERROR] a request has exceeded the configured 2500 ms requestTimeout."), {
                name: "TimeoutError",
                code: "ETIMEDOUT",
                $metadata: { attempts: 3 },
            });
            assert.deepEqual(
                described(classify(ACTION, EXECUTION, timeout)),
                classified(
                    "not-reached",
                    "TimeoutError",
                    `AWS did not answer ${ON} within 2.5 s (STOCK_TRADER_AWS_TIMEOUT_SECONDS sets the limit): ${NETWORK}`,
                ),
            );
        });
    });

    it("says a request that never reached AWS could not, with the network's code, and lets a Node error of another code through", () => {
        const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:4566"), {
            code: "ECONNREFUSED",
            errno: -111,
            syscall: "connect",
            $metadata: { attempts: 3 },
        });
        assert.deepEqual(
            described(classify(ACTION, EXECUTION, refused)),
            classified("not-reached", "ECONNREFUSED", `could not reach AWS for ${ON}: connect ECONNREFUSED 127.0.0.1:4566 (ECONNREFUSED): ${NETWORK}`),
        );
        const bug = Object.assign(new TypeError('The "path" argument must be of type string. Received undefined'), { code: "ERR_INVALID_ARG_TYPE" });
        assert.equal(classify(ACTION, EXECUTION, bug), undefined);
        assert.equal(failureOf(ACTION, EXECUTION, bug), bug);
    });

    it("says no credentials were found, and lets a thrown value of no class through as it is", () => {
        assert.deepEqual(
            described(classify(ACTION, EXECUTION, noCredentials())),
            classified(
                "credentials",
                "CredentialsProviderError",
                `no AWS credentials for ${ON}, so nothing was sent: set AWS_PROFILE (aws configure sso, then aws sso login), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY`,
            ),
        );
        const bare: unknown = Object.assign(Object.create(null) as object, { message: "thrown by a library" });
        assert.equal(classify(ACTION, EXECUTION, bare), undefined);
        assert.equal(failureOf(ACTION, EXECUTION, bare), bare);
    });

    it("tells an answer that is not the AWS API's by the parser's error or by an HTML content type, whichever header spelling", () => {
        const page = (error: Error, status: number, headers?: Record<string, string>) =>
            Object.assign(error, { $metadata: { httpStatusCode: status }, ...(headers === undefined ? {} : { $response: { statusCode: status, headers } }) });
        // A JSON parser's error on a page, with no content type to go by.
        assert.deepEqual(
            described(classify(ACTION, EXECUTION, page(new SyntaxError(`Unexpected token '<', "<!DOCTYPE "... is not valid JSON`), 200))),
            classified("not-the-api", "HTTP 200", `what answered ${ON} is not the AWS API: HTTP 200, which AWS never sends for it: ${ELSEWHERE}`),
        );
        // The SDK's deserialization error on an XML API's answer, in plain text from a proxy.
        const unparsed = new Error(
            "Unclosed tag 'html'.\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.",
        );
        assert.equal(
            classify("sts:GetCallerIdentity", "", page(unparsed, 200, { "content-type": "text/plain; charset=utf-8" }))?.message,
            `what answered sts:GetCallerIdentity is not the AWS API: HTTP 200, text/plain; charset=utf-8, which AWS never sends for it: ${ELSEWHERE}`,
        );
        // A proxy's error page, its header spelled as some servers do.
        const gateway = Object.assign(new Error("Bad Gateway"), { name: "UnknownError", $fault: "server" });
        assert.deepEqual(
            described(classify(ACTION, EXECUTION, page(gateway, 502, { "Content-Type": "text/html" }))),
            classified("not-the-api", "HTTP 502", `what answered ${ON} is not the AWS API: HTTP 502, text/html, which AWS never sends for it: ${ELSEWHERE}`),
        );
    });

    it("reads an AWS refusal whose answer came without headers as AWS's refusal", () => {
        const internal = Object.assign(serviceError("InternalFailure", "An internal error occurred", 500), { $response: { statusCode: 500 } });
        assert.deepEqual(
            described(classify(ACTION, EXECUTION, internal)),
            classified("refused", "InternalFailure", `AWS refused ${ON}: InternalFailure: An internal error occurred`),
        );
    });

    it("says a call AWS throttled past the retries is throttled", () => {
        assert.deepEqual(
            described(classify(ACTION, EXECUTION, serviceError("ThrottlingException", "Rate exceeded"))),
            classified(
                "throttled",
                "ThrottlingException",
                `AWS throttled ${ON} even after retries (ThrottlingException: Rate exceeded): try again in a minute`,
            ),
        );
    });

    it("says an answer missing a field the API always sends is not the AWS API's, naming the resource where there is one", () => {
        assert.deepEqual(described(notTheApi("sts:GetCallerIdentity", "", "Account")), {
            name: "AwsFailure",
            kind: "not-the-api",
            code: "incomplete answer",
            action: "sts:GetCallerIdentity",
            resource: "",
            message: `what answered sts:GetCallerIdentity is not the AWS API: the answer has no Account, which AWS always sends: ${ELSEWHERE}`,
        });
        assert.equal(
            notTheApi("states:TestState", "Buy Stock", "status").message,
            `what answered states:TestState on Buy Stock is not the AWS API: the answer has no status, which AWS always sends: ${ELSEWHERE}`,
        );
    });

    it("reports a failure as one line on standard error, or with --json as the error document on standard output, and exit code 1", () => {
        const throttled = classify(ACTION, EXECUTION, serviceError("ThrottlingException", "Rate exceeded"));
        assert.ok(throttled instanceof AwsFailure);
        const document = { error: { kind: "throttled", code: "ThrottlingException", action: ACTION, resource: EXECUTION, message: throttled.message } };
        assert.deepEqual(errorDocument(throttled), document);
        const plain = new ExecuteError("the execution ended before it could be followed");
        assert.deepEqual(errorDocument(plain), { error: { kind: "failed", message: "the execution ended before it could be followed" } });
        const reported = (error: unknown, json: boolean) => {
            const out: string[] = [];
            const err: string[] = [];
            const code = reportFailure(error, { out: (line) => out.push(line), err: (line) => err.push(line) }, json);
            return { code, out, err };
        };
        assert.deepEqual(reported(throttled, true), { code: 1, out: [JSON.stringify(document, null, 2)], err: [] });
        assert.deepEqual(reported(throttled, false), { code: 1, out: [], err: [throttled.message] });
        assert.deepEqual(reported(plain, false), { code: 1, out: [], err: [plain.message] });
        const bug = new TypeError("Cannot read properties of undefined (reading 'events')");
        assert.throws(
            () => reported(bug, true),
            (e: unknown) => e === bug,
        );
    });

    it("says what it still waits for while AWS is slow to answer, and no more once AWS has answered", async () => {
        await withEnvironment({ STOCK_TRADER_PROGRESS_SECONDS: "0.02" }, async () => {
            const lines: string[] = [];
            const deps = { sleep: async () => undefined, err: (line: string) => lines.push(line) };
            assert.equal(await call(ACTION, EXECUTION, slowly(120, "answered"), deps), "answered");
            const said = lines.length;
            await pause(80);
            assert.ok(said >= 1, "at least one line while it waits");
            assert.equal(lines.length, said, "no line once AWS has answered");
            for (const line of lines) {
                assert.ok(line.startsWith(`… waiting for AWS to answer ${ON}: still running after `), line);
                assert.match(line, / \d+\.\d s$/);
            }
            const bare: string[] = [];
            await call("sts:GetCallerIdentity", "", slowly(80, {}), { sleep: async () => undefined, err: (line: string) => bare.push(line) });
            assert.ok(bare.length >= 1);
            assert.match(bare[0], /^… waiting for AWS to answer sts:GetCallerIdentity: still running after \d+\.\d s$/);
        });
    });

    it("says nothing while it waits where the tool gives it nowhere to say it", async () => {
        // A progress line with nowhere to go would fail this test as an uncaught error from its timer.
        await withEnvironment({ STOCK_TRADER_PROGRESS_SECONDS: "0.02" }, async () => {
            assert.equal(await call(ACTION, EXECUTION, slowly(100, "answered"), { sleep: async () => undefined }), "answered");
        });
    });

    it("collects every page of a paginator, and classifies its failure as a call's", async () => {
        async function* pages<P>(items: readonly P[], failure?: Error): AsyncGenerator<P> {
            for (const item of items) {
                yield item;
            }
            if (failure !== undefined) {
                throw failure;
            }
        }
        const action = "states:ListStateMachineVersions";
        assert.deepEqual(await allPages(action, EXECUTION, pages([{ page: 1 }, { page: 2 }])), [{ page: 1 }, { page: 2 }]);
        const failure = await allPages(action, EXECUTION, pages([{ page: 1 }], serviceError("AccessDeniedException", "not authorized"))).then(
            () => assert.fail("the pages should fail"),
            (e: unknown) => e,
        );
        assert.ok(failure instanceof AwsFailure, String(failure));
        assert.deepEqual([failure.kind, failure.code, failure.action, failure.resource], ["refused", "AccessDeniedException", action, EXECUTION]);
    });

    describe("reading an execution's new events", () => {
        let sfn: AwsClientStub<SFNClient>;
        before(() => (sfn = mockClient(SFNClient)));
        afterEach(() => sfn.reset());
        after(() => sfn.restore());
        const T0 = Date.parse("2026-11-28T10:00:00.000Z");
        const event = (id: number): HistoryEvent => ({
            id,
            previousEventId: id - 1,
            timestamp: new Date(T0 + id * 100),
            type: "PassStateEntered",
            stateEnteredEventDetails: { name: `Step ${id}`, input: "{}", inputDetails: { truncated: false } },
        });

        it("reads newest first, page by page with each event's data, only back to the last event seen, and gives them oldest first", async () => {
            sfn.on(GetExecutionHistoryCommand).callsFake((input: GetExecutionHistoryCommandInput) =>
                input.nextToken === undefined ? { events: [5, 4, 3].map(event), nextToken: "page-2" } : { events: [2, 1].map(event) },
            );
            const client = new SFNClient({ region: "eu-west-1" });
            const deps = { sleep: async () => undefined };
            assert.deepEqual(
                (await newEvents(client, EXECUTION, 3, deps)).map((e) => e.id),
                [4, 5],
            );
            assert.equal(sfn.commandCalls(GetExecutionHistoryCommand).length, 1, "no page further back than the last event seen");
            assert.deepEqual(
                (await newEvents(client, EXECUTION, 0, deps)).map((e) => e.id),
                [1, 2, 3, 4, 5],
            );
            assert.deepEqual(
                sfn.commandCalls(GetExecutionHistoryCommand).map((c) => {
                    const { executionArn, reverseOrder, includeExecutionData, nextToken } = c.args[0].input;
                    return { executionArn, reverseOrder, includeExecutionData, nextToken };
                }),
                [
                    { executionArn: EXECUTION, reverseOrder: true, includeExecutionData: true, nextToken: undefined },
                    { executionArn: EXECUTION, reverseOrder: true, includeExecutionData: true, nextToken: undefined },
                    { executionArn: EXECUTION, reverseOrder: true, includeExecutionData: true, nextToken: "page-2" },
                ],
            );
        });
    });
});
