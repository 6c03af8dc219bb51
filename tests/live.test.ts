/**
 * npm run live against mocked AWS clients, with responses shaped as the CloudFormation, CloudWatch
 * and Step Functions API references document them: the status, the bake and the rollback, each
 * moving `live` only through its stack; and the bake's rollback walked through the stand-in for
 * CloudFormation and the alias handler, so that the stack and `live` still agree after it.
 */
import * as assert from "node:assert/strict";
import {
    CloudFormationClient,
    DescribeStackEventsCommand,
    DescribeStacksCommand,
    UpdateStackCommand,
    type Stack,
    type StackEvent,
} from "@aws-sdk/client-cloudformation";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeStateMachineAliasCommand, SFNClient } from "@aws-sdk/client-sfn";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { liveParameters, liveTemplate, type DeploymentSettings } from "../model/deployment";
import { live, main, USAGE, type LiveDeps } from "../scripts/operate/live";
import { given, LiveStack, type ParameterInput } from "./support/alias-stack";
import { notAuthorized, serviceError } from "./support/aws-errors";
import { closedClients } from "./support/closed-clients";
import { withEnvironment } from "./support/loopback";
import { runInProcess } from "./support/tool";

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

    /** The tool's clock: its sleeps move it on, and so may a mocked call that takes time. */
    let clock = 0;
    async function run(argv: string[], outputs: Record<string, unknown> = OUTPUTS) {
        clock = Date.parse("2026-12-06T12:00:00Z");
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

    it("reads live as routing all executions to the version at 100%, also beside a route at weight 0", async () => {
        routes([7, 100], [8, 0]);
        cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack("UPDATE_COMPLETE", liveParameters(CANARY, version(7), ALARMS))] });
        const json = await run(["status", "--stack", "prod", "--json"]);
        const status = JSON.parse(json.out.join("\n")) as { liveVersionArn: string | null; agrees: boolean };
        assert.deepEqual([status.liveVersionArn, status.agrees], [version(7), true]);
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
    const awsCalls = () => sfn.calls().length + cloudformation.calls().length + cloudwatch.calls().length;
    /** A stack event as DescribeStackEvents returns it; only the ID, the stack and the time are always there. */
    const event = (id: string, logicalResourceId: string, status?: string, reason?: string): StackEvent => ({
        StackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/${STACK_NAME}/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`,
        EventId: id,
        StackName: STACK_NAME,
        Timestamp: new Date("2026-12-06T12:00:00Z"),
        LogicalResourceId: logicalResourceId,
        ...(status === undefined ? {} : { ResourceStatus: status as StackEvent["ResourceStatus"] }),
        ...(reason === undefined ? {} : { ResourceStatusReason: reason }),
    });

    it("prints its usage with --help, as the CLI runs it, and calls nothing", async () => {
        const help = await run(["status", "--help"]);
        assert.equal(help.code, 0);
        assert.deepEqual(help.out, USAGE.split("\n"));
        const cli = await runInProcess(main, ["--help"]);
        assert.equal(cli.status, 0);
        assert.equal(cli.stdout, `${USAGE}\n`);
        assert.equal(awsCalls(), 0);
    });

    it("refuses with exit 2 a command line without one command, without --stack, a rollback without --to, and a --previous of another state machine", async () => {
        const other = "arn:aws:states:us-east-1:123456789012:stateMachine:other:3";
        const cases: [string[], string][] = [
            [["--stack", "prod"], "name one command, status, bake, rollback (got nothing)"],
            [["deploy", "--stack", "prod"], "name one command, status, bake, rollback (got deploy)"],
            [["status", "bake", "--stack", "prod"], "name one command, status, bake, rollback (got status bake)"],
            [["status"], "--stack NAME is required"],
            [["rollback", "--stack", "prod"], "rollback needs --to VERSION, the version live moves to"],
            [["bake", "--stack", "prod", "--previous", other], `--previous must be a version of ${MACHINE} (got ${other})`],
        ];
        for (const [argv, problem] of cases) {
            const result = await run(argv);
            assert.equal(result.code, 2, argv.join(" "));
            assert.deepEqual(result.err, [`${problem}; npm run live -- --help lists what it takes`]);
        }
        assert.equal(awsCalls(), 0);
    });

    it("exits 1 naming the output when the stack has no stateMachineAliasArn, as before its first deploy", async () => {
        const result = await run(["status", "--stack", "prod"], { liveStackName: STACK_NAME });
        assert.equal(result.code, 1);
        assert.deepEqual(result.err, ["stack prod has no stateMachineAliasArn output: is it deployed?"]);
        assert.equal(awsCalls(), 0);
    });

    it("says where its calls go when AWS_REGION names another region than the alias's", async () => {
        routes([3, 100]);
        const result = await withEnvironment({ AWS_REGION: "eu-west-1", AWS_DEFAULT_REGION: undefined }, () =>
            run(["status", "--stack", "prod"], { stateMachineAliasArn: ALIAS }),
        );
        assert.equal(result.code, 0);
        assert.deepEqual(result.err, [`notice: ${ALIAS} is in us-east-1, and AWS_REGION says eu-west-1: the calls go to us-east-1`]);
        assert.equal(result.out[0], `live routes 100% to version 3 (${ALIAS})`);
    });

    it("exits 1 naming the call AWS refused and what it was about: the alias, the stack, its update, its events and the alarms", async () => {
        const describesThenEnds = (status: string) =>
            cloudformation
                .on(DescribeStacksCommand)
                .resolvesOnce({ Stacks: [stack("UPDATE_COMPLETE", liveParameters(CANARY, version(8), ALARMS))] })
                .resolves({ Stacks: [stack(status, liveParameters(CANARY, version(8), ALARMS))] });
        const cases: { argv: string[]; arrange: () => unknown; refused: string }[] = [
            {
                argv: ["status", "--stack", "prod"],
                arrange: () => sfn.on(DescribeStateMachineAliasCommand).rejects(notAuthorized("AccessDeniedException")),
                refused: `AWS refused states:DescribeStateMachineAlias on ${ALIAS}: AccessDeniedException: `,
            },
            {
                argv: ["status", "--stack", "prod"],
                arrange: () => {
                    routes([7, 100]);
                    cloudformation.on(DescribeStacksCommand).rejects(notAuthorized("AccessDenied"));
                },
                refused: `AWS refused cloudformation:DescribeStacks on ${STACK_NAME}: AccessDenied: `,
            },
            {
                // Any ValidationError but "No updates are to be performed" is a refusal.
                argv: ["rollback", "--stack", "prod", "--to", "7"],
                arrange: () => {
                    describesThenEnds("UPDATE_COMPLETE");
                    cloudformation
                        .on(UpdateStackCommand)
                        .rejects(serviceError("ValidationError", `Stack:${STACK_NAME} is in UPDATE_IN_PROGRESS state and can not be updated.`));
                },
                refused: `AWS refused cloudformation:UpdateStack on ${STACK_NAME}: ValidationError: Stack:${STACK_NAME} is in UPDATE_IN_PROGRESS state`,
            },
            {
                argv: ["rollback", "--stack", "prod", "--to", "7"],
                arrange: () => {
                    describesThenEnds("UPDATE_ROLLBACK_COMPLETE");
                    cloudformation.on(UpdateStackCommand).resolves({ StackId: "stack" });
                    cloudformation.on(DescribeStackEventsCommand).rejects(notAuthorized("AccessDenied"));
                },
                refused: `AWS refused cloudformation:DescribeStackEvents on ${STACK_NAME}: AccessDenied: `,
            },
            {
                argv: ["bake", "--stack", "prod", "--minutes", "5"],
                arrange: () => cloudwatch.on(DescribeAlarmsCommand).rejects(notAuthorized("AccessDenied")),
                refused: `AWS refused cloudwatch:DescribeAlarms on ${ALARMS.join(", ")}: AccessDenied: `,
            },
        ];
        for (const { argv, arrange, refused } of cases) {
            [sfn, cloudformation, cloudwatch].forEach((client) => client.reset());
            arrange();
            const result = await run(argv);
            assert.equal(result.code, 1, refused);
            assert.equal(result.err.length, 1, result.err.join("\n"));
            assert.ok(result.err[0].startsWith(refused), result.err[0]);
        }
    });

    it("exits 1 when CloudFormation describes no stack of live's stack's name", async () => {
        routes([7, 100]);
        for (const answer of [{ Stacks: [] }, {}]) {
            cloudformation.on(DescribeStacksCommand).resolves(answer);
            const result = await run(["status", "--stack", "prod"]);
            assert.equal(result.code, 1, JSON.stringify(answer));
            assert.deepEqual(result.err, [`CloudFormation knows no stack ${STACK_NAME}`]);
        }
    });

    it("status: names both routes of a shift under way, says when the stack sets no version, and finds the version among parameters in any order", async () => {
        routes([7, 50], [8, 50]);
        cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack("UPDATE_COMPLETE", { DeploymentType: "CANARY", Alarms: ALARMS.join(",") })] });
        const shifting = await run(["status", "--stack", "prod"]);
        assert.equal(shifting.code, 0);
        assert.deepEqual(shifting.out, [
            `live routes 50% to version 7, 50% to version 8 (${ALIAS})`,
            `its stack ${STACK_NAME} (UPDATE_COMPLETE) last set no version`,
            "live and its stack disagree: a shift is under way, or live was moved outside the stack; move it only with npm run live -- rollback",
        ]);
        assert.deepEqual(sfn.commandCalls(DescribeStateMachineAliasCommand)[0].args[0].input, { stateMachineAliasArn: ALIAS });

        routes([7, 100]);
        cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [{ ...stack("UPDATE_COMPLETE", {}), Parameters: undefined }] });
        const bare = await run(["status", "--stack", "prod"]);
        assert.equal(bare.out[1], `its stack ${STACK_NAME} (UPDATE_COMPLETE) last set no version`);

        cloudformation
            .on(DescribeStacksCommand)
            .resolves({ Stacks: [stack("UPDATE_COMPLETE", { DeploymentType: "CANARY", StateMachineVersionArn: version(7), Alarms: ALARMS.join(",") })] });
        const agreed = await run(["status", "--stack", "prod"]);
        assert.deepEqual(agreed.out, [`live routes 100% to version 7 (${ALIAS})`, `its stack ${STACK_NAME} (UPDATE_COMPLETE) last set version 7`]);
    });

    it("rollback --json says whether it moved live, for a version of two digits given by its number or its ARN", async () => {
        cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack("UPDATE_COMPLETE", liveParameters(CANARY, version(8), ALARMS))] });
        cloudformation.on(UpdateStackCommand).resolves({ StackId: "stack" });
        const moved = await run(["rollback", "--stack", "prod", "--to", "12", "--json"]);
        assert.equal(moved.code, 0, moved.err.join("\n"));
        assert.deepEqual(JSON.parse(moved.out.join("\n")), { versionArn: version(12), moved: true });

        cloudformation.on(UpdateStackCommand).rejects(serviceError("ValidationError", "No updates are to be performed."));
        const unchanged = await run(["rollback", "--stack", "prod", "--to", version(12), "--json"]);
        assert.equal(unchanged.code, 0, unchanged.err.join("\n"));
        assert.deepEqual(JSON.parse(unchanged.out.join("\n")), { versionArn: version(12), moved: false });
    });

    it("rolls back a stack that has no parameters by sending none", async () => {
        cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [{ ...stack("UPDATE_COMPLETE", {}), Parameters: undefined }] });
        cloudformation.on(UpdateStackCommand).rejects(serviceError("ValidationError", "No updates are to be performed."));
        const result = await run(["rollback", "--stack", "prod", "--to", "7"]);
        assert.equal(result.code, 0, result.err.join("\n"));
        assert.deepEqual(cloudformation.commandCalls(UpdateStackCommand)[0].args[0].input.Parameters, []);
    });

    it("gives up on a rollback whose update is still in progress after 30 minutes, having looked every 10 seconds", async () => {
        cloudformation
            .on(DescribeStacksCommand)
            .resolvesOnce({ Stacks: [stack("UPDATE_COMPLETE", liveParameters(CANARY, version(8), ALARMS))] })
            .resolves({ Stacks: [stack("UPDATE_IN_PROGRESS", liveParameters(CANARY, version(8), ALARMS))] });
        cloudformation.on(UpdateStackCommand).resolves({ StackId: "stack" });
        const result = await run(["rollback", "--stack", "prod", "--to", "7"]);
        assert.equal(result.code, 1);
        assert.deepEqual(result.err, [`the update of ${STACK_NAME} was still UPDATE_IN_PROGRESS after 30 minutes: see its events in CloudFormation`]);
        // It looks at once, then every 10 s, and gives up at the first look past the 30 minutes.
        assert.equal(result.slept.length, 181);
        assert.ok(result.slept.every((ms) => ms === 10_000));
    });

    it("names the reason of the newest failed event, past events that give a reason without failing, and says when none gives one", async () => {
        const failedUpdate = (events: StackEvent[]) => {
            cloudformation.reset();
            cloudformation
                .on(DescribeStacksCommand)
                .resolvesOnce({ Stacks: [stack("UPDATE_COMPLETE", liveParameters(CANARY, version(8), ALARMS))] })
                .resolves({ Stacks: [stack("UPDATE_ROLLBACK_COMPLETE", liveParameters(CANARY, version(8), ALARMS))] });
            cloudformation.on(UpdateStackCommand).resolves({ StackId: "stack" });
            cloudformation.on(DescribeStackEventsCommand).resolves({ StackEvents: events });
        };
        failedUpdate([
            event("4", STACK_NAME, "UPDATE_ROLLBACK_COMPLETE"),
            // An event with no resource status, which the API reference does not promise.
            event("3", "Live"),
            event("2", STACK_NAME, "UPDATE_ROLLBACK_IN_PROGRESS", "The following resource(s) failed to update: [Live]. "),
            event("1", "Live", "UPDATE_FAILED", 'Resource handler returned message: "State Machine Version Does Not Exist"'),
        ]);
        const named = await run(["rollback", "--stack", "prod", "--to", "3"]);
        assert.equal(named.code, 1);
        assert.deepEqual(named.err, [
            `the update of ${STACK_NAME} ended UPDATE_ROLLBACK_COMPLETE: Resource handler returned message: "State Machine Version Does Not Exist"`,
        ]);
        assert.deepEqual(
            cloudformation.commandCalls(DescribeStacksCommand).map((c) => c.args[0].input),
            [{ StackName: STACK_NAME }, { StackName: STACK_NAME }],
        );
        assert.deepEqual(
            cloudformation.commandCalls(DescribeStackEventsCommand).map((c) => c.args[0].input),
            [{ StackName: STACK_NAME }],
        );

        failedUpdate([event("2", STACK_NAME, "UPDATE_ROLLBACK_COMPLETE"), event("1", STACK_NAME, "UPDATE_ROLLBACK_IN_PROGRESS")]);
        const unnamed = await run(["rollback", "--stack", "prod", "--to", "3"]);
        assert.deepEqual(unnamed.err, [`the update of ${STACK_NAME} ended UPDATE_ROLLBACK_COMPLETE: no reason given`]);
    });

    it("exits 1 before any call when the stack's outputs name no alarms to bake on, or no stack to read bakeMinutes from or move live through", async () => {
        const cases: [string[], Record<string, unknown>, string][] = [
            [
                ["bake", "--stack", "prod", "--minutes", "5"],
                { stateMachineAliasArn: ALIAS, liveStackName: STACK_NAME },
                "the stack has no rollbackAlarmNames output: deploy it with this version of the program (pulumi up)",
            ],
            [
                ["bake", "--stack", "prod"],
                { stateMachineAliasArn: ALIAS, rollbackAlarmNames: ALARMS },
                "no CloudFormation stack holds live, so no bakeMinutes is known: give --minutes N",
            ],
            [
                ["rollback", "--stack", "prod", "--to", "7"],
                { stateMachineAliasArn: ALIAS, rollbackAlarmNames: ALARMS },
                "no CloudFormation stack holds live (no liveStackName output): deploy the stack with this version of the program first",
            ],
        ];
        for (const [argv, outputs, failure] of cases) {
            const result = await run(argv, outputs);
            assert.equal(result.code, 1, argv.join(" "));
            assert.deepEqual(result.err, [failure]);
        }
        assert.equal(awsCalls(), 0);
    });

    it("bakes on the alarm names among the stack's rollbackAlarmNames output, leaving out what is not a name", async () => {
        cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm(ALARMS[0], "OK"), alarm(ALARMS[1], "OK")] });
        const result = await run(["bake", "--stack", "prod", "--minutes", "0"], { ...OUTPUTS, rollbackAlarmNames: [ALARMS[0], 42, null, ALARMS[1]] });
        assert.equal(result.code, 0, result.err.join("\n"));
        assert.deepEqual(cloudwatch.commandCalls(DescribeAlarmsCommand)[0].args[0].input, { AlarmNames: [ALARMS[0], ALARMS[1]] });
        assert.deepEqual(result.out, [`baked 0 minutes: none of ${ALARMS[0]}, ${ALARMS[1]} went to ALARM`]);
    });

    it("reads bakeMinutes from its tag among the stack's others, bakes 0 minutes with one check, and refuses a tag that is negative or missing", async () => {
        const tagged = (tags: Stack["Tags"]) =>
            cloudformation
                .on(DescribeStacksCommand)
                .resolves({ Stacks: [{ ...stack("UPDATE_COMPLETE", liveParameters(CANARY, version(8), ALARMS)), Tags: tags }] });
        cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: ALARMS.map((name) => alarm(name, "OK")) });
        tagged([
            { Key: "stock-trader:stack", Value: "prod" },
            { Key: "stock-trader:bake-minutes", Value: "0" },
        ]);
        const zero = await run(["bake", "--stack", "prod"]);
        assert.equal(zero.code, 0, zero.err.join("\n"));
        assert.deepEqual(zero.out, [`baked 0 minutes: none of ${ALARMS.join(", ")} went to ALARM`]);
        assert.deepEqual(zero.err, ["check 1: no alarm in ALARM (0 of 0 minutes left)"]);
        assert.deepEqual(zero.slept, []);
        for (const tags of [[{ Key: "stock-trader:bake-minutes", Value: "-1" }], [{ Key: "stock-trader:stack", Value: "prod" }], undefined]) {
            tagged(tags);
            const refused = await run(["bake", "--stack", "prod"]);
            assert.equal(refused.code, 1, JSON.stringify(tags));
            assert.deepEqual(refused.err, [`${STACK_NAME} has no stock-trader:bake-minutes tag: deploy it with this program (pulumi up), or give --minutes N`]);
        }
        assert.equal(cloudformation.commandCalls(UpdateStackCommand).length, 0);
    });

    it("names every alarm in ALARM, in its check's line and in its result, when two fire at once", async () => {
        cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm(ALARMS[0], "ALARM"), alarm(ALARMS[1], "ALARM"), alarm(ALARMS[2], "OK")] });
        routes([8, 100]);
        const result = await run(["bake", "--stack", "prod", "--minutes", "10"]);
        assert.equal(result.code, 1);
        assert.deepEqual(result.err, [`check 1: in ALARM: ${ALARMS[0]}, ${ALARMS[1]} (10 of 10 minutes left)`]);
        assert.deepEqual(result.out, [
            `${ALARMS[0]}, ${ALARMS[1]} went to ALARM during the bake: no --previous version was given, so live stays where it is; move it with npm run live -- rollback --to VERSION`,
        ]);
    });

    it("moves live back to --previous when an alarm fires while live is split between two versions", async () => {
        routes([7, 50], [8, 50]);
        cloudwatch.on(DescribeAlarmsCommand).resolves({ MetricAlarms: [alarm(ALARMS[0], "ALARM"), alarm(ALARMS[1], "OK"), alarm(ALARMS[2], "OK")] });
        cloudformation.on(DescribeStacksCommand).resolves({ Stacks: [stack("UPDATE_COMPLETE", liveParameters(CANARY, version(8), ALARMS))] });
        cloudformation.on(UpdateStackCommand).resolves({ StackId: "stack" });
        const result = await run(["bake", "--stack", "prod", "--minutes", "10", "--previous", "7"]);
        assert.equal(result.code, 1);
        assert.deepEqual(result.out, [`${ALARMS[0]} went to ALARM during the bake: moved live back to version 7 through its stack`]);
        assert.deepEqual(
            cloudformation.commandCalls(UpdateStackCommand)[0].args[0].input.Parameters?.find((p) => p.ParameterKey === "StateMachineVersionArn"),
            { ParameterKey: "StateMachineVersionArn", ParameterValue: version(7) },
        );
    });

    it("checks the alarms a last time at the end of the bake, however long each check takes", async () => {
        // Each DescribeAlarms takes 20 s of the tool's clock.
        cloudwatch.on(DescribeAlarmsCommand).callsFake(() => {
            clock += 20_000;
            return { MetricAlarms: ALARMS.map((name) => alarm(name, "OK")) };
        });
        const result = await run(["bake", "--stack", "prod", "--minutes", "2"]);
        assert.equal(result.code, 0, result.err.join("\n"));
        assert.deepEqual(result.slept, [60_000, 20_000]);
        assert.deepEqual(result.err, [
            "check 1: no alarm in ALARM (2 of 2 minutes left)",
            "check 2: no alarm in ALARM (1 of 2 minutes left)",
            "check 3: no alarm in ALARM (0 of 2 minutes left)",
        ]);
    });

    it("releases each of its AWS clients when it ends, also when a call fails", async () => {
        const clients = { sfn: SFNClient, cloudformation: CloudFormationClient, cloudwatch: CloudWatchClient };
        sfn.on(DescribeStateMachineAliasCommand).rejects(notAuthorized("AccessDeniedException"));
        let code = -1;
        assert.deepEqual(await closedClients(clients, async () => (code = (await run(["status", "--stack", "prod"])).code)), {
            sfn: 1,
            cloudformation: 1,
            cloudwatch: 1,
        });
        assert.equal(code, 1);
        sfn.reset();
        routes([3, 100]);
        assert.deepEqual(await closedClients(clients, async () => (code = (await run(["status", "--stack", "prod"], { stateMachineAliasArn: ALIAS })).code)), {
            sfn: 1,
            cloudformation: 1,
            cloudwatch: 1,
        });
        assert.equal(code, 0);
    });
});
