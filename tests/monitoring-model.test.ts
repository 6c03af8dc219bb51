import * as assert from "node:assert/strict";
import { parseConfig } from "../model/config";
import {
    alarmSpecs,
    alarmTopicPolicy,
    dashboardBody,
    dashboardName,
    dashboardUrl,
    operatorPolicy,
    staleAlarmNotice,
    stateMachineConsoleUrl,
    type MonitoredResources,
} from "../model/monitoring";
import { occurrenceAlarm, staleAlarm } from "./support/expected-alarms";
import { expectedTopicPolicy } from "./support/expected-iam";

const ACCOUNT = "123456789012";
const STATE_MACHINE = `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:trading`;
const RESOURCES: MonitoredResources = {
    region: "eu-west-1",
    stack: "prod",
    stateMachineArn: STATE_MACHINE,
    functionNames: { "stock-checker": "checker-fn", "stock-buyer": "buyer-fn", "stock-seller": "seller-fn" },
    tableName: "trades",
};

const onOccurrence = (id: string, namespace: string, metricName: string, dimensions: Record<string, string>) => ({
    id,
    ...occurrenceAlarm(namespace, metricName, dimensions),
});

const resolved = (config: Parameters<typeof alarmSpecs>[0]) =>
    alarmSpecs(config).map(({ description, dimensions, ...spec }) => {
        assert.ok(description.length > 10, `${spec.id} says why it fires`);
        return { ...spec, dimensions: dimensions(RESOURCES) };
    });

describe("monitoring model", () => {
    it("alarms on each failure metric of the state machine and each function's errors, in a fixed order", () => {
        assert.deepEqual(
            resolved(parseConfig({})).map(({ id, namespace, metricName, dimensions, statistic, period, evaluationPeriods, datapointsToAlarm, threshold, comparisonOperator, treatMissingData }) => ({
                id,
                namespace,
                metricName,
                dimensions,
                statistic,
                period,
                evaluationPeriods,
                datapointsToAlarm,
                threshold,
                comparisonOperator,
                treatMissingData,
            })),
            [
                onOccurrence("executions-failed", "AWS/States", "ExecutionsFailed", { StateMachineArn: STATE_MACHINE }),
                onOccurrence("executions-timed-out", "AWS/States", "ExecutionsTimedOut", { StateMachineArn: STATE_MACHINE }),
                onOccurrence("executions-aborted", "AWS/States", "ExecutionsAborted", { StateMachineArn: STATE_MACHINE }),
                onOccurrence("execution-throttled", "AWS/States", "ExecutionThrottled", { StateMachineArn: STATE_MACHINE }),
                onOccurrence("stock-checker-errors", "AWS/Lambda", "Errors", { FunctionName: "checker-fn" }),
                onOccurrence("stock-buyer-errors", "AWS/Lambda", "Errors", { FunctionName: "buyer-fn" }),
                onOccurrence("stock-seller-errors", "AWS/Lambda", "Errors", { FunctionName: "seller-fn" }),
            ],
        );
    });

    it("with the schedule on, alarms when no execution succeeded in each of staleAfterHours hours, missing data breaching", () => {
        const alarms = resolved(parseConfig({ scheduleEnabled: "true", staleAfterHours: "5" }));
        assert.equal(alarms.length, 8);
        assert.deepEqual(alarms[7], { id: "no-recent-success", ...staleAlarm(5, STATE_MACHINE) });
        assert.match(alarmSpecs(parseConfig({ scheduleEnabled: "true", staleAfterHours: "5" }))[7].description, /5 hour\(s\)/);
    });

    it("draws the dashboard two widgets a row on a 24-column grid, the alarms last across the row", () => {
        const body = JSON.parse(dashboardBody(RESOURCES, ["arn:alarm:1", "arn:alarm:2"]));
        const layout = body.widgets.map((w: { type: string; x: number; y: number; width: number; height: number }) => [w.type, w.x, w.y, w.width, w.height]);
        assert.deepEqual(layout, [
            ["metric", 0, 0, 12, 6],
            ["metric", 12, 0, 12, 6],
            ["metric", 0, 6, 12, 6],
            ["metric", 12, 6, 12, 6],
            ["metric", 0, 12, 12, 6],
            ["metric", 12, 12, 12, 6],
            ["metric", 0, 18, 12, 6],
            ["metric", 12, 18, 12, 6],
            ["alarm", 0, 24, 24, 6],
        ]);
        const [executions, duration, checker, , , table, trades, price, alarms] = body.widgets.map((w: { properties: Record<string, unknown> }) => w.properties);
        assert.deepEqual(executions, {
            title: "Executions",
            region: "eu-west-1",
            view: "timeSeries",
            stacked: false,
            period: 300,
            stat: "Sum",
            metrics: ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut"].map((m) => ["AWS/States", m, "StateMachineArn", STATE_MACHINE]),
        });
        assert.equal(duration.title, "Execution duration (ms)");
        assert.equal(table.title, "TransactionTable: consumed write units, throttled writes");
        assert.equal(duration.stat, "p50");
        assert.deepEqual(duration.metrics, ["p50", "p90", "p99"].map((stat) => ["AWS/States", "ExecutionTime", "StateMachineArn", STATE_MACHINE, { stat, label: stat }]));
        assert.equal(checker.title, "stock-checker: invocations, errors, duration (ms, p90)");
        assert.deepEqual(checker.metrics, [
            ["AWS/Lambda", "Invocations", "FunctionName", "checker-fn"],
            ["AWS/Lambda", "Errors", "FunctionName", "checker-fn"],
            ["AWS/Lambda", "Duration", "FunctionName", "checker-fn", { stat: "p90" }],
        ]);
        assert.deepEqual(table.metrics, [
            ["AWS/DynamoDB", "ConsumedWriteCapacityUnits", "TableName", "trades"],
            ["AWS/DynamoDB", "WriteThrottleEvents", "TableName", "trades"],
        ]);
        assert.deepEqual([trades.title, trades.stat, trades.metrics], [
            "Trades by type",
            "Sum",
            [
                ["StockTrader", "Trades", "Stack", "prod", "TradeType", "buy", { label: "buy" }],
                ["StockTrader", "Trades", "Stack", "prod", "TradeType", "sell", { label: "sell" }],
            ],
        ]);
        assert.deepEqual([price.title, price.stat, price.metrics], [
            "Traded price by type (average)",
            "Average",
            [
                ["StockTrader", "TradePrice", "Stack", "prod", "TradeType", "buy", { label: "buy" }],
                ["StockTrader", "TradePrice", "Stack", "prod", "TradeType", "sell", { label: "sell" }],
            ],
        ]);
        assert.deepEqual(alarms, { title: "Alarms", alarms: ["arn:alarm:1", "arn:alarm:2"] });
    });

    it("grants operators this state machine's executions and its two log groups, nothing else", () => {
        const logs = { stateMachineLogGroupArn: `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:sm`, batchLogGroupArn: `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:batch` };
        assert.deepEqual(operatorPolicy(STATE_MACHINE, logs), {
            Version: "2012-10-17",
            Statement: [
                { Sid: "StartTradingExecutions", Effect: "Allow", Action: "states:StartExecution", Resource: STATE_MACHINE },
                {
                    Sid: "OperateTradingExecutions",
                    Effect: "Allow",
                    Action: ["states:DescribeExecution", "states:GetExecutionHistory", "states:StopExecution", "states:RedriveExecution"],
                    Resource: `arn:aws:states:eu-west-1:${ACCOUNT}:execution:trading:*`,
                },
                {
                    Sid: "ReadWorkflowLogs",
                    Effect: "Allow",
                    Action: ["logs:DescribeLogStreams", "logs:FilterLogEvents", "logs:GetLogEvents"],
                    Resource: [logs.stateMachineLogGroupArn, logs.batchLogGroupArn, `${logs.stateMachineLogGroupArn}:*`, `${logs.batchLogGroupArn}:*`],
                },
            ],
        });
    });

    it("says why a schedule too sparse for CloudWatch has no stale alarm, and only then", () => {
        assert.equal(
            staleAlarmNotice(parseConfig({ scheduleEnabled: "true", scheduleExpression: "rate(8 days)" })),
            "no no-recent-success alarm: rate(8 days) leaves more than 167 hours between runs, and a CloudWatch alarm looks back at most 168 hours; " +
                "the failure alarms still watch every execution",
        );
        assert.equal(staleAlarmNotice(parseConfig({ scheduleEnabled: "false", scheduleExpression: "rate(8 days)" })), undefined);
    });

    it("lets only this account's CloudWatch alarms publish to the topic", () => {
        const topic = `arn:aws-cn:sns:cn-north-1:${ACCOUNT}:alarms`;
        assert.deepEqual(alarmTopicPolicy(topic), expectedTopicPolicy(topic, ACCOUNT, `arn:aws-cn:cloudwatch:cn-north-1:${ACCOUNT}:alarm:*`));
    });

    it("links to the dashboard and the state machine in the stack's region", () => {
        assert.equal(dashboardUrl("eu-west-1", "stock-trader-dev"), "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/stock-trader-dev");
        assert.equal(
            stateMachineConsoleUrl(STATE_MACHINE),
            `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/statemachines/view/${encodeURIComponent(STATE_MACHINE)}`,
        );
        assert.equal(dashboardName("stock-trader", "a".repeat(300)).length, 255);
        assert.equal(dashboardName("stock-trader", "team/prod.1"), "stock-trader-team-prod-1");
    });
});
