/**
 * What the end-to-end steps read from AWS (and the one thing they change: a deny on the batch
 * task's role, which fails the batch without any switch in the program). Each takes its client,
 * so the tests give them mocked ones.
 */
import { type CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { type DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeImagesCommand, type ECRClient } from "@aws-sdk/client-ecr";
import { DeleteRolePolicyCommand, type IAMClient, PutRolePolicyCommand, SimulateCustomPolicyCommand } from "@aws-sdk/client-iam";
import { DescribeStateMachineAliasCommand, type SFNClient } from "@aws-sdk/client-sfn";

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

/** The inline policy that makes the batch fail: the task may not write the table, so the job exits non-zero. */
export const BATCH_DENY_POLICY = "e2e-deny-table-writes";

/** Denies the batch task's role every DynamoDB write: the deployed batch fails, with nothing in the program to switch. */
export async function denyBatchWrites(iam: IAMClient, roleName: string): Promise<void> {
    const policy = {
        Version: "2012-10-17",
        Statement: [{ Sid: "E2eFailTheBatch", Effect: "Deny", Action: ["dynamodb:UpdateItem", "dynamodb:PutItem"], Resource: "*" }],
    };
    await iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: BATCH_DENY_POLICY, PolicyDocument: JSON.stringify(policy) }));
}

/** Removes that deny; a role without it is left alone. */
export async function allowBatchWrites(iam: IAMClient, roleName: string): Promise<void> {
    try {
        await iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: BATCH_DENY_POLICY }));
    } catch (error) {
        if ((error as Error).name !== "NoSuchEntityException") {
            throw error;
        }
    }
}

/** IAM's own evaluation of a policy for each action on a resource with context keys: the actions it denies. */
export async function deniedActions(
    iam: IAMClient,
    policy: string,
    actions: string[],
    resource: string,
    context: Record<string, string> = {},
): Promise<string[]> {
    const { EvaluationResults } = await iam.send(
        new SimulateCustomPolicyCommand({
            PolicyInputList: [policy],
            ActionNames: actions,
            ResourceArns: [resource],
            ContextEntries: Object.entries(context).map(([ContextKeyName, value]) => ({ ContextKeyName, ContextKeyValues: [value], ContextKeyType: "string" })),
        }),
    );
    return (EvaluationResults ?? []).filter((result) => result.EvalDecision !== "allowed").map((result) => result.EvalActionName!);
}

/** The name of a role from its ARN. */
export const roleName = (arn: string): string => arn.slice(arn.lastIndexOf("/") + 1);
