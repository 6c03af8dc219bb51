import { liveStackName, stackScopedName } from "../model/names";
import * as assert from "node:assert/strict";
import { parseConfig } from "../model/config";
import {
    alarmSpecs,
    alarmTopicPolicy,
    dashboardBody,
    dashboardUrl,
    operatorPolicy,
    staleAlarmNotice,
    stateMachineConsoleUrl,
    type MonitoredResources,
} from "../model/monitoring";
import { occurrenceAlarm, staleAlarm } from "./support/expected-alarms";
import { isAllowed, type Request } from "./support/grants";
import { expectedTopicPolicy } from "./support/expected-iam";

const ACCOUNT = "123456789012";
const STATE_MACHINE = `arn:aws:states:eu-west-1:${ACCOUNT}:stateMachine:trading`;
const RESOURCES: MonitoredResources = {
    region: "eu-west-1",
    stack: "prod",
    stateMachineArn: STATE_MACHINE,
    functionNames: { "stock-checker": "checker-fn", "stock-buyer": "buyer-fn", "stock-seller": "seller-fn" },
    tableName: "trades",
    deadLetterQueueName: "failed-starts",
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
    it("alarms on each failure metric of the state machine, each function's errors and each failed scheduled start, in a fixed order", () => {
        assert.deepEqual(
            resolved(parseConfig({})).map(
                ({
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
                }) => ({
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
                }),
            ),
            [
                onOccurrence("executions-failed", "AWS/States", "ExecutionsFailed", { StateMachineArn: STATE_MACHINE }),
                onOccurrence("executions-timed-out", "AWS/States", "ExecutionsTimedOut", { StateMachineArn: STATE_MACHINE }),
                onOccurrence("executions-aborted", "AWS/States", "ExecutionsAborted", { StateMachineArn: STATE_MACHINE }),
                onOccurrence("execution-throttled", "AWS/States", "ExecutionThrottled", { StateMachineArn: STATE_MACHINE }),
                onOccurrence("stock-checker-errors", "AWS/Lambda", "Errors", { FunctionName: "checker-fn" }),
                onOccurrence("stock-buyer-errors", "AWS/Lambda", "Errors", { FunctionName: "buyer-fn" }),
                onOccurrence("stock-seller-errors", "AWS/Lambda", "Errors", { FunctionName: "seller-fn" }),
                onOccurrence("scheduled-start-failed", "AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: "failed-starts" }),
            ],
        );
    });

    it("rolls a deploy back on failed, timed-out and aborted executions only: not on throttling, function errors or staleness", () => {
        const rollback = (config: ReturnType<typeof parseConfig>) =>
            alarmSpecs(config)
                .filter((spec) => spec.rollsBack)
                .map((spec) => spec.id);
        assert.deepEqual(rollback(parseConfig({})), ["executions-failed", "executions-timed-out", "executions-aborted"]);
        assert.deepEqual(rollback(parseConfig({ scheduleEnabled: "true", staleAfterHours: "5" })), [
            "executions-failed",
            "executions-timed-out",
            "executions-aborted",
        ]);
    });

    it("with the schedule on, alarms when no execution succeeded in each of staleAfterHours hours, missing data breaching", () => {
        const alarms = resolved(parseConfig({ scheduleEnabled: "true", staleAfterHours: "5" }));
        assert.equal(alarms.length, resolved(parseConfig({})).length + 1);
        // Warmed up for the hourly schedule's first run and its success: the hour's gap plus one.
        assert.deepEqual(alarms.at(-1), { id: "no-recent-success", ...staleAlarm(5, STATE_MACHINE), warmUpMinutes: 120, rollsBack: false });
        assert.match(alarmSpecs(parseConfig({ scheduleEnabled: "true", staleAfterHours: "5" })).at(-1)!.description, /5 hour\(s\)/);
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
        const [executions, duration, checker, , , table, trades, price, alarms] = body.widgets.map(
            (w: { properties: Record<string, unknown> }) => w.properties,
        );
        assert.deepEqual(executions, {
            title: "Executions",
            region: "eu-west-1",
            view: "timeSeries",
            stacked: false,
            period: 300,
            stat: "Sum",
            metrics: ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut"].map((m) => [
                "AWS/States",
                m,
                "StateMachineArn",
                STATE_MACHINE,
            ]),
        });
        assert.equal(duration.title, "Execution duration (ms)");
        assert.equal(table.title, "TransactionTable: consumed write units, throttled writes");
        assert.equal(duration.stat, "p50");
        assert.deepEqual(
            duration.metrics,
            ["p50", "p90", "p99"].map((stat) => ["AWS/States", "ExecutionTime", "StateMachineArn", STATE_MACHINE, { stat, label: stat }]),
        );
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
        assert.deepEqual(
            [trades.title, trades.stat, trades.metrics],
            [
                "Trades by type",
                "Sum",
                [
                    ["StockTrader", "Trades", "Stack", "prod", "TradeType", "buy", { label: "buy" }],
                    ["StockTrader", "Trades", "Stack", "prod", "TradeType", "sell", { label: "sell" }],
                ],
            ],
        );
        assert.deepEqual(
            [price.title, price.stat, price.metrics],
            [
                "Traded price by type (average)",
                "Average",
                [
                    ["StockTrader", "TradePrice", "Stack", "prod", "TradeType", "buy", { label: "buy" }],
                    ["StockTrader", "TradePrice", "Stack", "prod", "TradeType", "sell", { label: "sell" }],
                ],
            ],
        );
        assert.deepEqual(alarms, { title: "Alarms", alarms: ["arn:alarm:1", "arn:alarm:2"] });
    });

    const logGroup = (name: string) => `arn:aws:logs:eu-west-1:${ACCOUNT}:log-group:${name}`;
    const BATCH = {
        clusterArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/batch-cluster`,
        taskDefinitionArn: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/batch-task:7`,
        taskExecutionRoleArn: `arn:aws:iam::${ACCOUNT}:role/batch-execution`,
        taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/batch-task`,
    };
    const DASHBOARD = `arn:aws:cloudwatch::${ACCOUNT}:dashboard/stock-trader-dev`;
    const ALARMS = [`arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:failed`, `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:timed-out`];
    const OPERATED = {
        stateMachineArn: STATE_MACHINE,
        dashboardArn: DASHBOARD,
        alarmArns: ALARMS,
        logGroupArns: [logGroup("sm"), logGroup("batch"), logGroup("checker")],
        batch: BATCH,
        liveStackName: "stock-trader-prod-live",
        deadLetterQueueArn: `arn:aws:sqs:us-east-1:${ACCOUNT}:failed-starts`,
    };

    it("grants operators this state machine's executions, its log groups, the schedule's failed starts and rerunning its batch task, nothing else", () => {
        const groups = OPERATED.logGroupArns;
        assert.deepEqual(operatorPolicy(OPERATED), {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "StartTradingExecutions",
                    Effect: "Allow",
                    Action: "states:StartExecution",
                    Resource: STATE_MACHINE,
                    Condition: { "ForAnyValue:StringEquals": { "states:StateMachineQualifier": "live" } },
                },
                {
                    Sid: "OperateTradingExecutions",
                    Effect: "Allow",
                    Action: [
                        "states:DescribeExecution",
                        "states:DescribeStateMachineForExecution",
                        "states:GetExecutionHistory",
                        "states:StopExecution",
                        "states:RedriveExecution",
                    ],
                    Resource: `arn:aws:states:eu-west-1:${ACCOUNT}:execution:trading:*`,
                },
                {
                    Sid: "ReadStateMachineInConsole",
                    Effect: "Allow",
                    Action: [
                        "states:DescribeStateMachine",
                        "states:DescribeStateMachineAlias",
                        "states:ListExecutions",
                        "states:ListStateMachineAliases",
                        "states:ListStateMachineVersions",
                        "states:ListTagsForResource",
                    ],
                    Resource: STATE_MACHINE,
                },
                { Sid: "ReadDashboard", Effect: "Allow", Action: "cloudwatch:GetDashboard", Resource: DASHBOARD },
                { Sid: "ReadDashboardAlarms", Effect: "Allow", Action: "cloudwatch:DescribeAlarms", Resource: ALARMS },
                { Sid: "ReadDashboardMetrics", Effect: "Allow", Action: "cloudwatch:GetMetricData", Resource: "*" },
                {
                    Sid: "ReadWorkflowLogs",
                    Effect: "Allow",
                    Action: ["logs:DescribeLogStreams", "logs:FilterLogEvents", "logs:GetLogEvents"],
                    Resource: [...groups, ...groups.map((g) => `${g}:*`)],
                },
                {
                    Sid: "ReadFailedStarts",
                    Effect: "Allow",
                    Action: ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"],
                    Resource: OPERATED.deadLetterQueueArn,
                },
                {
                    Sid: "RerunBatchTask",
                    Effect: "Allow",
                    Action: "ecs:RunTask",
                    Resource: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/batch-task:*`,
                    Condition: { ArnEquals: { "ecs:cluster": BATCH.clusterArn } },
                },
                { Sid: "FollowBatchTasks", Effect: "Allow", Action: "ecs:DescribeTasks", Resource: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task/batch-cluster/*` },
                {
                    Sid: "TagBatchTasks",
                    Effect: "Allow",
                    Action: "ecs:TagResource",
                    Resource: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task/batch-cluster/*`,
                    Condition: { StringEquals: { "ecs:CreateAction": "RunTask" } },
                },
                {
                    Sid: "PassBatchTaskRoles",
                    Effect: "Allow",
                    Action: "iam:PassRole",
                    Resource: [BATCH.taskExecutionRoleArn, BATCH.taskRoleArn],
                    Condition: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
                },
                {
                    Sid: "RollBackLive",
                    Effect: "Allow",
                    Action: ["cloudformation:DescribeStackEvents", "cloudformation:DescribeStacks", "cloudformation:UpdateStack"],
                    Resource: `arn:aws:cloudformation:eu-west-1:${ACCOUNT}:stack/stock-trader-prod-live/*`,
                },
            ],
        });
    });

    describe("evaluated as IAM would, for what --rerun-batch sends", () => {
        const policy = operatorPolicy(OPERATED);
        const task = `arn:aws:ecs:eu-west-1:${ACCOUNT}:task/batch-cluster/0f1e2d3c4b5a69788796a5b4c3d2e1f0`;
        const cases: [string, Request, boolean][] = [
            [
                "RunTask of this task definition in this cluster",
                { action: "ecs:RunTask", resource: BATCH.taskDefinitionArn, context: { "ecs:cluster": BATCH.clusterArn } },
                true,
            ],
            [
                "RunTask of an older revision in this cluster",
                { action: "ecs:RunTask", resource: BATCH.taskDefinitionArn.replace(/:7$/, ":3"), context: { "ecs:cluster": BATCH.clusterArn } },
                true,
            ],
            [
                "RunTask of another task definition",
                {
                    action: "ecs:RunTask",
                    resource: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/other-task:1`,
                    context: { "ecs:cluster": BATCH.clusterArn },
                },
                false,
            ],
            [
                "RunTask of a task definition whose name starts the same",
                {
                    action: "ecs:RunTask",
                    resource: `arn:aws:ecs:eu-west-1:${ACCOUNT}:task-definition/batch-task-2:1`,
                    context: { "ecs:cluster": BATCH.clusterArn },
                },
                false,
            ],
            [
                "RunTask in another cluster",
                { action: "ecs:RunTask", resource: BATCH.taskDefinitionArn, context: { "ecs:cluster": `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/other` } },
                false,
            ],
            ["DescribeTasks of this cluster's task", { action: "ecs:DescribeTasks", resource: task, context: {} }, true],
            ["DescribeTasks of another cluster's task", { action: "ecs:DescribeTasks", resource: task.replace("batch-cluster", "other"), context: {} }, false],
            ["TagResource as RunTask creates the task", { action: "ecs:TagResource", resource: task, context: { "ecs:CreateAction": "RunTask" } }, true],
            ["TagResource of a running task", { action: "ecs:TagResource", resource: task, context: {} }, false],
            [
                "PassRole of the task role to ECS tasks",
                { action: "iam:PassRole", resource: BATCH.taskRoleArn, context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
                true,
            ],
            [
                "PassRole of the execution role to ECS tasks",
                { action: "iam:PassRole", resource: BATCH.taskExecutionRoleArn, context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
                true,
            ],
            [
                "PassRole of the task role to Lambda",
                { action: "iam:PassRole", resource: BATCH.taskRoleArn, context: { "iam:PassedToService": "lambda.amazonaws.com" } },
                false,
            ],
            [
                "PassRole of another role",
                { action: "iam:PassRole", resource: `arn:aws:iam::${ACCOUNT}:role/admin`, context: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
                false,
            ],
            ["StopTask of this cluster's task", { action: "ecs:StopTask", resource: task, context: {} }, false],
            ["FilterLogEvents on a function's log group", { action: "logs:FilterLogEvents", resource: logGroup("checker"), context: {} }, true],
            ["FilterLogEvents on another log group", { action: "logs:FilterLogEvents", resource: logGroup("other"), context: {} }, false],
            [
                "UpdateStack of the live stack",
                {
                    action: "cloudformation:UpdateStack",
                    resource: `arn:aws:cloudformation:eu-west-1:${ACCOUNT}:stack/stock-trader-prod-live/0f1e2d3c`,
                    context: {},
                },
                true,
            ],
            [
                "UpdateStack of another stack",
                {
                    action: "cloudformation:UpdateStack",
                    resource: `arn:aws:cloudformation:eu-west-1:${ACCOUNT}:stack/stock-trader-prod-db/0f1e2d3c`,
                    context: {},
                },
                false,
            ],
            [
                "UpdateStateMachineAlias, which only the live stack's role may call",
                { action: "states:UpdateStateMachineAlias", resource: STATE_MACHINE, context: { "states:StateMachineQualifier": "live" } },
                false,
            ],
        ];
        for (const [label, request, allowed] of cases) {
            it(`${allowed ? "allows" : "denies"} ${label}`, async () => {
                assert.equal(await isAllowed(policy.Statement, request), allowed);
            });
        }
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

    it("links to the console of the stack's partition: China's and GovCloud's own, none in a partition without a public console", () => {
        const machine = (region: string, partition: string) => `arn:${partition}:states:${region}:${ACCOUNT}:stateMachine:trading`;
        assert.equal(dashboardUrl("cn-north-1", "d"), "https://console.amazonaws.cn/cloudwatch/home?region=cn-north-1#dashboards/dashboard/d");
        assert.equal(
            stateMachineConsoleUrl(machine("cn-northwest-1", "aws-cn")),
            `https://console.amazonaws.cn/states/home?region=cn-northwest-1#/statemachines/view/${encodeURIComponent(machine("cn-northwest-1", "aws-cn"))}`,
        );
        assert.equal(dashboardUrl("us-gov-west-1", "d"), "https://console.amazonaws-us-gov.com/cloudwatch/home?region=us-gov-west-1#dashboards/dashboard/d");
        assert.match(
            stateMachineConsoleUrl(machine("us-gov-east-1", "aws-us-gov")) ?? "",
            /^https:\/\/console\.amazonaws-us-gov\.com\/states\/home\?region=us-gov-east-1#/,
        );
        assert.equal(dashboardUrl("us-iso-east-1", "d"), undefined);
        assert.equal(stateMachineConsoleUrl(machine("us-isob-east-1", "aws-iso-b")), undefined);
    });

    it("links to the dashboard and the state machine in the stack's region", () => {
        assert.equal(
            dashboardUrl("eu-west-1", "stock-trader-dev"),
            "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/stock-trader-dev",
        );
        assert.equal(
            stateMachineConsoleUrl(STATE_MACHINE),
            `https://eu-west-1.console.aws.amazon.com/states/home?region=eu-west-1#/statemachines/view/${encodeURIComponent(STATE_MACHINE)}`,
        );
        assert.equal(stackScopedName("stock-trader", "a".repeat(300)).length, 255);
        assert.equal(stackScopedName("stock-trader", "team/prod.1"), "stock-trader-team-prod-1");
    });
});

describe("names the program gives what AWS lets the caller name", () => {
    it("cuts a long stack name so that the suffix stays whole within the form's length", () => {
        const family = stackScopedName("stock-trader", "a".repeat(300), "batch");
        assert.equal(family, `stock-trader-${"a".repeat(236)}-batch`);
        assert.equal(family.length, 255);
        const live = liveStackName("stock-trader", "a".repeat(300));
        assert.equal(live, `stock-trader-${"a".repeat(110)}-live`);
        assert.equal(live.length, 128);
    });

    it("names the live stack after the Pulumi stack, starting with s- only a CloudFormation name that would not start with a letter", () => {
        assert.equal(liveStackName("stock-trader", "prod"), "stock-trader-prod-live");
        assert.equal(liveStackName("stock-trader", "team_a.prod"), "stock-trader-team-a-prod-live");
        assert.equal(liveStackName("9lives", "dev"), "s-9lives-dev-live");
        assert.equal(stackScopedName("9lives", "dev"), "9lives-dev");
        assert.equal(stackScopedName("_x", "dev", "batch"), "_x-dev-batch");
    });
});

describe("monitoring model, a sparse schedule in a zone", () => {
    it("names the zone of a schedule too sparse for CloudWatch to watch, where it is not UTC", () => {
        const weekly = { scheduleEnabled: "true", scheduleExpression: "cron(0 9 ? * MON *)" };
        assert.equal(
            staleAlarmNotice(parseConfig({ ...weekly, scheduleTimezone: "Europe/London" })),
            "no no-recent-success alarm: cron(0 9 ? * MON *) leaves more than 167 hours between runs in Europe/London, " +
                "and a CloudWatch alarm looks back at most 168 hours; the failure alarms still watch every execution",
        );
        assert.equal(
            staleAlarmNotice(parseConfig(weekly)),
            "no no-recent-success alarm: cron(0 9 ? * MON *) leaves more than 167 hours between runs, " +
                "and a CloudWatch alarm looks back at most 168 hours; the failure alarms still watch every execution",
        );
    });
});
