import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { LogLevel } from "./config";
import { buildDefinition } from "./definition";
import { logStreamsArn, serviceTrustPolicy, startExecutionPolicy, stateMachinePolicy } from "./policies";

export interface TradingWorkflowArgs {
    checkerArn: pulumi.Input<string>;
    buyerArn: pulumi.Input<string>;
    sellerArn: pulumi.Input<string>;
    /** Where `Record Transaction` puts each trade. */
    tableName: pulumi.Input<string>;
    tableArn: pulumi.Input<string>;
    /** A price at or below this buys; above it sells. @default 50 */
    buyThreshold: number;
    /** The Fargate batch job `Run ECS task` starts and waits for. */
    batch: {
        clusterArn: pulumi.Input<string>;
        taskDefinitionArn: pulumi.Input<string>;
        containerName: pulumi.Input<string>;
        subnetIds: pulumi.Input<string[]>;
        securityGroupIds: pulumi.Input<string[]>;
        /** @default true */
        assignPublicIp: boolean;
        /** Replaces the image's CMD. @default ["--arg1","100","--arg2","200"] */
        command: string[];
        /** @default 3600 */
        timeoutSeconds: number;
    };
    /** The batch task's roles, which the state machine passes to ECS. */
    batchRoles: {
        taskExecutionRoleArn: pulumi.Input<string>;
        taskRoleArn: pulumi.Input<string>;
    };
    /** Execution log level; OFF still creates the log group, so turning logs on needs no new resource. @default "ERROR" */
    logLevel: LogLevel;
    /** Days CloudWatch keeps execution logs. @default 14 */
    logRetentionDays: number;
    /** X-Ray tracing. @default false */
    tracingEnabled: boolean;
    /** Starts executions on a schedule, as the SAM sample does. */
    schedule: {
        /** @default false */
        enabled: boolean;
        /** @default "rate(1 hour)" */
        expression: string;
    };
}

/**
 * The STANDARD state machine (EXPRESS does not support `.sync` integrations), its
 * least-privilege role, its execution log group and its schedule.
 */
export class TradingWorkflow extends pulumi.ComponentResource {
    readonly stateMachine: aws.sfn.StateMachine;
    readonly role: aws.iam.Role;

    constructor(name: string, args: TradingWorkflowArgs, opts?: pulumi.ComponentResourceOptions) {
        super("stock-trader:workflow:TradingWorkflow", name, {}, opts);
        const parent = { parent: this };
        const account = aws.getCallerIdentityOutput({}, parent).accountId;

        this.role = new aws.iam.Role(
            `${name}-role`,
            { assumeRolePolicy: account.apply((id) => JSON.stringify(serviceTrustPolicy("states.amazonaws.com", id))) },
            parent,
        );
        const { batch } = args;
        const policy = new aws.iam.RolePolicy(
            `${name}-policy`,
            {
                role: this.role.id,
                policy: pulumi
                    .output({
                        functionArns: [args.checkerArn, args.buyerArn, args.sellerArn],
                        tableArn: args.tableArn,
                        clusterArn: batch.clusterArn,
                        taskDefinitionArn: batch.taskDefinitionArn,
                        taskExecutionRoleArn: args.batchRoles.taskExecutionRoleArn,
                        taskRoleArn: args.batchRoles.taskRoleArn,
                    })
                    .apply((arns) =>
                        JSON.stringify(stateMachinePolicy({ ...arns, logging: args.logLevel !== "OFF", tracing: args.tracingEnabled })),
                    ),
            },
            parent,
        );

        const logGroup = new aws.cloudwatch.LogGroup(
            `${name}-logs`,
            // Step Functions recommends this prefix: it keeps the log resource policy small.
            { namePrefix: `/aws/vendedlogs/states/${name}-`, retentionInDays: args.logRetentionDays },
            parent,
        );

        const definition = pulumi
            .output({
                checkerArn: args.checkerArn,
                buyerArn: args.buyerArn,
                sellerArn: args.sellerArn,
                tableName: args.tableName,
                buyThreshold: args.buyThreshold,
                batch,
            })
            .apply((settings) => JSON.stringify(buildDefinition(settings)));

        this.stateMachine = new aws.sfn.StateMachine(
            `${name}-state-machine`,
            {
                type: "STANDARD",
                roleArn: this.role.arn,
                definition,
                loggingConfiguration: {
                    logDestination: logGroup.arn.apply(logStreamsArn),
                    level: args.logLevel,
                    includeExecutionData: false,
                },
                tracingConfiguration: { enabled: args.tracingEnabled },
            },
            // Step Functions checks the role's permissions (log delivery among them) on create.
            { parent: this, dependsOn: [policy] },
        );

        const scheduleRole = new aws.iam.Role(
            `${name}-schedule-role`,
            { assumeRolePolicy: account.apply((id) => JSON.stringify(serviceTrustPolicy("events.amazonaws.com", id))) },
            parent,
        );
        const schedulePolicy = new aws.iam.RolePolicy(
            `${name}-schedule-policy`,
            {
                role: scheduleRole.id,
                policy: this.stateMachine.arn.apply((arn) => JSON.stringify(startExecutionPolicy(arn))),
            },
            parent,
        );
        const rule = new aws.cloudwatch.EventRule(
            `${name}-schedule`,
            {
                description: "Starts a stock-trading execution",
                scheduleExpression: args.schedule.expression,
                state: args.schedule.enabled ? "ENABLED" : "DISABLED",
            },
            parent,
        );
        new aws.cloudwatch.EventTarget(
            `${name}-schedule-target`,
            { rule: rule.name, arn: this.stateMachine.arn, roleArn: scheduleRole.arn },
            { parent: this, dependsOn: [schedulePolicy] },
        );

        this.registerOutputs({
            stateMachineArn: this.stateMachine.arn,
            stateMachineName: this.stateMachine.name,
            stateMachineRoleArn: this.role.arn,
        });
    }
}
