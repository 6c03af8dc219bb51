import * as assert from "node:assert/strict";
import type { PolicyStatement } from "../../model/policies";
import type { TaskState, WorkflowResources } from "../../model/workflow";

/**
 * What each Step Functions integration needs, written from AWS's documentation ("IAM policies
 * for Lambda / DynamoDB / Amazon ECS" in the Step Functions developer guide), independently of
 * the model: for a Task state, the (action, resource) pairs its role must allow.
 */
export function requiredGrants(state: TaskState, resources: WorkflowResources): [string, string][] {
    if (state.Resource.startsWith("arn:aws:lambda:")) {
        return [["lambda:InvokeFunction", state.Resource]];
    }
    if (state.Resource === "arn:aws:states:::dynamodb:putItem") {
        const tableName = (state.Parameters as { TableName: string }).TableName;
        assert.equal(tableName, resources.table.name);
        return [["dynamodb:PutItem", resources.table.arn]];
    }
    if (state.Resource === "arn:aws:states:::ecs:runTask.sync") {
        const { Cluster, TaskDefinition, PropagateTags } = state.Parameters as { Cluster: string; TaskDefinition: string; PropagateTags?: string };
        const [, , , region, account, cluster] = Cluster.split(":");
        const anyTask = `arn:aws:ecs:${region}:${account}:task/${cluster.replace("cluster/", "")}/0123456789abcdef`;
        const rule = `arn:aws:events:${region}:${account}:rule/StepFunctionsGetEventsForECSTaskRule`;
        return [
            ["ecs:RunTask", TaskDefinition],
            ["ecs:StopTask", anyTask],
            ["ecs:DescribeTasks", anyTask],
            ["events:PutTargets", rule],
            ["events:PutRule", rule],
            ["events:DescribeRule", rule],
            ["iam:PassRole", resources.batch.taskExecutionRoleArn],
            ["iam:PassRole", resources.batch.taskRoleArn],
            // Tagging the task as it starts (PropagateTags) is a TagResource on the new task.
            ...(PropagateTags === undefined ? [] : [["ecs:TagResource", anyTask] as [string, string]]),
        ];
    }
    throw new Error(`no documented permissions for Task resource ${state.Resource}`);
}

export const list = (value: string | string[] | undefined) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Whether an IAM resource pattern (with `*`) matches a resource. */
export const matches = (pattern: string, value: string) =>
    new RegExp(
        `^${pattern
            .split("*")
            .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
            .join(".*")}$`,
    ).test(value);

export const allows = (statement: PolicyStatement, action: string, resource: string) =>
    list(statement.Action).includes(action) && list(statement.Resource).some((r) => matches(r, resource));

/** Statements that serve the execution itself rather than a state (log delivery, X-Ray). */
export const SERVICE_SIDS = new Set(["DeliverExecutionLogs", "WriteTraces"]);

/** Every grant a Task state needs that the policy does not allow, as "state needs action on resource". */
export function missingGrants(tasks: [string, TaskState][], statements: PolicyStatement[], resources: WorkflowResources): string[] {
    return tasks.flatMap(([name, state]) =>
        requiredGrants(state, resources)
            .filter(([action, resource]) => !statements.some((s) => allows(s, action, resource)))
            .map(([action, resource]) => `${name} needs ${action} on ${resource}`),
    );
}

/** Every action a statement grants that no Task state needs (log delivery and X-Ray aside). */
export function unneededGrants(tasks: [string, TaskState][], statements: PolicyStatement[], resources: WorkflowResources): string[] {
    const needed = tasks.flatMap(([, state]) => requiredGrants(state, resources));
    return statements
        .filter((s) => !SERVICE_SIDS.has(s.Sid))
        .flatMap((statement) =>
            list(statement.Action)
                .filter((action) => !needed.some(([a, r]) => a === action && list(statement.Resource).some((pattern) => matches(pattern, r))))
                .map((action) => `${statement.Sid} grants ${action} on ${JSON.stringify(statement.Resource)}, which no state uses`),
        );
}

/** A request as IAM evaluates it: the action, the resource, and the condition keys it carries. */
export interface Request {
    action: string;
    resource: string;
    context: Record<string, string>;
}

/** IAM's condition operators the project's policies use, on single values. */
const CONDITION_OPERATORS: Record<string, (expected: string, actual: string | undefined) => boolean> = {
    StringEquals: (expected, actual) => actual === expected,
    ArnEquals: (expected, actual) => actual === expected,
    ArnLike: (expected, actual) => actual !== undefined && matches(expected, actual),
};

/**
 * Whether identity-based Allow statements (no Deny, as the project writes none) allow a request:
 * some statement names the action and a matching resource, and each of its conditions holds.
 */
export function isAllowed(statements: readonly PolicyStatement[], request: Request): boolean {
    return statements.some(
        (statement) =>
            statement.Effect === "Allow" &&
            allows(statement, request.action, request.resource) &&
            Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
                Object.entries(keys as Record<string, string>).every(([key, expected]) => {
                    const holds = CONDITION_OPERATORS[operator];
                    assert.ok(holds, `no evaluation for condition operator ${operator}`);
                    return holds(expected, request.context[key]);
                }),
            ),
    );
}
