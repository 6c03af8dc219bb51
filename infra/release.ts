import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as time from "@pulumiverse/time";
import { componentSettings, type DeploymentType, type StackConfig } from "../model/config";
import { BAKE_MINUTES_TAG, deploymentSummary, isGradual, LIVE_ALIAS_OUTPUT, liveParameters, liveStackTimeoutMinutes, liveTemplate } from "../model/deployment";
import { liveStackName } from "../model/names";
import { IAM_PROPAGATION_SECONDS } from "../model/platform-rules";
import { parseArn } from "../model/arn";
import { liveStackPolicy, scheduleRolePolicy, serviceTrustPolicy } from "../model/policies";
import { SCHEDULE_RETRY_ATTEMPTS, SCHEDULE_RETRY_MAX_AGE_SECONDS } from "../model/limits";
import { scheduledStartRequest, scheduledStartTarget } from "../model/schedule";
import type { WorkflowMonitoring } from "./monitoring";
import type { TradingWorkflow } from "./workflow";

export interface WorkflowReleaseArgs {
    readonly workflow: TradingWorkflow;
    /** The alarms whose firing rolls a deploy back: the monitoring's execution alarms. */
    readonly monitoring: WorkflowMonitoring;
    /** How `live` moves to a new version: at once, a canary, or linear steps, rolling back on an execution alarm. @default "ALL_AT_ONCE" */
    readonly deploymentType?: DeploymentType;
    /** With CANARY or LINEAR, the percentage each step moves. @default 10 */
    readonly deploymentPercentage?: number;
    /** With CANARY or LINEAR, the minutes between steps. @default 10 */
    readonly deploymentIntervalMinutes?: number;
    /** How long the deploy job watches the rollback alarms once `live` has moved; with the shift, at most 300 minutes. @default 10 */
    readonly bakeMinutes?: number;
    /** Start an execution on `scheduleExpression`, through `live`. @default false */
    readonly scheduleEnabled?: boolean;
    /** When the schedule starts executions. @default "rate(1 hour)" */
    readonly scheduleExpression?: string;
    /** The zone the schedule's cron is read in, daylight saving included. @default "UTC" */
    readonly scheduleTimezone?: string;
}

type ReleaseKeys =
    "deploymentType" | "deploymentPercentage" | "deploymentIntervalMinutes" | "bakeMinutes" | "scheduleEnabled" | "scheduleExpression" | "scheduleTimezone";

/** The release's arguments, but the workflow and its alarms, from a stack's validated config. */
export const workflowReleaseArgs = (config: Pick<StackConfig, ReleaseKeys>): Pick<WorkflowReleaseArgs, ReleaseKeys> => ({
    deploymentType: config.deploymentType,
    deploymentPercentage: config.deploymentPercentage,
    deploymentIntervalMinutes: config.deploymentIntervalMinutes,
    bakeMinutes: config.bakeMinutes,
    scheduleEnabled: config.scheduleEnabled,
    scheduleExpression: config.scheduleExpression,
    scheduleTimezone: config.scheduleTimezone,
});

/**
 * How executions reach the state machine: the `live` alias, held by a CloudFormation stack as SAM's
 * AutoPublishAlias deploys it, whose alias handler moves `live` to each new version as the stack's
 * deployment preference says, rolling back when an execution alarm fires; and the schedule, which
 * starts through `live`.
 */
export class WorkflowRelease extends pulumi.ComponentResource {
    /** The stack that holds `live`: every move of `live`, a rollback's included, goes through it. */
    readonly liveStack: aws.cloudformation.Stack;
    readonly aliasArn: pulumi.Output<string>;
    /** The EventBridge Scheduler schedule that starts executions through `live`, and the role it starts them as. */
    readonly schedule: aws.scheduler.Schedule;
    readonly scheduleRole: aws.iam.Role;

    constructor(name: string, args: WorkflowReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
        const config = componentSettings("WorkflowRelease", {
            deploymentType: ["deploymentType", args.deploymentType],
            deploymentPercentage: ["deploymentPercentage", args.deploymentPercentage],
            deploymentIntervalMinutes: ["deploymentIntervalMinutes", args.deploymentIntervalMinutes],
            bakeMinutes: ["bakeMinutes", args.bakeMinutes],
            scheduleEnabled: ["scheduleEnabled", args.scheduleEnabled],
            scheduleExpression: ["scheduleExpression", args.scheduleExpression],
            scheduleTimezone: ["scheduleTimezone", args.scheduleTimezone],
        });
        super("stock-trader:workflow:WorkflowRelease", name, {}, opts);
        const parent = { parent: this };
        const { workflow, monitoring } = args;
        const { stateMachine } = workflow;
        const account = aws.getCallerIdentityOutput({}, parent).accountId;

        // CloudFormation acts on the stack as this role, whoever updates it: it may change this
        // state machine's aliases and read the rollback alarms, nothing else.
        const liveRole = new aws.iam.Role(
            `${name}-live-stack-role`,
            { assumeRolePolicy: account.apply((id) => JSON.stringify(serviceTrustPolicy("cloudformation.amazonaws.com", id))) },
            parent,
        );
        const livePolicyDocument = pulumi
            .all([stateMachine.arn, pulumi.all(monitoring.rollbackAlarms.map((alarm) => alarm.arn))])
            .apply(([stateMachineArn, alarmArns]) => JSON.stringify(liveStackPolicy(stateMachineArn, alarmArns)));
        const livePolicy = new aws.iam.RolePolicy(`${name}-live-stack-policy`, { role: liveRole.id, policy: livePolicyDocument }, parent);
        // IAM is eventually consistent: CloudFormation assumes the role as soon as the stack is
        // created or updated, so the stack waits until a changed policy has had time to be seen.
        const livePolicyPropagated = new time.Sleep(
            `${name}-live-stack-policy-propagation`,
            { createDuration: `${IAM_PROPAGATION_SECONDS}s`, triggers: { policy: livePolicyDocument } },
            { parent: this, dependsOn: [livePolicy] },
        );

        const timeout = `${liveStackTimeoutMinutes(config)}m`;
        this.liveStack = new aws.cloudformation.Stack(
            `${name}-live`,
            {
                name: liveStackName(pulumi.getProject(), pulumi.getStack()),
                templateBody: JSON.stringify(liveTemplate(config)),
                parameters: pulumi
                    .all([stateMachine.stateMachineVersionArn, pulumi.all(monitoring.rollbackAlarms.map((alarm) => alarm.name))])
                    .apply(([versionArn, alarmNames]) => liveParameters(config, versionArn, alarmNames)),
                iamRoleArn: liveRole.arn,
                // A first create that fails leaves nothing behind: a stack in ROLLBACK_COMPLETE can
                // only be deleted, and `pulumi up --refresh` then creates it again.
                onFailure: "DELETE",
                tags: { [BAKE_MINUTES_TAG]: String(config.bakeMinutes) },
            },
            {
                parent: this,
                // The alarms exist before the handler watches them, and the role may act.
                dependsOn: [...monitoring.rollbackAlarms, livePolicy, livePolicyPropagated],
                // An update waits out the shift; the AWS provider's own default is 30 minutes.
                customTimeouts: { create: timeout, update: timeout },
                // A stack deployed before held `live` as an aws-native alias through Cloud Control.
                // The alias finds it, and the stack replaces it: the old alias is deleted first, as
                // CloudFormation's handler refuses to create an alias whose name is taken.
                aliases: [{ type: "aws-native:stepfunctions:StateMachineAlias", name: `${name}-live` }],
                deleteBeforeReplace: true,
            },
        );
        this.aliasArn = this.liveStack.outputs.apply((outputs) => outputs[LIVE_ALIAS_OUTPUT]);
        if (isGradual(config.deploymentType)) {
            // The stack's update runs for the whole shift; this says why `pulumi up` waits.
            void pulumi.log.info(deploymentSummary(config), this);
        }

        // The schedule was the workflow's child before the alias existed; the aliases keep its
        // resources, so moving it here replaces nothing.
        const moved = { aliases: [{ parent: workflow }] };
        const scheduleRole = (this.scheduleRole = new aws.iam.Role(
            `${name}-schedule-role`,
            { assumeRolePolicy: account.apply((id) => JSON.stringify(serviceTrustPolicy("scheduler.amazonaws.com", id))) },
            { parent: this, ...moved },
        ));
        const schedulePolicyDocument = pulumi
            .all([stateMachine.arn, monitoring.deadLetterQueue.arn])
            .apply(([stateMachineArn, queueArn]) => JSON.stringify(scheduleRolePolicy(stateMachineArn, queueArn)));
        const schedulePolicy = new aws.iam.RolePolicy(
            `${name}-schedule-policy`,
            { role: scheduleRole.id, policy: schedulePolicyDocument },
            { parent: this, ...moved },
        );
        // Scheduler checks that it may assume the role when the schedule is created or updated.
        const schedulePolicyPropagated = new time.Sleep(
            `${name}-schedule-policy-propagation`,
            { createDuration: `${IAM_PROPAGATION_SECONDS}s`, triggers: { policy: schedulePolicyDocument, trust: scheduleRole.assumeRolePolicy } },
            { parent: this, dependsOn: [schedulePolicy] },
        );
        // The EventBridge rule that started executions before the schedule moved to EventBridge
        // Scheduler, disabled and without a target. Pulumi deletes what a program drops only after
        // it has created the rest, so a dropped rule would run beside the new schedule for the rest
        // of that deploy; a disabled one goes quiet before the schedule exists (docs/deploying.md,
        // "Upgrading a stack deployed before the schedule moved to EventBridge Scheduler").
        const retiredRule = new aws.cloudwatch.EventRule(
            `${name}-schedule`,
            {
                description: "Retired: the stock-trading schedule runs on EventBridge Scheduler",
                scheduleExpression: config.scheduleExpression,
                state: "DISABLED",
            },
            { parent: this, ...moved },
        );
        this.schedule = new aws.scheduler.Schedule(
            `${name}-scheduler`,
            {
                description: "Starts a stock-trading execution through live",
                scheduleExpression: config.scheduleExpression,
                scheduleExpressionTimezone: config.scheduleTimezone,
                state: config.scheduleEnabled ? "ENABLED" : "DISABLED",
                flexibleTimeWindow: { mode: "OFF" },
                target: {
                    arn: stateMachine.arn.apply((arn) => scheduledStartTarget(parseArn(arn).partition)),
                    roleArn: scheduleRole.arn,
                    input: this.aliasArn.apply((aliasArn) => JSON.stringify(scheduledStartRequest(aliasArn))),
                    retryPolicy: { maximumRetryAttempts: SCHEDULE_RETRY_ATTEMPTS, maximumEventAgeInSeconds: SCHEDULE_RETRY_MAX_AGE_SECONDS },
                    deadLetterConfig: { arn: monitoring.deadLetterQueue.arn },
                },
            },
            { parent: this, dependsOn: [retiredRule, schedulePolicyPropagated] },
        );

        this.registerOutputs({ stateMachineAliasArn: this.aliasArn, liveStackName: this.liveStack.name });
    }
}
