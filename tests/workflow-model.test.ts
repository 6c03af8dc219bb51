import * as assert from "node:assert/strict";
import { localResources } from "../local/definition";
import { parseConfig, type StackConfig } from "../model/config";
import type { PolicyStatement } from "../model/policies";
import { buildWorkflow, type TaskState, type WorkflowResources } from "../model/workflow";

/**
 * What each Step Functions integration needs, written from AWS's documentation ("IAM policies
 * for Lambda / DynamoDB / Amazon ECS" in the Step Functions developer guide), independently of
 * the model: for a Task state, the (action, resource) pairs its role must allow.
 */
function requiredGrants(state: TaskState, resources: WorkflowResources): [string, string][] {
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

const list = (value: string | string[] | undefined) => (value === undefined ? [] : Array.isArray(value) ? value : [value]);
const matches = (pattern: string, value: string) =>
    new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`).test(value);
const allows = (statement: PolicyStatement, action: string, resource: string) =>
    list(statement.Action).includes(action) && list(statement.Resource).some((r) => matches(r, resource));

/** Statements that serve the execution itself rather than a state (log delivery, X-Ray). */
const SERVICE_SIDS = new Set(["DeliverExecutionLogs", "WriteTraces"]);

const configs: [string, StackConfig][] = [
    ["the defaults", parseConfig({})],
    ["logging and tracing on", parseConfig({ logLevel: "ALL", tracingEnabled: "true" })],
    ["logging off", parseConfig({ logLevel: "OFF" })],
    ["Fargate Spot with interruption retries", parseConfig({ batchCapacity: "FARGATE_SPOT" })],
    ["Fargate Spot without interruption retries", parseConfig({ batchCapacity: "FARGATE_SPOT", batchInterruptionRetries: "0" })],
];

describe("workflow model: one source for the definition and its permissions", () => {
    for (const [label, config] of configs) {
        describe(`with ${label}`, () => {
            const resources = localResources(config, "TransactionTable");
            const { definition, policy } = buildWorkflow({ config, resources });
            const tasks = Object.entries(definition.States).filter((entry): entry is [string, TaskState] => entry[1].Type === "Task");

            it("grants every Task state exactly what its integration needs", () => {
                assert.ok(tasks.length >= 5);
                for (const [name, state] of tasks) {
                    for (const [action, resource] of requiredGrants(state, resources)) {
                        assert.ok(
                            policy.Statement.some((s) => allows(s, action, resource)),
                            `${name} needs ${action} on ${resource}`,
                        );
                    }
                }
            });

            it("has no statement that serves no state, and no action beyond what the states need", () => {
                const needed = tasks.flatMap(([, state]) => requiredGrants(state, resources));
                for (const statement of policy.Statement.filter((s) => !SERVICE_SIDS.has(s.Sid))) {
                    for (const action of list(statement.Action)) {
                        assert.ok(
                            needed.some(([a, r]) => a === action && list(statement.Resource).some((pattern) => matches(pattern, r))),
                            `${statement.Sid} grants ${action} on ${JSON.stringify(statement.Resource)}, which no state uses`,
                        );
                    }
                }
            });

            it("adds log delivery and X-Ray only when they are on", () => {
                const sids = policy.Statement.map((s) => s.Sid);
                assert.equal(sids.includes("DeliverExecutionLogs"), config.logLevel !== "OFF");
                assert.equal(sids.includes("WriteTraces"), config.tracingEnabled);
            });
        });
    }

    it("refuses a setting that never resolved instead of dropping its key", () => {
        const config = parseConfig({});
        const missing = localResources(config, "t") as any;
        missing.batch.taskDefinitionArn = undefined;
        assert.throws(() => buildWorkflow({ config, resources: missing }), /state machine definition: settings\.resources\.batch\.taskDefinitionArn is missing \(got undefined\)/);
        const empty = localResources(config, "t");
        empty.batch.subnetIds = [];
        assert.throws(() => buildWorkflow({ config, resources: empty }), /settings\.resources\.batch\.subnetIds is missing \(got \[\]\)/);
    });

    it("serializes identically for equal settings", () => {
        const build = () => JSON.stringify(buildWorkflow({ config: parseConfig({}), resources: localResources(parseConfig({}), "t") }));
        assert.equal(build(), build());
    });
});
