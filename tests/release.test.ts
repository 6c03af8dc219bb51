/**
 * The `live` alias under Pulumi mocks: each definition change publishes a version, a CloudFormation
 * stack holds `live` and moves it to that version as the stack's deployment type says, watched by
 * the stack's own execution alarms; each function change publishes a function version that the
 * definition invokes; and everything that starts executions goes through `live`.
 */
import * as assert from "node:assert/strict";
import { MockAccount, mockArn, named, ofType, runProgram, runStack, type ProgramRun, type Registered } from "./support/program";
import { aliasProperties } from "./support/alias-stack";
import { isAllowed, list } from "./support/grants";

const STACK = "aws:cloudformation/stack:Stack";
const STATE_MACHINE = mockArn("states", "stateMachine:trading-workflow-state-machine");
/** The execution alarms a deploy rolls back on, as the monitoring names them, and the metric each watches. */
const ROLLBACK_ALARMS: Record<string, string> = {
    "monitoring-executions-failed": "ExecutionsFailed",
    "monitoring-executions-timed-out": "ExecutionsTimedOut",
    "monitoring-executions-aborted": "ExecutionsAborted",
};

const liveStack = (run: ProgramRun): Registered => named(run, STACK, "trading-workflow-live");
/** The alias the live stack holds, as CloudFormation resolves its template with the stack's parameters. */
const alias = (run: ProgramRun) => aliasProperties(JSON.parse(liveStack(run).inputs.templateBody), liveStack(run).inputs.parameters);
const policyOf = (run: ProgramRun, type: string, name: string) => JSON.parse(named(run, type, name).inputs.policy).Statement;

describe("the live alias under Pulumi mocks", () => {
    let dev: ProgramRun;
    let prod: ProgramRun;
    before(async () => {
        dev = await runStack("dev");
        prod = await runStack("prod");
        assert.equal(dev.error, undefined, String(dev.error));
        assert.equal(prod.error, undefined, String(prod.error));
    });

    it("publishes a version with the state machine, and holds live in a CloudFormation stack that points it there, through Cloud Control nowhere", () => {
        assert.equal(named(dev, "aws:sfn/stateMachine:StateMachine", "trading-workflow-state-machine").inputs.publish, true);
        assert.deepEqual(
            dev.resources.filter((r) => r.type.startsWith("aws-native:") || r.type === "pulumi:providers:aws-native"),
            [],
        );
        for (const run of [dev, prod]) {
            const template = JSON.parse(liveStack(run).inputs.templateBody);
            const aliases = Object.values<{ Type: string; Properties: Record<string, unknown> }>(template.Resources);
            assert.deepEqual(
                aliases.map((r) => r.Type),
                ["AWS::StepFunctions::StateMachineAlias"],
            );
            assert.ok(!("RoutingConfiguration" in aliases[0].Properties) && "DeploymentPreference" in aliases[0].Properties);
            assert.equal(alias(run).Name, "live");
            assert.equal(alias(run).DeploymentPreference.StateMachineVersionArn, `${STATE_MACHINE}:1`);
        }
    });

    it("moves dev at once, and prod by a canary of half the executions for two hours", () => {
        const { StateMachineVersionArn: _dev, ...devPreference } = alias(dev).DeploymentPreference;
        assert.deepEqual(devPreference, { Type: "ALL_AT_ONCE" });
        const { StateMachineVersionArn: _prod, Alarms: _alarms, ...prodPreference } = alias(prod).DeploymentPreference;
        assert.deepEqual(prodPreference, { Type: "CANARY", Percentage: 50, Interval: 120 });
    });

    it("shifts LINEAR stacks by their percentage every interval", async () => {
        const run = await runProgram({ deploymentType: "LINEAR", deploymentPercentage: "20", deploymentIntervalMinutes: "30" });
        assert.equal(run.error, undefined, String(run.error));
        const { Type, Percentage, Interval } = alias(run).DeploymentPreference;
        assert.deepEqual({ Type, Percentage, Interval }, { Type: "LINEAR", Percentage: 20, Interval: 30 });
        // Five steps of 30 minutes, the 10-minute bake, and the half hour the handler and CloudFormation may add.
        assert.deepEqual(liveStack(run).options.customTimeouts, { create: "190m", update: "190m", delete: "" });
    });

    it("waits out the whole shift and its bake: prod's update may take its 120 minutes, 30 of bake and a margin", () => {
        assert.deepEqual(liveStack(prod).options.customTimeouts, { create: "180m", update: "180m", delete: "" });
        assert.deepEqual(liveStack(dev).options.customTimeouts, { create: "40m", update: "40m", delete: "" });
        assert.deepEqual(liveStack(prod).inputs.tags, { "stock-trader:bake-minutes": "30" });
    });

    it("watches exactly the stack's failed, timed-out and aborted execution alarms during a gradual shift, by name, created before it", () => {
        const alarms = alias(prod).DeploymentPreference.Alarms!;
        assert.deepEqual([...alarms].sort(), Object.keys(ROLLBACK_ALARMS).sort());
        for (const run of [dev, prod]) {
            for (const name of Object.keys(ROLLBACK_ALARMS)) {
                const alarm = named(run, "aws:cloudwatch/metricAlarm:MetricAlarm", name);
                assert.equal(alarm.inputs.metricName, ROLLBACK_ALARMS[name]);
                assert.deepEqual(alarm.inputs.dimensions, { StateMachineArn: STATE_MACHINE });
                assert.ok(liveStack(run).options.dependencies.includes(alarm.options.urn), `${name} exists before the stack watches it`);
            }
            assert.deepEqual([...(run.outputs.rollbackAlarmNames as string[])].sort(), Object.keys(ROLLBACK_ALARMS).sort());
        }
        assert.equal(alias(dev).DeploymentPreference.Alarms, undefined, "the handler checks no alarm ALL_AT_ONCE");
    });

    it("lets CloudFormation act on the stack as a role that may change this state machine's aliases and read the rollback alarms, nothing else", async () => {
        for (const run of [dev, prod]) {
            const role = named(run, "aws:iam/role:Role", "trading-workflow-live-stack-role");
            assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal, { Service: "cloudformation.amazonaws.com" });
            assert.equal(liveStack(run).inputs.iamRoleArn, role.state.arn);
            const policy = named(run, "aws:iam/rolePolicy:RolePolicy", "trading-workflow-live-stack-policy");
            assert.ok(liveStack(run).options.dependencies.includes(policy.options.urn), "the role may act before the stack asks it to");
            const statements = policyOf(run, "aws:iam/rolePolicy:RolePolicy", "trading-workflow-live-stack-policy");
            const allows = (action: string, resource: string) => isAllowed(statements, { action, resource, context: {} });
            for (const action of ["CreateStateMachineAlias", "DescribeStateMachineAlias", "UpdateStateMachineAlias", "DeleteStateMachineAlias"]) {
                assert.equal(await allows(`states:${action}`, STATE_MACHINE), true, action);
                assert.equal(await allows(`states:${action}`, mockArn("states", "stateMachine:someone-elses")), false, action);
            }
            for (const name of Object.keys(ROLLBACK_ALARMS)) {
                assert.equal(await allows("cloudwatch:DescribeAlarms", mockArn("cloudwatch", `alarm:${name}`)), true, name);
            }
            assert.equal(await allows("cloudwatch:DescribeAlarms", mockArn("cloudwatch", "alarm:monitoring-stock-checker-errors")), false);
            assert.equal(await allows("states:StartExecution", STATE_MACHINE), false);
            assert.equal(await allows("states:UpdateStateMachine", STATE_MACHINE), false);
        }
    });

    it("names the stack after the Pulumi stack, deletes a stack whose first create failed, and takes over live from the aws-native alias of stacks deployed before", () => {
        const stack = liveStack(dev);
        assert.equal(stack.inputs.name, "stock-trader-dev-live");
        assert.equal(dev.outputs.liveStackName, "stock-trader-dev-live");
        assert.equal(stack.inputs.onFailure, "DELETE");
        // The old alias is found through the stack's alias, and replaced: deleted first, as the name live is taken until then.
        assert.ok(
            stack.options.aliases.includes(
                "urn:pulumi:dev::stock-trader::stock-trader:workflow:WorkflowRelease$aws-native:stepfunctions:StateMachineAlias::trading-workflow-live",
            ),
            stack.options.aliases.join(),
        );
        assert.equal(stack.options.deleteBeforeReplace, true);
    });

    it("publishes a new version when the definition changes, and none when it does not", async () => {
        const account = new MockAccount();
        const versionOf = (run: ProgramRun) => alias(run).DeploymentPreference.StateMachineVersionArn;
        const first = await runProgram({}, "test", undefined, account);
        const unchanged = await runProgram({ stateMachineVersionsToKeep: "20" }, "test", undefined, account);
        const changed = await runProgram({ stateMachineVersionsToKeep: "20", buyThreshold: "40" }, "test", undefined, account);
        assert.deepEqual([versionOf(first), versionOf(unchanged), versionOf(changed)], [`${STATE_MACHINE}:1`, `${STATE_MACHINE}:1`, `${STATE_MACHINE}:2`]);
        assert.equal(changed.outputs.stateMachineVersionArn, `${STATE_MACHINE}:2`);
    });

    it("invokes a published version of each function from every Lambda state, so a function change is a new workflow version", async () => {
        const account = new MockAccount();
        const definitionOf = (run: ProgramRun) =>
            JSON.parse(named(run, "aws:sfn/stateMachine:StateMachine", "trading-workflow-state-machine").inputs.definition);
        const lambdaResources = (run: ProgramRun) =>
            Object.values<{ Type: string; Resource?: string }>(definitionOf(run).States)
                .map((state) => state.Resource ?? "")
                .filter((resource) => resource.startsWith("arn:aws:lambda:"));
        const first = await runProgram({}, "test", undefined, account);
        const published = ofType(first, "aws:lambda/function:Function").map((fn) => fn.state.qualifiedArn);
        assert.ok(ofType(first, "aws:lambda/function:Function").every((fn) => fn.inputs.publish === true));
        assert.deepEqual([...new Set(lambdaResources(first))].sort(), [...published].sort());
        assert.ok(lambdaResources(first).every((arn) => /:function:[^:]+:\d+$/.test(arn)));
        const changed = await runProgram({ functionLogLevel: "DEBUG" }, "test", undefined, account);
        assert.ok(
            lambdaResources(changed).every((arn) => arn.endsWith(":2")),
            "a function's configuration change publishes its next version",
        );
        assert.equal(alias(changed).DeploymentPreference.StateMachineVersionArn, `${STATE_MACHINE}:2`, "and the workflow a new version that invokes it");
    });

    it("lets the state machine role invoke every published version of each function, and not the unqualified ARN", async () => {
        const statements = policyOf(dev, "aws:iam/rolePolicy:RolePolicy", "trading-workflow-policy");
        for (const fn of ["stock-checker", "stock-buyer", "stock-seller"]) {
            const functionArn = mockArn("lambda", `function:trading-${fn}`);
            const invoke = (resource: string) => isAllowed(statements, { action: "lambda:InvokeFunction", resource, context: {} });
            assert.equal(await invoke(`${functionArn}:5`), true, `${fn} version 5, which an older workflow version invokes`);
            assert.equal(await invoke(`${functionArn}:1`), true, fn);
            assert.equal(await invoke(functionArn), false, `${fn} unqualified, which runs $LATEST`);
            assert.equal(await invoke(mockArn("lambda", "function:someone-elses:1")), false);
        }
    });

    it("tags the state machine with the number of versions the pruner keeps", () => {
        const tags = (run: ProgramRun) => named(run, "aws:sfn/stateMachine:StateMachine", "trading-workflow-state-machine").inputs.tags;
        assert.deepEqual(tags(dev), { "stock-trader:versions-to-keep": "10" });
    });

    it("exports the alias's and the newest version's ARNs", () => {
        assert.equal(dev.outputs.stateMachineAliasArn, `${STATE_MACHINE}:live`);
        assert.equal(dev.outputs.stateMachineVersionArn, `${STATE_MACHINE}:1`);
    });

    it("starts every execution through live: each schedule target is the alias, and IAM lets each starter start through live only", async () => {
        for (const run of [dev, prod]) {
            assert.deepEqual(ofType(run, "aws:cloudwatch/eventTarget:EventTarget"), [], "the retired rule has no target");
            const schedules = ofType(run, "aws:scheduler/schedule:Schedule");
            assert.ok(schedules.length > 0);
            for (const schedule of schedules) {
                assert.equal(JSON.parse(schedule.inputs.target.input).StateMachineArn, `${STATE_MACHINE}:live`, schedule.name);
            }
            const policies = [...ofType(run, "aws:iam/rolePolicy:RolePolicy"), ...ofType(run, "aws:iam/policy:Policy")];
            const starters = policies.filter((policy) =>
                (JSON.parse(policy.inputs.policy).Statement as { Action: string | string[] }[]).some((statement) =>
                    list(statement.Action).some((action) => /^states:(StartExecution|\*)$/.test(action)),
                ),
            );
            assert.deepEqual(
                starters.map((policy) => policy.name),
                ["trading-workflow-schedule-policy", "monitoring-operator-policy"],
            );
            for (const policy of starters) {
                const statements = JSON.parse(policy.inputs.policy).Statement;
                const start = (qualifier?: string) =>
                    isAllowed(statements, {
                        action: "states:StartExecution",
                        resource: STATE_MACHINE,
                        context: qualifier === undefined ? {} : { "states:StateMachineQualifier": qualifier },
                    });
                assert.equal(await start("live"), true, `${policy.name} must start through live`);
                assert.equal(await start("3"), false, `${policy.name} must not start version 3`);
                assert.equal(await start(), false, `${policy.name} must not start by the unqualified ARN`);
            }
        }
    });

    it("keeps the schedule's role, its policy and the retired rule, which were the workflow's children before the alias", () => {
        for (const [type, name] of [
            ["aws:cloudwatch/eventRule:EventRule", "trading-workflow-schedule"],
            ["aws:iam/role:Role", "trading-workflow-schedule-role"],
            ["aws:iam/rolePolicy:RolePolicy", "trading-workflow-schedule-policy"],
        ]) {
            assert.ok(
                named(dev, type, name).options.aliases.includes(`urn:pulumi:dev::stock-trader::stock-trader:workflow:TradingWorkflow$${type}::${name}`),
                name,
            );
        }
    });

    it("disables the retired rule before the schedule exists, so the two never start executions side by side", () => {
        for (const run of [dev, prod]) {
            const rule = named(run, "aws:cloudwatch/eventRule:EventRule", "trading-workflow-schedule");
            assert.equal(rule.inputs.state, "DISABLED");
            assert.ok(named(run, "aws:scheduler/schedule:Schedule", "trading-workflow-scheduler").options.dependencies.includes(rule.options.urn));
        }
    });
});
