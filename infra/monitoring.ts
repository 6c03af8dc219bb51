import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { stackScopedName } from "../model/names";
import { byFunction } from "../model/functions";
import type { StackConfig } from "../model/config";
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
import type { BatchJob } from "./batch";
import type { TradingFunctions } from "./functions";
import type { TransactionTable } from "./table";
import type { TradingWorkflow } from "./workflow";

export interface WorkflowMonitoringArgs {
    /** The state machine whose executions are watched and operated. */
    readonly workflow: TradingWorkflow;
    /** The functions whose errors are watched. */
    readonly functions: TradingFunctions;
    /** The table whose writes the dashboard shows. */
    readonly table: TransactionTable;
    /** The batch job, whose log group operators may read. */
    readonly batch: BatchJob;
    /** The stack settings the alarms use: the schedule, the stale-success window and the address to notify. */
    readonly config: Pick<StackConfig, "scheduleEnabled" | "scheduleExpression" | "staleAfterHours" | "alarmEmail">;
}

/**
 * What an on-call engineer needs: alarms on failed, timed-out, aborted and throttled executions
 * and on each function's errors (and, with the schedule on, on no recent success), all sent to
 * one SNS topic; a dashboard; and a policy that lets a person or a CI role run and inspect this
 * workflow and nothing else.
 */
export class WorkflowMonitoring extends pulumi.ComponentResource {
    readonly alarmTopic: aws.sns.Topic;
    readonly alarms: aws.cloudwatch.MetricAlarm[];
    readonly dashboard: aws.cloudwatch.Dashboard;
    readonly dashboardUrl: pulumi.Output<string | undefined>;
    readonly stateMachineConsoleUrl: pulumi.Output<string | undefined>;
    readonly operatorPolicy: aws.iam.Policy;

    constructor(name: string, args: WorkflowMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
        super("stock-trader:operations:WorkflowMonitoring", name, {}, opts);
        const parent = { parent: this };
        const { config, workflow, functions, table, batch } = args;

        // Not encrypted: alarm notifications carry no data of the workflow's, and the AWS-managed
        // alias/aws/sns key would not let CloudWatch publish.
        this.alarmTopic = new aws.sns.Topic(`${name}-alarms`, {}, parent);
        new aws.sns.TopicPolicy(
            `${name}-alarms-policy`,
            { arn: this.alarmTopic.arn, policy: this.alarmTopic.arn.apply((arn) => JSON.stringify(alarmTopicPolicy(arn))) },
            parent,
        );
        if (config.alarmEmail) {
            new aws.sns.TopicSubscription(`${name}-alarm-email`, { topic: this.alarmTopic.arn, protocol: "email", endpoint: config.alarmEmail }, parent);
        }

        const region = aws.getRegionOutput({}, parent).region;
        const monitored: pulumi.Output<MonitoredResources> = pulumi.output({
            region,
            stack: pulumi.getStack(),
            stateMachineArn: workflow.stateMachine.arn,
            functionNames: byFunction((fn) => functions.functions[fn].name),
            tableName: table.table.name,
        });

        const notice = staleAlarmNotice(config);
        if (notice !== undefined) {
            void pulumi.log.warn(notice, this);
        }
        this.alarms = alarmSpecs(config).map(
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
                        alarmActions: [this.alarmTopic.arn],
                        okActions: [this.alarmTopic.arn],
                    },
                    parent,
                ),
        );

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
                    })
                    .apply((resources) => JSON.stringify(operatorPolicy(resources))),
            },
            parent,
        );

        this.registerOutputs({
            alarmTopicArn: this.alarmTopic.arn,
            dashboardName: this.dashboard.dashboardName,
            dashboardUrl: this.dashboardUrl,
            operatorPolicyArn: this.operatorPolicy.arn,
        });
    }
}
