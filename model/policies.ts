/**
 * Pure builders for IAM policy documents (the state machine's own comes from the workflow
 * model, `buildWorkflow`). They take plain ARNs and return plain objects whose
 * keys are always created in the same order, so the same inputs serialize to the same string
 * and `pulumi preview` shows no spurious diff.
 */
import { LIVE_ALIAS } from "./deployment";

export type Condition = Record<string, Record<string, string | string[]>>;

export interface PolicyStatement {
    Sid: string;
    Effect: "Allow";
    Principal?: { Service: string };
    Action: string | string[];
    Resource?: string | string[];
    Condition?: Condition;
}

export interface PolicyDocument {
    Version: "2012-10-17";
    Statement: PolicyStatement[];
}

export function policyDocument(...statements: PolicyStatement[]): PolicyDocument {
    return { Version: "2012-10-17", Statement: statements };
}

export function allow(sid: string, action: string | string[], resource: string | string[], condition?: Condition): PolicyStatement {
    return condition
        ? { Sid: sid, Effect: "Allow", Action: action, Resource: resource, Condition: condition }
        : { Sid: sid, Effect: "Allow", Action: action, Resource: resource };
}

/**
 * Trust policy letting one AWS service assume a role, only on behalf of resources in
 * `sourceAccount`, which guards against the confused-deputy problem.
 */
export function serviceTrustPolicy(service: string, sourceAccount: string): PolicyDocument {
    return policyDocument({
        Sid: "AssumeRole",
        Effect: "Allow",
        Principal: { Service: service },
        Action: "sts:AssumeRole",
        Condition: { StringEquals: { "aws:SourceAccount": sourceAccount } },
    });
}

/** Log stream actions act on streams, so they are granted on the group's streams (`:*`), not the bare group. */
export function logStreamsArn(logGroupArn: string): string {
    return `${logGroupArn}:*`;
}

/** Create streams in one log group and write to them. */
function writeLogs(sid: string, logGroupArn: string): PolicyStatement {
    return allow(sid, ["logs:CreateLogStream", "logs:PutLogEvents"], logStreamsArn(logGroupArn));
}

/** Send X-Ray trace segments and read sampling rules; X-Ray's APIs support no resource-level permissions. */
export function writeTraces(): PolicyStatement {
    return allow("WriteTraces", ["xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments"], "*");
}

/** A Lambda function's own role: write to its own log group, and with tracing on send its traces; nothing else. */
export function functionPolicy(logGroupArn: string, tracingEnabled: boolean): PolicyDocument {
    return policyDocument(writeLogs("WriteOwnLogs", logGroupArn), ...(tracingEnabled ? [writeTraces()] : []));
}

/** The batch task's own role: update items in the transaction table, nothing else. */
export function batchTaskPolicy(tableArn: string): PolicyDocument {
    return policyDocument(allow("MarkTransactionProcessed", "dynamodb:UpdateItem", tableArn));
}

/** What ECS needs to start the batch task: pull this repository's image and write this log group. */
export function batchExecutionPolicy(repositoryArn: string, logGroupArn: string): PolicyDocument {
    return policyDocument(
        // GetAuthorizationToken is account-wide: it supports no resource narrower than "*".
        allow("AuthenticateToRegistry", "ecr:GetAuthorizationToken", "*"),
        allow("PullBatchImage", ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"], repositoryArn),
        writeLogs("WriteBatchLogs", logGroupArn),
    );
}

/**
 * StartExecution of this state machine through the `live` alias and no other way. Step Functions
 * authorizes a start through an alias on the unqualified state machine ARN, with the alias's name
 * in the `states:StateMachineQualifier` context key (developer guide, "Authorization for versions
 * and aliases"); a start by the unqualified ARN or a version has no such qualifier and is denied.
 * The key is multivalued (`ArrayOfString` in the Service Authorization Reference), so it is tested
 * with `ForAnyValue:StringEquals`, as that page's own example writes it: a single-valued operator
 * on it never matches.
 */
export const startThroughLive = (sid: string, stateMachineArn: string): PolicyStatement =>
    allow(sid, "states:StartExecution", stateMachineArn, { "ForAnyValue:StringEquals": { "states:StateMachineQualifier": LIVE_ALIAS } });

/**
 * The schedule's role: start executions of this state machine through `live`, and send a start it
 * could not make to its dead-letter queue, which Scheduler does as the schedule's role (Scheduler
 * user guide, "Configuring a schedule's dead-letter queue"); nothing else.
 */
export function scheduleRolePolicy(stateMachineArn: string, deadLetterQueueArn: string): PolicyDocument {
    return policyDocument(startThroughLive("StartTradingExecution", stateMachineArn), allow("SendFailedStarts", "sqs:SendMessage", deadLetterQueueArn));
}

/**
 * The `live` stack's service role, which CloudFormation uses for every operation on the stack,
 * whoever starts it: what AWS::StepFunctions::StateMachineAlias's handlers call (its resource
 * schema's handler permissions), on this state machine's aliases and these alarms only. Step
 * Functions authorizes an alias's actions on the unqualified state machine ARN (developer guide,
 * "Authorization for versions and aliases").
 */
export function liveStackPolicy(stateMachineArn: string, alarmArns: readonly string[]): PolicyDocument {
    return policyDocument(
        allow(
            "ManageLiveAlias",
            ["states:CreateStateMachineAlias", "states:DeleteStateMachineAlias", "states:DescribeStateMachineAlias", "states:UpdateStateMachineAlias"],
            stateMachineArn,
        ),
        allow("ReadRollbackAlarms", "cloudwatch:DescribeAlarms", [...alarmArns]),
    );
}
