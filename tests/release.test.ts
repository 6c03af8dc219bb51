/**
 * The `live` alias under Pulumi mocks: each definition change publishes a version, the alias
 * moves to it as the stack's deployment type says, watched by the stack's own execution alarms,
 * and everything that starts executions goes through it.
 */
import * as assert from "node:assert/strict";
import { MockAccount, mockArn, named, ofType, runProgram, runStack, type ProgramRun } from "./support/program";
import { isAllowed, list } from "./support/grants";

const ALIAS = "aws-native:stepfunctions:StateMachineAlias";
const STATE_MACHINE = mockArn("states", "stateMachine:trading-workflow-state-machine");
/** The execution alarms a deploy rolls back on, as the monitoring names them, and the metric each watches. */
const ROLLBACK_ALARMS: Record<string, string> = {
    "monitoring-executions-failed": "ExecutionsFailed",
    "monitoring-executions-timed-out": "ExecutionsTimedOut",
    "monitoring-executions-aborted": "ExecutionsAborted",
};

const alias = (run: ProgramRun) => named(run, ALIAS, "trading-workflow-live");

describe("the live alias under Pulumi mocks", () => {
    let dev: ProgramRun;
    let prod: ProgramRun;
    before(async () => {
        dev = await runStack("dev");
        prod = await runStack("prod");
        assert.equal(dev.error, undefined, String(dev.error));
        assert.equal(prod.error, undefined, String(prod.error));
    });

    it("publishes a version with the state machine, and points live at it", () => {
        assert.equal(named(dev, "aws:sfn/stateMachine:StateMachine", "trading-workflow-state-machine").inputs.publish, true);
        assert.equal(alias(dev).inputs.name, "live");
        assert.equal(alias(dev).inputs.deploymentPreference.stateMachineVersionArn, `${STATE_MACHINE}:1`);
        assert.equal(alias(dev).inputs.routingConfiguration, undefined, "RoutingConfiguration and DeploymentPreference are mutually exclusive");
    });

    it("moves dev at once, and prod by a canary of half the executions for two hours", () => {
        const { stateMachineVersionArn: _dev, alarms: _devAlarms, ...devPreference } = alias(dev).inputs.deploymentPreference;
        assert.deepEqual(devPreference, { type: "ALL_AT_ONCE" });
        const { stateMachineVersionArn: _prod, alarms: _prodAlarms, ...prodPreference } = alias(prod).inputs.deploymentPreference;
        assert.deepEqual(prodPreference, { type: "CANARY", percentage: 50, interval: 120 });
    });

    it("shifts LINEAR stacks by their percentage every interval", async () => {
        const run = await runProgram({ deploymentType: "LINEAR", deploymentPercentage: "20", deploymentIntervalMinutes: "30" });
        assert.equal(run.error, undefined, String(run.error));
        const { type, percentage, interval } = alias(run).inputs.deploymentPreference;
        assert.deepEqual({ type, percentage, interval }, { type: "LINEAR", percentage: 20, interval: 30 });
        // Five steps of 30 minutes, and the half hour the handler and Cloud Control may add.
        assert.deepEqual(alias(run).options.customTimeouts, { create: "180m", update: "180m", delete: "" });
    });

    it("waits out the whole canary: prod's update may take its 120 minutes and a margin", () => {
        assert.deepEqual(alias(prod).options.customTimeouts, { create: "150m", update: "150m", delete: "" });
        assert.deepEqual(alias(dev).options.customTimeouts, { create: "30m", update: "30m", delete: "" });
    });

    it("watches exactly the stack's failed, timed-out and aborted execution alarms, by name, created before it", () => {
        for (const run of [dev, prod]) {
            const { alarms } = alias(run).inputs.deploymentPreference;
            assert.deepEqual([...alarms].sort(), Object.keys(ROLLBACK_ALARMS).sort());
            for (const name of alarms as string[]) {
                const alarm = named(run, "aws:cloudwatch/metricAlarm:MetricAlarm", name);
                assert.equal(alarm.inputs.metricName, ROLLBACK_ALARMS[name]);
                assert.deepEqual(alarm.inputs.dimensions, { StateMachineArn: STATE_MACHINE });
                assert.ok(alias(run).options.dependencies.includes(alarm.options.urn), `${name} exists before the alias watches it`);
            }
        }
        assert.ok(ofType(prod, "aws:cloudwatch/metricAlarm:MetricAlarm").some((alarm) => alarm.name === "monitoring-no-recent-success"));
    });

    it("reaches Cloud Control in the region the stack deploys to", async () => {
        const provider = named(dev, "pulumi:providers:aws-native", "trading-workflow-cloud-control");
        assert.equal(provider.inputs.region, "us-east-1");
        assert.ok(alias(dev).options.provider.startsWith(`${provider.options.urn}::`), alias(dev).options.provider);
        const elsewhere = await runProgram({ "aws:region": "eu-west-1" });
        assert.equal(named(elsewhere, "pulumi:providers:aws-native", "trading-workflow-cloud-control").inputs.region, "eu-west-1");
    });

    it("publishes a new version when the definition changes, and none when it does not", async () => {
        const account = new MockAccount();
        const versionOf = (run: ProgramRun) => alias(run).inputs.deploymentPreference.stateMachineVersionArn;
        const first = await runProgram({}, "test", undefined, account);
        const unchanged = await runProgram({ stateMachineVersionsToKeep: "20" }, "test", undefined, account);
        const changed = await runProgram({ stateMachineVersionsToKeep: "20", buyThreshold: "40" }, "test", undefined, account);
        assert.deepEqual([versionOf(first), versionOf(unchanged), versionOf(changed)], [`${STATE_MACHINE}:1`, `${STATE_MACHINE}:1`, `${STATE_MACHINE}:2`]);
        assert.equal(changed.outputs.stateMachineVersionArn, `${STATE_MACHINE}:2`);
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
            const targets = ofType(run, "aws:cloudwatch/eventTarget:EventTarget");
            assert.ok(targets.length > 0);
            for (const target of targets) {
                assert.equal(target.inputs.arn, `${STATE_MACHINE}:live`, target.name);
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

    it("keeps the schedule's resources, which were the workflow's children before the alias", () => {
        for (const name of ["trading-workflow-schedule", "trading-workflow-schedule-target"]) {
            const type = name.endsWith("target") ? "aws:cloudwatch/eventTarget:EventTarget" : "aws:cloudwatch/eventRule:EventRule";
            assert.ok(
                named(dev, type, name).options.aliases.includes(`urn:pulumi:dev::stock-trader::stock-trader:workflow:TradingWorkflow$${type}::${name}`),
                name,
            );
        }
    });
});
