import * as assert from "node:assert/strict";
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { CloudWatchLogsClient, FilterLogEventsCommand, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import {
    batchLines,
    inTimeOrder,
    invocationLines,
    isInvocationRecord,
    lambdaInvocations,
    renderLogLines,
    requestIdOf,
    type LogReader,
} from "../scripts/operate/logs";

const T0 = Date.parse("2026-11-28T10:00:00.000Z");
const FN = "arn:aws:lambda:eu-west-1:123456789012:function:trading-stock-buyer";
const event = (id: number, type: string, details: Record<string, unknown> = {}): HistoryEvent =>
    ({ id, type, timestamp: new Date(T0 + id * 100), ...details }) as HistoryEvent;

describe("an execution's log lines", () => {
    it("reads each Lambda invocation's window and result from the history, a failed attempt and its retry apart", () => {
        const scheduled = (id: number) => event(id, "LambdaFunctionScheduled", { lambdaFunctionScheduledEventDetails: { resource: FN, input: "{}" } });
        const history = [
            event(1, "ExecutionStarted"),
            scheduled(2),
            event(3, "LambdaFunctionStarted"),
            event(4, "LambdaFunctionFailed", { lambdaFunctionFailedEventDetails: { error: "Lambda.ServiceException" } }),
            scheduled(5),
            event(6, "LambdaFunctionTimedOut"),
            scheduled(7),
            event(8, "LambdaFunctionSucceeded", { lambdaFunctionSucceededEventDetails: { output: '{"id":"t-1"}' } }),
            event(9, "LambdaFunctionSucceeded"),
        ];
        assert.deepEqual(lambdaInvocations(history), [
            { functionArn: FN, from: T0 + 200, to: T0 + 400, output: undefined, failed: true },
            { functionArn: FN, from: T0 + 500, to: T0 + 600, output: undefined, failed: true },
            { functionArn: FN, from: T0 + 700, to: T0 + 800, output: { id: "t-1" }, failed: false },
        ]);
    });

    it("takes the request id of an application record or a platform record", () => {
        assert.equal(requestIdOf({ requestId: "r-1", message: {} }), "r-1");
        assert.equal(requestIdOf({ type: "platform.report", record: { requestId: "r-2" } }), "r-2");
        assert.equal(requestIdOf({ level: "INFO" }), undefined);
    });

    it("knows an invocation's own record, wrapped by Lambda's JSON format or not", () => {
        const buy = { functionArn: FN, from: 0, to: 1, output: { id: "t-1" }, failed: false };
        assert.equal(isInvocationRecord({ message: { message: "traded", trade: { id: "t-1" } } }, buy), true);
        assert.equal(isInvocationRecord({ message: "traded", trade: { id: "t-1" } }, buy), true);
        assert.equal(isInvocationRecord({ message: { message: "traded", trade: { id: "t-2" } } }, buy), false);
        assert.equal(isInvocationRecord({ message: { message: "traded" } }, buy), false);
        const check = { functionArn: FN, from: 0, to: 1, output: { stock_price: 42 }, failed: false };
        assert.equal(isInvocationRecord({ message: { message: "checked price", price: 42 } }, check), true);
        assert.equal(isInvocationRecord({ message: { message: "checked price", price: 41 } }, check), false);
        assert.equal(isInvocationRecord({ message: { message: "traded", price: 42 } }, check), false);
        const failed = { functionArn: FN, from: 0, to: 1, failed: true };
        assert.equal(isInvocationRecord({ message: { message: "failed" } }, failed), true);
        assert.equal(isInvocationRecord({ message: { message: "checked price" } }, failed), false);
    });

    it("merges sources in time order, keeping the order of lines of the same moment, and prints time, source and line", () => {
        const lines = inTimeOrder([
            { at: T0 + 5, source: "batch", message: "b1" },
            { at: T0 + 1, source: "stock-checker", message: "c1" },
            { at: T0 + 5, source: "stock-buyer", message: "s1" },
        ]);
        assert.deepEqual(renderLogLines(lines), [
            "  2026-11-28T10:00:00.001Z  stock-checker  c1",
            "  2026-11-28T10:00:00.005Z  batch          b1",
            "  2026-11-28T10:00:00.005Z  stock-buyer    s1",
        ]);
        assert.deepEqual(renderLogLines([]), []);
    });
});

describe("an execution's log lines, as CloudWatch Logs gives them", () => {
    let logs: AwsClientStub<CloudWatchLogsClient>;
    before(() => (logs = mockClient(CloudWatchLogsClient)));
    after(() => logs.restore());
    beforeEach(() => logs.reset());

    /** A reader that notes each read it is asked for, and makes it. */
    const reader = (asked: string[]): LogReader => ({
        client: new CloudWatchLogsClient({ region: "eu-west-1" }),
        call: (action, resource, send) => {
            asked.push(`${action} ${resource}`);
            return send();
        },
    });

    it("reads an invocation whose scheduled event carries no details as of no function", () => {
        assert.deepEqual(lambdaInvocations([event(1, "LambdaFunctionScheduled"), event(2, "LambdaFunctionSucceeded")]), [
            { functionArn: "", from: T0 + 100, to: T0 + 200, output: undefined, failed: false },
        ]);
    });

    it("takes an invocation's lines from its function's log group, only JSON objects among them, even where its records carry no request id", async () => {
        const own = JSON.stringify({ level: "INFO", message: "checked price", price: 42 });
        logs.on(FilterLogEventsCommand).resolves({
            events: [
                { timestamp: T0 + 10, message: own },
                { timestamp: T0 + 11, message: "42" },
                { timestamp: T0 + 12, message: '"checked price"' },
                { timestamp: T0 + 13, message: "null" },
                { timestamp: T0 + 14, message: "START RequestId: 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 Version: 1" },
            ],
        });
        const asked: string[] = [];
        const check = { functionArn: FN, from: T0, to: T0 + 100, output: { stock_price: 42 }, failed: false };
        assert.deepEqual(await invocationLines(reader(asked), check, "/aws/lambda/stock-checker", "stock-checker"), [
            { at: T0 + 10, source: "stock-checker", message: own },
        ]);
        assert.deepEqual(asked, ["logs:FilterLogEvents /aws/lambda/stock-checker"]);
        const [request] = logs.commandCalls(FilterLogEventsCommand).map((call) => call.args[0].input);
        assert.deepEqual([request.logGroupName, request.startTime, request.endTime], ["/aws/lambda/stock-checker", T0 - 1000, T0 + 1100]);
    });

    it("reads no line from a batch page that leaves its events out", async () => {
        logs.on(GetLogEventsCommand).resolves({});
        const asked: string[] = [];
        assert.deepEqual(await batchLines(reader(asked), "arn:aws:ecs:eu-west-1:123456789012:task/c/0f1e2d3c", "batch-logs", "batch"), []);
        assert.deepEqual(asked, ["logs:GetLogEvents batch-logs:batch/batch/0f1e2d3c"]);
    });
});
