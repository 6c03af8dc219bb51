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
import { localWorkflow } from "../local/stand-ins";
import { STATES } from "../model/workflow";
import { loadStackConfig } from "../scripts/cli/stack-files";
import { localEngine, type StateAnswer, type StateRun } from "../scripts/teststate/engines";
import { testPaths, type Mock, type TestPath } from "../scripts/teststate/paths";
import { main, testStateClient, walk, type TestStateDeps } from "../scripts/teststate/teststate";
import { noCredentials, serviceError } from "./support/aws-errors";
import { settings } from "./support/arbitraries";
import { loopback, loopbackEnvironment, withEnvironment, type Behaviour } from "./support/loopback";
import { runInProcess } from "./support/tool";

const SPOT = ["--set", "batchCapacity=FARGATE_SPOT", "--set", "batchInterruptionRetries=2"];

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
        assert.deepEqual(
            stateLines.filter((line) => line.startsWith("  buy:")).map((line) => line.split(": ")[1]),
            [STATES.checkStockValue, STATES.buyOrSell, STATES.buyStock, STATES.recordTransaction, STATES.runEcsTask, STATES.success],
        );
        assert.ok(stateLines.every((line) => line.endsWith(": agree")));
        assert.equal(
            result.out.at(-1),
            "6 paths, 40 states: AWS's engine and the local one agree on every state; 2 skipped (spot-interruptions-rerun, spot-interruptions-exhausted)",
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
        assert.deepEqual(states("spot-interruptions-rerun").slice(-2), [STATES.runEcsTask, STATES.success]);
        assert.equal(result.out.at(-1), "8 paths, 66 states: AWS's engine and the local one agree on every state");
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
            settings(15),
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
        hang: new RegExp(`^AWS did not answer ${on} within 0\\.3 s \\(STOCK_TRADER_AWS_TIMEOUT_SECONDS sets the limit\\)`),
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
                const run = await withEnvironment(loopbackEnvironment(endpoint.url), asAUserRunsIt);
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
