import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import * as time from "@pulumiverse/time";
import type { StackConfig } from "../model/config";
import { IAM_PROPAGATION_SECONDS } from "../model/platform-rules";
import { VERSIONS_TO_KEEP_TAG } from "../model/deployment";
import { logStreamsArn, serviceTrustPolicy } from "../model/policies";
import { buildWorkflow, type WorkflowConfig, type WorkflowResources } from "../model/workflow";

export interface TradingWorkflowArgs {
    /** What the Task states call: the functions, the table and the batch job, as the model takes them. */
    readonly resources: pulumi.Output<WorkflowResources>;
    /** The stack settings the definition, the logs and the schedule use. */
    readonly config: WorkflowConfig & Pick<StackConfig, "logRetentionDays" | "stateMachineVersionsToKeep">;
}

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
        super("stock-trader:workflow:TradingWorkflow", name, {}, opts);
        const parent = { parent: this };
        const account = aws.getCallerIdentityOutput({}, parent).accountId;

        this.role = new aws.iam.Role(
            `${name}-role`,
            { assumeRolePolicy: account.apply((id) => JSON.stringify(serviceTrustPolicy("states.amazonaws.com", id))) },
            parent,
        );
        const { config } = args;
        // One model gives both the definition and the policy, from the same resolved values.
        const workflow = args.resources.apply((resources) => buildWorkflow({ config, resources }));

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
