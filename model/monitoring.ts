/**
 * The operations layer as pure data: which alarms exist and why, the dashboard's body, the
 * operator's policy and the console links. The `WorkflowMonitoring` component turns these into
 * resources; tests and tools read them without Pulumi. Keys are created in a fixed order, so the
 * same inputs give the same JSON and a preview shows no diff.
 */
import { TRADE_TYPES } from "../contracts/functions";
import { METRIC_NAMESPACE, TRADE_METRICS } from "../contracts/telemetry";
import { MAX_STALE_AFTER_HOURS, minimumStaleAfterHours } from "./config";
import { UTC } from "./time-zones";
import { MAX_ALARM_WARM_UP_MINUTES } from "./platform-rules";
import type { StackConfig } from "./keys";
import { TRADING_FUNCTIONS, type TradingFunctionName } from "./functions";
import { everyRevision, formatArn, parseArn, partitionOf } from "./arn";
import { allow, logStreamsArn, policyDocument, startThroughLive, type PolicyDocument } from "./policies";
import { batchTaskScope } from "./workflow";

/** Every alarm is evaluated over 5-minute periods unless it says otherwise. */
export const ALARM_PERIOD_SECONDS = 300;

export type ComparisonOperator = "GreaterThanOrEqualToThreshold" | "LessThanThreshold";

/** One CloudWatch alarm, before it has a topic to notify. */
export interface AlarmSpec {
    /** Suffix of the resource name, unique per stack. */
    id: string;
    description: string;
    namespace: string;
    metricName: string;
    /** The metric's dimensions, once the watched resources have their names. */
    dimensions: (resources: MonitoredResources) => Record<string, string>;
    statistic: "Sum";
    period: number;
    evaluationPeriods: number;
    datapointsToAlarm: number;
    threshold: number;
    comparisonOperator: ComparisonOperator;
    treatMissingData: "notBreaching" | "breaching";
    /** How long the alarm waits after it is created before it evaluates, if at all (an update does not warm it up again). */
    warmUpMinutes?: number;
    /**
     * Whether a deploy that moves `live` to a new version rolls back when this alarm fires: the
     * alarms on executions that ended badly. Throttling, function errors that a retry absorbed
     * and the schedule's staleness say nothing about the new version.
     */
    rollsBack: boolean;
}

/** The deployed names the alarms and the dashboard watch. */
export interface MonitoredResources {
    region: string;
    /** The stack's name: the trade metrics' Stack dimension. */
    stack: string;
    stateMachineArn: string;
    functionNames: Record<TradingFunctionName, string>;
    tableName: string;
    /** The queue the schedule sends the starts it could not make to. */
    deadLetterQueueName: string;
}

export type MonitoringConfig = Pick<StackConfig, "scheduleEnabled" | "staleAfterHours" | "scheduleExpression" | "scheduleTimezone">;

/**
 * The state machine's failure metrics (AWS/States). One occurrence is worth a look: each of
 * them means a trade that did not complete, or executions that could not start.
 */
export const STATE_MACHINE_FAILURE_METRICS = [
    { metricName: "ExecutionsFailed", why: "an execution failed: a step ran out of retries or the batch job failed", rollsBack: true },
    { metricName: "ExecutionsTimedOut", why: "an execution ran past executionTimeoutSeconds", rollsBack: true },
    { metricName: "ExecutionsAborted", why: "an execution was stopped before it ended", rollsBack: true },
    { metricName: "ExecutionThrottled", why: "Step Functions throttled state transitions of this state machine", rollsBack: false },
] as const;

const onOccurrence = (
    id: string,
    description: string,
    namespace: string,
    metricName: string,
    dimensions: AlarmSpec["dimensions"],
    rollsBack = false,
): AlarmSpec => ({
    id,
    description,
    namespace,
    metricName,
    dimensions,
    statistic: "Sum",
    period: ALARM_PERIOD_SECONDS,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    threshold: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    // No data means nothing happened, which for a failure metric is good news.
    treatMissingData: "notBreaching",
    rollsBack,
});

const kebab = (name: string) => name.replace(/([a-z])([A-Z])/g, "$1-$2").toLowerCase();

/** Every alarm of the stack, in a fixed order: which exist depends on the config alone. */
export function alarmSpecs(config: MonitoringConfig): AlarmSpec[] {
    const byStateMachine = (resources: MonitoredResources) => ({ StateMachineArn: resources.stateMachineArn });
    const alarms = [
        ...STATE_MACHINE_FAILURE_METRICS.map(({ metricName, why, rollsBack }) =>
            onOccurrence(kebab(metricName), `${why}.`, "AWS/States", metricName, byStateMachine, rollsBack),
        ),
        ...TRADING_FUNCTIONS.map((fn) =>
            onOccurrence(`${fn}-errors`, `${fn} returned an error (each retry counts).`, "AWS/Lambda", "Errors", (resources) => ({
                FunctionName: resources.functionNames[fn],
            })),
        ),
        // A start the schedule could not make, even after its retries, lands in the dead-letter
        // queue at once; without this alarm only the staleness alarm would say so, hours later.
        onOccurrence(
            "scheduled-start-failed",
            "a scheduled start failed after its retries and is in the schedule's dead-letter queue.",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            (resources) => ({ QueueName: resources.deadLetterQueueName }),
        ),
    ];
    if (config.scheduleEnabled && config.staleAfterHours !== undefined) {
        // Hourly datapoints, so the window is exactly staleAfterHours; no data at all means no
        // execution succeeded, which is the very thing to report. The config derives the window
        // from the schedule's longest gap, and leaves it unset where CloudWatch cannot look back
        // that far (staleAlarmNotice says so). Right after the deploy that creates it, the window holds hours before
        // the schedule's first run, which would page: the alarm warms up until that run has had
        // time to succeed (staleAlarmWarmUpMinutes).
        alarms.push({
            id: "no-recent-success",
            description: `No execution has succeeded for ${config.staleAfterHours} hour(s) although the schedule is on.`,
            namespace: "AWS/States",
            metricName: "ExecutionsSucceeded",
            dimensions: byStateMachine,
            statistic: "Sum",
            period: 3600,
            evaluationPeriods: config.staleAfterHours,
            datapointsToAlarm: config.staleAfterHours,
            threshold: 1,
            comparisonOperator: "LessThanThreshold",
            treatMissingData: "breaching",
            warmUpMinutes: staleAlarmWarmUpMinutes(config),
            rollsBack: false,
        });
    }
    return alarms;
}

/**
 * The no-recent-success alarm's warm-up: the least window that holds the schedule's first run
 * after a deploy and its success (minimumStaleAfterHours), within the longest warm-up CloudWatch
 * allows. A schedule whose first run may come later than that can still page once after the deploy that creates the alarm.
 */
export function staleAlarmWarmUpMinutes({ scheduleExpression, scheduleTimezone }: Pick<StackConfig, "scheduleExpression" | "scheduleTimezone">): number {
    return Math.min((minimumStaleAfterHours(scheduleExpression, scheduleTimezone) ?? Infinity) * 60, MAX_ALARM_WARM_UP_MINUTES);
}

/**
 * Why a stack with its schedule on has no no-recent-success alarm: its runs are further apart than
 * an alarm can look back. Undefined when the alarm exists or the schedule is off.
 */
export function staleAlarmNotice(config: MonitoringConfig): string | undefined {
    return config.scheduleEnabled && config.staleAfterHours === undefined
        ? `no no-recent-success alarm: ${config.scheduleExpression} leaves more than ${MAX_STALE_AFTER_HOURS - 1} hours between runs` +
              `${config.scheduleTimezone === UTC ? "" : ` in ${config.scheduleTimezone}`}, ` +
              `and a CloudWatch alarm looks back at most ${MAX_STALE_AFTER_HOURS} hours; the failure alarms still watch every execution`
        : undefined;
}

type MetricRow = (string | { stat?: string; label?: string })[];

interface Widget {
    type: "metric" | "alarm";
    x: number;
    y: number;
    width: number;
    height: number;
    properties: Record<string, unknown>;
}

const WIDTH = 12;
const HEIGHT = 6;

/**
 * The dashboard: the executions, their duration, each function, the table, the trades by type
 * and their price, and the alarms' states. Two widgets a row, in a fixed order.
 */
export function dashboardBody(resources: MonitoredResources, alarmArns: string[]): string {
    const sm = resources.stateMachineArn;
    const metric = (title: string, metrics: MetricRow[], stat = "Sum"): Omit<Widget, "x" | "y"> => ({
        type: "metric",
        width: WIDTH,
        height: HEIGHT,
        properties: { title, region: resources.region, view: "timeSeries", stacked: false, period: ALARM_PERIOD_SECONDS, stat, metrics },
    });
    const widgets: Omit<Widget, "x" | "y">[] = [
        metric(
            "Executions",
            ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut"].map((name) => ["AWS/States", name, "StateMachineArn", sm]),
        ),
        metric(
            "Execution duration (ms)",
            ["p50", "p90", "p99"].map((stat) => ["AWS/States", "ExecutionTime", "StateMachineArn", sm, { stat, label: stat }]),
            "p50",
        ),
        ...TRADING_FUNCTIONS.map((fn) =>
            metric(`${fn}: invocations, errors, duration (ms, p90)`, [
                ["AWS/Lambda", "Invocations", "FunctionName", resources.functionNames[fn]],
                ["AWS/Lambda", "Errors", "FunctionName", resources.functionNames[fn]],
                ["AWS/Lambda", "Duration", "FunctionName", resources.functionNames[fn], { stat: "p90" }],
            ]),
        ),
        metric("TransactionTable: consumed write units, throttled writes", [
            ["AWS/DynamoDB", "ConsumedWriteCapacityUnits", "TableName", resources.tableName],
            ["AWS/DynamoDB", "WriteThrottleEvents", "TableName", resources.tableName],
        ]),
        ...(
            [
                ["Trades by type", TRADE_METRICS.trades, "Sum"],
                ["Traded price by type (average)", TRADE_METRICS.price, "Average"],
            ] as const
        ).map(([title, name, stat]) =>
            metric(
                title,
                TRADE_TYPES.map((type) => [METRIC_NAMESPACE, name, "Stack", resources.stack, "TradeType", type, { label: type }]),
                stat,
            ),
        ),
        { type: "alarm", width: 2 * WIDTH, height: HEIGHT, properties: { title: "Alarms", alarms: alarmArns } },
    ];
    let x = 0;
    let y = 0;
    const placed = widgets.map((widget) => {
        if (x + widget.width > 2 * WIDTH) {
            x = 0;
            y += HEIGHT;
        }
        const at = { type: widget.type, x, y, width: widget.width, height: widget.height, properties: widget.properties };
        x += widget.width;
        return at;
    });
    return JSON.stringify({ widgets: placed });
}

/** What operators run and read: the state machine, every log group the workflow writes, the batch task, and the dashboard. */
export interface OperatedResources {
    stateMachineArn: string;
    /** The stack's dashboard and the alarms it shows, which the console reads for the dashboard's link. */
    dashboardArn: string;
    alarmArns: string[];
    /** The state machine's, the batch container's and each function's log group. */
    logGroupArns: string[];
    batch: { clusterArn: string; taskDefinitionArn: string; taskExecutionRoleArn: string; taskRoleArn: string };
    /** The CloudFormation stack that holds `live`, by name: rolling back goes through it. */
    liveStackName: string;
    /** The queue the starts the schedule could not make land in, which an operator reads and clears. */
    deadLetterQueueArn: string;
}

/**
 * What running and inspecting this workflow needs, on this state machine only: start it, follow,
 * stop and redrive its executions, read its own logs, and run its batch task again for a trade
 * (`npm run execute -- --rerun-batch`): RunTask of the task definition (any revision, as a failed
 * execution may name an older one) on this cluster only, describing and tagging this cluster's
 * tasks, and passing the task's two roles to ECS tasks; moving `live` back to an earlier version
 * through its CloudFormation stack (`npm run live -- rollback`), whose own service role does the
 * moving; reading and clearing the schedule's dead-letter queue, the starts it could not make; and
 * what the console reads to show the state machine, its executions and the dashboard that the
 * stack's links open. Nothing else changes infrastructure.
 */
export function operatorPolicy(resources: OperatedResources): PolicyDocument {
    const sm = parseArn(resources.stateMachineArn);
    const name = sm.resource.replace(/^stateMachine:/, "");
    const executions = formatArn({ ...sm, resource: `execution:${name}:*` });
    const groups = resources.logGroupArns;
    const { batch } = resources;
    const scope = batchTaskScope(batch.clusterArn);
    return policyDocument(
        startThroughLive("StartTradingExecutions", resources.stateMachineArn),
        allow(
            "OperateTradingExecutions",
            [
                "states:DescribeExecution",
                "states:DescribeStateMachineForExecution",
                "states:GetExecutionHistory",
                "states:StopExecution",
                "states:RedriveExecution",
            ],
            executions,
        ),
        allow(
            "ReadStateMachineInConsole",
            [
                "states:DescribeStateMachine",
                "states:DescribeStateMachineAlias",
                "states:ListExecutions",
                "states:ListStateMachineAliases",
                "states:ListStateMachineVersions",
                "states:ListTagsForResource",
            ],
            resources.stateMachineArn,
        ),
        allow("ReadDashboard", "cloudwatch:GetDashboard", resources.dashboardArn),
        allow("ReadDashboardAlarms", "cloudwatch:DescribeAlarms", resources.alarmArns),
        // GetMetricData, which draws the dashboard's graphs, supports no resource narrower than "*".
        allow("ReadDashboardMetrics", "cloudwatch:GetMetricData", "*"),
        allow("ReadWorkflowLogs", ["logs:DescribeLogStreams", "logs:FilterLogEvents", "logs:GetLogEvents"], [...groups, ...groups.map(logStreamsArn)]),
        allow("ReadFailedStarts", ["sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"], resources.deadLetterQueueArn),
        allow("RerunBatchTask", "ecs:RunTask", everyRevision(batch.taskDefinitionArn), scope.onCluster),
        allow("FollowBatchTasks", "ecs:DescribeTasks", scope.tasks),
        allow("TagBatchTasks", "ecs:TagResource", scope.tasks, scope.createdByRunTask),
        allow("PassBatchTaskRoles", "iam:PassRole", [batch.taskExecutionRoleArn, batch.taskRoleArn], scope.passedToEcsTasks),
        // A stack's service role acts for whoever updates it: updating the stack needs no PassRole.
        allow(
            "RollBackLive",
            ["cloudformation:DescribeStackEvents", "cloudformation:DescribeStacks", "cloudformation:UpdateStack"],
            formatArn({ ...sm, service: "cloudformation", resource: `stack/${resources.liveStackName}/*` }),
        ),
    );
}

/** Who publishes to the alarm topic through its own policy, and what each notification carries (CloudWatch's alarm state change message). */
export const ALARM_NOTIFICATIONS = {
    who: "CloudWatch alarms of this account",
    carry: "an alarm's state change: its name, its description, its state and the reason, with the metric's figures; no trade data",
} as const;

/** Only CloudWatch alarms of this account may publish to the alarm topic. */
export function alarmTopicPolicy(topicArn: string): PolicyDocument {
    const topic = parseArn(topicArn);
    return policyDocument({
        Sid: "CloudWatchAlarmsOfThisAccount",
        Effect: "Allow",
        Principal: { Service: "cloudwatch.amazonaws.com" },
        Action: "sns:Publish",
        Resource: topicArn,
        Condition: {
            StringEquals: { "aws:SourceAccount": topic.account },
            ArnLike: { "aws:SourceArn": formatArn({ ...topic, service: "cloudwatch", resource: "alarm:*" }) },
        },
    });
}

/**
 * The console's address in each partition that has a public one (AWS General Reference,
 * "AWS Management Console endpoints"; China's at console.amazonaws.cn, GovCloud's at
 * console.amazonaws-us-gov.com). The isolated partitions have none, so their stacks get no link.
 */
const CONSOLE_HOSTS: Readonly<Record<string, (region: string) => string>> = {
    aws: (region) => `https://${region}.console.aws.amazon.com`,
    "aws-cn": () => "https://console.amazonaws.cn",
    "aws-us-gov": () => "https://console.amazonaws-us-gov.com",
};

/** A console page of the region's partition, or undefined where the partition has no public console. */
function consolePage(region: string, service: string, fragment: string): string | undefined {
    const host = CONSOLE_HOSTS[partitionOf(region)];
    return host && `${host(region)}/${service}/home?region=${region}#${fragment}`;
}

export function dashboardUrl(region: string, dashboardName: string): string | undefined {
    return consolePage(region, "cloudwatch", `dashboards/dashboard/${encodeURIComponent(dashboardName)}`);
}

export function stateMachineConsoleUrl(stateMachineArn: string): string | undefined {
    return consolePage(parseArn(stateMachineArn).region, "states", `/statemachines/view/${encodeURIComponent(stateMachineArn)}`);
}
