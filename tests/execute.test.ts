import * as assert from "node:assert/strict";
import * as path from "node:path";
import { CloudWatchLogsClient, FilterLogEventsCommand, GetLogEventsCommand, type FilterLogEventsCommandInput } from "@aws-sdk/client-cloudwatch-logs";
import {
    DescribeExecutionCommand,
    GetExecutionHistoryCommand,
    RedriveExecutionCommand,
    SFNClient,
    StartExecutionCommand,
    type GetExecutionHistoryCommandInput,
    type HistoryEvent,
} from "@aws-sdk/client-sfn";
import { DescribeTasksCommand, ECSClient, RunTaskCommand, type DescribeTasksCommandOutput, type Task } from "@aws-sdk/client-ecs";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { localResources } from "../local/stand-ins";
import { parseConfig } from "../model/config";
import { buildWorkflow } from "../model/workflow";
import { PROJECT_ROOT } from "../model/project";
import { execute, ExecuteError, parseOptions, pulumiStackOutputs, type ExecuteDeps } from "../scripts/operate/execute";
import { batchRequest, rerunRefusal, runAgain, sdkShape } from "../scripts/operate/rerun";
import { closedClients } from "./support/closed-clients";
import { StandIns } from "./support/stand-in";
import { runTool } from "./support/tool";
import { serviceError, noCredentials } from "./support/aws-errors";
import { withEnvironment } from "./support/loopback";

const ACCOUNT = "123456789012";
const STATE_MACHINE = `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:trading-workflow-state-machine`;
const EXECUTION = `arn:aws:states:eu-west-1:${ACCOUNT}:execution:trading-workflow-state-machine:4f2b7c1e-9d3a-4c5b-8e6f-0a1b2c3d4e5f`;
const CLUSTER = `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/batch-cluster`;
const TASK = `arn:aws:ecs:eu-west-1:${ACCOUNT}:task/batch-cluster/0f1e2d3c4b5a69788796a5b4c3d2e1f0`;
const fn = (name: string) => `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:${name}`;
const T0 = Date.parse("2026-11-28T10:00:00.000Z");

let sfn: AwsClientStub<SFNClient>;
let logs: AwsClientStub<CloudWatchLogsClient>;
let ecs: AwsClientStub<ECSClient>;

/** Mocks the clients for the tests of the describe it is called in only, not for the files a parallel worker runs next. */
function mockedClients(): void {
    before(() => {
        sfn = mockClient(SFNClient);
        logs = mockClient(CloudWatchLogsClient);
        ecs = mockClient(ECSClient);
    });
    after(() => [sfn, logs, ecs].forEach((client) => client.restore()));
}

/** History events as GetExecutionHistory returns them: ids from 1, each 100 ms after the last. */
class History {
    readonly events: HistoryEvent[] = [];
    add(type: string, details: Record<string, unknown> = {}): this {
        const id = this.events.length + 1;
        this.events.push({ timestamp: new Date(T0 + id * 100), type, id, previousEventId: id - 1, ...details } as HistoryEvent);
        return this;
    }
    state(kind: "Task" | "Choice" | "Pass" | "Fail", name: string, input = "{}"): this {
        return this.add(`${kind}StateEntered`, { stateEnteredEventDetails: { name, input, inputDetails: { truncated: false } } });
    }
    exit(kind: "Task" | "Choice" | "Pass", name: string, output: string): this {
        return this.add(`${kind}StateExited`, { stateExitedEventDetails: { name, output, outputDetails: { truncated: false } } });
    }
    lambda(name: string, resource: string, output: string): this {
        return this.state("Task", name)
            .add("LambdaFunctionScheduled", { lambdaFunctionScheduledEventDetails: { resource, input: "{}", inputDetails: { truncated: false } } })
            .add("LambdaFunctionStarted")
            .add("LambdaFunctionSucceeded", { lambdaFunctionSucceededEventDetails: { output, outputDetails: { truncated: false } } })
            .exit("Task", name, output);
    }
    service(resourceType: string, resource: string, extra: () => void, result: () => void, parameters: object = {}): this {
        this.add("TaskScheduled", { taskScheduledEventDetails: { resourceType, resource, region: "eu-west-1", parameters: JSON.stringify(parameters) } });
        this.add("TaskStarted", { taskStartedEventDetails: { resourceType, resource } });
        extra();
        result();
        return this;
    }
}

const TRADE = '{"id":"9b1fb813-9bd8-43d0-a46d-d1ee92b0833e","price":"42","type":"buy","qty":"3","timestamp":"2026-11-28T10:00:00.500Z"}';
const stoppedTask = (exitCode: number) =>
    JSON.stringify({
        TaskArn: TASK,
        ClusterArn: CLUSTER,
        LastStatus: "STOPPED",
        StopCode: "EssentialContainerExited",
        Containers: [{ Name: "batch", ExitCode: exitCode }],
    });

function upToRecordTransaction(): History {
    const h = new History()
        .add("ExecutionStarted", {
            executionStartedEventDetails: { input: "{}", inputDetails: { truncated: false }, roleArn: `arn:aws:iam::${ACCOUNT}:role/sm` },
        })
        .lambda("Check Stock Value", fn("trading-stock-checker"), '{"stock_price":42}')
        .state("Choice", "Buy or Sell?", '{"stock_price":42}')
        .exit("Choice", "Buy or Sell?", '{"stock_price":42}')
        .lambda("Buy Stock", fn("trading-stock-buyer"), TRADE)
        .state("Task", "Record Transaction", TRADE);
    return h
        .service(
            "dynamodb",
            "putItem",
            () => undefined,
            () =>
                h.add("TaskSucceeded", {
                    taskSucceededEventDetails: { resourceType: "dynamodb", resource: "putItem", output: "{}", outputDetails: { truncated: false } },
                }),
        )
        .exit("Task", "Record Transaction", TRADE);
}

function runTask(h: History, exitCode: number, parameters: object = {}): History {
    h.state("Task", "Run ECS task", TRADE);
    return h.service(
        "ecs",
        "runTask.sync",
        () =>
            h.add("TaskSubmitted", {
                taskSubmittedEventDetails: { resourceType: "ecs", resource: "runTask.sync", output: JSON.stringify({ Tasks: [{ TaskArn: TASK }] }) },
            }),
        () =>
            exitCode === 0
                ? h.add("TaskSucceeded", { taskSucceededEventDetails: { resourceType: "ecs", resource: "runTask.sync", output: stoppedTask(0) } })
                : h.add("TaskFailed", {
                      taskFailedEventDetails: { resourceType: "ecs", resource: "runTask.sync", error: "States.TaskFailed", cause: stoppedTask(exitCode) },
                  }),
        parameters,
    );
}

const SUCCEEDED_OUTPUT = JSON.stringify({ ...JSON.parse(TRADE), batch: { TaskArn: TASK, ExitCode: 0 } });

function succeeding(): History {
    return runTask(upToRecordTransaction(), 0)
        .exit("Task", "Run ECS task", SUCCEEDED_OUTPUT)
        .state("Pass", "Success", SUCCEEDED_OUTPUT)
        .exit("Pass", "Success", SUCCEEDED_OUTPUT)
        .add("ExecutionSucceeded", { executionSucceededEventDetails: { output: SUCCEEDED_OUTPUT, outputDetails: { truncated: false } } });
}

function failingBatch(parameters: object = {}): History {
    const caught = JSON.stringify({ ...JSON.parse(TRADE), error: { Error: "States.TaskFailed", Cause: stoppedTask(1) } });
    return runTask(upToRecordTransaction(), 1, parameters)
        .exit("Task", "Run ECS task", caught)
        .state("Fail", "Error", caught)
        .add("ExecutionFailed", { executionFailedEventDetails: { error: "States.TaskFailed", cause: stoppedTask(1) } });
}

/**
 * A fake Step Functions execution: each DescribeExecution reveals `step` more events, and
 * GetExecutionHistory pages through what is revealed in pages of at most 4, either way round.
 */
function serve(
    history: History,
    final: { status: string; output?: string; error?: string; cause?: string },
    step = 6,
    revealed = 0,
    options: {
        throttledDescribes?: number;
        progressing?: () => boolean;
        startedThrough?: { stateMachineVersionArn: string; stateMachineAliasArn?: string };
    } = {},
) {
    let visible = revealed;
    let throttled = options.throttledDescribes ?? 0;
    sfn.on(DescribeExecutionCommand).callsFake(() => {
        if (throttled > 0) {
            throttled--;
            throw serviceError("ThrottlingException", "Rate exceeded");
        }
        if (options.progressing?.() ?? true) {
            visible = Math.min(history.events.length, visible + step);
        }
        const done = visible === history.events.length;
        return {
            executionArn: EXECUTION,
            stateMachineArn: STATE_MACHINE,
            status: done ? final.status : "RUNNING",
            startDate: new Date(T0),
            ...options.startedThrough,
            ...(done ? final : {}),
        };
    });
    sfn.on(GetExecutionHistoryCommand).callsFake((input: GetExecutionHistoryCommandInput) => {
        const shown = history.events.slice(0, visible);
        const ordered = input.reverseOrder ? [...shown].reverse() : shown;
        const start = input.nextToken ? Number(input.nextToken) : 0;
        const size = Math.min(input.maxResults ?? 100, 4);
        const page = ordered.slice(start, start + size);
        return { events: page, nextToken: start + size < ordered.length ? String(start + size) : undefined };
    });
}

interface Captured {
    code: number;
    out: string[];
    err: string[];
    sleeps: number[];
}

async function run(argv: string[], outputs: Record<string, unknown> = {}): Promise<Captured> {
    const captured: Omit<Captured, "code"> = { out: [], err: [], sleeps: [] };
    const deps: ExecuteDeps = {
        stackOutputs: async () => outputs,
        sleep: async (ms) => {
            captured.sleeps.push(ms);
        },
        out: (line) => captured.out.push(...line.split("\n")),
        err: (line) => captured.err.push(...line.split("\n")),
    };
    const code = await execute(argv, deps);
    return { code, ...captured };
}

const commandsSent = () => sfn.calls().map((c) => (c.args[0] as { constructor: { name: string } }).constructor.name);

describe("npm run execute (against mocked AWS clients)", () => {
    mockedClients();
    beforeEach(() => {
        sfn.reset();
        logs.reset();
    });

    it("starts an execution, follows it state by state with the batch task and exit code, and exits 0 on SUCCEEDED", async () => {
        sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
        serve(succeeding(), { status: "SUCCEEDED", output: SUCCEEDED_OUTPUT });
        const result = await run(["--state-machine-arn", STATE_MACHINE, "--input", '{"note":"manual"}']);
        assert.equal(result.code, 0, result.err.join("\n"));
        assert.deepEqual(sfn.commandCalls(StartExecutionCommand)[0].args[0].input, { stateMachineArn: STATE_MACHINE, input: '{"note":"manual"}' });
        assert.deepEqual(result.out.slice(0, 21), [
            `Started ${EXECUTION}`,
            "  → Check Stock Value",
            "  ← Check Stock Value       400 ms",
            "  → Buy or Sell?",
            "  ← Buy or Sell?            100 ms",
            "  → Buy Stock",
            "  ← Buy Stock               400 ms",
            "  → Record Transaction",
            "  ← Record Transaction      400 ms",
            "  → Run ECS task",
            `  ← Run ECS task            500 ms  task ${TASK}  exit 0`,
            "  → Success",
            "  ← Success                 100 ms",
            "",
            "Status: SUCCEEDED",
            "Version: none (started by the unqualified state machine ARN, which runs its latest revision)",
            "Output: {",
            '  "id": "9b1fb813-9bd8-43d0-a46d-d1ee92b0833e",',
            '  "price": "42",',
            '  "type": "buy",',
            '  "qty": "3",',
        ]);
        assert.deepEqual([...new Set(commandsSent())].sort(), ["DescribeExecutionCommand", "GetExecutionHistoryCommand", "StartExecutionCommand"]);
        assert.equal(logs.calls().length, 0, "no CloudWatch Logs call without --logs");
    });

    it("follows a failed batch through Catch to Error, shows the container's exit code, and exits 1 with the error and cause", async () => {
        sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
        serve(failingBatch(), { status: "FAILED", error: "States.TaskFailed", cause: stoppedTask(1) });
        const result = await run(["--state-machine-arn", STATE_MACHINE]);
        assert.equal(result.code, 1);
        const tail = result.out.slice(result.out.indexOf("  → Run ECS task"));
        assert.deepEqual(tail, [
            "  → Run ECS task",
            `  ✗ Run ECS task            400 ms  States.TaskFailed  task ${TASK}  exit 1`,
            "  ⤷ Run ECS task caught the error",
            "  ← Run ECS task            500 ms",
            "  → Error",
            "",
            "Status: FAILED",
            "Version: none (started by the unqualified state machine ARN, which runs its latest revision)",
            "Error: States.TaskFailed",
            `Cause: ${stoppedTask(1)}`,
        ]);
    });

    it("pages through a long history without losing or repeating an event, and backs off while nothing happens", async () => {
        sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
        const history = succeeding();
        // Reveal one event per poll for a while, then nothing for a while, then the rest.
        let polls = 0;
        let visible = 0;
        sfn.on(DescribeExecutionCommand).callsFake(() => {
            polls++;
            visible = polls <= 3 ? polls : polls <= 12 ? 3 : history.events.length;
            const done = visible === history.events.length;
            return { executionArn: EXECUTION, status: done ? "SUCCEEDED" : "RUNNING", startDate: new Date(T0), output: done ? SUCCEEDED_OUTPUT : undefined };
        });
        sfn.on(GetExecutionHistoryCommand).callsFake((input: GetExecutionHistoryCommandInput) => {
            const ordered = history.events.slice(0, visible).reverse();
            const start = input.nextToken ? Number(input.nextToken) : 0;
            return { events: ordered.slice(start, start + 3), nextToken: start + 3 < ordered.length ? String(start + 3) : undefined };
        });
        const result = await run(["--state-machine-arn", STATE_MACHINE]);
        assert.equal(result.code, 0);
        const entered = result.out.filter((l) => l.startsWith("  → "));
        assert.deepEqual(
            entered,
            ["Check Stock Value", "Buy or Sell?", "Buy Stock", "Record Transaction", "Run ECS task", "Success"].map((s) => `  → ${s}`),
        );
        assert.equal(result.out.filter((l) => l.startsWith("  ← ")).length, 6);
        // Events arrived in polls 1-3: 1 s each time; then nine idle polls back off by 1.5 up to 10 s.
        assert.deepEqual(result.sleeps, [1000, 1000, 1000, 1500, 2250, 3375, 5062.5, 7593.75, 10000, 10000, 10000, 10000]);
        assert.ok(sfn.commandCalls(GetExecutionHistoryCommand).every((c) => c.args[0].input.reverseOrder === true));
    });

    it("while it follows, says every progress interval of quiet that the execution is still running, in which state, on standard error", async () => {
        sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
        let polls = 0;
        // Two polls with events, then fourteen without (the waits between polls are the clock), then the rest.
        serve(succeeding(), { status: "SUCCEEDED", output: SUCCEEDED_OUTPUT }, 4, 0, { progressing: () => ++polls <= 2 || polls > 16 });
        const result = await withEnvironment({ STOCK_TRADER_PROGRESS_SECONDS: "20" }, () => run(["--state-machine-arn", STATE_MACHINE]));
        assert.equal(result.code, 0, result.err.join("\n"));
        // A line only once 20 s of waits have passed since the last event or the last line, each naming where the execution is.
        const waited = result.err.map((line) => {
            const match = new RegExp(`^… ${EXECUTION} is still RUNNING, in Buy or Sell\\?, (\\d+) s since its last event$`).exec(line);
            assert.ok(match, line);
            return Number(match[1]);
        });
        assert.ok(waited.length >= 3, result.err.join("\n"));
        waited.forEach((s, i) => assert.ok(s - (waited[i - 1] ?? 0) >= 20, `${s} s after ${waited[i - 1] ?? 0} s`));
        assert.match(result.out.join("\n"), /Status: SUCCEEDED/);
    });

    it("rides out throttled polls and still follows the execution to its end", async () => {
        sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
        serve(succeeding(), { status: "SUCCEEDED", output: SUCCEEDED_OUTPUT }, 100, 0, { throttledDescribes: 2 });
        const result = await run(["--state-machine-arn", STATE_MACHINE]);
        assert.equal(result.code, 0, result.err.join("\n"));
        assert.deepEqual(result.sleeps.slice(0, 2), [1000, 2000]);
        assert.match(result.out.join("\n"), /Status: SUCCEEDED/);
    });

    it("stops after repeated throttling with exit 1, naming the refused call", async () => {
        sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
        sfn.on(DescribeExecutionCommand).rejects(serviceError("ThrottlingException", "Rate exceeded"));
        const result = await run(["--state-machine-arn", STATE_MACHINE]);
        assert.equal(result.code, 1);
        assert.match(
            result.err.join("\n"),
            /^AWS throttled states:DescribeExecution on arn:aws:states:.* even after retries \(ThrottlingException: Rate exceeded\): try again in a minute$/,
        );
        assert.equal(sfn.commandCalls(DescribeExecutionCommand).length, 6);
    });

    it("exits 1 when AWS refuses to start, saying which permission is missing", async () => {
        sfn.on(StartExecutionCommand).rejects(
            serviceError(
                "AccessDeniedException",
                `User: arn:aws:iam::${ACCOUNT}:user/dev is not authorized to perform: states:StartExecution on resource: ${STATE_MACHINE}`,
            ),
        );
        const result = await run(["--state-machine-arn", STATE_MACHINE]);
        assert.equal(result.code, 1);
        assert.equal(result.err.length, 1);
        assert.match(
            result.err[0],
            new RegExp(
                `^AWS refused states:StartExecution on ${STATE_MACHINE}: AccessDeniedException: .*\\(the caller needs the stack's operator policy \\(output operatorPolicyArn\\)`,
            ),
        );
    });

    it("redrives a failed execution and follows only what happens after the redrive", async () => {
        const failed = upToRecordTransaction();
        const before = failed.events.length;
        failed.add("ExecutionFailed", {
            executionFailedEventDetails: { error: "DynamoDB.ProvisionedThroughputExceededException", cause: "Throughput exceeds the current capacity" },
        });
        const after = runTask(
            failed.add("ExecutionRedriven", { executionRedrivenEventDetails: { redriveCount: 1 } }).state("Task", "Record Transaction", TRADE),
            0,
        );
        after.service(
            "dynamodb",
            "putItem",
            () => undefined,
            () => undefined,
        );
        after
            .exit("Task", "Run ECS task", SUCCEEDED_OUTPUT)
            .state("Pass", "Success")
            .exit("Pass", "Success", SUCCEEDED_OUTPUT)
            .add("ExecutionSucceeded", {
                executionSucceededEventDetails: { output: SUCCEEDED_OUTPUT },
            });
        // Until the redrive, the history ends at ExecutionFailed.
        serve(after, { status: "SUCCEEDED", output: SUCCEEDED_OUTPUT }, 100, before + 1, {
            progressing: () => sfn.commandCalls(RedriveExecutionCommand).length > 0,
        });
        sfn.on(RedriveExecutionCommand).resolves({ redriveDate: new Date(T0 + 60000) });
        const result = await run(["--redrive", EXECUTION]);
        assert.equal(result.code, 0, result.err.join("\n"));
        assert.deepEqual(
            sfn.commandCalls(RedriveExecutionCommand).map((c) => c.args[0].input),
            [{ executionArn: EXECUTION }],
        );
        assert.equal(result.out[0], `Redriving ${EXECUTION}`);
        assert.ok(!result.out.includes("  → Check Stock Value"), "the states that had succeeded are not shown again");
        assert.ok(result.out.includes("  → Record Transaction") && result.out.includes("  → Run ECS task"));
        assert.deepEqual([...new Set(commandsSent())].sort(), ["DescribeExecutionCommand", "GetExecutionHistoryCommand", "RedriveExecutionCommand"]);
    });

    it("refuses to redrive an execution that failed through Catch into Error, and says what to do instead", async () => {
        serve(failingBatch(), { status: "FAILED" }, 100, failingBatch().events.length);
        const result = await run(["--redrive", EXECUTION]);
        assert.equal(result.code, 1);
        assert.match(
            result.err.join("\n"),
            /not redriven: the execution failed in the Fail state "Error".*would fail again without re-running the batch.*npm run execute -- --rerun-batch arn:aws:states:.* --stack NAME$/,
        );
        assert.equal(sfn.commandCalls(RedriveExecutionCommand).length, 0);
    });

    it("reports AWS's refusal of a redrive with exit 1", async () => {
        serve(upToRecordTransaction().add("ExecutionFailed", { executionFailedEventDetails: { error: "x", cause: "y" } }), { status: "FAILED" }, 100, 100);
        sfn.on(RedriveExecutionCommand).rejects(serviceError("ExecutionNotRedrivable", "Execution is SUCCEEDED and cannot be redriven"));
        const result = await run(["--redrive", EXECUTION]);
        assert.equal(result.code, 1);
        assert.match(
            result.err[0],
            /^AWS refused states:RedriveExecution on .*: ExecutionNotRedrivable: Execution is SUCCEEDED and cannot be redriven \(only a FAILED, TIMED_OUT or ABORTED/,
        );
    });

    it("with --stack and --logs, prints the execution's function and batch lines in time order, each invocation's by its request id", async () => {
        sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
        serve(succeeding(), { status: "SUCCEEDED", output: SUCCEEDED_OUTPUT });
        const at = (ms: number) => new Date(T0 + ms).toISOString();
        // Lines in Lambda's JSON log format: platform records, and the functions' own records wrapped by the runtime.
        const platform = (ms: number, type: string, requestId: string) => JSON.stringify({ time: at(ms), type, record: { requestId, version: "$LATEST" } });
        const app = (ms: number, requestId: string, message: object) =>
            JSON.stringify({ timestamp: at(ms), level: "INFO", requestId, message: { ...message, requestId } });
        const event = (ms: number, message: string, i: number) => ({
            logStreamName: "2026/11/28/[$LATEST]0a1b",
            timestamp: T0 + ms,
            message,
            ingestionTime: T0 + ms + 50,
            eventId: `e${ms}${i}`,
        });
        const trade = JSON.parse(TRADE) as { id: string };
        const lines: Record<string, string[][]> = {
            "checker-logs": [
                [platform(350, "platform.start", "r-check"), app(360, "r-check", { message: "checked price", coldStart: true, price: 42 })],
                // Another execution's check in the same second, and the end of this one's.
                [app(370, "r-other", { message: "checked price", coldStart: false, price: 17 }), platform(480, "platform.report", "r-check")],
            ],
            "buyer-logs": [
                [
                    platform(1050, "platform.start", "r-buy"),
                    app(1100, "r-buy", { message: "traded", coldStart: true, trade: { id: trade.id, type: "buy", price: 42, quantity: 3 } }),
                    app(1110, "r-sell", { message: "traded", coldStart: false, trade: { id: "another-trade", type: "sell", price: 80, quantity: 1 } }),
                    platform(1190, "platform.report", "r-buy"),
                ],
            ],
        };
        // The SDK's paginator reuses its input object, so each request is copied as it is sent.
        const requests: FilterLogEventsCommandInput[] = [];
        logs.on(FilterLogEventsCommand).callsFake((input: FilterLogEventsCommandInput) => {
            requests.push(JSON.parse(JSON.stringify(input)));
            const pages = lines[input.logGroupName!];
            const index = input.nextToken ? Number(input.nextToken) : 0;
            const startsAt = pages.slice(0, index).flat().length;
            return {
                events: pages[index].map((message, i) =>
                    event(
                        JSON.parse(message).time ? Date.parse(JSON.parse(message).time) - T0 : Date.parse(JSON.parse(message).timestamp) - T0,
                        message,
                        startsAt + i,
                    ),
                ),
                nextToken: index + 1 < pages.length ? String(index + 1) : undefined,
                searchedLogStreams: [],
            };
        });
        logs.on(GetLogEventsCommand).resolves({
            events: [
                { timestamp: T0 + 1600, message: '{"level":"info","step":"start"}', ingestionTime: T0 + 1650 },
                { timestamp: T0 + 1700, message: '{"level":"info","step":"done"}', ingestionTime: T0 + 1750 },
            ],
            nextForwardToken: "f/1",
            nextBackwardToken: "b/0",
        });
        logs.on(GetLogEventsCommand, { nextToken: "f/1" }).resolves({ events: [], nextForwardToken: "f/1", nextBackwardToken: "b/1" });
        const outputs = {
            stateMachineAliasArn: `${STATE_MACHINE}:live`,
            batchLogGroupName: "batch-logs",
            containerName: "batch",
            stockCheckerFunctionArn: fn("trading-stock-checker"),
            stockBuyerFunctionArn: fn("trading-stock-buyer"),
            stockSellerFunctionArn: fn("trading-stock-seller"),
            functionLogGroupNames: { "stock-checker": "checker-logs", "stock-buyer": "buyer-logs", "stock-seller": "seller-logs" },
        };
        const result = await run(["--stack", "dev", "--logs"], outputs);
        assert.equal(result.code, 0, result.err.join("\n"));
        assert.deepEqual(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.stateMachineArn, `${STATE_MACHINE}:live`);
        // Each invocation's window, from its history events (scheduled at 300 and 1000 ms, done at 500 and 1200), a second either side.
        assert.deepEqual(requests, [
            { logGroupName: "checker-logs", startTime: T0 + 300 - 1000, endTime: T0 + 500 + 1000 },
            { logGroupName: "checker-logs", startTime: T0 + 300 - 1000, endTime: T0 + 500 + 1000, nextToken: "1" },
            { logGroupName: "buyer-logs", startTime: T0, endTime: T0 + 2200 },
        ]);
        assert.deepEqual(result.out.slice(result.out.indexOf("Log lines (8):")), [
            "Log lines (8):",
            `  ${at(350)}  stock-checker  ${lines["checker-logs"][0][0]}`,
            `  ${at(360)}  stock-checker  ${lines["checker-logs"][0][1]}`,
            `  ${at(480)}  stock-checker  ${lines["checker-logs"][1][1]}`,
            `  ${at(1050)}  stock-buyer    ${lines["buyer-logs"][0][0]}`,
            `  ${at(1100)}  stock-buyer    ${lines["buyer-logs"][0][1]}`,
            `  ${at(1190)}  stock-buyer    ${lines["buyer-logs"][0][3]}`,
            `  ${at(1600)}  batch          {"level":"info","step":"start"}`,
            `  ${at(1700)}  batch          {"level":"info","step":"done"}`,
        ]);
        const json = await run(["--stack", "dev", "--logs", "--json"], outputs);
        const document = JSON.parse(json.out.join("\n"));
        assert.deepEqual(
            document.logs.map((l: { source: string }) => l.source),
            ["stock-checker", "stock-checker", "stock-checker", "stock-buyer", "stock-buyer", "stock-buyer", "batch", "batch"],
        );
        assert.equal(document.history, undefined, "the raw history stays internal");
    });

    it("finds a failed invocation's lines by its failure record", async () => {
        const failing = new History()
            .add("ExecutionStarted", { executionStartedEventDetails: { input: "{}" } })
            .state("Task", "Check Stock Value")
            .add("LambdaFunctionScheduled", { lambdaFunctionScheduledEventDetails: { resource: fn("trading-stock-checker"), input: "{}" } })
            .add("LambdaFunctionStarted")
            .add("LambdaFunctionFailed", { lambdaFunctionFailedEventDetails: { error: "RangeError", cause: "{}" } })
            .add("ExecutionFailed", { executionFailedEventDetails: { error: "RangeError" } });
        sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
        serve(failing, { status: "FAILED", error: "RangeError" });
        const failedLine = JSON.stringify({
            timestamp: new Date(T0 + 450).toISOString(),
            level: "ERROR",
            requestId: "r-1",
            message: { message: "failed", requestId: "r-1", error: "stock_price must be an integer from 0 to 99 (got 100)", price: 100 },
        });
        const otherLine = JSON.stringify({
            timestamp: new Date(T0 + 460).toISOString(),
            level: "INFO",
            requestId: "r-2",
            message: { message: "checked price", requestId: "r-2", price: 5 },
        });
        logs.on(FilterLogEventsCommand).resolves({
            events: [
                { timestamp: T0 + 450, message: failedLine },
                { timestamp: T0 + 460, message: otherLine },
                { timestamp: T0 + 470, message: "not JSON" },
            ],
        });
        const result = await run(["--stack", "dev", "--logs"], {
            stateMachineAliasArn: `${STATE_MACHINE}:live`,
            batchLogGroupName: "batch-logs",
            stockCheckerFunctionArn: fn("trading-stock-checker"),
            functionLogGroupNames: { "stock-checker": "checker-logs" },
        });
        assert.equal(result.code, 1);
        assert.deepEqual(result.out.slice(-2), ["Log lines (1):", `  ${new Date(T0 + 450).toISOString()}  stock-checker  ${failedLine}`]);
    });

    it("with --no-follow prints the execution ARN and exits 0 after StartExecution alone", async () => {
        sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
        const result = await run(["--state-machine-arn", STATE_MACHINE, "--no-follow"]);
        assert.equal(result.code, 0);
        assert.deepEqual(result.out, [EXECUTION]);
        assert.deepEqual(commandsSent(), ["StartExecutionCommand"]);
    });

    it("with --json prints one document with the status, output and events", async () => {
        sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
        serve(failingBatch(), { status: "FAILED", error: "States.TaskFailed", cause: stoppedTask(1) });
        const result = await run(["--state-machine-arn", STATE_MACHINE, "--json"]);
        assert.equal(result.code, 1);
        const document = JSON.parse(result.out.join("\n"));
        assert.equal(document.status, "FAILED");
        assert.equal(document.error, "States.TaskFailed");
        assert.deepEqual(document.tasks, [TASK]);
        assert.ok(document.events.some((e: { kind: string; state: string }) => e.kind === "caught" && e.state === "Run ECS task"));
    });

    it("takes the region from the ARN when the SDK's settings name none", async () => {
        const saved = {
            AWS_REGION: process.env.AWS_REGION,
            AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION,
            AWS_PROFILE: process.env.AWS_PROFILE,
            AWS_CONFIG_FILE: process.env.AWS_CONFIG_FILE,
        };
        delete process.env.AWS_REGION;
        delete process.env.AWS_DEFAULT_REGION;
        delete process.env.AWS_PROFILE;
        process.env.AWS_CONFIG_FILE = path.join(PROJECT_ROOT, "no-such-aws-config");
        try {
            sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION });
            await run(["--state-machine-arn", STATE_MACHINE, "--no-follow"]);
            const client = sfn.call(0).thisValue as SFNClient;
            assert.equal(await client.config.region(), "eu-west-1");
        } finally {
            for (const [key, value] of Object.entries(saved)) {
                if (value === undefined) delete process.env[key];
                else process.env[key] = value;
            }
        }
    });

    const usage: [string, string[], RegExp][] = [
        ["no target", [], /give exactly one of --stack NAME and --state-machine-arn ARN/],
        ["both targets", ["--stack", "dev", "--state-machine-arn", STATE_MACHINE], /give exactly one of/],
        [
            "a malformed state machine ARN",
            ["--state-machine-arn", "arn:aws:lambda:us-east-1:1:function:x"],
            /--state-machine-arn must be a state machine ARN, arn:<partition>:states:<region>:<account>:stateMachine:<name>/,
        ],
        ["a malformed execution ARN", ["--redrive", STATE_MACHINE], /--redrive must be an execution ARN, arn:<partition>:states:/],
        ["input that is not JSON", ["--state-machine-arn", STATE_MACHINE, "--input", "{nope"], /--input must be JSON \(got \{nope\)/],
        ["--input with --redrive", ["--redrive", EXECUTION, "--input", "{}"], /--redrive takes neither/],
        ["--logs without a log group", ["--state-machine-arn", STATE_MACHINE, "--logs"], /--logs needs the batch log group/],
        ["an unknown option", ["--fast"], /^unknown flag --fast;/],
        [
            "a stack name with a space",
            ["--stack", "my stack"],
            /--stack must be a stack name, \[ORG\/\[PROJECT\/\]\]STACK, each 1 to 100 letters, digits, hyphens, underscores or periods \(got my stack\)/,
        ],
        ["a stack name with a colon", ["--stack", "org:dev"], /--stack must be a stack name, .* \(got org:dev\)/],
        ["--state-machine-arn with --redrive", ["--redrive", EXECUTION, "--state-machine-arn", STATE_MACHINE], /--redrive takes neither/],
        ["--no-follow with --redrive", ["--redrive", EXECUTION, "--no-follow"], /--redrive takes neither/],
    ];
    it("takes the ARNs of every partition, China's and GovCloud's included", () => {
        for (const partition of ["aws", "aws-cn", "aws-us-gov"]) {
            const machine = `arn:${partition}:states:cn-north-1:123456789012:stateMachine:trading`;
            const execution = `arn:${partition}:states:cn-north-1:123456789012:execution:trading:run-1`;
            assert.equal(parseOptions(["--state-machine-arn", machine]).mode, "start-from-arn");
            assert.equal(parseOptions(["--redrive", execution]).mode, "redrive");
        }
    });

    for (const [label, argv, message] of usage) {
        it(`exits 2 on ${label} in one line pointing at --help, calling nothing`, async () => {
            const result = await run(argv);
            assert.equal(result.code, 2);
            assert.equal(result.err.length, 1, result.err.join("\n"));
            assert.match(result.err[0], message);
            assert.match(result.err[0], /; npm run execute -- --help lists what it takes$/);
            assert.equal(sfn.calls().length, 0);
        });
    }

    it("--stack starts through the stack's live alias, and prints the version that ran the execution", async () => {
        const live = `${STATE_MACHINE}:live`;
        sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
        serve(succeeding(), { status: "SUCCEEDED", output: SUCCEEDED_OUTPUT }, 6, 0, {
            startedThrough: { stateMachineVersionArn: `${STATE_MACHINE}:3`, stateMachineAliasArn: live },
        });
        const result = await run(["--stack", "dev"], { stateMachineArn: STATE_MACHINE, stateMachineAliasArn: live });
        assert.equal(result.code, 0, result.err.join("\n"));
        assert.deepEqual(sfn.commandCalls(StartExecutionCommand)[0].args[0].input, { stateMachineArn: live, input: "{}" });
        assert.ok(result.out.includes(`Version: 3, through live (${STATE_MACHINE}:3)`), result.out.join("\n"));
        const json = await run(["--stack", "dev", "--json"], { stateMachineAliasArn: live });
        const printed = JSON.parse(json.out.join("\n"));
        assert.deepEqual([printed.stateMachineVersionArn, printed.stateMachineAliasArn], [`${STATE_MACHINE}:3`, live]);
    });

    it("--state-machine-arn takes a version's or an alias's ARN as StartExecution does, and says when no version ran it", async () => {
        for (const arn of [`${STATE_MACHINE}:7`, `${STATE_MACHINE}:live`]) {
            sfn.reset();
            sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION });
            const result = await run(["--state-machine-arn", arn, "--no-follow"]);
            assert.equal(result.code, 0, result.err.join("\n"));
            assert.equal(sfn.commandCalls(StartExecutionCommand)[0].args[0].input.stateMachineArn, arn);
        }
        sfn.reset();
        sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
        serve(succeeding(), { status: "SUCCEEDED", output: SUCCEEDED_OUTPUT });
        const unqualified = await run(["--state-machine-arn", STATE_MACHINE]);
        assert.ok(unqualified.out.includes("Version: none (started by the unqualified state machine ARN, which runs its latest revision)"));
    });

    it("--help prints the usage and exits 0, calling nothing", async () => {
        const result = await run(["--help", "--stack", "not a name"]);
        assert.equal(result.code, 0);
        assert.match(result.out[0], /^usage: npm run execute -- \(--stack NAME/);
        assert.deepEqual(result.err, []);
        assert.equal(sfn.calls().length, 0);
    });

    it("takes stack names of Pulumi's forms, an organization's and a project's included", async () => {
        sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION });
        const asked: string[] = [];
        for (const stack of ["dev", "acme/stock-trader/prod-2", "my_stack.v1"]) {
            const code = await execute(["--stack", stack, "--no-follow"], {
                stackOutputs: async (name) => (asked.push(name), { stateMachineAliasArn: `${STATE_MACHINE}:live` }),
                sleep: async () => undefined,
                out: () => undefined,
                err: (line) => assert.fail(line),
            });
            assert.equal(code, 0);
        }
        assert.deepEqual(asked, ["dev", "acme/stock-trader/prod-2", "my_stack.v1"]);
    });

    it("exits 1 when the stack has no alias output, as before its first deploy with live, saying how to go on", async () => {
        for (const outputs of [{}, { stateMachineAliasArn: "" }, { stateMachineAliasArn: 42 }, { stateMachineArn: STATE_MACHINE }]) {
            const result = await run(["--stack", "dev"], outputs);
            assert.equal(result.code, 1);
            assert.deepEqual(result.err, [
                "stack dev has no stateMachineAliasArn output: deploy it with this program (pulumi up), or pass --state-machine-arn ARN",
            ]);
        }
        assert.equal(sfn.calls().length, 0);
    });

    const failures: [string, Error, string][] = [
        [
            "invalid credentials",
            serviceError("UnrecognizedClientException", "The security token included in the request is invalid."),
            `AWS does not accept the credentials for states:StartExecution on ${STATE_MACHINE} (UnrecognizedClientException:` +
                " The security token included in the request is invalid.): " +
                "check AWS_PROFILE, or the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY pair",
        ],
        [
            "no credentials",
            noCredentials(),
            `no AWS credentials for states:StartExecution on ${STATE_MACHINE}, so nothing was sent: ` +
                "set AWS_PROFILE (aws configure sso, then aws sso login), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
        ],
        [
            "no credentials, by the error's class",
            new (class CredentialsProviderError extends Error {})("Could not load credentials from any providers"),
            `no AWS credentials for states:StartExecution on ${STATE_MACHINE}, so nothing was sent: ` +
                "set AWS_PROFILE (aws configure sso, then aws sso login), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
        ],
        [
            "a missing state machine",
            serviceError("StateMachineDoesNotExist", "State Machine Does Not Exist"),
            `AWS refused states:StartExecution on ${STATE_MACHINE}: StateMachineDoesNotExist: State Machine Does Not Exist ` +
                "(no such state machine in that account and region: check the ARN and the stack)",
        ],
        [
            "an error AWS gives no hint for",
            serviceError("ServiceException", "Internal failure", 500),
            `AWS refused states:StartExecution on ${STATE_MACHINE}: ServiceException: Internal failure`,
        ],
    ];
    for (const [label, error, message] of failures) {
        it(`on ${label}, exits 1 saying what happened and what to do`, async () => {
            sfn.on(StartExecutionCommand).rejects(error);
            const result = await run(["--state-machine-arn", STATE_MACHINE]);
            assert.equal(result.code, 1);
            assert.deepEqual(result.err, [message]);
            assert.equal(sfn.commandCalls(StartExecutionCommand).length, 1, "only throttling is retried");
        });
    }

    it("names a redrive of a missing execution", async () => {
        sfn.on(GetExecutionHistoryCommand).rejects(serviceError("ExecutionDoesNotExist", "Execution Does Not Exist"));
        const result = await run(["--redrive", EXECUTION]);
        assert.equal(result.code, 1);
        assert.deepEqual(result.err, [
            `AWS refused states:GetExecutionHistory on ${EXECUTION}: ExecutionDoesNotExist: Execution Does Not Exist (no such execution in that account and region: check the ARN)`,
        ]);
    });

    it("shows (none) for an execution that ended without an error or cause", async () => {
        sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
        serve(upToRecordTransaction().add("ExecutionAborted"), { status: "ABORTED" });
        const result = await run(["--state-machine-arn", STATE_MACHINE]);
        assert.equal(result.code, 1);
        assert.deepEqual(result.out.slice(-5), [
            "",
            "Status: ABORTED",
            "Version: none (started by the unqualified state machine ARN, which runs its latest revision)",
            "Error: (none)",
            "Cause: (none)",
        ]);
    });

    for (const [label, flags, outputs, stream] of [
        ["--log-group and the default container", ["--log-group", "own-logs"], {}, "batch/batch"],
        ["--container over the stack's", ["--container", "worker"], { batchLogGroupName: "own-logs", containerName: "batch" }, "worker/worker"],
        ["the stack's container", [], { batchLogGroupName: "own-logs", containerName: "trader" }, "trader/trader"],
    ] as const) {
        it(`with --logs reads the batch task's stream from ${label}`, async () => {
            sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
            serve(succeeding(), { status: "SUCCEEDED", output: SUCCEEDED_OUTPUT });
            logs.on(GetLogEventsCommand).resolves({ events: [{ timestamp: T0, message: "line" }, { timestamp: T0 }], nextForwardToken: "f/1" });
            logs.on(GetLogEventsCommand, { nextToken: "f/1" }).resolves({ events: [], nextForwardToken: "f/1" });
            const result = await run(["--stack", "dev", "--logs", ...flags], { stateMachineAliasArn: `${STATE_MACHINE}:live`, ...outputs });
            assert.equal(result.code, 0, result.err.join("\n"));
            assert.deepEqual(
                logs.commandCalls(GetLogEventsCommand).map((c) => c.args[0].input),
                [
                    { logGroupName: "own-logs", logStreamName: `${stream}/0f1e2d3c4b5a69788796a5b4c3d2e1f0`, startFromHead: true, nextToken: undefined },
                    { logGroupName: "own-logs", logStreamName: `${stream}/0f1e2d3c4b5a69788796a5b4c3d2e1f0`, startFromHead: true, nextToken: "f/1" },
                ],
            );
            assert.deepEqual(result.out.slice(-4), [
                "Log lines (2):",
                `  ${new Date(T0).toISOString()}  batch  line`,
                `  ${new Date(T0).toISOString()}  batch  `,
                "  (the stack dev has no functionLogGroupNames output for the functions' lines: deploy it with this version of the program (pulumi up))",
            ]);
        });
    }

    it("names a log stream AWS refuses to read", async () => {
        sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
        serve(succeeding(), { status: "SUCCEEDED", output: SUCCEEDED_OUTPUT });
        logs.on(GetLogEventsCommand).rejects(serviceError("ResourceNotFoundException", "The specified log group does not exist."));
        const result = await run(["--state-machine-arn", STATE_MACHINE, "--logs", "--log-group", "gone"]);
        assert.equal(result.code, 1);
        assert.deepEqual(result.err, [
            "AWS refused logs:GetLogEvents on gone:batch/batch/0f1e2d3c4b5a69788796a5b4c3d2e1f0: ResourceNotFoundException: The specified log group does not exist.",
        ]);
    });

    describe("reading a stack's outputs with the Pulumi CLI", () => {
        const savedPath = process.env.PATH;
        let tools: StandIns;
        beforeEach(() => {
            tools = new StandIns();
            process.env.PATH = tools.dir;
        });
        afterEach(() => {
            process.env.PATH = savedPath;
            tools.remove();
        });

        it("asks for the stack's outputs as JSON and returns them, however long", async () => {
            const padding = " ".repeat(2 * 1024 * 1024);
            tools.program("pulumi", { "stack output": { out: `{"stateMachineArn":"${STATE_MACHINE}"}${padding}` } });
            assert.deepEqual(await pulumiStackOutputs("acme/prod"), { stateMachineArn: STATE_MACHINE });
            assert.deepEqual(tools.calls("pulumi"), ["stack output --json --stack acme/prod"]);
        });

        it("passes on the CLI's own complaint when it fails", async () => {
            tools.program("pulumi", { stack: { err: "error: no stack named 'prod' found\n", code: 255 } });
            await assert.rejects(pulumiStackOutputs("prod"), {
                name: "Error",
                message: "pulumi stack output --stack prod failed: error: no stack named 'prod' found; or pass --state-machine-arn ARN instead",
            });
        });

        it("says the command failed when the CLI fails without a word", async () => {
            tools.program("pulumi", { stack: { code: 3 } });
            await assert.rejects(
                pulumiStackOutputs("prod"),
                (e: Error) =>
                    e instanceof ExecuteError && e.message === "pulumi stack output --stack prod failed: exit code 3; or pass --state-machine-arn ARN instead",
            );
        });

        it("refuses output that is not JSON", async () => {
            tools.program("pulumi", { stack: { out: "Current stack outputs (0)\n" } });
            await assert.rejects(
                pulumiStackOutputs("prod"),
                (e: Error) => e instanceof ExecuteError && e.message === "pulumi stack output --stack prod did not print JSON",
            );
        });

        it("names the missing CLI", async () => {
            await assert.rejects(
                pulumiStackOutputs("prod"),
                (e: Error) =>
                    e instanceof ExecuteError &&
                    e.message === "--stack needs the Pulumi CLI, and pulumi is not on PATH: install it, or pass --state-machine-arn ARN instead",
            );
        });
    });

    it("without a Pulumi CLI, --stack fails at once, naming it and suggesting --state-machine-arn", () => {
        const child = runTool("bin/execute.ts", ["--stack", "dev"], { env: { PATH: path.join(PROJECT_ROOT, "no-such-dir") } });
        assert.equal(child.status, 1, child.stderr);
        assert.equal(child.stderr.trim(), "--stack needs the Pulumi CLI, and pulumi is not on PATH: install it, or pass --state-machine-arn ARN instead");
    });
});

describe("npm run execute --rerun-batch (against mocked AWS clients)", () => {
    mockedClients();
    const TRADE_ID = (JSON.parse(TRADE) as { id: string }).id;
    const NEW_TASK = `arn:aws:ecs:eu-west-1:${ACCOUNT}:task/batch-cluster/a1b2c3d4e5f60718293a4b5c6d7e8f90`;
    const NETWORK = { subnetIds: '["subnet-0123456789abcdef0"]', securityGroupIds: '["sg-0123456789abcdef0"]' };

    /** What Step Functions records as `Run ECS task`'s request: the state's Parameters with the trade's id put in. */
    function sentParameters(raw: Record<string, string>): object {
        const config = parseConfig({ ...NETWORK, ...raw });
        const resources = { ...localResources(config, "T"), batch: { ...localResources(config, "T").batch, clusterArn: CLUSTER } };
        const state = buildWorkflow({ resources, config }).definition.States["Run ECS task"] as { Parameters: Record<string, unknown> };
        return JSON.parse(JSON.stringify(state.Parameters).replace('"Value.$":"$.id"', `"Value":"${TRADE_ID}"`));
    }

    const stopped = (exitCode: number): DescribeTasksCommandOutput => ({
        $metadata: {},
        tasks: [
            {
                taskArn: NEW_TASK,
                clusterArn: CLUSTER,
                lastStatus: "STOPPED",
                desiredStatus: "STOPPED",
                stopCode: "EssentialContainerExited",
                stoppedReason: "Essential container in task exited",
                // A sidecar ahead of the batch container: the exit code is the batch container's.
                containers: [
                    { name: "log-router", lastStatus: "STOPPED", exitCode: 0 },
                    { name: "batch", lastStatus: "STOPPED", exitCode },
                ],
            },
        ],
        failures: [],
    });

    function serveRerun(history: History, status: string, exitCode: number): void {
        serve(history, { status }, 1000, history.events.length);
        ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: NEW_TASK, clusterArn: CLUSTER, lastStatus: "PROVISIONING" }], failures: [] });
        ecs.on(DescribeTasksCommand)
            .resolvesOnce({ tasks: [{ taskArn: NEW_TASK, lastStatus: "RUNNING" }], failures: [] })
            .resolves(stopped(exitCode));
        logs.on(GetLogEventsCommand).resolves({
            events: [
                { timestamp: T0 + 60000, message: `{"level":"info","step":"start","transactionId":"${TRADE_ID}"}` },
                { timestamp: T0 + 60100, message: '{"level":"info","step":"done"}' },
            ],
            nextForwardToken: "f/1",
        });
        logs.on(GetLogEventsCommand, { nextToken: "f/1" }).resolves({ events: [], nextForwardToken: "f/1" });
    }

    beforeEach(() => {
        sfn.reset();
        logs.reset();
        ecs.reset();
    });

    it("runs the batch task again with exactly the on-demand request Run ECS task sent, waits for it, and prints its exit code and lines", async () => {
        serveRerun(failingBatch(sentParameters({})), "FAILED", 0);
        const result = await run(["--rerun-batch", EXECUTION, "--stack", "dev"], { batchLogGroupName: "batch-logs" });
        assert.equal(result.code, 0, result.err.join("\n"));
        assert.deepEqual(
            ecs.commandCalls(RunTaskCommand).map((c) => c.args[0].input),
            [
                {
                    launchType: "FARGATE",
                    cluster: CLUSTER,
                    taskDefinition: "arn:aws:ecs:us-east-1:000000000000:task-definition/stock-trader-batch:1",
                    networkConfiguration: {
                        awsvpcConfiguration: { assignPublicIp: "ENABLED", securityGroups: ["sg-0123456789abcdef0"], subnets: ["subnet-0123456789abcdef0"] },
                    },
                    overrides: {
                        containerOverrides: [
                            { name: "batch", command: ["--arg1", "100", "--arg2", "200"], environment: [{ name: "TRANSACTION_ID", value: TRADE_ID }] },
                        ],
                    },
                    propagateTags: "TASK_DEFINITION",
                },
            ],
        );
        assert.deepEqual(
            ecs.commandCalls(DescribeTasksCommand).map((c) => c.args[0].input),
            [
                { cluster: CLUSTER, tasks: [NEW_TASK] },
                { cluster: CLUSTER, tasks: [NEW_TASK] },
            ],
        );
        assert.deepEqual(logs.commandCalls(GetLogEventsCommand)[0].args[0].input, {
            logGroupName: "batch-logs",
            logStreamName: "batch/batch/a1b2c3d4e5f60718293a4b5c6d7e8f90",
            startFromHead: true,
            nextToken: undefined,
        });
        assert.deepEqual(result.out, [
            `Rerunning the batch task of ${EXECUTION} for trade ${TRADE_ID}`,
            `Task ${NEW_TASK} stopped: exit code 0 (EssentialContainerExited: Essential container in task exited)`,
            "",
            "Log lines (2):",
            `  ${new Date(T0 + 60000).toISOString()}  batch  {"level":"info","step":"start","transactionId":"${TRADE_ID}"}`,
            `  ${new Date(T0 + 60100).toISOString()}  batch  {"level":"info","step":"done"}`,
        ]);
        assert.deepEqual(result.sleeps, [1000, 1500]);
        assert.equal(sfn.commandCalls(StartExecutionCommand).length + sfn.commandCalls(RedriveExecutionCommand).length, 0);
    });

    it("reruns a Spot stack's task on Fargate Spot, with its command, and exits 1 when the task fails again", async () => {
        serveRerun(failingBatch(sentParameters({ batchCapacity: "FARGATE_SPOT", batchCommand: '["--arg1","7","--arg2","8"]' })), "FAILED", 1);
        const result = await run(["--rerun-batch", EXECUTION, "--log-group", "own-logs", "--json"]);
        assert.equal(result.code, 1);
        const input = ecs.commandCalls(RunTaskCommand)[0].args[0].input;
        assert.deepEqual(input.capacityProviderStrategy, [{ capacityProvider: "FARGATE_SPOT", weight: 1 }]);
        assert.equal(input.launchType, undefined);
        assert.deepEqual(input.overrides?.containerOverrides?.[0].command, ["--arg1", "7", "--arg2", "8"]);
        const document = JSON.parse(result.out.join("\n"));
        assert.deepEqual(
            { taskArn: document.taskArn, exitCode: document.exitCode, tradeId: document.tradeId, lines: document.logs.length },
            { taskArn: NEW_TASK, exitCode: 1, tradeId: TRADE_ID, lines: 2 },
        );
        assert.deepEqual(document.request, input);
    });

    const refusals: [string, () => History, string, RegExp][] = [
        ["an execution that succeeded", () => succeeding(), "SUCCEEDED", /^not rerun: the execution SUCCEEDED, so its batch task ran$/],
        ["a running execution", () => upToRecordTransaction(), "RUNNING", /^not rerun: the execution is RUNNING, not failed after its batch task$/],
        [
            "a timed-out execution",
            () => upToRecordTransaction(),
            "TIMED_OUT",
            /^not rerun: the execution is TIMED_OUT, not failed after its batch task; redrive it instead \(--redrive\)$/,
        ],
        [
            "an execution that failed before its batch",
            () => upToRecordTransaction().add("ExecutionFailed", { executionFailedEventDetails: { error: "DynamoDB.ProvisionedThroughputExceededException" } }),
            "FAILED",
            /^not rerun: the execution failed before its batch task ran \(its last state was "Record Transaction"\); redrive it instead/,
        ],
    ];
    for (const [label, history, status, message] of refusals) {
        it(`refuses ${label}, saying why, and starts no task`, async () => {
            serveRerun(history(), status, 0);
            const result = await run(["--rerun-batch", EXECUTION, "--log-group", "batch-logs"]);
            assert.equal(result.code, 1);
            assert.equal(result.err.length, 1);
            assert.match(result.err[0], message);
            assert.equal(ecs.commandCalls(RunTaskCommand).length, 0);
        });
    }

    it("reports a task ECS could not start, and AWS's refusal to start one", async () => {
        serveRerun(failingBatch(sentParameters({})), "FAILED", 0);
        ecs.on(RunTaskCommand).resolves({
            tasks: [],
            failures: [{ arn: CLUSTER, reason: "MISSING", detail: "capacity provider FARGATE_SPOT is not associated" }],
        });
        const failed = await run(["--rerun-batch", EXECUTION, "--log-group", "batch-logs"]);
        assert.deepEqual([failed.code, failed.err], [1, ["ECS started no task: MISSING (capacity provider FARGATE_SPOT is not associated)"]]);
        ecs.on(RunTaskCommand).rejects(serviceError("AccessDeniedException", "User is not authorized to perform: ecs:RunTask"));
        const denied = await run(["--rerun-batch", EXECUTION, "--log-group", "batch-logs"]);
        assert.equal(denied.code, 1);
        assert.match(
            denied.err[0],
            /^AWS refused ecs:RunTask on arn:aws:ecs:us-east-1:000000000000:task-definition\/stock-trader-batch:1: AccessDeniedException: .*\(the caller needs the stack's operator policy/,
        );
    });

    const usage: [string, string[], RegExp][] = [
        ["no log group", ["--rerun-batch", EXECUTION], /--rerun-batch needs the batch log group/],
        ["a malformed execution ARN", ["--rerun-batch", STATE_MACHINE, "--log-group", "g"], /--rerun-batch must be an execution ARN/],
        ["--redrive as well", ["--rerun-batch", EXECUTION, "--redrive", EXECUTION, "--log-group", "g"], /give one of --redrive and --rerun-batch/],
        [
            "--input",
            ["--rerun-batch", EXECUTION, "--input", "{}", "--log-group", "g"],
            /--rerun-batch takes neither --state-machine-arn, --input nor --no-follow/,
        ],
    ];
    for (const [label, argv, message] of usage) {
        it(`exits 2 with the usage on ${label}`, async () => {
            const result = await run(argv);
            assert.equal(result.code, 2);
            assert.match(result.err.join("\n"), message);
            assert.equal(sfn.calls().length + ecs.calls().length, 0);
        });
    }
});

describe("what --rerun-batch reads from a history", () => {
    const scheduled = (id: number, resourceType: string, resource: string, parameters: object): HistoryEvent =>
        ({
            id,
            type: "TaskScheduled",
            taskScheduledEventDetails: { resourceType, resource, region: "eu-west-1", parameters: JSON.stringify(parameters) },
        }) as HistoryEvent;
    const request = (id: string) => ({
        Cluster: CLUSTER,
        Overrides: {
            ContainerOverrides: [
                {
                    Name: "worker",
                    Command: ["--a"],
                    Environment: [
                        { Name: "OTHER", Value: "x" },
                        { Name: "TRANSACTION_ID", Value: id },
                    ],
                },
            ],
        },
    });

    it("takes the last request Run ECS task sent, not another service's, in the SDK's shape", () => {
        const history = [
            scheduled(1, "ecs", "runTask.sync", request("first")),
            scheduled(2, "ecs", "runTask.sync", request("second")),
            scheduled(3, "dynamodb", "putItem", { TableName: "t" }),
            scheduled(4, "ecs", "stopTask", request("not a run")),
            { id: 5, type: "LambdaFunctionScheduled" } as HistoryEvent,
        ];
        assert.deepEqual(batchRequest(history), {
            input: {
                cluster: CLUSTER,
                overrides: {
                    containerOverrides: [
                        {
                            name: "worker",
                            command: ["--a"],
                            environment: [
                                { name: "OTHER", value: "x" },
                                { name: "TRANSACTION_ID", value: "second" },
                            ],
                        },
                    ],
                },
            },
            containerName: "worker",
            tradeId: "second",
        });
        assert.equal(batchRequest(history.slice(2)), undefined);
        assert.deepEqual(batchRequest([scheduled(1, "ecs", "runTask", {})]), { input: {}, containerName: "", tradeId: undefined });
    });

    it("lowers every key at any depth and leaves the values as they are", () => {
        assert.deepEqual(sdkShape({ A: [{ Bc: null, D: "E", F: 1 }], G: { H: true } }), { a: [{ bc: null, d: "E", f: 1 }], g: { h: true } });
        assert.equal(sdkShape("Value"), "Value");
    });

    it("refuses a failed execution whose failure was not the batch's, even after Run ECS task ran", () => {
        const entered = (id: number, name: string) => ({ id, type: "TaskStateEntered", stateEnteredEventDetails: { name } }) as HistoryEvent;
        const failed = (id: number, resourceType: string) =>
            ({ id, type: "TaskFailed", taskFailedEventDetails: { resourceType, resource: "runTask.sync" } }) as HistoryEvent;
        assert.match(
            rerunRefusal("FAILED", [entered(1, "Run ECS task"), failed(2, "lambda")]) ?? "",
            /failed before its batch task ran \(its last state was "Run ECS task"\)/,
        );
        assert.match(rerunRefusal("FAILED", [failed(1, "ecs")]) ?? "", /its last state was "its first state"/);
        assert.equal(rerunRefusal("FAILED", [entered(1, "Run ECS task"), failed(2, "ecs")]), undefined);
        assert.equal(rerunRefusal("ABORTED", []), "not rerun: the execution is ABORTED, not failed after its batch task; redrive it instead (--redrive)");
    });
});

describe("npm run execute, in the cases its lines and its answers' shapes must hold (against mocked AWS clients)", () => {
    mockedClients();
    beforeEach(() => {
        sfn.reset();
        logs.reset();
        ecs.reset();
    });

    const NEW_TASK = `arn:aws:ecs:eu-west-1:${ACCOUNT}:task/batch-cluster/a1b2c3d4e5f60718293a4b5c6d7e8f90`;
    const TASK_DEFINITION = `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/stock-trader-batch:1`;

    /**
     * An execution whose nth DescribeExecution answers the nth poll (the last one from then on),
     * its history then showing that many events; `shownBefore` before the first poll.
     */
    function scripted(history: History, polls: { status?: string; shown: number; output?: string }[], shownBefore = 0): void {
        let shown = shownBefore;
        let poll = 0;
        sfn.on(DescribeExecutionCommand).callsFake(() => {
            const next = polls[Math.min(poll++, polls.length - 1)];
            shown = next.shown;
            return { executionArn: EXECUTION, stateMachineArn: STATE_MACHINE, startDate: new Date(T0), status: next.status, output: next.output };
        });
        sfn.on(GetExecutionHistoryCommand).callsFake(() => ({ events: history.events.slice(0, shown).reverse() }));
    }

    describe("following an execution", () => {
        it("says in which state a quiet execution is, the last one entered, once each progress interval, polling again 1 s after a first empty answer", async () => {
            // Two branches of a Parallel state: Left leaves after Right has entered, so Right is where it is.
            const parallel = new History()
                .add("ExecutionStarted", {
                    executionStartedEventDetails: { input: "{}", inputDetails: { truncated: false }, roleArn: `arn:aws:iam::${ACCOUNT}:role/sm` },
                })
                .add("ParallelStateEntered", { stateEnteredEventDetails: { name: "Both", input: "{}", inputDetails: { truncated: false } } })
                .state("Pass", "Left")
                .state("Pass", "Right")
                .exit("Pass", "Left", "{}")
                .exit("Pass", "Right", "{}")
                .add("ParallelStateExited", { stateExitedEventDetails: { name: "Both", output: "[{},{}]", outputDetails: { truncated: false } } })
                .add("ExecutionSucceeded", { executionSucceededEventDetails: { output: "[{},{}]", outputDetails: { truncated: false } } });
            sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
            scripted(parallel, [
                { status: "RUNNING", shown: 0 },
                { status: "RUNNING", shown: 1 },
                { status: "RUNNING", shown: 1 },
                { status: "RUNNING", shown: 5 },
                { status: "RUNNING", shown: 5 },
                { status: "SUCCEEDED", shown: 8, output: "[{},{}]" },
            ]);
            const result = await withEnvironment({ STOCK_TRADER_PROGRESS_SECONDS: "1" }, () => run(["--state-machine-arn", STATE_MACHINE]));
            assert.equal(result.code, 0, result.err.join("\n"));
            assert.deepEqual(result.err, [
                `… ${EXECUTION} is still RUNNING, 1 s since its last event`,
                `… ${EXECUTION} is still RUNNING, in Right, 1 s since its last event`,
            ]);
            assert.deepEqual(result.sleeps, [1000, 1000, 1500, 1000, 1500]);
            assert.deepEqual(
                sfn.commandCalls(DescribeExecutionCommand).map((c) => c.args[0].input),
                Array(6).fill({ executionArn: EXECUTION }),
            );
        });

        it("keeps following a redriven execution while it is PENDING_REDRIVE, in text and in JSON", async () => {
            const history = upToRecordTransaction().add("ExecutionFailed", {
                executionFailedEventDetails: { error: "DynamoDB.ProvisionedThroughputExceededException", cause: "Throughput exceeds the current capacity" },
            });
            const before = history.events.length;
            history
                .add("ExecutionRedriven", { executionRedrivenEventDetails: { redriveCount: 1 } })
                .state("Task", "Record Transaction", TRADE)
                .exit("Task", "Record Transaction", TRADE)
                .add("ExecutionSucceeded", { executionSucceededEventDetails: { output: TRADE, outputDetails: { truncated: false } } });
            const redriving = () => {
                sfn.reset();
                scripted(
                    history,
                    [
                        { status: "PENDING_REDRIVE", shown: before },
                        { status: "SUCCEEDED", shown: history.events.length, output: TRADE },
                    ],
                    before,
                );
                sfn.on(RedriveExecutionCommand).resolves({ redriveDate: new Date(T0 + 60000) });
            };
            redriving();
            const text = await run(["--redrive", EXECUTION]);
            assert.equal(text.code, 0, text.err.join("\n"));
            assert.equal(text.out[0], `Redriving ${EXECUTION}`);
            assert.ok(text.out.includes("Status: SUCCEEDED"), text.out.join("\n"));
            assert.deepEqual(text.sleeps, [1000]);
            redriving();
            const json = await run(["--redrive", EXECUTION, "--json"]);
            assert.equal(json.code, 0, json.err.join("\n"));
            const document = JSON.parse(json.out.join("\n"));
            assert.equal(document.status, "SUCCEEDED");
        });

        it("reports an execution whose description has no status as UNKNOWN, and exits 1", async () => {
            sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
            scripted(new History().add("ExecutionStarted", { executionStartedEventDetails: { input: "{}" } }), [{ shown: 1 }]);
            const result = await run(["--state-machine-arn", STATE_MACHINE]);
            assert.equal(result.code, 1);
            assert.deepEqual(result.out, [
                `Started ${EXECUTION}`,
                "",
                "Status: UNKNOWN",
                "Version: none (started by the unqualified state machine ARN, which runs its latest revision)",
                "Error: (none)",
                "Cause: (none)",
            ]);
        });

        it("names the version that ran an execution started by its version's ARN, through no alias", async () => {
            sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
            serve(succeeding(), { status: "SUCCEEDED", output: SUCCEEDED_OUTPUT }, 6, 0, { startedThrough: { stateMachineVersionArn: `${STATE_MACHINE}:7` } });
            const result = await run(["--state-machine-arn", `${STATE_MACHINE}:7`]);
            assert.equal(result.code, 0, result.err.join("\n"));
            assert.ok(result.out.includes(`Version: 7 (${STATE_MACHINE}:7)`), result.out.join("\n"));
        });

        it("with --json exits 0 on SUCCEEDED, as it does in text", async () => {
            sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
            serve(succeeding(), { status: "SUCCEEDED", output: SUCCEEDED_OUTPUT });
            const result = await run(["--state-machine-arn", STATE_MACHINE, "--json"]);
            assert.equal(result.code, 0, result.err.join("\n"));
            assert.equal(JSON.parse(result.out.join("\n")).status, "SUCCEEDED");
        });

        it("with --no-follow --json prints the execution's ARN and start date as one document", async () => {
            sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
            const result = await run(["--state-machine-arn", STATE_MACHINE, "--no-follow", "--json"]);
            assert.equal(result.code, 0);
            assert.deepEqual(JSON.parse(result.out.join("\n")), { executionArn: EXECUTION, startDate: new Date(T0).toISOString() });
        });

        it("with --logs reads no function's lines where the stack's outputs name no log group for them, and says what the stack lacks", async () => {
            sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
            serve(succeeding(), { status: "SUCCEEDED", output: SUCCEEDED_OUTPUT });
            logs.on(GetLogEventsCommand).resolves({ events: [] });
            const result = await run(["--stack", "dev", "--logs"], {
                stateMachineAliasArn: `${STATE_MACHINE}:live`,
                batchLogGroupName: "batch-logs",
                stockCheckerFunctionArn: fn("trading-stock-checker"),
                stockBuyerFunctionArn: fn("trading-stock-buyer"),
            });
            assert.equal(result.code, 0, result.err.join("\n"));
            assert.equal(logs.commandCalls(FilterLogEventsCommand).length, 0);
            assert.deepEqual(result.out.slice(-3), [
                "",
                "Log lines (0):",
                "  (the stack dev has no functionLogGroupNames output for the functions' lines: deploy it with this version of the program (pulumi up))",
            ]);
        });

        it("with --logs refuses, before starting anything, a stack whose outputs name no batch log group", async () => {
            const result = await run(["--stack", "dev", "--logs"], { stateMachineAliasArn: `${STATE_MACHINE}:live` });
            assert.deepEqual(
                [result.code, result.err],
                [
                    1,
                    [
                        "the stack dev has no batchLogGroupName output to read the batch's lines from: give --log-group NAME, or deploy the stack with this version of the program (pulumi up)",
                    ],
                ],
            );
            assert.equal(sfn.commandCalls(StartExecutionCommand).length, 0);
        });
    });

    describe("where it runs", () => {
        it("without --stack, does not ask the Pulumi CLI for any stack's outputs", async () => {
            sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION });
            const asked: string[] = [];
            const code = await execute(["--state-machine-arn", STATE_MACHINE, "--no-follow"], {
                stackOutputs: async (stack) => (asked.push(stack), {}),
                sleep: async () => undefined,
                out: () => undefined,
                err: (line) => assert.fail(line),
            });
            assert.equal(code, 0);
            assert.deepEqual(asked, []);
        });

        it("says on standard error when the ARN's region is not the one AWS_REGION names, and calls the ARN's", async () => {
            sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION });
            const result = await withEnvironment({ AWS_REGION: "us-east-1", AWS_DEFAULT_REGION: undefined }, () =>
                run(["--state-machine-arn", STATE_MACHINE, "--no-follow"]),
            );
            assert.equal(result.code, 0);
            assert.deepEqual(result.err, [`notice: ${STATE_MACHINE} is in eu-west-1, and AWS_REGION says us-east-1: the calls go to eu-west-1`]);
            assert.equal(await (sfn.call(0).thisValue as SFNClient).config.region(), "eu-west-1");
        });

        it("closes every client it opens, whether the run succeeds or AWS refuses it", async () => {
            const clients = { sfn: SFNClient, logs: CloudWatchLogsClient, ecs: ECSClient };
            sfn.on(StartExecutionCommand).resolves({ executionArn: EXECUTION, startDate: new Date(T0) });
            serve(succeeding(), { status: "SUCCEEDED", output: SUCCEEDED_OUTPUT });
            logs.on(GetLogEventsCommand).resolves({ events: [] });
            assert.deepEqual(await closedClients(clients, () => run(["--state-machine-arn", STATE_MACHINE, "--logs", "--log-group", "batch-logs"])), {
                sfn: 1,
                logs: 1,
                ecs: 0,
            });
            sfn.reset();
            sfn.on(StartExecutionCommand).rejects(serviceError("AccessDeniedException", "not authorized"));
            assert.deepEqual(await closedClients(clients, () => run(["--state-machine-arn", STATE_MACHINE])), { sfn: 1, logs: 0, ecs: 0 });
            sfn.reset();
            rerunStopping({ taskArn: NEW_TASK, lastStatus: "STOPPED", containers: [{ name: "batch", exitCode: 0 }] });
            assert.deepEqual(await closedClients(clients, () => run(["--rerun-batch", EXECUTION, "--log-group", "batch-logs"])), { sfn: 1, logs: 1, ecs: 1 });
        });

        it("refuses to rerun the batch where neither --log-group nor the stack's outputs name its log group, and starts no task", async () => {
            rerunStopping({ taskArn: NEW_TASK, lastStatus: "STOPPED", containers: [{ name: "batch", exitCode: 0 }] });
            const result = await run(["--rerun-batch", EXECUTION, "--stack", "dev"], {});
            assert.deepEqual(
                [result.code, result.err],
                [
                    1,
                    [
                        "the stack dev has no batchLogGroupName output to read the batch's lines from: give --log-group NAME, or deploy the stack with this version of the program (pulumi up)",
                    ],
                ],
            );
            assert.equal(ecs.commandCalls(RunTaskCommand).length, 0);
        });

        it("says an answer to StartExecution without the execution's ARN is not the AWS API's", async () => {
            sfn.on(StartExecutionCommand).resolves({ startDate: new Date(T0) });
            const result = await run(["--state-machine-arn", STATE_MACHINE, "--no-follow"]);
            assert.deepEqual(
                [result.code, result.out, result.err],
                [
                    1,
                    [],
                    [
                        `what answered states:StartExecution on ${STATE_MACHINE} is not the AWS API: the answer has no executionArn, which AWS always sends: AWS_ENDPOINT_URL, or a proxy in between, points elsewhere`,
                    ],
                ],
            );
        });
    });

    const BATCH_PARAMETERS = {
        LaunchType: "FARGATE",
        Cluster: CLUSTER,
        TaskDefinition: TASK_DEFINITION,
        // No TRANSACTION_ID among the overrides: the rerun names no trade.
        Overrides: { ContainerOverrides: [{ Name: "batch", Command: ["--arg1", "100", "--arg2", "200"] }] },
    };

    /** A batch failure to rerun whose new task stops as `task` says. */
    function rerunStopping(task: Task): void {
        const history = failingBatch(BATCH_PARAMETERS);
        serve(history, { status: "FAILED" }, 1000, history.events.length);
        ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: NEW_TASK, clusterArn: CLUSTER, lastStatus: "PROVISIONING" }], failures: [] });
        ecs.on(DescribeTasksCommand).resolves({ tasks: [task], failures: [] });
        logs.on(GetLogEventsCommand).resolves({ events: [] });
    }

    describe("--rerun-batch", () => {
        it("says how the task stopped: its exit code or (none), and the stop code and reason it has", async () => {
            const stoppedWith = async (task: Omit<Task, "taskArn" | "lastStatus">) => {
                ecs.reset();
                rerunStopping({ taskArn: NEW_TASK, lastStatus: "STOPPED", ...task });
                return run(["--rerun-batch", EXECUTION, "--log-group", "batch-logs"]);
            };
            const failed = await stoppedWith({ stoppedReason: "Essential container in task exited", containers: [{ name: "batch", exitCode: 1 }] });
            assert.equal(failed.code, 1);
            assert.deepEqual(failed.out, [
                `Rerunning the batch task of ${EXECUTION}`,
                `Task ${NEW_TASK} stopped: exit code 1 (Essential container in task exited)`,
                "",
                "Log lines (0):",
            ]);
            assert.deepEqual(sfn.commandCalls(DescribeExecutionCommand)[0].args[0].input, { executionArn: EXECUTION });
            const unpulled = await stoppedWith({
                stopCode: "TaskFailedToStart",
                stoppedReason: "CannotPullContainerError: pull access denied",
                containers: [{ name: "batch", lastStatus: "STOPPED" }],
            });
            assert.deepEqual(
                [unpulled.code, unpulled.out[1]],
                [1, `Task ${NEW_TASK} stopped: exit code (none) (TaskFailedToStart: CannotPullContainerError: pull access denied)`],
            );
            const bare = await stoppedWith({});
            assert.deepEqual([bare.code, bare.out[1]], [1, `Task ${NEW_TASK} stopped: exit code (none)`]);
        });

        it("names Step Functions' refusal to describe the execution", async () => {
            sfn.on(DescribeExecutionCommand).rejects(serviceError("ExecutionDoesNotExist", "Execution Does Not Exist"));
            const result = await run(["--rerun-batch", EXECUTION, "--log-group", "batch-logs"]);
            assert.equal(result.code, 1);
            assert.deepEqual(result.err, [
                `AWS refused states:DescribeExecution on ${EXECUTION}: ExecutionDoesNotExist: Execution Does Not Exist (no such execution in that account and region: check the ARN)`,
            ]);
        });

        it("refuses an execution described without a status, as UNKNOWN", async () => {
            sfn.on(DescribeExecutionCommand).resolves({ executionArn: EXECUTION, stateMachineArn: STATE_MACHINE, startDate: new Date(T0) });
            sfn.on(GetExecutionHistoryCommand).resolves({ events: [] });
            const result = await run(["--rerun-batch", EXECUTION, "--log-group", "batch-logs"]);
            assert.deepEqual(
                [result.code, result.err],
                [1, ["not rerun: the execution is UNKNOWN, not failed after its batch task; redrive it instead (--redrive)"]],
            );
        });

        it("refuses a batch failure whose history holds no request, and starts no task", async () => {
            const history = new History()
                .add("ExecutionStarted", { executionStartedEventDetails: { input: "{}" } })
                .state("Task", "Run ECS task", TRADE)
                .add("TaskFailed", { taskFailedEventDetails: { resourceType: "ecs", resource: "runTask.sync", error: "States.TaskFailed", cause: "{}" } })
                .add("ExecutionFailed", { executionFailedEventDetails: { error: "States.TaskFailed" } });
            serve(history, { status: "FAILED" }, 1000, history.events.length);
            const result = await run(["--rerun-batch", EXECUTION, "--log-group", "batch-logs"]);
            assert.deepEqual([result.code, result.err], [1, ["not rerun: the history holds no request of Run ECS task"]]);
            assert.equal(ecs.commandCalls(RunTaskCommand).length, 0);
        });
    });

    describe("running the batch task again", () => {
        const request = { input: { cluster: CLUSTER, taskDefinition: TASK_DEFINITION }, containerName: "batch" };
        const sleeps: number[] = [];
        const deps = { sleep: async (ms: number) => void sleeps.push(ms) };
        const client = () => new ECSClient({ region: "eu-west-1" });
        beforeEach(() => sleeps.splice(0));

        it("says why ECS started no task, with or without a reason, and with or without a list of failures", async () => {
            ecs.on(RunTaskCommand).resolves({});
            await assert.rejects(
                runAgain(client(), request, deps),
                (e: Error) => e instanceof ExecuteError && e.message === "ECS started no task: no reason given",
            );
            ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [] });
            await assert.rejects(runAgain(client(), request, deps), { message: "ECS started no task: no reason given" });
            ecs.on(RunTaskCommand).resolves({ tasks: [], failures: [{ arn: CLUSTER, reason: "AGENT" }] });
            await assert.rejects(runAgain(client(), request, deps), { message: "ECS started no task: AGENT" });
        });

        it("waits through answers that do not show the task yet, and reads a task stopped without the batch container's exit code", async () => {
            ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: NEW_TASK }], failures: [] });
            ecs.on(DescribeTasksCommand)
                .resolvesOnce({ failures: [{ arn: NEW_TASK, reason: "MISSING" }] })
                .resolvesOnce({ tasks: [], failures: [] })
                .resolvesOnce({ tasks: [{ taskArn: NEW_TASK, lastStatus: "STOPPED", stopCode: "TaskFailedToStart" }] })
                .resolves({ tasks: [{ taskArn: NEW_TASK, lastStatus: "STOPPED", containers: [{ name: "log-router", exitCode: 0 }] }] });
            assert.deepEqual(await runAgain(client(), request, deps), {
                taskArn: NEW_TASK,
                exitCode: undefined,
                stopCode: "TaskFailedToStart",
                stoppedReason: undefined,
            });
            assert.deepEqual(sleeps, [1000, 1500, 2250]);
            assert.deepEqual(await runAgain(client(), request, deps), {
                taskArn: NEW_TASK,
                exitCode: undefined,
                stopCode: undefined,
                stoppedReason: undefined,
            });
        });

        it("describes the task in the cluster the request named, or in the default cluster where RunTask ran it for a request that names none", async () => {
            const stopped = { tasks: [{ taskArn: NEW_TASK, lastStatus: "STOPPED", containers: [{ name: "batch", exitCode: 0 }] }] };
            ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: NEW_TASK }], failures: [] });
            ecs.on(DescribeTasksCommand).resolves(stopped);
            await runAgain(client(), request, deps);
            await runAgain(client(), { input: { taskDefinition: TASK_DEFINITION }, containerName: "batch" }, deps);
            assert.deepEqual(
                ecs.commandCalls(DescribeTasksCommand).map((c) => c.args[0].input),
                [
                    { cluster: CLUSTER, tasks: [NEW_TASK] },
                    { cluster: undefined, tasks: [NEW_TASK] },
                ],
            );
        });

        it("names the refused call: RunTask by its task definition, or none, and DescribeTasks by the task", async () => {
            ecs.on(RunTaskCommand).rejects(serviceError("ClientException", "TaskDefinition can not be blank."));
            await assert.rejects(runAgain(client(), { input: { cluster: CLUSTER, taskDefinition: undefined }, containerName: "batch" }, deps), {
                message: "AWS refused ecs:RunTask: ClientException: TaskDefinition can not be blank.",
            });
            ecs.on(RunTaskCommand).resolves({ tasks: [{ taskArn: NEW_TASK }], failures: [] });
            ecs.on(DescribeTasksCommand).rejects(serviceError("AccessDeniedException", "User is not authorized to perform: ecs:DescribeTasks"));
            await assert.rejects(runAgain(client(), request, deps), (e: Error) =>
                e.message.startsWith(
                    `AWS refused ecs:DescribeTasks on ${NEW_TASK}: AccessDeniedException: User is not authorized to perform: ecs:DescribeTasks`,
                ),
            );
        });
    });

    describe("what --rerun-batch reads from a history of any shape", () => {
        const scheduled = (id: number, parameters: object) =>
            ({
                id,
                timestamp: new Date(T0),
                type: "TaskScheduled",
                taskScheduledEventDetails: { resourceType: "ecs", resource: "runTask.sync", region: "eu-west-1", parameters: JSON.stringify(parameters) },
            }) as HistoryEvent;

        it("reads a request without container overrides, environment or trade id as naming no container or trade", () => {
            assert.deepEqual(batchRequest([scheduled(1, { Cluster: CLUSTER, Overrides: {} })]), {
                input: { cluster: CLUSTER, overrides: {} },
                containerName: "",
                tradeId: undefined,
            });
            assert.deepEqual(batchRequest([scheduled(1, { Overrides: { ContainerOverrides: [{ Name: "batch" }] } })]), {
                input: { overrides: { containerOverrides: [{ name: "batch" }] } },
                containerName: "batch",
                tradeId: undefined,
            });
            const others = { Overrides: { ContainerOverrides: [{ Name: "batch", Environment: [{ Name: "OTHER", Value: "x" }] }] } };
            assert.equal(batchRequest([scheduled(1, others)])?.tradeId, undefined);
        });
    });
});
