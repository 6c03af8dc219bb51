import * as assert from "node:assert/strict";
import { occurrenceAlarm, staleAlarm } from "./support/expected-alarms";
import type { PolicyStatement } from "../model/policies";
import { expectedTopicPolicy } from "./support/expected-iam";
import { CLUSTER, EXECUTION_ROLE, TASK_ROLE, taskDefinitionOf } from "./support/mock-arns";
import { isAllowed } from "./support/grants";
import { ACCOUNT, mockArn, named, ofType, runProgram, runStack, type ProgramRun } from "./support/program";

const STATE_MACHINE = mockArn("states", "stateMachine:trading-workflow-state-machine");
const TOPIC = mockArn("sns", "monitoring-alarms");
const FUNCTIONS = { "stock-checker": "trading-stock-checker", "stock-buyer": "trading-stock-buyer", "stock-seller": "trading-stock-seller" };

/** The inputs every alarm must have: the occurrence alarm, notifying the topic on ALARM and OK. */
function expectedAlarm(namespace: string, metricName: string, dimensions: Record<string, string>) {
    return { ...occurrenceAlarm(namespace, metricName, dimensions), alarmActions: [TOPIC], okActions: [TOPIC] };
}

const ALWAYS = {
    "monitoring-executions-failed": expectedAlarm("AWS/States", "ExecutionsFailed", { StateMachineArn: STATE_MACHINE }),
    "monitoring-executions-timed-out": expectedAlarm("AWS/States", "ExecutionsTimedOut", { StateMachineArn: STATE_MACHINE }),
    "monitoring-executions-aborted": expectedAlarm("AWS/States", "ExecutionsAborted", { StateMachineArn: STATE_MACHINE }),
    "monitoring-execution-throttled": expectedAlarm("AWS/States", "ExecutionThrottled", { StateMachineArn: STATE_MACHINE }),
    "monitoring-stock-checker-errors": expectedAlarm("AWS/Lambda", "Errors", { FunctionName: FUNCTIONS["stock-checker"] }),
    "monitoring-stock-buyer-errors": expectedAlarm("AWS/Lambda", "Errors", { FunctionName: FUNCTIONS["stock-buyer"] }),
    "monitoring-stock-seller-errors": expectedAlarm("AWS/Lambda", "Errors", { FunctionName: FUNCTIONS["stock-seller"] }),
    "monitoring-scheduled-start-failed": expectedAlarm("AWS/SQS", "ApproximateNumberOfMessagesVisible", { QueueName: "monitoring-failed-starts" }),
};

const withoutDescription = ({ alarmDescription, ...inputs }: Record<string, any>) => {
    assert.ok(typeof alarmDescription === "string" && alarmDescription.length > 10, "every alarm says why it fires");
    return inputs;
};

for (const stack of ["dev", "prod"]) {
    describe(`operations layer under Pulumi mocks (${stack} stack config)`, () => {
        let run: ProgramRun;
        before(async () => {
            run = await runStack(stack);
            assert.equal(run.error, undefined, String(run.error));
        });

        it("alarms on failed, timed-out, aborted and throttled executions and on each function's errors, notifying the topic on ALARM and OK", () => {
            for (const [name, expected] of Object.entries(ALWAYS)) {
                assert.deepEqual(withoutDescription(named(run, "aws:cloudwatch/metricAlarm:MetricAlarm", name).inputs), expected, name);
            }
        });

        if (stack === "prod") {
            it("alarms when no execution has succeeded for staleAfterHours, treating missing data as breaching", () => {
                assert.deepEqual(withoutDescription(named(run, "aws:cloudwatch/metricAlarm:MetricAlarm", "monitoring-no-recent-success").inputs), {
                    ...staleAlarm(3, STATE_MACHINE),
                    // The hourly schedule's first run and its success: the hour's gap plus one.
                    warmUpConfiguration: { warmUpPeriodDurationInMinutes: 120, onlyStartEvaluatingAfterWarmUpPeriodEnds: true },
                    alarmActions: [TOPIC],
                    okActions: [TOPIC],
                });
                assert.equal(ofType(run, "aws:cloudwatch/metricAlarm:MetricAlarm").length, Object.keys(ALWAYS).length + 1);
            });
        } else {
            it("has no stale-success alarm while the schedule is off (it would fire for ever)", () => {
                assert.deepEqual(
                    ofType(run, "aws:cloudwatch/metricAlarm:MetricAlarm")
                        .map((a) => a.name)
                        .sort(),
                    Object.keys(ALWAYS).sort(),
                );
            });
        }

        it("lets only CloudWatch alarms of this account publish to the topic", () => {
            assert.deepEqual(
                JSON.parse(named(run, "aws:sns/topicPolicy:TopicPolicy", "monitoring-alarms-policy").inputs.policy),
                expectedTopicPolicy(TOPIC, ACCOUNT, `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:*`),
            );
            assert.equal(named(run, "aws:sns/topicPolicy:TopicPolicy", "monitoring-alarms-policy").inputs.arn, TOPIC);
            assert.deepEqual(ofType(run, "aws:sns/topicSubscription:TopicSubscription"), [], "no address is configured");
        });

        it("draws the dashboard: executions, duration percentiles, each function, the table and every alarm", () => {
            const { inputs } = named(run, "aws:cloudwatch/dashboard:Dashboard", "monitoring-dashboard");
            assert.equal(inputs.dashboardName, `stock-trader-${stack}`);
            const body = JSON.parse(inputs.dashboardBody);
            const metrics = body.widgets.filter((w: any) => w.type === "metric").flatMap((w: any) => w.properties.metrics);
            const has = (namespace: string, name: string, value: string, stat?: string) =>
                metrics.some((m: any[]) => m[0] === namespace && m[1] === name && m[3] === value && (stat === undefined || m[4]?.stat === stat));
            for (const name of ["ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut"]) {
                assert.ok(has("AWS/States", name, STATE_MACHINE), name);
            }
            for (const stat of ["p50", "p90", "p99"]) {
                assert.ok(has("AWS/States", "ExecutionTime", STATE_MACHINE, stat), stat);
            }
            for (const fn of Object.values(FUNCTIONS)) {
                for (const name of ["Invocations", "Errors", "Duration"]) {
                    assert.ok(has("AWS/Lambda", name, fn), `${fn} ${name}`);
                }
            }
            assert.ok(has("AWS/DynamoDB", "ConsumedWriteCapacityUnits", "transactions-table"));
            assert.ok(has("AWS/DynamoDB", "WriteThrottleEvents", "transactions-table"));
            const alarmWidget = body.widgets.find((w: any) => w.type === "alarm");
            assert.deepEqual(
                [...alarmWidget.properties.alarms].sort(),
                ofType(run, "aws:cloudwatch/metricAlarm:MetricAlarm")
                    .map((a) => a.state.arn)
                    .sort(),
            );
            assert.ok(
                body.widgets.every((w: any) => w.x + w.width <= 24),
                "widgets fit the 24-column grid",
            );
        });

        it("grants operators exactly what running and inspecting this workflow needs, on this state machine only", async () => {
            const policy = JSON.parse(named(run, "aws:iam/policy:Policy", "monitoring-operator-policy").inputs.policy);
            const allows = (p: { Statement: PolicyStatement[] }, action: string, resource: string, context: Record<string, string | string[]> = {}) =>
                isAllowed(p.Statement, { action, resource, context });
            const execution = (machine: string) => mockArn("states", `execution:${machine}:0b2a4f9e-1c3d-4e5f-8a9b-0c1d2e3f4a5b`);
            const batchLogs = mockArn("logs", "log-group:batch-logs");
            const task = mockArn("ecs", "task/batch-cluster/0f1e2d3c4b5a69788796a5b4c3d2e1f0");
            const onCluster = { "ecs:cluster": CLUSTER };
            const toEcsTasks = { "iam:PassedToService": "ecs-tasks.amazonaws.com" };
            for (const fn of Object.keys(FUNCTIONS)) {
                assert.ok(await allows(policy, "logs:FilterLogEvents", mockArn("logs", `log-group:trading-${fn}-logs`)), `${fn}'s log lines must be readable`);
            }
            const revision = (n: number) => taskDefinitionOf(stack).replace(/:1$/, `:${n}`);
            assert.ok(await allows(policy, "ecs:RunTask", revision(1), onCluster));
            assert.ok(await allows(policy, "ecs:RunTask", revision(7), onCluster), "a revision an older execution names must run too");
            assert.ok(!(await allows(policy, "ecs:RunTask", revision(1), { "ecs:cluster": mockArn("ecs", "cluster/other") })));
            assert.ok(!(await allows(policy, "ecs:RunTask", mockArn("ecs", "task-definition/other:1"), onCluster)));
            assert.ok(await allows(policy, "ecs:DescribeTasks", task));
            assert.ok(await allows(policy, "ecs:TagResource", task, { "ecs:CreateAction": "RunTask" }));
            assert.ok((await allows(policy, "iam:PassRole", EXECUTION_ROLE, toEcsTasks)) && (await allows(policy, "iam:PassRole", TASK_ROLE, toEcsTasks)));
            // Step Functions authorizes a start through an alias on the unqualified ARN, naming the alias in the qualifier key.
            const throughLive = { "states:StateMachineQualifier": "live" };
            assert.ok(await allows(policy, "states:StartExecution", STATE_MACHINE, throughLive), "a start through live must be allowed");
            assert.ok(!(await allows(policy, "states:StartExecution", STATE_MACHINE)), "a start by the unqualified ARN bypasses live");
            assert.ok(
                !(await allows(policy, "states:StartExecution", STATE_MACHINE, { "states:StateMachineQualifier": "3" })),
                "a start of a version bypasses live",
            );
            assert.ok(!(await allows(policy, "states:StartExecution", mockArn("states", "stateMachine:someone-elses"), throughLive)));
            assert.ok(!(await allows(policy, "states:StartExecution", mockArn("states", "stateMachine:trading-workflow-state-machine-2"), throughLive)));
            const calls: [string, string][] = [
                ["states:DescribeExecution", execution("trading-workflow-state-machine")],
                ["states:GetExecutionHistory", execution("trading-workflow-state-machine")],
                ["states:RedriveExecution", execution("trading-workflow-state-machine")],
                ["states:StopExecution", execution("trading-workflow-state-machine")],
                ["logs:GetLogEvents", `${batchLogs}:log-stream:batch/batch/0123456789abcdef`],
                ["logs:FilterLogEvents", batchLogs],
                // What the console reads to show the links the stack outputs.
                ["states:DescribeStateMachine", STATE_MACHINE],
                ["states:DescribeStateMachineAlias", STATE_MACHINE],
                ["states:ListExecutions", STATE_MACHINE],
                ["states:DescribeStateMachineForExecution", execution("trading-workflow-state-machine")],
                ["cloudwatch:GetDashboard", `arn:aws:cloudwatch::${ACCOUNT}:dashboard/stock-trader-${stack}`],
                ["cloudwatch:GetMetricData", "*"],
                // Reading and clearing the schedule's failed starts.
                ["sqs:ReceiveMessage", mockArn("sqs", "monitoring-failed-starts")],
                ["sqs:DeleteMessage", mockArn("sqs", "monitoring-failed-starts")],
                ["sqs:GetQueueAttributes", mockArn("sqs", "monitoring-failed-starts")],
            ];
            for (const [action, resource] of calls) {
                assert.ok(await allows(policy, action, resource), `${action} on ${resource} must be allowed`);
            }
            const elsewhere: [string, string][] = [
                ["states:StartExecution", mockArn("states", "stateMachine:someone-elses")],
                ["states:DescribeExecution", execution("someone-elses")],
                ["states:GetExecutionHistory", execution("someone-elses")],
                ["states:RedriveExecution", execution("someone-elses")],
                ["states:StartExecution", mockArn("states", "stateMachine:trading-workflow-state-machine-2")],
                ["logs:GetLogEvents", `${mockArn("logs", "log-group:other")}:log-stream:x`],
                ["states:UpdateStateMachine", STATE_MACHINE],
                ["states:DeleteStateMachine", STATE_MACHINE],
                ["cloudwatch:GetDashboard", `arn:aws:cloudwatch::${ACCOUNT}:dashboard/someone-elses`],
                ["cloudwatch:PutDashboard", `arn:aws:cloudwatch::${ACCOUNT}:dashboard/stock-trader-${stack}`],
                ["states:DescribeStateMachine", mockArn("states", "stateMachine:someone-elses")],
                ["sqs:ReceiveMessage", mockArn("sqs", "someone-elses")],
                ["sqs:SendMessage", mockArn("sqs", "monitoring-failed-starts")],
            ];
            for (const [action, resource] of elsewhere) {
                assert.ok(!(await allows(policy, action, resource)), `${action} on ${resource} must not be allowed`);
            }
            const actions = policy.Statement.flatMap((s: any) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
            assert.ok(
                actions.every((a: string) =>
                    /^(states:(StartExecution|StopExecution|RedriveExecution|Describe\w+|Get\w+|List\w+)|cloudwatch:(GetDashboard|DescribeAlarms|GetMetricData)|logs:(DescribeLogStreams|FilterLogEvents|GetLogEvents)|sqs:(ReceiveMessage|DeleteMessage|GetQueueAttributes)|ecs:(RunTask|DescribeTasks|TagResource)|iam:PassRole|cloudformation:(DescribeStacks|DescribeStackEvents|UpdateStack))$/.test(
                        a,
                    ),
                ),
                actions.join(),
            );
        });

        it("exports the operations outputs as non-empty strings, with console links in the stack's region", () => {
            for (const key of ["alarmTopicArn", "dashboardName", "dashboardUrl", "stateMachineConsoleUrl", "operatorPolicyArn", "batchLogGroupName"]) {
                assert.ok(typeof run.outputs[key] === "string" && run.outputs[key].length > 0, key);
            }
            assert.equal(run.outputs.alarmTopicArn, TOPIC);
            assert.equal(
                run.outputs.dashboardUrl,
                `https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#dashboards/dashboard/stock-trader-${stack}`,
            );
            assert.equal(
                run.outputs.stateMachineConsoleUrl,
                `https://us-east-1.console.aws.amazon.com/states/home?region=us-east-1#/statemachines/view/${encodeURIComponent(STATE_MACHINE)}`,
            );
            assert.equal(run.outputs.operatorPolicyArn, `arn:aws:iam::${ACCOUNT}:policy/monitoring-operator-policy`);
        });
    });
}

describe("alarm email", () => {
    it("subscribes alarmEmail to the topic by email", async () => {
        const run = await runProgram({ alarmEmail: "oncall@example.com" });
        assert.equal(run.error, undefined, String(run.error));
        const subscription = named(run, "aws:sns/topicSubscription:TopicSubscription", "monitoring-alarms-email");
        assert.deepEqual(subscription.inputs, { topic: TOPIC, protocol: "email", endpoint: "oncall@example.com" });
    });
});
