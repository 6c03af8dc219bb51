import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { liveStackName, stackScopedName } from "../model/names";
import { byFunction } from "../model/functions";
import { componentSettings, type StackConfig } from "../model/config";
import { SQS_MAX_RETENTION_SECONDS } from "../model/limits";
import {
    alarmSpecs,
    dashboardBody,
    dashboardUrl,
    operatorPolicy,
    staleAlarmNotice,
    stateMachineConsoleUrl,
    type MonitoredResources,
} from "../model/monitoring";
import type { AlarmTopic } from "./alarm-topic";
import type { BatchJob } from "./batch";
import type { TradingFunctions } from "./functions";
import type { TransactionTable } from "./table";
import type { TradingWorkflow } from "./workflow";

export interface WorkflowMonitoringArgs {
    /** Where the alarms send their notifications. */
    readonly alarmTopic: AlarmTopic;
    /** The state machine whose executions are watched and operated. */
    readonly workflow: TradingWorkflow;
    /** The functions whose errors are watched. */
    readonly functions: TradingFunctions;
    /** The table whose writes the dashboard shows. */
    readonly table: TransactionTable;
    /** The batch job, whose log group operators may read. */
    readonly batch: BatchJob;
    /** Whether the schedule starts executions, which adds the no-recent-success alarm. @default false */
    readonly scheduleEnabled?: boolean;
    /** The schedule the stale-success window is derived from. @default "rate(1 hour)" */
    readonly scheduleExpression?: string;
    /** The zone the schedule's cron is read in, daylight saving included. @default "UTC" */
    readonly scheduleTimezone?: string;
    /** Hours without a successful execution that raise the no-recent-success alarm. @default the schedule's longest gap rounded up, plus 2 */
    readonly staleAfterHours?: number;
}

/** The monitoring's arguments, but what it watches, from a stack's validated config. */
export const workflowMonitoringArgs = (
    config: Pick<StackConfig, "scheduleEnabled" | "scheduleExpression" | "scheduleTimezone" | "staleAfterHours">,
): Pick<WorkflowMonitoringArgs, "scheduleEnabled" | "scheduleExpression" | "scheduleTimezone" | "staleAfterHours"> => ({
    scheduleEnabled: config.scheduleEnabled,
    scheduleExpression: config.scheduleExpression,
    scheduleTimezone: config.scheduleTimezone,
    staleAfterHours: config.staleAfterHours,
});

/**
 * What an on-call engineer needs: alarms on failed, timed-out, aborted and throttled executions,
 * on each function's errors, on starts the schedule could not make (and, with the schedule on, on
 * no recent success), all sent to the alarm topic; the dead-letter queue those starts land in; a
 * dashboard; and a policy that lets a person or a CI role run and inspect this workflow and
 * nothing else.
 */
export class WorkflowMonitoring extends pulumi.ComponentResource {
    readonly alarms: aws.cloudwatch.MetricAlarm[];
    /** The alarms a deploy that moves `live` watches, and rolls back on (AlarmSpec.rollsBack). */
    readonly rollbackAlarms: aws.cloudwatch.MetricAlarm[];
    readonly dashboard: aws.cloudwatch.Dashboard;
    readonly dashboardUrl: pulumi.Output<string | undefined>;
    readonly stateMachineConsoleUrl: pulumi.Output<string | undefined>;
    readonly operatorPolicy: aws.iam.Policy;
    /** Where the schedule sends a start it could not make, after its retries: encrypted, kept as long as SQS keeps anything. */
    readonly deadLetterQueue: aws.sqs.Queue;

    constructor(name: string, args: WorkflowMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        const config = componentSettings("WorkflowMonitoring", {
            scheduleEnabled: ["scheduleEnabled", args.scheduleEnabled],
            scheduleExpression: ["scheduleExpression", args.scheduleExpression],
            scheduleTimezone: ["scheduleTimezone", args.scheduleTimezone],
            staleAfterHours: ["staleAfterHours", args.staleAfterHours],
        });
        super("stock-trader:operations:WorkflowMonitoring", name, {}, opts);
        const parent = { parent: this };
        const { workflow, functions, table, batch, alarmTopic } = args;

        const alarmTopicArn = alarmTopic.topic.arn;
        this.deadLetterQueue = new aws.sqs.Queue(
            `${name}-failed-starts`,
            // SQS-managed encryption: Scheduler, which sends as the schedule's role, needs no key policy.
            { sqsManagedSseEnabled: true, messageRetentionSeconds: SQS_MAX_RETENTION_SECONDS },
            parent,
        );

        const region = aws.getRegionOutput({}, parent).region;
        const monitored: pulumi.Output<MonitoredResources> = pulumi.output({
            region,
            stack: pulumi.getStack(),
            stateMachineArn: workflow.stateMachine.arn,
            functionNames: byFunction((fn) => functions.functions[fn].name),
            tableName: table.table.name,
            deadLetterQueueName: this.deadLetterQueue.name,
        });

        const notice = staleAlarmNotice(config);
        if (notice !== undefined) {
            void pulumi.log.warn(notice, this);
        }
        const specs = alarmSpecs(config);
        this.alarms = specs.map(
            (spec) =>
                new aws.cloudwatch.MetricAlarm(
                    `${name}-${spec.id}`,
                    {
                        alarmDescription: spec.description,
                        namespace: spec.namespace,
                        metricName: spec.metricName,
                        dimensions: monitored.apply(spec.dimensions),
                        statistic: spec.statistic,
                        period: spec.period,
                        evaluationPeriods: spec.evaluationPeriods,
                        datapointsToAlarm: spec.datapointsToAlarm,
                        threshold: spec.threshold,
                        comparisonOperator: spec.comparisonOperator,
                        treatMissingData: spec.treatMissingData,
                        ...(spec.warmUpMinutes === undefined
                            ? {}
                            : { warmUpConfiguration: { warmUpPeriodDurationInMinutes: spec.warmUpMinutes, onlyStartEvaluatingAfterWarmUpPeriodEnds: true } }),
                        alarmActions: [alarmTopicArn],
                        okActions: [alarmTopicArn],
                    },
                    parent,
                ),
        );

        this.rollbackAlarms = this.alarms.filter((_, i) => specs[i].rollsBack);

        this.dashboard = new aws.cloudwatch.Dashboard(
            `${name}-dashboard`,
            {
                dashboardName: stackScopedName(pulumi.getProject(), pulumi.getStack()),
                dashboardBody: pulumi
                    .all([monitored, pulumi.all(this.alarms.map((alarm) => alarm.arn))])
                    .apply(([resources, alarmArns]) => dashboardBody(resources, alarmArns)),
            },
            parent,
        );
        this.dashboardUrl = pulumi.all([region, this.dashboard.dashboardName]).apply(([r, dashboard]) => dashboardUrl(r, dashboard));
        this.stateMachineConsoleUrl = workflow.stateMachine.arn.apply(stateMachineConsoleUrl);

        this.operatorPolicy = new aws.iam.Policy(
            `${name}-operator-policy`,
            {
                // The description is fixed: changing it replaces the policy, detaching it from every
                // person and role it is attached to.
                description: "Run, follow, stop and redrive executions of the stock-trader workflow, read its logs and its dashboard, and rerun its batch task",
                policy: pulumi
                    .output({
                        stateMachineArn: workflow.stateMachine.arn,
                        dashboardArn: this.dashboard.dashboardArn,
                        alarmArns: this.alarms.map((alarm) => alarm.arn),
                        logGroupArns: [workflow.logGroup.arn, batch.logGroup.arn, ...Object.values(functions.logGroups).map((group) => group.arn)],
                        batch: {
                            clusterArn: batch.cluster.arn,
                            taskDefinitionArn: batch.taskDefinitionArn,
                            taskExecutionRoleArn: batch.executionRole.arn,
                            taskRoleArn: batch.taskRole.arn,
                        },
                        liveStackName: liveStackName(pulumi.getProject(), pulumi.getStack()),
                        deadLetterQueueArn: this.deadLetterQueue.arn,
                    })
                    .apply((resources) => JSON.stringify(operatorPolicy(resources))),
            },
            parent,
        );

        this.registerOutputs({
            dashboardName: this.dashboard.dashboardName,
            dashboardUrl: this.dashboardUrl,
            operatorPolicyArn: this.operatorPolicy.arn,
        });
    }
}
