import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as time from "@pulumiverse/time";
import { componentSettings, type BatchCapacity, type LogLevel, type StackConfig } from "../model/config";
import { IAM_PROPAGATION_SECONDS } from "../model/platform-rules";
import { VERSIONS_TO_KEEP_TAG } from "../model/deployment";
import { logStreamsArn, serviceTrustPolicy } from "../model/policies";
import { byFunction } from "../model/functions";
import { buildWorkflow, type WorkflowConfig, type WorkflowResources } from "../model/workflow";
import type { BatchJob } from "./batch";
import type { TradingFunctions } from "./functions";
import type { TransactionTable } from "./table";

export interface TradingWorkflowArgs {
    /** What the Task states call: the functions, the table and the batch job, as the model takes them. */
    readonly resources: pulumi.Input<WorkflowResources>;
    /** A price at or below this buys, above it sells: 0 to 99. @default 50 */
    readonly buyThreshold?: number;
    /** The arguments `Run ECS task` gives the batch program, which its contract must accept. @default the contract's example */
    readonly batchCommand?: readonly string[];
    /** How long `Run ECS task` waits for the batch task. @default 3600 */
    readonly batchTimeoutSeconds?: number;
    /** How long an execution may run before it times out. @default the longest successful run, rounded up to the minute */
    readonly executionTimeoutSeconds?: number;
    /** The batch job's capacity: on Fargate Spot, an interruption runs the batch again. @default "FARGATE" */
    readonly batchCapacity?: BatchCapacity;
    /** With Fargate Spot, how many times an interrupted task runs again. @default 2 */
    readonly batchInterruptionRetries?: number;
    /** The execution log level; OFF still creates the log group. @default "ERROR" */
    readonly logLevel?: LogLevel;
    /** X-Ray tracing of the state machine. @default false */
    readonly tracing?: boolean;
    /** Days CloudWatch keeps the execution log group. @default 14 */
    readonly logRetentionDays?: number;
    /** How many of the newest versions the pruner keeps, recorded as the state machine's tag. @default 10 */
    readonly versionsToKeep?: number;
}

/**
 * What the workflow's states call from these three components, as the model takes them. A state
 * that calls another component's resource gets it beside these, where the stack composes them.
 */
export function workflowResources(
    functions: TradingFunctions,
    table: TransactionTable,
    batch: BatchJob,
): pulumi.Output<Pick<WorkflowResources, "functions" | "table" | "batch">> {
    return pulumi.output({
        functions: byFunction((fn) => functions.versionArns[fn]),
        table: { name: table.table.name, arn: table.table.arn },
        batch: {
            clusterArn: batch.cluster.arn,
            taskDefinitionArn: batch.taskDefinitionArn,
            containerName: batch.containerName,
            taskExecutionRoleArn: batch.executionRole.arn,
            taskRoleArn: batch.taskRole.arn,
            subnetIds: batch.network.subnetIds,
            securityGroupIds: batch.network.securityGroupIds,
            assignPublicIp: batch.network.assignPublicIp,
        },
    });
}

/** The workflow's arguments, but what its states call, from a stack's validated config. */
export const tradingWorkflowArgs = (
    config: WorkflowConfig & Pick<StackConfig, "logRetentionDays" | "stateMachineVersionsToKeep">,
): Omit<TradingWorkflowArgs, "resources"> => ({
    buyThreshold: config.buyThreshold,
    batchCommand: config.batchCommand,
    batchTimeoutSeconds: config.batchTimeoutSeconds,
    executionTimeoutSeconds: config.executionTimeoutSeconds,
    batchCapacity: config.batchCapacity,
    batchInterruptionRetries: config.batchInterruptionRetries,
    logLevel: config.logLevel,
    tracing: config.tracingEnabled,
    logRetentionDays: config.logRetentionDays,
    versionsToKeep: config.stateMachineVersionsToKeep,
});

/**
 * The STANDARD state machine (EXPRESS does not support `.sync` integrations), its
 * least-privilege role and its execution log group. Each change publishes a version, which the
 * `live` alias (WorkflowRelease) moves to.
 */
export class TradingWorkflow extends pulumi.ComponentResource {
    readonly stateMachine: aws.sfn.StateMachine;
    readonly role: aws.iam.Role;
    /** Where the state machine's execution logs go. */
    readonly logGroup: aws.cloudwatch.LogGroup;

    constructor(name: string, args: TradingWorkflowArgs, opts?: pulumi.ComponentResourceOptions) {
        const config = componentSettings("TradingWorkflow", {
            buyThreshold: ["buyThreshold", args.buyThreshold],
            batchCommand: ["batchCommand", args.batchCommand],
            batchTimeoutSeconds: ["batchTimeoutSeconds", args.batchTimeoutSeconds],
            executionTimeoutSeconds: ["executionTimeoutSeconds", args.executionTimeoutSeconds],
            batchCapacity: ["batchCapacity", args.batchCapacity],
            batchInterruptionRetries: ["batchInterruptionRetries", args.batchInterruptionRetries],
            logLevel: ["logLevel", args.logLevel],
            tracing: ["tracingEnabled", args.tracing],
            logRetentionDays: ["logRetentionDays", args.logRetentionDays],
            versionsToKeep: ["stateMachineVersionsToKeep", args.versionsToKeep],
        });
        super("stock-trader:workflow:TradingWorkflow", name, {}, opts);
        const parent = { parent: this };
        const account = aws.getCallerIdentityOutput({}, parent).accountId;

        this.role = new aws.iam.Role(
            `${name}-role`,
            { assumeRolePolicy: account.apply((id) => JSON.stringify(serviceTrustPolicy("states.amazonaws.com", id))) },
            parent,
        );
        // One model gives both the definition and the policy, from the same resolved values.
        const workflow = pulumi.output(args.resources).apply((resources) => buildWorkflow({ config, resources: resources }));

        const policyDocument = workflow.apply((w) => JSON.stringify(w.policy));
        const policy = new aws.iam.RolePolicy(`${name}-policy`, { role: this.role.id, policy: policyDocument }, parent);
        // IAM is eventually consistent, and Step Functions checks the role's permissions (log
        // delivery and X-Ray among them) when the state machine is created or updated. The AWS
        // provider retries CreateStateMachine on AccessDeniedException but not UpdateStateMachine,
        // so an update that turns on logging or tracing could fail on the policy it has just
        // written. This pause runs again whenever the policy's text changes, between the policy
        // and the state machine.
        const policyPropagated = new time.Sleep(
            `${name}-policy-propagation`,
            { createDuration: `${IAM_PROPAGATION_SECONDS}s`, triggers: { policy: policyDocument } },
            { parent: this, dependsOn: [policy] },
        );

        const logGroup = (this.logGroup = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            // Step Functions recommends this prefix: it keeps the log resource policy small.
            { namePrefix: `/aws/vendedlogs/states/${name}-`, retentionInDays: config.logRetentionDays },
            parent,
        ));

        this.stateMachine = new aws.sfn.StateMachine(
            `${name}-state-machine`,
            {
                type: "STANDARD",
                roleArn: this.role.arn,
                definition: workflow.apply((w) => JSON.stringify(w.definition)),
                loggingConfiguration: {
                    logDestination: logGroup.arn.apply(logStreamsArn),
                    level: config.logLevel,
                    includeExecutionData: false,
                },
                tracingConfiguration: { enabled: config.tracingEnabled },
                // Every create and update publishes a version (CreateStateMachine and
                // UpdateStateMachine with publish), and stateMachineVersionArn is the newest.
                publish: true,
                tags: { [VERSIONS_TO_KEEP_TAG]: String(config.stateMachineVersionsToKeep) },
            },
            { parent: this, dependsOn: [policy, policyPropagated] },
        );

        this.registerOutputs({
            stateMachineArn: this.stateMachine.arn,
            stateMachineVersionArn: this.stateMachine.stateMachineVersionArn,
            stateMachineName: this.stateMachine.name,
            stateMachineRoleArn: this.role.arn,
        });
    }
}
