import * as assert from "node:assert/strict";
import type { HistoryEvent } from "@aws-sdk/client-sfn";
import { inTimeOrder, isInvocationRecord, lambdaInvocations, renderLogLines, requestIdOf } from "../scripts/operate/logs";

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
