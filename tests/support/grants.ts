import * as assert from "node:assert/strict";
import type { PolicyStatement } from "../../model/policies";
import type { TaskState, WorkflowResources } from "../../model/workflow";
import { runUnsafeSimulation } from "@cloud-copilot/iam-simulate";

/** A request as IAM evaluates it: the action, the resource, and the condition keys it carries. */
export interface Request {
    action: string;
    resource: string;
    context: Record<string, string>;
}

/**
 * What each Step Functions integration needs, written from AWS's documentation ("IAM policies
 * for Lambda / DynamoDB / Amazon ECS" in the Step Functions developer guide), independently of
 * the model: for a Task state, the requests its role must be allowed, with the condition keys
 * each request carries.
 */
export function requiredGrants(state: TaskState, resources: WorkflowResources): Request[] {
    const request = (action: string, resource: string, context: Record<string, string> = {}): Request => ({ action, resource, context });
    if (state.Resource.startsWith("arn:aws:lambda:")) {
        return [request("lambda:InvokeFunction", state.Resource)];
    }
    if (state.Resource === "arn:aws:states:::dynamodb:putItem") {
        const tableName = (state.Parameters as { TableName: string }).TableName;
        assert.equal(tableName, resources.table.name);
        return [request("dynamodb:PutItem", resources.table.arn)];
    }
    if (state.Resource === "arn:aws:states:::ecs:runTask.sync") {
        const { Cluster, TaskDefinition, PropagateTags } = state.Parameters as { Cluster: string; TaskDefinition: string; PropagateTags?: string };
        const [, , , region, account, cluster] = Cluster.split(":");
        const anyTask = `arn:aws:ecs:${region}:${account}:task/${cluster.replace("cluster/", "")}/0123456789abcdef`;
        const rule = `arn:aws:events:${region}:${account}:rule/StepFunctionsGetEventsForECSTaskRule`;
        const toEcsTasks = { "iam:PassedToService": "ecs-tasks.amazonaws.com" };
        return [
            request("ecs:RunTask", TaskDefinition, { "ecs:cluster": Cluster }),
            request("ecs:StopTask", anyTask),
            request("ecs:DescribeTasks", anyTask),
            request("events:PutTargets", rule),
            request("events:PutRule", rule),
            request("events:DescribeRule", rule),
            request("iam:PassRole", resources.batch.taskExecutionRoleArn, toEcsTasks),
            request("iam:PassRole", resources.batch.taskRoleArn, toEcsTasks),
            // Tagging the task as it starts (PropagateTags) is a TagResource on the new task.
            ...(PropagateTags === undefined ? [] : [request("ecs:TagResource", anyTask, { "ecs:CreateAction": "RunTask" })]),
        ];
    }
    throw new Error(`no documented permissions for Task resource ${state.Resource}`);
}

export const list = (value: string | string[] | undefined) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** Statements that serve the execution itself rather than a state (log delivery, X-Ray). */
export const SERVICE_SIDS = new Set(["DeliverExecutionLogs", "WriteTraces"]);

/** The account a request is made in: the resource's, or for a resource without one (`*`) the tests' account. */
const accountOf = (resource: string) => resource.split(":")[4] || "123456789012";

/**
 * Whether identity-based statements allow a request, as IAM evaluates it: AWS's policy
 * evaluation logic, condition operators included, as @cloud-copilot/iam-simulate implements it.
 */
export function isAllowed(statements: readonly PolicyStatement[], request: Request): boolean {
    const account = accountOf(request.resource);
    const result = runUnsafeSimulation(
        {
            request: {
                principal: `arn:aws:iam::${account}:role/caller`,
                action: request.action,
                resource: { resource: request.resource, accountId: account },
                contextVariables: request.context,
            },
            identityPolicies: [{ name: "under-test", policy: { Version: "2012-10-17", Statement: statements } }],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
        },
        {},
    );
    return result === "Allowed";
}

/** Every grant a Task state needs that the policy does not allow, as "state needs action on resource". */
export function missingGrants(tasks: [string, TaskState][], statements: PolicyStatement[], resources: WorkflowResources): string[] {
    return tasks.flatMap(([name, state]) =>
        requiredGrants(state, resources)
            .filter((request) => !isAllowed(statements, request))
            .map(({ action, resource }) => `${name} needs ${action} on ${resource}`),
    );
}

/** Every action a statement grants that no Task state's request needs of it (log delivery and X-Ray aside). */
export function unneededGrants(tasks: [string, TaskState][], statements: PolicyStatement[], resources: WorkflowResources): string[] {
    const needed = tasks.flatMap(([, state]) => requiredGrants(state, resources));
    return statements
        .filter((s) => !SERVICE_SIDS.has(s.Sid))
        .flatMap((statement) =>
            list(statement.Action)
                .filter((action) => !needed.some((request) => request.action === action && isAllowed([statement], request)))
                .map((action) => `${statement.Sid} grants ${action} on ${JSON.stringify(statement.Resource)}, which no state uses`),
        );
}
