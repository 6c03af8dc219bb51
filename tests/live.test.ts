/**
 * npm run live against mocked AWS clients, with responses shaped as the CloudFormation, CloudWatch
 * and Step Functions API references document them: the status, the bake and the rollback, each
 * moving `live` only through its stack; and the bake's rollback walked through the stand-in for
 * CloudFormation and the alias handler, so that the stack and `live` still agree after it.
 */
import * as assert from "node:assert/strict";
import { CloudFormationClient, DescribeStackEventsCommand, DescribeStacksCommand, UpdateStackCommand, type Stack } from "@aws-sdk/client-cloudformation";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeStateMachineAliasCommand, SFNClient } from "@aws-sdk/client-sfn";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { liveParameters, liveTemplate, type DeploymentSettings } from "../model/deployment";
import { live, type LiveDeps } from "../scripts/operate/live";
import { given, LiveStack, type ParameterInput } from "./support/alias-stack";
import { serviceError } from "./support/aws-errors";

const MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:trading-workflow-state-machine";
const ALIAS = `${MACHINE}:live`;
const STACK_NAME = "stock-trader-prod-live";
const ALARMS = ["monitoring-executions-failed", "monitoring-executions-timed-out", "monitoring-executions-aborted"];
const OUTPUTS = { stateMachineAliasArn: ALIAS, liveStackName: STACK_NAME, rollbackAlarmNames: ALARMS };
const CANARY: DeploymentSettings = { deploymentType: "CANARY", deploymentPercentage: 50, deploymentIntervalMinutes: 120 };
const version = (n: number) => `${MACHINE}:${n}`;

/** A stack as DescribeStacks returns it. */
function stack(status: string, parameters: Record<string, string>, bakeMinutes = "30"): Stack {
    return {
        StackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/${STACK_NAME}/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`,
        StackName: STACK_NAME,
        CreationTime: new Date("2026-12-01T12:00:00Z"),
        StackStatus: status as Stack["StackStatus"],
        Parameters: Object.entries(parameters).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue })),
        Tags: [{ Key: "stock-trader:bake-minutes", Value: bakeMinutes }],
    };
}

const alarm = (name: string, state: "OK" | "ALARM" | "INSUFFICIENT_DATA") => ({ AlarmName: name, StateValue: state as "OK" });

describe("npm run live (against mocked AWS clients)", () => {
    let sfn: AwsClientStub<SFNClient>;
    let cloudformation: AwsClientStub<CloudFormationClient>;
    let cloudwatch: AwsClientStub<CloudWatchClient>;
    before(() => {
        sfn = mockClient(SFNClient);
        cloudformation = mockClient(CloudFormationClient);
        cloudwatch = mockClient(CloudWatchClient);
    });
    beforeEach(() => [sfn, cloudformation, cloudwatch].forEach((client) => client.reset()));
    after(() => [sfn, cloudformation, cloudwatch].forEach((client) => client.restore()));

    /** Runs the tool on a clock that the sleeps move on, and records what it slept. */
    async function run(argv: string[], outputs: Record<string, unknown> = OUTPUTS) {
        let clock = Date.parse("2026-12-06T12:00:00Z");
        const out: string[] = [];
        const err: string[] = [];
        const slept: number[] = [];
        const deps: LiveDeps = {
            stackOutputs: async () => outputs,
            sleep: async (ms) => {
                slept.push(ms);
                clock += ms;
            },
            now: () => new Date(clock),
            out: (l) => out.push(...l.split("\n")),
            err: (l) => err.push(l),
        };
        return { code: await live(argv, deps), out, err, slept };
    }

    const routes = (...weights: [number, number][]) =>
        sfn.on(DescribeStateMachineAliasCommand).resolves({
            stateMachineAliasArn: ALIAS,
            name: "live",
            routingConfiguration: weights.map(([n, weight]) => ({ stateMachineVersionArn: version(n), weight })),
            creationDate: new Date("2026-12-01T12:00:00Z"),
        });

    it("prints where live routes and the version its stack last set, and says when they disagree", async () => {
        routes([7, 100]);
        cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack("UPDATE_COMPLETE", liveParameters(CANARY, version(7), ALARMS))] });
        const agreed = await run(["status", "--stack", "prod"]);
        assert.equal(agreed.code, 0);
        assert.deepEqual(agreed.out, [`live routes 100% to version 7 (${ALIAS})`, `its stack ${STACK_NAME} (UPDATE_COMPLETE) last set version 7`]);
        routes([7, 50], [8, 50]);
        cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack("UPDATE_IN_PROGRESS", liveParameters(CANARY, version(8), ALARMS))] });
        const json = await run(["status", "--stack", "prod", "--json"]);
        assert.deepEqual(JSON.parse(json.out.join("\n")), {
            aliasArn: ALIAS,
            routes: [
                { versionArn: version(7), weight: 50, version: 7 },
                { versionArn: version(8), weight: 50, version: 8 },
            ],
            liveVersionArn: null,
            stackName: STACK_NAME,
            stackStatus: "UPDATE_IN_PROGRESS",
            stackVersionArn: version(8),
            agrees: false,
        });
        const lines = await run(["status", "--stack", "prod"]);
        assert.match(lines.out.at(-1)!, /^live and its stack disagree: a shift is under way, or live was moved outside the stack/);
    });

    it("says so when no CloudFormation stack holds live yet, as on a stack deployed with the aws-native alias", async () => {
        routes([3, 100]);
        const result = await run(["status", "--stack", "prod"], { stateMachineAliasArn: ALIAS });
        assert.equal(result.code, 0);
        assert.equal(result.out[1], "no CloudFormation stack holds live: deploy the stack with this version of the program (pulumi up)");
        assert.equal(cloudformation.calls().length, 0);
    });

    it("rolls back through the stack: the previous template, the version given, ALL_AT_ONCE, the alarms as they were; then waits for the update", async () => {
        cloudformation
            .on(DescribeStacksCommand)
            .resolvesOnce({ Stacks: [stack("UPDATE_COMPLETE", liveParameters(CANARY, version(8), ALARMS))] })
            .resolvesOnce({ Stacks: [stack("UPDATE_IN_PROGRESS", liveParameters(CANARY, version(8), ALARMS))] })
            .resolves({ Stacks: [stack("UPDATE_COMPLETE", { ...liveParameters(CANARY, version(7), ALARMS), DeploymentType: "ALL_AT_ONCE" })] });
        cloudformation.on(UpdateStackCommand).resolves({ StackId: "stack" });
        const result = await run(["rollback", "--stack", "prod", "--to", "7"]);
        assert.equal(result.code, 0, result.err.join("\n"));
        assert.deepEqual(result.out, [`moved live to version 7 through its stack ${STACK_NAME}`]);
        assert.deepEqual(cloudformation.commandCalls(UpdateStackCommand)[0].args[0].input, {
            StackName: STACK_NAME,
            UsePreviousTemplate: true,
            Parameters: [
                { ParameterKey: "StateMachineVersionArn", ParameterValue: version(7) },
                { ParameterKey: "DeploymentType", ParameterValue: "ALL_AT_ONCE" },
                { ParameterKey: "Alarms", UsePreviousValue: true },
            ],
        });
        assert.deepEqual(result.slept, [10_000]);
        assert.equal(sfn.commandCalls(DescribeStateMachineAliasCommand).length, 0, "live is never moved outside its stack");
    });

    it("says there is nothing to update when the stack already sets that version at once, and fails naming the reason when the update fails", async () => {
        cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack("UPDATE_COMPLETE", liveParameters(CANARY, version(7), ALARMS))] });
        cloudformation.on(UpdateStackCommand).rejects(serviceError("ValidationError", "No updates are to be performed."));
        const unchanged = await run(["rollback", "--stack", "prod", "--to", version(7)]);
        assert.equal(unchanged.code, 0);
        assert.deepEqual(unchanged.out, [`live's stack ${STACK_NAME} already sets version 7 at once: nothing to update`]);

        cloudformation.reset();
        cloudformation
            .on(DescribeStacksCommand)
            .resolvesOnce({ Stacks: [stack("UPDATE_COMPLETE", liveParameters(CANARY, version(8), ALARMS))] })
            .resolves({ Stacks: [stack("UPDATE_ROLLBACK_COMPLETE", liveParameters(CANARY, version(8), ALARMS))] });
        cloudformation.on(UpdateStackCommand).resolves({ StackId: "stack" });
        cloudformation.on(DescribeStackEventsCommand).resolves({
            StackEvents: [
                {
                    StackId: "stack",
                    EventId: "2",
                    StackName: STACK_NAME,
                    Timestamp: new Date(),
                    ResourceStatus: "UPDATE_ROLLBACK_COMPLETE",
                },
                {
                    StackId: "stack",
                    EventId: "1",
                    StackName: STACK_NAME,
                    Timestamp: new Date(),
                    LogicalResourceId: "Live",
                    ResourceStatus: "UPDATE_FAILED",
                    ResourceStatusReason: 'Resource handler returned message: "State Machine Version Does Not Exist"',
                },
            ],
        });
        const failed = await run(["rollback", "--stack", "prod", "--to", "3"]);
        assert.equal(failed.code, 1);
        assert.deepEqual(failed.err, [
            `the update of ${STACK_NAME} ended UPDATE_ROLLBACK_COMPLETE: Resource handler returned message: "State Machine Version Does Not Exist"`,
        ]);
    });

    it("refuses a version of another state machine, and a flag of another command, with exit 2", async () => {
        const other = await run(["rollback", "--stack", "prod", "--to", "arn:aws:states:us-east-1:123456789012:stateMachine:other:3"]);
        assert.equal(other.code, 2);
        assert.match(other.err[0], /^--to must be a version of arn:aws:states:us-east-1:123456789012:stateMachine:trading-workflow-state-machine/);
        const misplaced = await run(["status", "--stack", "prod", "--previous", "3"]);
        assert.equal(misplaced.code, 2);
        assert.deepEqual(misplaced.err, ["--previous applies only to bake (got status); npm run live -- --help lists what it takes"]);
    });

    it("bakes once a minute for the stack's bakeMinutes, the first check at once, and exits 0 when no alarm fires", async () => {
        cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack("UPDATE_COMPLETE", liveParameters(CANARY, version(8), ALARMS), "3")] });
        cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: ALARMS.map((name) => alarm(name, "OK")) });
        const result = await run(["bake", "--stack", "prod", "--previous", "7"]);
        assert.equal(result.code, 0, result.err.join("\n"));
        assert.deepEqual(result.out, [`baked 3 minutes: none of ${ALARMS.join(", ")} went to ALARM`]);
        assert.deepEqual(result.slept, [60_000, 60_000, 60_000]);
        assert.equal(cloudwatch.commandCalls(DescribeAlarmsCommand).length, 4);
        assert.deepEqual(cloudwatch.commandCalls(DescribeAlarmsCommand)[0].args[0].input, { AlarmNames: ALARMS });
        assert.deepEqual(result.err, [
            "check 1: no alarm in ALARM (3 of 3 minutes left)",
            "check 2: no alarm in ALARM (2 of 3 minutes left)",
            "check 3: no alarm in ALARM (1 of 3 minutes left)",
            "check 4: no alarm in ALARM (0 of 3 minutes left)",
        ]);
        assert.equal(cloudformation.commandCalls(UpdateStackCommand).length, 0);
    });

    it("fails the bake when an alarm fires, without moving live when it has no previous version to move to", async () => {
        cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm(ALARMS[0], "ALARM"), alarm(ALARMS[1], "OK"), alarm(ALARMS[2], "OK")] });
        routes([8, 100]);
        const none = await run(["bake", "--stack", "prod", "--minutes", "10"]);
        assert.equal(none.code, 1);
        assert.match(none.out[0], /^monitoring-executions-failed went to ALARM during the bake: no --previous version was given/);
        const same = await run(["bake", "--stack", "prod", "--minutes", "10", "--previous", "8"]);
        assert.equal(same.code, 1);
        assert.match(same.out[0], /live already routes to version 8, so there is nothing to move back$/);
        assert.equal(cloudformation.commandCalls(UpdateStackCommand).length, 0);
    });

    it("moves live back through its stack when an alarm fires mid-bake, so that the stack and live agree, and the next deploy shifts from there", async () => {
        // The stand-in stack: version 7 in service, then the deploy moved live to 8 by a canary.
        const stand = new LiveStack(liveTemplate(CANARY), liveParameters(CANARY, version(7), ALARMS));
        assert.equal(stand.update(liveTemplate(CANARY), given(liveParameters(CANARY, version(8), ALARMS))), "UPDATE_COMPLETE");
        const described = () => ({
            Stacks: [stack("UPDATE_COMPLETE", { ...liveParameters(CANARY, stand.lastSetVersion(), ALARMS) }, "10")],
        });
        cloudformation.on(DescribeStacksCommand).callsFake(described);
        cloudformation.on(UpdateStackCommand).callsFake((input: { UsePreviousTemplate: boolean; Parameters: ParameterInput[] }) => {
            assert.equal(input.UsePreviousTemplate, true);
            stand.update("previous", input.Parameters);
            return { StackId: "stack" };
        });
        sfn.on(DescribeStateMachineAliasCommand).callsFake(() => ({
            stateMachineAliasArn: ALIAS,
            name: "live",
            routingConfiguration: Object.entries(stand.routes).map(([stateMachineVersionArn, weight]) => ({ stateMachineVersionArn, weight })),
            creationDate: new Date(),
        }));
        cloudwatch
            .on(DescribeAlarmsCommand)
            .resolvesOnce({ MetricAlarms: ALARMS.map((name) => alarm(name, "OK")) })
            .resolvesOnce({ MetricAlarms: ALARMS.map((name) => alarm(name, "INSUFFICIENT_DATA")) })
            .resolves({ MetricAlarms: [alarm(ALARMS[0], "ALARM"), alarm(ALARMS[1], "OK"), alarm(ALARMS[2], "OK")] });
        const result = await run(["bake", "--stack", "prod", "--previous", "7"]);
        assert.equal(result.code, 1);
        assert.deepEqual(result.out, ["monitoring-executions-failed went to ALARM during the bake: moved live back to version 7 through its stack"]);
        assert.equal(cloudwatch.commandCalls(DescribeAlarmsCommand).length, 3, "it stops watching at the first alarm");
        assert.deepEqual(stand.routes, { [version(7)]: 100 });
        assert.equal(stand.lastSetVersion(), version(7));
        assert.equal(stand.shiftMinutes, 0, "the rollback moved live at once");
        assert.equal(stand.update(liveTemplate(CANARY), given(liveParameters(CANARY, version(9), ALARMS))), "UPDATE_COMPLETE");
        assert.deepEqual(stand.routes, { [version(9)]: 100 });
        assert.equal(stand.shiftMinutes, 120, "the next deploy is a canary again, from version 7");
    });
});
