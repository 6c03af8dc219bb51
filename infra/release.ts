import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as time from "@pulumiverse/time";
import { componentSettings, type DeploymentType, type StackConfig } from "../model/config";
import { BAKE_MINUTES_TAG, deploymentSummary, isGradual, LIVE_ALIAS_OUTPUT, liveParameters, liveStackTimeoutMinutes, liveTemplate } from "../model/deployment";
import { liveStackName } from "../model/names";
import { IAM_PROPAGATION_SECONDS } from "../model/platform-rules";
import { liveStackPolicy, serviceTrustPolicy, startExecutionPolicy } from "../model/policies";
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
}

type ReleaseKeys = "deploymentType" | "deploymentPercentage" | "deploymentIntervalMinutes" | "bakeMinutes" | "scheduleEnabled" | "scheduleExpression";

/** The release's arguments, but the workflow and its alarms, from a stack's validated config. */
export const workflowReleaseArgs = (config: Pick<StackConfig, ReleaseKeys>): Pick<WorkflowReleaseArgs, ReleaseKeys> => ({
    deploymentType: config.deploymentType,
    deploymentPercentage: config.deploymentPercentage,
    deploymentIntervalMinutes: config.deploymentIntervalMinutes,
    bakeMinutes: config.bakeMinutes,
    scheduleEnabled: config.scheduleEnabled,
    scheduleExpression: config.scheduleExpression,
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

    constructor(name: string, args: WorkflowReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
        const config = componentSettings("WorkflowRelease", {
            deploymentType: ["deploymentType", args.deploymentType],
            deploymentPercentage: ["deploymentPercentage", args.deploymentPercentage],
            deploymentIntervalMinutes: ["deploymentIntervalMinutes", args.deploymentIntervalMinutes],
            bakeMinutes: ["bakeMinutes", args.bakeMinutes],
            scheduleEnabled: ["scheduleEnabled", args.scheduleEnabled],
            scheduleExpression: ["scheduleExpression", args.scheduleExpression],
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
        const scheduleRole = new aws.iam.Role(
            `${name}-schedule-role`,
            { assumeRolePolicy: account.apply((id) => JSON.stringify(serviceTrustPolicy("events.amazonaws.com", id))) },
            { parent: this, ...moved },
        );
        const schedulePolicy = new aws.iam.RolePolicy(
            `${name}-schedule-policy`,
            { role: scheduleRole.id, policy: stateMachine.arn.apply((arn) => JSON.stringify(startExecutionPolicy(arn))) },
            { parent: this, ...moved },
        );
        const rule = new aws.cloudwatch.EventRule(
            `${name}-schedule`,
            {
                description: "Starts a stock-trading execution",
                scheduleExpression: config.scheduleExpression,
                state: config.scheduleEnabled ? "ENABLED" : "DISABLED",
            },
            { parent: this, ...moved },
        );
        new aws.cloudwatch.EventTarget(
            `${name}-schedule-target`,
            { rule: rule.name, arn: this.aliasArn, roleArn: scheduleRole.arn },
            { parent: this, dependsOn: [schedulePolicy], ...moved },
        );

        this.registerOutputs({ stateMachineAliasArn: this.aliasArn, liveStackName: this.liveStack.name });
    }
}
