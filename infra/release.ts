import * as aws from "@pulumi/aws";
import * as native from "@pulumi/aws-native";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../model/config";
import { aliasUpdateTimeoutMinutes, deploymentPreference, deploymentSummary, isGradual, LIVE_ALIAS } from "../model/deployment";
import { serviceTrustPolicy, startExecutionPolicy } from "../model/policies";
import type { WorkflowMonitoring } from "./monitoring";
import type { TradingWorkflow } from "./workflow";

export interface WorkflowReleaseArgs {
    readonly workflow: TradingWorkflow;
    /** The alarms whose firing rolls a deploy back: the monitoring's execution alarms. */
    readonly monitoring: WorkflowMonitoring;
    readonly config: Pick<StackConfig, "deploymentType" | "deploymentPercentage" | "deploymentIntervalMinutes" | "scheduleEnabled" | "scheduleExpression">;
}

/**
 * How executions reach the state machine: the `live` alias, which CloudFormation's alias handler
 * (through Cloud Control) moves to each new version as the stack's deployment preference says,
 * rolling back when an execution alarm fires; and the schedule, which starts through `live`.
 */
export class WorkflowRelease extends pulumi.ComponentResource {
    readonly alias: native.stepfunctions.StateMachineAlias;

    constructor(name: string, args: WorkflowReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("stock-trader:workflow:WorkflowRelease", name, {}, opts);
        const parent = { parent: this };
        const { config, workflow, monitoring } = args;
        const { stateMachine } = workflow;

        // aws-native reaches Cloud Control in the region the AWS provider deploys to.
        const region = aws.getRegionOutput({}, parent).region;
        const provider = new native.Provider(`${name}-cloud-control`, { region: region as pulumi.Output<native.Region> }, parent);
        const rollbackAlarms = monitoring.rollbackAlarms.map((alarm) => alarm.name);
        const timeout = `${aliasUpdateTimeoutMinutes(config)}m`;
        this.alias = new native.stepfunctions.StateMachineAlias(
            `${name}-live`,
            {
                name: LIVE_ALIAS,
                description: "The version in service: every execution starts here",
                deploymentPreference: pulumi
                    .all([stateMachine.stateMachineVersionArn, pulumi.all(rollbackAlarms)])
                    .apply(([versionArn, alarms]) => deploymentPreference(config, versionArn, alarms)),
            },
            // The alarms exist before the handler watches them; an update waits out the shift.
            { parent: this, provider, dependsOn: monitoring.rollbackAlarms, customTimeouts: { create: timeout, update: timeout } },
        );
        if (isGradual(config.deploymentType)) {
            // The alias's update runs for the whole shift; this says why `pulumi up` waits.
            void pulumi.log.info(deploymentSummary(config), this);
        }

        // The schedule was the workflow's child before the alias existed; the aliases keep its
        // resources, so moving it here replaces nothing.
        const moved = { aliases: [{ parent: workflow }] };
        const account = aws.getCallerIdentityOutput({}, parent).accountId;
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
            { rule: rule.name, arn: this.alias.arn, roleArn: scheduleRole.arn },
            { parent: this, dependsOn: [schedulePolicy], ...moved },
        );

        this.registerOutputs({ stateMachineAliasArn: this.alias.arn });
    }
}
