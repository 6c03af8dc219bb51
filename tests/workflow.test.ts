import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../model/project";
import aslValidator from "asl-validator";
import { IAM_PROPAGATION_SECONDS } from "../model/platform-rules";
import type { StateMachineDefinition } from "../model/workflow";
import { deployedWorkflow, EVERY_WORKFLOW_KEY, snapshot } from "./support/snapshots";
import { expectedTrust } from "./support/expected-iam";
import { isAllowed } from "./support/grants";
import { ACCOUNT, mockArn, named, ofType, runProgram, runStack, type ProgramRun } from "./support/program";
import { readStackFile } from "../scripts/cli/stack-files";

const deployedDefinition = (run: ProgramRun): StateMachineDefinition =>
    JSON.parse(named(run, "aws:sfn/stateMachine:StateMachine", "trading-workflow-state-machine").inputs.definition);

/** Every state reachable from StartAt, following Next, Choices, Default and Catch. */
function reachable(definition: StateMachineDefinition): Set<string> {
    const seen = new Set<string>();
    const visit = (name: string) => {
        if (seen.has(name)) return;
        assert.ok(name in definition.States, `transition to missing state ${name}`);
        seen.add(name);
        const state = definition.States[name] as unknown as Record<string, any>;
        for (const next of [state.Next, state.Default, ...(state.Choices ?? []).map((c: any) => c.Next), ...(state.Catch ?? []).map((c: any) => c.Next)]) {
            if (next !== undefined) visit(next);
        }
    };
    visit(definition.StartAt);
    return seen;
}
const trust = (service: string) => expectedTrust(service, ACCOUNT);

describe("trading workflow under Pulumi mocks (dev stack config)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runStack("dev");
        assert.equal(run.error, undefined, String(run.error));
    });

    it("deploys the definition of its snapshot, every ARN resolved", () => {
        assert.deepEqual(deployedDefinition(run), snapshot("the dev stack, under the mocks").definition);
    });

    it("leaves no key of the definition empty or dropped", () => {
        const definition = deployedDefinition(run);
        const run_ = definition.States["Run ECS task"] as any;
        const required: [string, unknown][] = [
            ["Check Stock Value.Resource", (definition.States["Check Stock Value"] as any).Resource],
            ["Buy Stock.Resource", (definition.States["Buy Stock"] as any).Resource],
            ["Sell Stock.Resource", (definition.States["Sell Stock"] as any).Resource],
            ["Record Transaction.TableName", (definition.States["Record Transaction"] as any).Parameters.TableName],
            ["Run ECS task.Cluster", run_.Parameters.Cluster],
            ["Run ECS task.TaskDefinition", run_.Parameters.TaskDefinition],
            ["Run ECS task.Subnets", run_.Parameters.NetworkConfiguration.AwsvpcConfiguration.Subnets],
            ["Run ECS task.SecurityGroups", run_.Parameters.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups],
            ["Run ECS task.ContainerOverrides[0].Name", run_.Parameters.Overrides.ContainerOverrides[0].Name],
            ["Run ECS task.ContainerOverrides[0].Command", run_.Parameters.Overrides.ContainerOverrides[0].Command],
        ];
        for (const [where, value] of required) {
            assert.ok(value !== undefined && value !== "" && !(Array.isArray(value) && value.length === 0), `${where} is ${JSON.stringify(value)}`);
        }
        assert.doesNotMatch(named(run, "aws:sfn/stateMachine:StateMachine", "trading-workflow-state-machine").inputs.definition, /undefined|""/);
    });

    it("passes asl-validator with path and ARN checks", () => {
        const result = aslValidator(structuredClone(deployedDefinition(run)), { checkPaths: true, checkArn: true });
        assert.deepEqual(result.errors, []);
        assert.equal(result.isValid, true);
    });

    it("has every transition target, every state reachable and every path ending", () => {
        const definition = deployedDefinition(run);
        assert.deepEqual([...reachable(definition)].sort(), Object.keys(definition.States).sort());
        const terminal = Object.entries(definition.States).filter(([, s]) => s.Type === "Fail" || (s as { End?: boolean }).End === true);
        assert.deepEqual(terminal.map(([name]) => name).sort(), ["Error", "Success"]);
    });

    it("is a STANDARD state machine running as its role, logging at dev's level without execution data", () => {
        const { inputs } = named(run, "aws:sfn/stateMachine:StateMachine", "trading-workflow-state-machine");
        assert.equal(inputs.type, "STANDARD");
        assert.equal(inputs.roleArn, `arn:aws:iam::${ACCOUNT}:role/trading-workflow-role`);
        assert.deepEqual(inputs.loggingConfiguration, {
            logDestination: `${mockArn("logs", "log-group:trading-workflow-logs")}:*`,
            level: "ALL",
            includeExecutionData: false,
        });
        assert.deepEqual(inputs.tracingConfiguration, { enabled: false });
    });

    it("keeps execution logs in a vended-logs group with the configured retention", () => {
        const { inputs } = named(run, "aws:cloudwatch/logGroup:LogGroup", "trading-workflow-logs");
        assert.equal(inputs.namePrefix, "/aws/vendedlogs/states/trading-workflow-");
        assert.equal(inputs.retentionInDays, 7);
    });

    it("lets only Step Functions of this account assume the role", () => {
        assert.deepEqual(JSON.parse(named(run, "aws:iam/role:Role", "trading-workflow-role").inputs.assumeRolePolicy), trust("states.amazonaws.com"));
    });

    it("grants the workflow's statements of its snapshot, log delivery among them because dev logs at ALL", () => {
        const policy = named(run, "aws:iam/rolePolicy:RolePolicy", "trading-workflow-policy");
        assert.equal(policy.inputs.role, "trading-workflow-role-id");
        assert.deepEqual(JSON.parse(policy.inputs.policy), snapshot("the dev stack, under the mocks").policy);
        assert.ok(JSON.parse(policy.inputs.policy).Statement.some((s: { Sid: string }) => s.Sid === "DeliverExecutionLogs"));
    });

    it("schedules executions on EventBridge Scheduler, off, through live in UTC, retried and dead-lettered, as a role that may only start through live and send to that queue", () => {
        const schedule = named(run, "aws:scheduler/schedule:Schedule", "trading-workflow-scheduler");
        const stateMachineArn = mockArn("states", "stateMachine:trading-workflow-state-machine");
        const queueArn = mockArn("sqs", "monitoring-failed-starts");
        const { target, ...settings } = schedule.inputs;
        assert.deepEqual(
            [settings.scheduleExpression, settings.scheduleExpressionTimezone, settings.state, settings.flexibleTimeWindow],
            ["rate(1 hour)", "UTC", "DISABLED", { mode: "OFF" }],
        );
        assert.deepEqual(
            { ...target, input: JSON.parse(target.input) },
            {
                arn: "arn:aws:scheduler:::aws-sdk:sfn:startExecution",
                roleArn: `arn:aws:iam::${ACCOUNT}:role/trading-workflow-schedule-role`,
                input: {
                    StateMachineArn: `${stateMachineArn}:live`,
                    Name: "schedule-<aws.scheduler.execution-id>",
                    Input: '{"scheduledTime":"<aws.scheduler.scheduled-time>"}',
                },
                retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 900 },
                deadLetterConfig: { arn: queueArn },
            },
        );
        assert.deepEqual(named(run, "aws:sqs/queue:Queue", "monitoring-failed-starts").inputs, {
            sqsManagedSseEnabled: true,
            messageRetentionSeconds: 1209600,
        });
        assert.deepEqual(
            JSON.parse(named(run, "aws:iam/role:Role", "trading-workflow-schedule-role").inputs.assumeRolePolicy),
            trust("scheduler.amazonaws.com"),
        );
        const policy = named(run, "aws:iam/rolePolicy:RolePolicy", "trading-workflow-schedule-policy");
        assert.equal(policy.inputs.role, "trading-workflow-schedule-role-id");
        assert.deepEqual(JSON.parse(policy.inputs.policy), {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "StartTradingExecution",
                    Effect: "Allow",
                    Action: "states:StartExecution",
                    Resource: stateMachineArn,
                    Condition: { "ForAnyValue:StringEquals": { "states:StateMachineQualifier": "live" } },
                },
                { Sid: "SendFailedStarts", Effect: "Allow", Action: "sqs:SendMessage", Resource: queueArn },
            ],
        });
    });

    it("lets the schedule's role, as IAM evaluates it, start through live and send to its own queue only", async () => {
        const statements = JSON.parse(named(run, "aws:iam/rolePolicy:RolePolicy", "trading-workflow-schedule-policy").inputs.policy).Statement;
        const stateMachineArn = mockArn("states", "stateMachine:trading-workflow-state-machine");
        const allowed = (action: string, resource: string, context: Record<string, string> = {}) => isAllowed(statements, { action, resource, context });
        assert.equal(await allowed("states:StartExecution", stateMachineArn, { "states:StateMachineQualifier": "live" }), true);
        assert.equal(await allowed("states:StartExecution", stateMachineArn), false);
        assert.equal(await allowed("sqs:SendMessage", mockArn("sqs", "monitoring-failed-starts")), true);
        assert.equal(await allowed("sqs:SendMessage", mockArn("sqs", "another-queue")), false);
        assert.equal(await allowed("sqs:ReceiveMessage", mockArn("sqs", "monitoring-failed-starts")), false);
    });

    it("exports the state machine's outputs", () => {
        assert.equal(run.outputs.stateMachineArn, mockArn("states", "stateMachine:trading-workflow-state-machine"));
        assert.equal(run.outputs.stateMachineName, "trading-workflow-state-machine");
        assert.equal(run.outputs.stateMachineVersionArn, mockArn("states", "stateMachine:trading-workflow-state-machine:1"));
        assert.equal(run.outputs.stateMachineAliasArn, mockArn("states", "stateMachine:trading-workflow-state-machine:live"));
        assert.equal(run.outputs.stateMachineRoleArn, `arn:aws:iam::${ACCOUNT}:role/trading-workflow-role`);
    });

    it("exports exactly the outputs the README's Stack outputs table documents", () => {
        const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
        const table = readme.slice(readme.indexOf("## Stack outputs"), readme.indexOf("\n## ", readme.indexOf("## Stack outputs") + 1));
        const documented = [...table.matchAll(/^\| (.+?) \|/gm)].flatMap((row) => [...row[1].matchAll(/`(\w+)`/g)].map((m) => m[1]));
        assert.deepEqual(Object.keys(run.outputs).sort(), documented.sort());
    });

    for (const stack of ["dev", "prod"]) {
        it(`gives ${stack} the identical resources, down to every JSON string, on a second evaluation`, async () => {
            const first = await runStack(stack);
            const again = await runProgram(readStackFile(stack), stack);
            const inputs = (r: ProgramRun) =>
                r.resources
                    .map((resource) => [`${resource.type}::${resource.name}`, resource.inputs] as const)
                    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
            assert.deepEqual(inputs(again), inputs(first));
            const definition = (r: ProgramRun) => named(r, "aws:sfn/stateMachine:StateMachine", "trading-workflow-state-machine").inputs.definition;
            const dashboard = (r: ProgramRun) => named(r, "aws:cloudwatch/dashboard:Dashboard", "monitoring-dashboard").inputs.dashboardBody;
            assert.equal(typeof definition(again), "string");
            assert.equal(definition(again), definition(first));
            assert.equal(dashboard(again), dashboard(first));
        });
    }
});

describe("trading workflow under Pulumi mocks (non-default config)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram(EVERY_WORKFLOW_KEY);
        assert.equal(run.error, undefined, String(run.error));
    });

    it("builds the definition of its snapshot from the configured threshold, command, container, network and timeout", () => {
        assert.deepEqual(deployedDefinition(run), snapshot("every key of the workflow's changed, under the mocks").definition);
    });

    it("grants no log delivery or tracing actions when both are off", () => {
        const policy = named(run, "aws:iam/rolePolicy:RolePolicy", "trading-workflow-policy");
        assert.deepEqual(JSON.parse(policy.inputs.policy), snapshot("every key of the workflow's changed, under the mocks").policy);
        assert.ok(!JSON.parse(policy.inputs.policy).Statement.some((s: { Sid: string }) => ["DeliverExecutionLogs", "WriteTraces"].includes(s.Sid)));
        assert.equal(named(run, "aws:sfn/stateMachine:StateMachine", "trading-workflow-state-machine").inputs.loggingConfiguration.level, "OFF");
    });

    it("enables the schedule with the configured expression, read in the configured zone, and leaves the retired rule off", () => {
        const schedule = named(run, "aws:scheduler/schedule:Schedule", "trading-workflow-scheduler");
        assert.deepEqual(
            [schedule.inputs.state, schedule.inputs.scheduleExpression, schedule.inputs.scheduleExpressionTimezone],
            ["ENABLED", "cron(0 14 ? * MON-FRI *)", "America/New_York"],
        );
        assert.equal(named(run, "aws:cloudwatch/eventRule:EventRule", "trading-workflow-schedule").inputs.state, "DISABLED");
        assert.deepEqual(ofType(run, "aws:cloudwatch/eventTarget:EventTarget"), []);
    });
});

describe("trading workflow with tracing on and logging at ERROR", () => {
    it("adds both the log delivery and the X-Ray statements, and turns tracing on", async () => {
        const run = await runProgram({ tracingEnabled: "true", logLevel: "ERROR" });
        assert.equal(run.error, undefined, String(run.error));
        assert.deepEqual(deployedWorkflow(run), snapshot("tracing on and logging at ERROR, under the mocks"));
        const sids = deployedWorkflow(run).policy.Statement.map((s) => s.Sid);
        assert.deepEqual(sids.slice(-2), ["DeliverExecutionLogs", "WriteTraces"]);
        const { inputs } = named(run, "aws:sfn/stateMachine:StateMachine", "trading-workflow-state-machine");
        assert.deepEqual(inputs.tracingConfiguration, { enabled: true });
        assert.equal(inputs.loggingConfiguration.level, "ERROR");
    });

    it("adds only the X-Ray statements when logging is OFF", async () => {
        const run = await runProgram({ tracingEnabled: "true", logLevel: "OFF" });
        assert.deepEqual(deployedWorkflow(run), snapshot("tracing on and logging off, under the mocks"));
        const sids = deployedWorkflow(run).policy.Statement.map((s) => s.Sid);
        assert.ok(sids.includes("WriteTraces") && !sids.includes("DeliverExecutionLogs"));
    });
});

describe("a change to the state machine role's policy", () => {
    const SLEEP = "time:index/sleep:Sleep";
    const policyText = (run: ProgramRun) => named(run, "aws:iam/rolePolicy:RolePolicy", "trading-workflow-policy").inputs.policy;

    it("waits for IAM to see the policy before the state machine is created or updated: the state machine depends on a pause after the policy", async () => {
        const run = await runProgram({ tracingEnabled: "true" });
        const pause = named(run, SLEEP, "trading-workflow-policy-propagation");
        assert.equal(pause.inputs.createDuration, `${IAM_PROPAGATION_SECONDS}s`);
        assert.ok(
            pause.options.dependencies.some((urn) => urn.endsWith("::trading-workflow-policy")),
            "the pause starts once the policy is written",
        );
        const machine = named(run, "aws:sfn/stateMachine:StateMachine", "trading-workflow-state-machine");
        assert.ok(
            machine.options.dependencies.some((urn) => urn.endsWith("::trading-workflow-policy-propagation")),
            machine.options.dependencies.join(", "),
        );
    });

    it("pauses again exactly when the policy's text changes, as turning on tracing or logging changes it", async () => {
        const runs: ProgramRun[] = [];
        // Logging off, then tracing on, then logging on (the default ERROR), then off again.
        for (const config of [{ logLevel: "OFF" }, { logLevel: "OFF", tracingEnabled: "true" }, {}, { logLevel: "OFF" }]) {
            runs.push(await runProgram(config));
        }
        const [off, traced, logged, again] = runs;
        const trigger = (run: ProgramRun) => named(run, SLEEP, "trading-workflow-policy-propagation").inputs.triggers.policy;
        for (const run of [off, traced, logged]) {
            assert.equal(trigger(run), policyText(run));
        }
        assert.notEqual(trigger(traced), trigger(off));
        assert.notEqual(trigger(logged), trigger(off));
        assert.equal(trigger(again), trigger(off), "an unchanged policy must not pause the deploy");
    });
});

describe("a stack in a China region under Pulumi mocks", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram({ "aws:region": "cn-northwest-1" });
        assert.equal(run.error, undefined, String(run.error));
    });

    it("gets arn:aws-cn: ARNs in its definition, the service integrations included, and in every policy", () => {
        const definition = named(run, "aws:sfn/stateMachine:StateMachine", "trading-workflow-state-machine").inputs.definition as string;
        assert.match(definition, /"Resource":"arn:aws-cn:states:::ecs:runTask\.sync"/);
        assert.match(definition, /"Resource":"arn:aws-cn:states:::dynamodb:putItem"/);
        const policies = [
            ...ofType(run, "aws:iam/rolePolicy:RolePolicy").map((r) => r.inputs.policy as string),
            ...ofType(run, "aws:iam/policy:Policy").map((r) => r.inputs.policy as string),
            ...ofType(run, "aws:sns/topicPolicy:TopicPolicy").map((r) => r.inputs.policy as string),
        ];
        assert.ok(policies.length >= 8, String(policies.length));
        for (const text of [definition, ...policies]) {
            const arns = text.match(/arn:[a-z-]+:/g) ?? [];
            assert.deepEqual(
                [...new Set(arns)].filter((a) => a !== "arn:aws-cn:"),
                [],
                text,
            );
        }
        assert.ok(policies.some((p) => p.includes("arn:aws-cn:")));
    });
});
