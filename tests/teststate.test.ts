/**
 * npm run test:teststate under aws-sdk-client-mock: TestState answers in the shape its API
 * reference documents (`status`, `nextState`, `output`, `error`, `cause`, `inspectionData`),
 * computed from nothing but the request it was sent, so a request that leaves out the input,
 * the mock or the retry count gets a different answer.
 */
import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { SFNClient, TestStateCommand, type TestStateInput, type TestStateOutput } from "@aws-sdk/client-sfn";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { StateMachine } from "aws-local-stepfunctions";
import { localWorkflow, type Json } from "../local/stand-ins";
import { STATES } from "../model/workflow";
import { loadStackConfig } from "../scripts/cli/stack-files";
import { processIo } from "../scripts/cli/cli";
import { awsAnswer, awsEngine, localEngine, type Engine, type StateAnswer, type StateRun } from "../scripts/teststate/engines";
import { pathPrice, testPaths, UNNAMED_TASK, type Mock, type TestPath } from "../scripts/teststate/paths";
import { compareEngines, defaultDeps, differences, main, testStateClient, USAGE, walk, type TestStateDeps } from "../scripts/teststate/teststate";
import { MAX_STOCK_PRICE } from "../contracts/functions";
import type { ChoiceState, Retrier, StateMachineDefinition, TaskState } from "../model/asl";
import { noCredentials, serviceError } from "./support/aws-errors";
import { settings } from "./support/arbitraries";
import { HANG_TIMEOUT_PATTERN, loopback, loopbackEnvironment, withEnvironment, type Behaviour } from "./support/loopback";
import { runInProcess } from "./support/tool";

const SPOT_SETTINGS = { batchCapacity: "FARGATE_SPOT", batchInterruptionRetries: "2" };
const SPOT = Object.entries(SPOT_SETTINGS).flatMap(([key, value]) => ["--set", `${key}=${value}`]);

/** Whether each state of a walk hands over to the next as the definition allows: its Next, a Choice's, a Catch's, or itself on a retry. */
function handsOver(definition: StateMachineDefinition, states: readonly string[]): boolean {
    return states.every((state, i) => {
        if (i === states.length - 1) {
            return true;
        }
        const s = definition.States[state] as { Next?: string; Default?: string; Choices?: { Next: string }[]; Catch?: { Next: string }[] };
        const next = [s.Next, s.Default, ...(s.Choices ?? []).map((c) => c.Next), ...(s.Catch ?? []).map((c) => c.Next), state];
        return next.includes(states[i + 1]);
    });
}

/** The run a TestState request describes, read back from the request alone. */
function runOf(request: TestStateInput): StateRun {
    const mock: Mock | undefined =
        request.mock === undefined
            ? undefined
            : request.mock.result !== undefined
              ? { result: JSON.parse(request.mock.result) }
              : { errorOutput: { error: request.mock.errorOutput!.error!, cause: request.mock.errorOutput!.cause! } };
    return {
        definition: JSON.parse(request.definition!),
        stateName: request.stateName!,
        input: request.input === undefined ? {} : JSON.parse(request.input),
        mock,
        retrierRetryCount: request.stateConfiguration?.retrierRetryCount ?? 0,
    };
}

/** An answer as TestState's response elements carry it. */
function response(answer: StateAnswer, request: TestStateInput): TestStateOutput {
    return {
        status: answer.status,
        ...(answer.nextState === undefined ? {} : { nextState: answer.nextState }),
        ...(answer.output === undefined ? {} : { output: JSON.stringify(answer.output) }),
        ...(answer.error === undefined ? {} : { error: answer.error }),
        ...(answer.cause === undefined ? {} : { cause: answer.cause }),
        inspectionData: {
            input: request.input,
            ...(answer.retryBackoffIntervalSeconds === undefined
                ? {}
                : { errorDetails: { retryIndex: 0, retryBackoffIntervalSeconds: answer.retryBackoffIntervalSeconds } }),
        },
    };
}

/** A Step Functions client whose TestState answers each request from the request, changed by `alter` where it says. */
function mockedTestState(alter: (request: TestStateInput, answer: TestStateOutput) => TestStateOutput = (_, answer) => answer) {
    const client = new SFNClient({ region: "us-east-1" });
    const mock = mockClient(client);
    mock.on(TestStateCommand).callsFake(async (request: TestStateInput) => alter(request, response(await localEngine(runOf(request)), request)));
    return { client, mock };
}

async function run(argv: string[], client: SFNClient, deps: Partial<TestStateDeps> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const status = await main(
        argv,
        { out: (line) => out.push(line), err: (line) => err.push(line) },
        {
            stackRegion: async () => "us-east-1",
            sfn: () => client,
            sleep: async () => undefined,
            ...deps,
        },
    );
    return { status, out, err };
}

describe("npm run test:teststate", () => {
    it("sends every state of every path with the definition, its name, its input and, for a Task, its mock and retry count, and exits 0 when the engines agree", async () => {
        const { client, mock } = mockedTestState();
        const result = await run(["--stack", "dev"], client);
        assert.equal(result.status, 0, result.out.join("\n"));
        assert.deepEqual(result.err, []);
        assert.equal(result.out[0], "TestState in us-east-1 against the local engine, the dev stack's definition");
        const { definition } = localWorkflow(loadStackConfig("dev"), "TransactionTable");
        const requests = mock.commandCalls(TestStateCommand).map((c) => c.args[0].input);
        const stateLines = result.out.filter((line) => line.startsWith("  "));
        assert.equal(requests.length, stateLines.length, "one line per state sent");
        for (const request of requests) {
            assert.equal(request.definition, JSON.stringify(definition));
            assert.equal(request.inspectionLevel, "DEBUG");
            assert.equal(typeof request.input, "string");
            const task = definition.States[request.stateName!].Type === "Task";
            assert.equal(request.mock !== undefined, task, `${request.stateName}: a mock exactly for a Task state`);
            assert.equal(request.stateConfiguration !== undefined, request.mock?.errorOutput !== undefined, "a retry count exactly with a mocked error");
        }
        // The throttled checker, sent again one retry further each time, fails after its last retry.
        const lastPath = requests.slice(-6);
        assert.deepEqual(
            lastPath.map((r) => [r.stateName, r.stateConfiguration?.retrierRetryCount]),
            [0, 1, 2, 3, 4, 5].map((n) => [STATES.checkStockValue, n]),
        );
        const buy = stateLines.filter((line) => line.startsWith("  buy:")).map((line) => line.split(": ")[1]);
        assert.deepEqual(buy.slice(0, 5), [STATES.checkStockValue, STATES.buyOrSell, STATES.buyStock, STATES.recordTransaction, STATES.runEcsTask]);
        assert.equal(buy.at(-1), STATES.success);
        assert.ok(handsOver(definition, buy), buy.join(" → "));
        assert.ok(stateLines.every((line) => line.endsWith(": agree")));
        assert.equal(
            result.out.at(-1),
            `6 paths, ${stateLines.length} states: AWS's engine and the local one agree on every state; 2 skipped (spot-interruptions-rerun, spot-interruptions-exhausted)`,
        );
    });

    it("walks the Spot paths with Fargate Spot: each interruption back through the Choice to the batch, the last one past the retries to Error", async () => {
        const { client } = mockedTestState();
        const result = await run(["--stack", "dev", ...SPOT], client);
        assert.equal(result.status, 0, result.out.join("\n"));
        const states = (path: string) => result.out.filter((line) => line.startsWith(`  ${path}:`)).map((line) => line.split(": ")[1]);
        const interruption = [STATES.runEcsTask, STATES.spotInterruption];
        assert.deepEqual(states("spot-interruptions-exhausted").slice(4), [
            ...interruption,
            STATES.firstInterruption,
            ...interruption,
            STATES.nextInterruption,
            ...interruption,
            STATES.error,
        ]);
        const rerun = states("spot-interruptions-rerun");
        assert.equal(rerun.at(-1), STATES.success);
        assert.ok(rerun.lastIndexOf(STATES.runEcsTask) > rerun.lastIndexOf(STATES.spotInterruption), "the batch runs again after the last interruption");
        const { definition } = localWorkflow(
            loadStackConfig("dev", Object.fromEntries(Object.entries(SPOT_SETTINGS).map(([key, value]) => [`stock-trader:${key}`, value]))),
            "TransactionTable",
        );
        assert.ok(handsOver(definition, rerun), rerun.join(" → "));
        const sent = result.out.filter((line) => /^ {2}\S+: .+: agree$/.test(line)).length;
        assert.equal(result.out.at(-1), `8 paths, ${sent} states: AWS's engine and the local one agree on every state`);
    });

    const disagreements: { what: string; alter: (request: TestStateInput, answer: TestStateOutput) => TestStateOutput; line: string; path: string }[] = [
        {
            what: "the next state",
            alter: (request, answer) => (request.stateName === STATES.buyOrSell ? { ...answer, nextState: STATES.sellStock } : answer),
            line: `nextState: AWS "${STATES.sellStock}", local "${STATES.buyStock}"`,
            path: "buy",
        },
        {
            what: "one output field",
            alter: (request, answer) =>
                request.stateName === STATES.runEcsTask && answer.status === "SUCCEEDED"
                    ? { ...answer, output: JSON.stringify({ ...JSON.parse(answer.output!), batch: { ...JSON.parse(answer.output!).batch, ExitCode: "0" } }) }
                    : answer,
            line: 'output.batch.ExitCode: AWS "0", local 0',
            path: "buy",
        },
        {
            what: "the error",
            alter: (request, answer) => (request.stateName === STATES.error ? { ...answer, error: "States.Runtime" } : answer),
            line: 'error: AWS "States.Runtime", local "States.TaskFailed"',
            path: "batch-failure-caught",
        },
        {
            what: "a retry's wait",
            alter: (_, answer) =>
                answer.status === "RETRIABLE" ? { ...answer, inspectionData: { errorDetails: { retryBackoffIntervalSeconds: 1 } } } : answer,
            line: "retryBackoffIntervalSeconds: AWS 1, local 15",
            path: "lambda-error-retried",
        },
    ];
    for (const { what, alter, line, path } of disagreements) {
        it(`reports ${what} that differs, on the state's line, stops that path there and exits 1`, async () => {
            const { client } = mockedTestState(alter);
            const result = await run(["--stack", "dev"], client);
            assert.equal(result.status, 1);
            const at = result.out.findIndex((l) => l.startsWith(`  ${path}:`) && l.endsWith(": DIFFER"));
            assert.ok(at >= 0, result.out.join("\n"));
            assert.equal(result.out[at + 1], `      ${line}`);
            assert.ok(!result.out[at + 2].startsWith(`  ${path}:`), "the path stops at the state that differs");
            assert.match(result.out.at(-1)!, new RegExp(`^\\d of 6 paths differ \\(${path}(, |\\))`));
        });
    }

    it("sends a Buy or Sell? input that takes the path the definition's Choice rule selects for the price, whatever the threshold", async () => {
        await fc.assert(
            fc.asyncProperty(fc.integer({ min: 0, max: 99 }), fc.integer({ min: 0, max: 99 }), async (threshold, price) => {
                const config = loadStackConfig("dev", { "stock-trader:buyThreshold": String(threshold) });
                const { definition } = localWorkflow(config, "TransactionTable");
                const buy = testPaths(config, definition, price)[0] as TestPath;
                const sent: string[] = [];
                const recording = async (stateRun: StateRun) => {
                    sent.push(stateRun.stateName);
                    return localEngine(stateRun);
                };
                const steps = await walk(buy, definition, recording, localEngine);
                assert.equal(sent.includes(STATES.buyStock), price <= threshold, `price ${price}, threshold ${threshold}: ${sent.join(" → ")}`);
                assert.equal(sent.includes(STATES.sellStock), price > threshold);
                assert.equal(steps.at(-1)!.state, STATES.success);
            }),
            // Each side of the rule at the threshold, at both ends of the range and in it, then drawn ones.
            {
                ...settings(6),
                examples: [
                    [50, 50],
                    [50, 51],
                    [0, 0],
                    [0, 1],
                    [99, 98],
                    [99, 99],
                ],
            },
        );
    });

    it("says in one line, with no trace, that nothing was sent without credentials, what TestState needs when AWS refuses it, and that no region was named", async () => {
        const none = mockedTestState();
        none.mock.on(TestStateCommand).rejects(noCredentials());
        const unsigned = await run([], none.client);
        assert.equal(unsigned.status, 1);
        assert.equal(unsigned.err.length, 1);
        assert.match(unsigned.err[0], /^no AWS credentials for states:TestState on Check Stock Value, so nothing was sent: set AWS_PROFILE/);

        const refused = mockedTestState();
        refused.mock.on(TestStateCommand).rejects(serviceError("AccessDeniedException", "User is not authorized to perform: states:TestState"));
        const denied = await run([], refused.client);
        assert.equal(denied.status, 1);
        assert.deepEqual(denied.err, [
            "AWS refused states:TestState on Check Stock Value: AccessDeniedException: User is not authorized to perform: states:TestState (the caller needs states:TestState)",
        ]);

        const nowhere = await run([], mockedTestState().client, { stackRegion: async () => undefined });
        assert.equal(nowhere.status, 1);
        assert.deepEqual(nowhere.err, [
            "no region: neither --region, the stack file's aws:region nor the environment (AWS_REGION, the profile) names one, so nothing was sent",
        ]);
    });

    it("sends to --region over the stack's, saying so when AWS_REGION names another", async () => {
        const { client } = mockedTestState();
        const saved = process.env.AWS_REGION;
        process.env.AWS_REGION = "us-east-1";
        try {
            const result = await run(["--region", "eu-west-1"], client);
            assert.equal(result.out[0], "TestState in eu-west-1 against the local engine, the dev stack's definition");
            assert.deepEqual(result.err, ["notice: TestState is in eu-west-1, and AWS_REGION says us-east-1: the calls go to eu-west-1"]);
        } finally {
            if (saved === undefined) delete process.env.AWS_REGION;
            else process.env.AWS_REGION = saved;
        }
    });
});

describe("npm run test:teststate, through endpoints that fail as the network and AWS do", function () {
    this.timeout(20000);
    const on = "states:TestState on Check Stock Value";
    const expected: Record<Behaviour, RegExp> = {
        refuse: new RegExp(`^could not reach AWS for ${on}: connect ECONNREFUSED 127\\.0\\.0\\.1:\\d+ \\(ECONNREFUSED\\): check the network`),
        hang: new RegExp(`^AWS did not answer ${on} within ${HANG_TIMEOUT_PATTERN} s \\(STOCK_TRADER_AWS_TIMEOUT_SECONDS sets the limit\\)`),
        html: new RegExp(`^what answered ${on} is not the AWS API: HTTP 200, text/html; charset=utf-8`),
        expired: new RegExp(`^the AWS credentials have expired: AWS answered ${on} with ExpiredTokenException: sign in again`),
        throttle: new RegExp(`^AWS throttled ${on} even after retries \\(ThrottlingException: Rate exceeded\\): try again in a minute$`),
    };
    /** The tool as a user runs it, its client made from the environment; only the waits between retries are skipped. */
    const asAUserRunsIt = () =>
        runInProcess(
            (argv, io) =>
                main(argv, io, {
                    stackRegion: async () => "us-east-1",
                    sfn: testStateClient,
                    sleep: async () => undefined,
                    err: io.err,
                }),
            ["--stack", "dev"],
        );

    for (const behaviour of Object.keys(expected) as Behaviour[]) {
        it(`against an endpoint that answers "${behaviour}": one line saying what happened, and exit 1`, async () => {
            const endpoint = await loopback(behaviour);
            try {
                const run = await withEnvironment(endpoint.environment, asAUserRunsIt);
                assert.equal(run.status, 1);
                const failures = run.stderr.split("\n").filter((line) => !line.startsWith("…"));
                assert.equal(failures.length, 1, run.stderr);
                assert.match(failures[0], expected[behaviour]);
            } finally {
                await endpoint.close();
            }
        });
    }

    it("says that what answered is not the API when an answer has no status, which TestState always gives", async () => {
        const server = http.createServer((_, response) => response.writeHead(200, { "content-type": "application/x-amz-json-1.0" }).end("{}"));
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        try {
            const run = await withEnvironment(loopbackEnvironment(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), asAUserRunsIt);
            assert.equal(run.status, 1);
            assert.equal(
                run.stderr,
                `what answered ${on} is not the AWS API: the answer has no status, which AWS always sends: AWS_ENDPOINT_URL, or a proxy in between, points elsewhere`,
            );
        } finally {
            server.closeAllConnections();
            await new Promise((resolve) => server.close(resolve));
        }
    });
});

describe("where aws-local-stepfunctions differs from AWS (listed in CONTRIBUTING)", () => {
    it("passes a Pass state's input on where its Result is false, 0, an empty string or null, which AWS outputs", async () => {
        for (const result of [false, 0, "", null]) {
            const machine = new StateMachine({ StartAt: "P", States: { P: { Type: "Pass", Result: result, End: true } } } as never);
            assert.deepEqual(await machine.run({ trade: "t-1" }).result, { trade: "t-1" }, JSON.stringify(result));
        }
    });
});

describe("npm run test:teststate, its flags and its client", () => {
    it("prints its help and sends nothing with --help", async () => {
        const { client, mock } = mockedTestState();
        const result = await run(["--help"], client);
        assert.equal(result.status, 0);
        assert.deepEqual(result.out, [USAGE]);
        assert.deepEqual(result.err, []);
        assert.equal(mock.commandCalls(TestStateCommand).length, 0);
    });

    it("refuses a stack with no stack file in one line, exit 2, and sends nothing", async () => {
        const { client, mock } = mockedTestState();
        const result = await run(["--stack", "nowhere"], client);
        assert.equal(result.status, 2);
        assert.deepEqual(result.err, ["no stack file Pulumi.nowhere.yaml"]);
        assert.equal(mock.commandCalls(TestStateCommand).length, 0);
    });

    it("says nothing of AWS_REGION when the region is the stack's rather than --region", async () => {
        await withEnvironment({ AWS_REGION: "us-east-1", AWS_DEFAULT_REGION: undefined }, async () => {
            const refused = mockedTestState();
            refused.mock.on(TestStateCommand).rejects(noCredentials());
            const result = await run([], refused.client, { stackRegion: async () => "eu-west-1" });
            assert.equal(result.out[0], "TestState in eu-west-1 against the local engine, the dev stack's definition");
            assert.equal(result.err.length, 1, result.err.join("\n"));
            assert.match(result.err[0], /^no AWS credentials for states:TestState on Check Stock Value/);
        });
    });

    it("closes its Step Functions client when a TestState call fails", async () => {
        const { client, mock } = mockedTestState();
        mock.on(TestStateCommand).rejects(noCredentials());
        let destroyed = 0;
        const destroy = client.destroy.bind(client);
        client.destroy = () => {
            destroyed++;
            destroy();
        };
        const result = await run([], client);
        assert.equal(result.status, 1);
        assert.equal(destroyed, 1);
    });
});

describe("npm run test:teststate with its own region, client and waits", function () {
    this.timeout(20000);

    it("takes the region from the stack file over AWS_REGION, calls the endpoint the environment gives, and sends a throttled call again", async () => {
        let requests = 0;
        const server = http.createServer((_, response) => {
            requests++;
            if (requests === 1) {
                response
                    .writeHead(400, { "content-type": "application/x-amz-json-1.0" })
                    .end(JSON.stringify({ __type: "com.amazon.coral.service#ThrottlingException", message: "Rate exceeded" }));
            } else {
                response.writeHead(200, { "content-type": "application/x-amz-json-1.0" }).end("{}");
            }
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        try {
            const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
            // Its own dependencies but the wait before the call is sent again, which is recorded.
            const waits: number[] = [];
            const result = await withEnvironment({ ...loopbackEnvironment(url), AWS_REGION: "eu-west-1" }, () =>
                runInProcess((argv, io) => main(argv, io, { ...defaultDeps(io), sleep: async (ms) => void waits.push(ms) }), ["--stack", "dev"]),
            );
            assert.deepEqual(waits, [1000], "a second's back-off before the throttled call is sent again");
            assert.equal(result.status, 1);
            assert.equal(result.stdout.split("\n")[0], "TestState in us-east-1 against the local engine, the dev stack's definition");
            assert.deepEqual(
                result.stderr.split("\n").filter((line) => !line.startsWith("…")),
                [
                    "what answered states:TestState on Check Stock Value is not the AWS API: the answer has no status, which AWS always sends: AWS_ENDPOINT_URL, or a proxy in between, points elsewhere",
                ],
            );
            assert.equal(requests, 2, "the throttled call is sent once more");
        } finally {
            server.closeAllConnections();
            await new Promise((resolve) => server.close(resolve));
        }
    });

    it("waits between tries on a timer: a wait has not ended when the event loop has gone round once", async () => {
        let done = false;
        const waited = defaultDeps(processIo)
            .sleep(20)
            .then(() => (done = true));
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal(done, false);
        await waited;
    });
});

describe("npm run test:teststate's report of a walk", () => {
    it("prints each path with what it shows or why it is skipped, and each state with where it hands over: on, retried, or the end", async () => {
        const config = loadStackConfig("dev");
        const { definition } = localWorkflow(config, "TransactionTable");
        const out: string[] = [];
        const status = await compareEngines(definition, testPaths(config, definition), localEngine, { out: (line) => out.push(line), err: () => undefined });
        assert.equal(status, 0, out.join("\n"));
        const notOnSpot = "skipped, the stack's batch does not run on Fargate Spot with batchInterruptionRetries above 0";
        assert.deepEqual(out.filter((line) => !line.startsWith("  ")).slice(0, -1), [
            "buy: a price of 50 buys",
            "sell: a price of 51 sells",
            "lambda-error-retried: the checker throttled once, retried, then answering",
            `batch-failure-caught: the batch exiting 1, caught into ${STATES.error}`,
            "batch-start-retried: ECS throttling RunTask 3 times, each retried, then the task running",
            `spot-interruptions-rerun: ${notOnSpot}`,
            `spot-interruptions-exhausted: ${notOnSpot}`,
            "failure-after-last-retry: the checker throttled on its first call and all 5 retries: the execution fails",
        ]);
        const retried = out.filter((line) => line.startsWith("  lambda-error-retried: ")).map((line) => line.slice("  lambda-error-retried: ".length));
        assert.deepEqual(retried.slice(0, 2), [
            `${STATES.checkStockValue}: RETRIABLE → retried: agree`,
            `${STATES.checkStockValue}: SUCCEEDED → ${STATES.buyOrSell}: agree`,
        ]);
        assert.ok(
            retried.every((line) => line.endsWith(": agree")),
            retried.join("\n"),
        );
        assert.equal(retried.at(-1), `${STATES.success}: SUCCEEDED (end): agree`);
        assert.deepEqual(out.filter((line) => line.startsWith("  batch-failure-caught:")).slice(-2), [
            `  batch-failure-caught: ${STATES.runEcsTask}: CAUGHT_ERROR → ${STATES.error}: agree`,
            `  batch-failure-caught: ${STATES.error}: FAILED (end): agree`,
        ]);
    });
});

describe("where two answers differ", () => {
    it("shows a field one engine left out as (none)", () => {
        assert.deepEqual(differences({ status: "SUCCEEDED", nextState: STATES.buyStock }, { status: "SUCCEEDED" }), [
            `nextState: AWS "${STATES.buyStock}", local (none)`,
        ]);
    });

    it("compares a retry's wait only where AWS gives one", () => {
        const retried = { status: "RETRIABLE", error: "Lambda.TooManyRequestsException", cause: "Rate Exceeded." } as const;
        assert.deepEqual(differences(retried, { ...retried, retryBackoffIntervalSeconds: 15 }), []);
    });

    it("compares the output leaf by leaf in path order, an empty object or array and null as leaves, whichever engine has no output", () => {
        assert.deepEqual(differences({ status: "SUCCEEDED", output: { b: 2, a: [1, {}] } }, { status: "SUCCEEDED" }), [
            "output.a[0]: AWS 1, local (absent)",
            "output.a[1]: AWS {}, local (absent)",
            "output.b: AWS 2, local (absent)",
        ]);
        assert.deepEqual(differences({ status: "SUCCEEDED" }, { status: "SUCCEEDED", output: { a: null } }), ["output.a: AWS (absent), local null"]);
        assert.deepEqual(differences({ status: "SUCCEEDED", output: { a: null, b: [] } }, { status: "SUCCEEDED", output: { a: null, b: {} } }), [
            "output.b: AWS [], local {}",
        ]);
    });
});

describe("walking a path", () => {
    it("stops with the path's name, the call and the state where a Task state it names has no answer left, before running it", async () => {
        const { definition } = localWorkflow(loadStackConfig("dev"), "TransactionTable");
        const unreachable: Engine = async (stateRun) => assert.fail(`${stateRun.stateName} ran without its answer`);
        const path = { name: "unanswered", why: "the checker answers no call", input: {}, mocks: { [STATES.checkStockValue]: [] } };
        await assert.rejects(walk(path, definition, unreachable, unreachable), {
            message: `the unanswered path has no answer for call 1 of ${STATES.checkStockValue}`,
        });
    });

    it("answers a Task state the path does not name with the empty result, on both engines alike", async () => {
        const { definition } = localWorkflow(loadStackConfig("dev"), "TransactionTable");
        const mocks: unknown[] = [];
        const ends: Engine = async (stateRun) => {
            mocks.push(stateRun.mock);
            return { status: "SUCCEEDED", output: {} };
        };
        await walk({ name: "unnamed", why: "no Task state named", input: {}, mocks: {} }, definition, ends, ends);
        assert.deepEqual(mocks, [UNNAMED_TASK, UNNAMED_TASK]);
    });

    it("stops a path that passes 100 states without ending", async () => {
        const loop: StateMachineDefinition = {
            Comment: "a Pass state that hands over to itself",
            StartAt: "Again",
            TimeoutSeconds: 60,
            States: { Again: { Type: "Pass", Next: "Again" } },
        };
        let runs = 0;
        // Each answer waits a turn of the event loop, so a walk that never stops still lets the test time out.
        const again: Engine = async () => {
            runs++;
            await new Promise((resolve) => setImmediate(resolve));
            return { status: "SUCCEEDED", nextState: "Again", output: {} };
        };
        await assert.rejects(walk({ name: "loop", why: "a loop", input: {}, mocks: {} }, loop, again, again), {
            message: "the loop path passed 100 states without ending",
        });
        assert.equal(runs, 200, "each of the 100 states on both engines");
    });
});

describe("AWS's engine", () => {
    it("keeps only the fields TestState sent, parses the output, and takes a retry's wait only with RETRIABLE", () => {
        const throttled = { error: "Lambda.TooManyRequestsException", cause: "Rate Exceeded." };
        assert.deepEqual(awsAnswer({ status: "FAILED", ...throttled }), { status: "FAILED", ...throttled });
        assert.deepEqual(awsAnswer({ status: "SUCCEEDED", nextState: STATES.buyOrSell, output: '{"stock_price":50}', inspectionData: { input: "{}" } }), {
            status: "SUCCEEDED",
            nextState: STATES.buyOrSell,
            output: { stock_price: 50 },
        });
        const retriable = { status: "RETRIABLE", ...throttled } as const;
        assert.deepEqual(awsAnswer({ ...retriable, inspectionData: { errorDetails: { retryIndex: 0 } } }), retriable);
        assert.deepEqual(awsAnswer({ ...retriable, inspectionData: { errorDetails: { retryIndex: 0, retryBackoffIntervalSeconds: 15 } } }), {
            ...retriable,
            retryBackoffIntervalSeconds: 15,
        });
        const caught = { error: "States.TaskFailed", cause: "exit 1" };
        assert.deepEqual(
            awsAnswer({
                status: "CAUGHT_ERROR",
                nextState: STATES.error,
                output: JSON.stringify({ error: { Error: caught.error, Cause: caught.cause } }),
                ...caught,
                inspectionData: { errorDetails: { catchIndex: 0, retryIndex: 2, retryBackoffIntervalSeconds: 40 } },
            }),
            { status: "CAUGHT_ERROR", nextState: STATES.error, output: { error: { Error: caught.error, Cause: caught.cause } }, ...caught },
        );
    });

    it("sends a call Step Functions throttled again after the tools' wait, and answers what TestState then says", async () => {
        const client = new SFNClient({ region: "us-east-1" });
        const mock = mockClient(client);
        mock.on(TestStateCommand)
            .rejectsOnce(serviceError("ThrottlingException", "Rate exceeded"))
            .resolves({ status: "SUCCEEDED", nextState: STATES.buyOrSell, output: '{"stock_price":50}' });
        const waits: number[] = [];
        const engine = awsEngine(client, {
            sleep: async (ms) => {
                waits.push(ms);
            },
        });
        const { definition } = localWorkflow(loadStackConfig("dev"), "TransactionTable");
        const answer = await engine({ definition, stateName: STATES.checkStockValue, input: {}, mock: { result: { stock_price: 50 } }, retrierRetryCount: 0 });
        assert.deepEqual(answer, { status: "SUCCEEDED", nextState: STATES.buyOrSell, output: { stock_price: 50 } });
        assert.equal(mock.commandCalls(TestStateCommand).length, 2);
        assert.deepEqual(waits, [1000]);
    });
});

describe("the local engine, one state at a time", () => {
    const trade = { id: "0b6f4b8e-5d2a-4c1e-9f57-3c2d8e1a6b90", type: "buy" };
    const cause = JSON.stringify({ StopCode: "EssentialContainerExited", Containers: [{ ExitCode: 1 }] });
    const devDefinition = () => localWorkflow(loadStackConfig("dev"), "TransactionTable").definition;

    it("answers a state that ends the execution with its output and no next state", async () => {
        const input = { ...trade, batch: { TaskArn: "arn:aws:ecs:us-east-1:000000000000:task/stock-trader/7f3c9d2a", ExitCode: 0 } };
        assert.deepEqual(await localEngine({ definition: devDefinition(), stateName: STATES.success, input, retrierRetryCount: 0 }), {
            status: "SUCCEEDED",
            output: input,
        });
    });

    it("answers a caught error with the catcher's next state, the output with the error at the catcher's ResultPath, and the error and cause", async () => {
        const answer = await localEngine({
            definition: devDefinition(),
            stateName: STATES.runEcsTask,
            input: trade,
            mock: { errorOutput: { error: "States.TaskFailed", cause } },
            retrierRetryCount: 0,
        });
        assert.deepEqual(answer, {
            status: "CAUGHT_ERROR",
            nextState: STATES.error,
            output: { ...trade, error: { Error: "States.TaskFailed", Cause: cause } },
            error: "States.TaskFailed",
            cause,
        });
    });

    it("fails at the Fail state with the error and the cause it reads from its input", async () => {
        const input = { ...trade, error: { Error: "States.TaskFailed", Cause: cause } };
        assert.deepEqual(await localEngine({ definition: devDefinition(), stateName: STATES.error, input, retrierRetryCount: 0 }), {
            status: "FAILED",
            error: "States.TaskFailed",
            cause,
        });
    });

    it("gives each retry's wait as the retrier computes it: the interval times the backoff rate to the power of the retries already made", async () => {
        const definition = devDefinition();
        const throttled = { error: "Lambda.TooManyRequestsException", cause: "Rate Exceeded." };
        const answers: StateAnswer[] = [];
        for (const retrierRetryCount of [0, 1, 2]) {
            answers.push(await localEngine({ definition, stateName: STATES.checkStockValue, input: {}, mock: { errorOutput: throttled }, retrierRetryCount }));
        }
        // The checker's retrier: 15 s, backoff rate 1.5.
        assert.deepEqual(
            answers,
            [15, 22.5, 33.75].map((retryBackoffIntervalSeconds) => ({ status: "RETRIABLE", ...throttled, retryBackoffIntervalSeconds })),
        );
    });

    it("fails a Task state it has no answer for, naming the state, after the retries its retrier allows", async () => {
        assert.deepEqual(await localEngine({ definition: devDefinition(), stateName: STATES.checkStockValue, input: {}, retrierRetryCount: 0 }), {
            status: "FAILED",
            error: "Error",
            cause: `${STATES.checkStockValue} was called with no mock`,
        });
    });

    it("refuses a definition the engine refuses as a whole, even where the state it runs is valid", async () => {
        const definition = devDefinition();
        const choice = definition.States[STATES.buyOrSell] as ChoiceState;
        const broken: StateMachineDefinition = { ...definition, States: { ...definition.States, [STATES.buyOrSell]: { ...choice, Default: "Nowhere" } } };
        await assert.rejects(
            localEngine({ definition: broken, stateName: STATES.success, input: {}, retrierRetryCount: 0 }),
            /State machine definition is invalid/,
        );
    });
});

describe("the paths walked", () => {
    /** The price and the side of the trade a path's buyer or seller answers. */
    function tradeOf(path: TestPath, state: string): { price: Json; type: Json } {
        const mock = path.mocks[state]?.[0];
        assert.ok(mock !== undefined && "result" in mock, `${path.name}: ${state} answers a result`);
        const { price, type } = mock.result as Record<string, Json>;
        return { price, type };
    }

    /** The definition with the checker's retriers replaced. */
    const withCheckerRetry = (definition: StateMachineDefinition, Retry: Retrier[] | undefined): StateMachineDefinition => ({
        ...definition,
        States: { ...definition.States, [STATES.checkStockValue]: { ...(definition.States[STATES.checkStockValue] as TaskState), Retry } as TaskState },
    });
    const otherError: Retrier = { ErrorEquals: ["Lambda.ServiceException"], IntervalSeconds: 2, MaxAttempts: 6, BackoffRate: 2 };
    const everyError: Retrier = { ErrorEquals: ["States.ALL"], IntervalSeconds: 1, MaxAttempts: 2, BackoffRate: 1 };

    it("trades at the threshold to buy and one above it to sell, where that price is one a checker can answer", () => {
        assert.equal(pathPrice({ buyThreshold: 50 }, "buy"), 50);
        assert.equal(pathPrice({ buyThreshold: 50 }, "sell"), 51);
        assert.equal(pathPrice({ buyThreshold: MAX_STOCK_PRICE }, "buy"), MAX_STOCK_PRICE);
        assert.equal(pathPrice({ buyThreshold: MAX_STOCK_PRICE - 1 }, "sell"), MAX_STOCK_PRICE);
        assert.equal(pathPrice({ buyThreshold: MAX_STOCK_PRICE }, "sell"), undefined);
    });

    it("skips the sell path, saying why, where the threshold buys at every price", () => {
        const config = loadStackConfig("dev", { "stock-trader:buyThreshold": String(MAX_STOCK_PRICE) });
        const paths = testPaths(config, localWorkflow(config, "TransactionTable").definition);
        assert.deepEqual(paths[1], { name: "sell", skipped: `buyThreshold ${MAX_STOCK_PRICE} buys at every price up to ${MAX_STOCK_PRICE}` });
    });

    it("answers the buyer with a buy and the seller with a sell, each at its path's price", () => {
        const config = loadStackConfig("dev");
        const [buy, sell] = testPaths(config, localWorkflow(config, "TransactionTable").definition) as TestPath[];
        assert.deepEqual(tradeOf(buy, STATES.buyStock), { price: "50", type: "buy" });
        assert.deepEqual(tradeOf(sell, STATES.sellStock), { price: "51", type: "sell" });
    });

    it("walks the Spot paths only where the batch runs on Fargate Spot and may run again after an interruption", () => {
        const spotLines = (retries: number) => {
            const config = loadStackConfig("dev", { "stock-trader:batchCapacity": "FARGATE_SPOT", "stock-trader:batchInterruptionRetries": String(retries) });
            return testPaths(config, localWorkflow(config, "TransactionTable").definition)
                .filter((path) => path.name.startsWith("spot-"))
                .map((path) => ("skipped" in path ? `${path.name}: skipped, ${path.skipped}` : `${path.name}: ${path.why}`));
        };
        assert.deepEqual(spotLines(2), [
            "spot-interruptions-rerun: 2 Spot interruption(s), each run again, then the batch succeeding",
            `spot-interruptions-exhausted: 3 Spot interruptions: the last one past batchInterruptionRetries goes to ${STATES.error}`,
        ]);
        const notOnSpot = "skipped, the stack's batch does not run on Fargate Spot with batchInterruptionRetries above 0";
        assert.deepEqual(spotLines(0), [`spot-interruptions-rerun: ${notOnSpot}`, `spot-interruptions-exhausted: ${notOnSpot}`]);
    });

    it("runs the checker out of the retries of the first retrier that applies to Lambda's throttling", () => {
        const config = loadStackConfig("dev");
        const { definition } = localWorkflow(config, "TransactionTable");
        const last = testPaths(config, withCheckerRetry(definition, [otherError, everyError])).at(-1) as TestPath;
        assert.equal(last.why, "the checker throttled on its first call and all 2 retries: the execution fails");
        assert.equal(last.mocks[STATES.checkStockValue]?.length, 3);
    });

    it("refuses a definition whose checker has no retrier for Lambda's throttling, naming the state and the error", () => {
        const config = loadStackConfig("dev");
        const { definition } = localWorkflow(config, "TransactionTable");
        for (const Retry of [undefined, [otherError]]) {
            assert.throws(() => testPaths(config, withCheckerRetry(definition, Retry)), {
                message: `${STATES.checkStockValue} has no retrier for Lambda.TooManyRequestsException`,
            });
        }
    });
});

describe("the local engine and the definition it is given", () => {
    it("leaves the definition as it was", async () => {
        const { definition } = localWorkflow(loadStackConfig("dev"), "UntouchedTable");
        const before = JSON.stringify(definition);
        await localEngine({ definition, stateName: STATES.buyOrSell, input: { stock_price: 50 }, retrierRetryCount: 0 });
        assert.equal(JSON.stringify(definition), before);
    });
});
