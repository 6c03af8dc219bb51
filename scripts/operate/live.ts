/**
 * npm run live: where a deployed stack's `live` alias routes, and moving it, always through the
 * CloudFormation stack that holds it. CloudFormation's alias handler takes the next shift's origin
 * from the stack's previous template, so a move made outside the stack would make the next canary
 * start from a version `live` no longer routes to. Run with --help.
 */
import { CloudFormationClient, DescribeStackEventsCommand, DescribeStacksCommand, UpdateStackCommand, type Stack } from "@aws-sdk/client-cloudformation";
import { CloudWatchClient, DescribeAlarmsCommand } from "@aws-sdk/client-cloudwatch";
import { DescribeStateMachineAliasCommand, SFNClient } from "@aws-sdk/client-sfn";
import { parseArn } from "../../model/arn";
import { BAKE_MINUTES_TAG, LIVE_PARAMETERS, rollbackParameters } from "../../model/deployment";
import { MAX_SHIFT_AND_BAKE_MINUTES } from "../../model/limits";
import { versionNumber } from "../../model/versions";
import { call, clientConfig, ExecuteError, failureOf, regionNotice, reportFailure, str, THROTTLED } from "../cli/aws-calls";
import { parseCommand, processIo, QUALIFIED_STACK_NAME, refuseCaller, type OptionTable, type TextForm, type ToolIo, UsageError } from "../cli/cli";
import { pulumiStackOutputs } from "./execute";

const COMMANDS = ["status", "bake", "rollback"] as const;
type Command = (typeof COMMANDS)[number];

/** A version of the stack's state machine: its number, or its ARN. */
const VERSION: TextForm = {
    test: /^(?:\d+|arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:stateMachine:[^:]+:\d+)$/,
    form: "a version of the state machine, its number or its ARN (arn:...:stateMachine:<name>:<number>)",
};

export const USAGE = `usage: npm run live -- status|bake|rollback --stack NAME [options]

Where the live alias routes, and moving it back, always through the CloudFormation stack that
holds it (the stack's liveStackName output): CloudFormation starts each shift from the version the
stack last set, so live and its stack must agree.

  status                   print the version live routes to and the one its stack last set
  bake                     watch the rollback alarms (the stack's rollbackAlarmNames) once a
                           minute for --minutes; when one is in ALARM, move live back to
                           --previous through the stack, and exit 1
  rollback --to VERSION    move live to VERSION at once, through the stack

  --stack NAME             the Pulumi stack, whose outputs name the alias, its stack and the alarms
                           (read with the Pulumi CLI: pulumi stack output --json)
  --minutes N              bake: how long to watch (0-${MAX_SHIFT_AND_BAKE_MINUTES}; default: the stack's bakeMinutes, its
                           ${BAKE_MINUTES_TAG} tag)
  --previous VERSION       bake: the version to move back to, the one live routed to before the
                           deploy (status prints it); without it, a firing alarm only fails the bake
  --to VERSION             rollback: the version to move to, its number or its ARN
  --json                   print one JSON document instead of lines
  --help                   print this help

Exit codes: 0 printed, baked with no alarm, or moved; 1 an alarm fired during the bake (and live
was moved back where it could be), the stack's update failed, or AWS refused a call; 2 bad usage.`;

export const OPTIONS = {
    stack: { type: "string", pattern: QUALIFIED_STACK_NAME },
    minutes: { type: "string", integer: { min: 0, max: MAX_SHIFT_AND_BAKE_MINUTES } },
    previous: { type: "string", pattern: VERSION },
    to: { type: "string", pattern: VERSION },
    json: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
} as const satisfies OptionTable;

/** How often the bake reads the alarms, and the stack's update its status. */
export const BAKE_POLL_MS = 60_000;
export const STACK_POLL_MS = 10_000;
/** How long a rollback's update may take: it moves live at once, so anything longer is a stuck stack. */
const ROLLBACK_WAIT_MS = 30 * 60_000;

export interface LiveDeps extends ToolIo {
    stackOutputs: (stack: string) => Promise<Record<string, unknown>>;
    sleep: (ms: number) => Promise<void>;
    now: () => Date;
}

const defaultDeps: LiveDeps = {
    stackOutputs: pulumiStackOutputs,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => new Date(),
    ...processIo,
};

interface Clients {
    sfn: SFNClient;
    cloudformation: CloudFormationClient;
    cloudwatch: CloudWatchClient;
}

/** What the stack's outputs name: the alias, the stack that holds it and the alarms a deploy rolls back on. */
interface Live {
    aliasArn: string;
    stateMachineArn: string;
    stackName?: string;
    alarmNames: string[];
}

function liveOf(outputs: Record<string, unknown>, stack: string): Live {
    const aliasArn = str(outputs.stateMachineAliasArn);
    if (aliasArn === undefined) {
        throw new ExecuteError(`stack ${stack} has no stateMachineAliasArn output: is it deployed?`);
    }
    const alarmNames = Array.isArray(outputs.rollbackAlarmNames) ? outputs.rollbackAlarmNames.filter((n): n is string => typeof n === "string") : [];
    return { aliasArn, stateMachineArn: aliasArn.replace(/:[^:]+$/, ""), stackName: str(outputs.liveStackName), alarmNames };
}

/** A version's ARN, from its number or its ARN, for this state machine only. */
function versionArnOf(live: Live, version: string, flag: string): string {
    const arn = /^\d+$/.test(version) ? `${live.stateMachineArn}:${version}` : version;
    if (arn.replace(/:\d+$/, "") !== live.stateMachineArn) {
        throw new UsageError(`--${flag} must be a version of ${live.stateMachineArn} (got ${version})`);
    }
    return arn;
}

async function describeStack(clients: Clients, stackName: string, deps: LiveDeps): Promise<Stack> {
    const { Stacks } = await call(
        "cloudformation:DescribeStacks",
        stackName,
        () => clients.cloudformation.send(new DescribeStacksCommand({ StackName: stackName })),
        deps,
        THROTTLED,
    );
    const stack = Stacks?.[0];
    if (stack === undefined) {
        throw new ExecuteError(`CloudFormation knows no stack ${stackName}`);
    }
    return stack;
}

/** Where the alias routes, version ARN to weight. */
async function routesOf(clients: Clients, live: Live, deps: LiveDeps): Promise<{ versionArn: string; weight: number }[]> {
    const alias = await call(
        "states:DescribeStateMachineAlias",
        live.aliasArn,
        () => clients.sfn.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: live.aliasArn })),
        deps,
        THROTTLED,
    );
    return (alias.routingConfiguration ?? []).map((route) => ({ versionArn: route.stateMachineVersionArn!, weight: route.weight! }));
}

const parameterOf = (stack: Stack, key: string): string | undefined => stack.Parameters?.find((p) => p.ParameterKey === key)?.ParameterValue;

export interface Status {
    aliasArn: string;
    routes: { versionArn: string; version: number; weight: number }[];
    /** The version live routes all executions to, when it routes them all to one. */
    liveVersionArn: string | null;
    stackName: string | null;
    stackStatus: string | null;
    /** The version the stack last set: where its next shift starts. */
    stackVersionArn: string | null;
    agrees: boolean;
}

async function status(clients: Clients, live: Live, deps: LiveDeps): Promise<Status> {
    const routes = (await routesOf(clients, live, deps)).map((r) => ({ ...r, version: versionNumber(r.versionArn) }));
    const liveVersionArn = routes.find((r) => r.weight === 100)?.versionArn ?? null;
    const stack = live.stackName === undefined ? undefined : await describeStack(clients, live.stackName, deps);
    const stackVersionArn = stack === undefined ? null : (parameterOf(stack, LIVE_PARAMETERS.version) ?? null);
    return {
        aliasArn: live.aliasArn,
        routes,
        liveVersionArn,
        stackName: live.stackName ?? null,
        stackStatus: stack?.StackStatus ?? null,
        stackVersionArn,
        agrees: stackVersionArn !== null && stackVersionArn === liveVersionArn,
    };
}

function statusLines(result: Status): string[] {
    const routes = result.routes.map((r) => `${r.weight}% to version ${r.version}`).join(", ") || "nothing";
    const lines = [`live routes ${routes} (${result.aliasArn})`];
    if (result.stackName === null) {
        lines.push("no CloudFormation stack holds live: deploy the stack with this version of the program (pulumi up)");
        return lines;
    }
    const stackVersion = result.stackVersionArn === null ? "no version" : `version ${versionNumber(result.stackVersionArn)}`;
    lines.push(`its stack ${result.stackName} (${result.stackStatus}) last set ${stackVersion}`);
    if (!result.agrees) {
        lines.push("live and its stack disagree: a shift is under way, or live was moved outside the stack; move it only with npm run live -- rollback");
    }
    return lines;
}

/** Why the stack's last update failed: the reason of its first failed event, newest first. */
async function failureReason(clients: Clients, stackName: string, deps: LiveDeps): Promise<string> {
    const { StackEvents } = await call(
        "cloudformation:DescribeStackEvents",
        stackName,
        () => clients.cloudformation.send(new DescribeStackEventsCommand({ StackName: stackName })),
        deps,
        THROTTLED,
    );
    return (
        (StackEvents ?? []).find((event) => event.ResourceStatus?.endsWith("_FAILED") && event.ResourceStatusReason)?.ResourceStatusReason ?? "no reason given"
    );
}

/**
 * Moves live to `versionArn` at once through its stack: UpdateStack with the previous template,
 * the version and the type ALL_AT_ONCE, the other parameters as they were; then waits until the
 * stack's update ends, and fails unless it ended UPDATE_COMPLETE. A stack that already sets that
 * version at once has nothing to update.
 */
async function moveThroughStack(clients: Clients, live: Live, versionArn: string, deps: LiveDeps): Promise<"moved" | "unchanged"> {
    if (live.stackName === undefined) {
        throw new ExecuteError(`no CloudFormation stack holds live (no liveStackName output): deploy the stack with this version of the program first`);
    }
    const stackName = live.stackName;
    const stack = await describeStack(clients, stackName, deps);
    const keys = (stack.Parameters ?? []).map((p) => p.ParameterKey!);
    try {
        await clients.cloudformation.send(
            new UpdateStackCommand({ StackName: stackName, UsePreviousTemplate: true, Parameters: rollbackParameters(keys, versionArn) }),
        );
    } catch (error) {
        if ((error as Error).name === "ValidationError" && (error as Error).message.includes("No updates are to be performed")) {
            return "unchanged";
        }
        throw failureOf("cloudformation:UpdateStack", stackName, error);
    }
    const deadline = deps.now().getTime() + ROLLBACK_WAIT_MS;
    for (;;) {
        const { StackStatus } = await describeStack(clients, stackName, deps);
        if (StackStatus === "UPDATE_COMPLETE") {
            return "moved";
        }
        if (!StackStatus?.endsWith("_IN_PROGRESS")) {
            throw new ExecuteError(`the update of ${stackName} ended ${StackStatus}: ${await failureReason(clients, stackName, deps)}`);
        }
        if (deps.now().getTime() > deadline) {
            throw new ExecuteError(
                `the update of ${stackName} was still ${StackStatus} after ${ROLLBACK_WAIT_MS / 60_000} minutes: see its events in CloudFormation`,
            );
        }
        await deps.sleep(STACK_POLL_MS);
    }
}

/** The bake's length: --minutes, or the stack's tag. */
async function bakeMinutes(clients: Clients, live: Live, given: string | undefined, deps: LiveDeps): Promise<number> {
    if (given !== undefined) {
        return Number(given);
    }
    if (live.stackName === undefined) {
        throw new ExecuteError("no CloudFormation stack holds live, so no bakeMinutes is known: give --minutes N");
    }
    const tagged = Number((await describeStack(clients, live.stackName, deps)).Tags?.find((t) => t.Key === BAKE_MINUTES_TAG)?.Value);
    if (!Number.isInteger(tagged) || tagged < 0) {
        throw new ExecuteError(`${live.stackName} has no ${BAKE_MINUTES_TAG} tag: deploy it with this program (pulumi up), or give --minutes N`);
    }
    return tagged;
}

interface BakeResult {
    minutes: number;
    alarmNames: string[];
    checks: number;
    fired: string[];
    movedBackTo: string | null;
}

/**
 * Watches the rollback alarms for `minutes`, from now, once a minute: the first check at once,
 * the last at the end. On the first check that finds one in ALARM it stops, and moves live back to
 * `previous` through the stack where there is a previous version live was not already on.
 */
async function bake(
    clients: Clients,
    live: Live,
    minutes: number,
    previous: string | undefined,
    log: (line: string) => void,
    deps: LiveDeps,
): Promise<BakeResult> {
    if (live.alarmNames.length === 0) {
        throw new ExecuteError("the stack has no rollbackAlarmNames output: deploy it with this version of the program (pulumi up)");
    }
    const end = deps.now().getTime() + minutes * 60_000;
    for (let checks = 1; ; checks++) {
        const { MetricAlarms } = await call(
            "cloudwatch:DescribeAlarms",
            live.alarmNames.join(", "),
            () => clients.cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: live.alarmNames })),
            deps,
            THROTTLED,
        );
        const fired = (MetricAlarms ?? []).filter((alarm) => alarm.StateValue === "ALARM").map((alarm) => alarm.AlarmName!);
        const left = Math.max(0, Math.ceil((end - deps.now().getTime()) / 60_000));
        log(`check ${checks}: ${fired.length > 0 ? `in ALARM: ${fired.join(", ")}` : "no alarm in ALARM"} (${left} of ${minutes} minutes left)`);
        if (fired.length > 0) {
            const current = (await routesOf(clients, live, deps)).find((r) => r.weight === 100)?.versionArn;
            if (previous === undefined || previous === current) {
                return { minutes, alarmNames: live.alarmNames, checks, fired, movedBackTo: null };
            }
            await moveThroughStack(clients, live, previous, deps);
            return { minutes, alarmNames: live.alarmNames, checks, fired, movedBackTo: previous };
        }
        if (deps.now().getTime() >= end) {
            return { minutes, alarmNames: live.alarmNames, checks, fired, movedBackTo: null };
        }
        await deps.sleep(Math.min(BAKE_POLL_MS, end - deps.now().getTime()));
    }
}

function bakeLines(result: BakeResult, previous: string | undefined): string[] {
    if (result.fired.length === 0) {
        return [`baked ${result.minutes} minutes: none of ${result.alarmNames.join(", ")} went to ALARM`];
    }
    const why = `${result.fired.join(", ")} went to ALARM during the bake`;
    if (result.movedBackTo !== null) {
        return [`${why}: moved live back to version ${versionNumber(result.movedBackTo)} through its stack`];
    }
    return [
        previous === undefined
            ? `${why}: no --previous version was given, so live stays where it is; move it with npm run live -- rollback --to VERSION`
            : `${why}: live already routes to version ${versionNumber(previous)}, so there is nothing to move back`,
    ];
}

export async function live(argv: string[], deps: LiveDeps = defaultDeps): Promise<number> {
    let values;
    let command: Command;
    try {
        const parsed = parseCommand(argv, OPTIONS);
        values = parsed.values;
        if (values.help) {
            deps.out(USAGE);
            return 0;
        }
        const [word, ...rest] = parsed.positionals;
        if (!(COMMANDS as readonly string[]).includes(word) || rest.length > 0) {
            throw new UsageError(`name one command, ${COMMANDS.join(", ")} (got ${parsed.positionals.join(" ") || "nothing"})`);
        }
        command = word as Command;
        if (values.stack === undefined) {
            throw new UsageError("--stack NAME is required");
        }
        const only = { minutes: "bake", previous: "bake", to: "rollback" } as const;
        for (const [flag, owner] of Object.entries(only)) {
            if (values[flag as keyof typeof only] !== undefined && owner !== command) {
                throw new UsageError(`--${flag} applies only to ${owner} (got ${command})`);
            }
        }
        if (command === "rollback" && values.to === undefined) {
            throw new UsageError("rollback needs --to VERSION, the version live moves to");
        }
    } catch (error) {
        return refuseCaller(error, deps, USAGE);
    }
    const stack = values.stack;
    try {
        const target = liveOf(await deps.stackOutputs(stack), stack);
        const region = parseArn(target.aliasArn).region;
        const notice = regionNotice(target.aliasArn, region);
        if (notice !== undefined) {
            deps.err(notice);
        }
        const clients: Clients = {
            sfn: new SFNClient(clientConfig(region)),
            cloudformation: new CloudFormationClient(clientConfig(region)),
            cloudwatch: new CloudWatchClient(clientConfig(region)),
        };
        try {
            const print = (document: unknown, lines: string[]) =>
                values.json ? deps.out(JSON.stringify(document, null, 2)) : lines.forEach((l) => deps.out(l));
            switch (command) {
                case "status": {
                    const result = await status(clients, target, deps);
                    print(result, statusLines(result));
                    return 0;
                }
                case "rollback": {
                    const versionArn = versionArnOf(target, values.to!, "to");
                    const moved = await moveThroughStack(clients, target, versionArn, deps);
                    const line =
                        moved === "moved"
                            ? `moved live to version ${versionNumber(versionArn)} through its stack ${target.stackName}`
                            : `live's stack ${target.stackName} already sets version ${versionNumber(versionArn)} at once: nothing to update`;
                    print({ versionArn, moved: moved === "moved" }, [line]);
                    return 0;
                }
                case "bake": {
                    const previous = values.previous === undefined ? undefined : versionArnOf(target, values.previous, "previous");
                    const minutes = await bakeMinutes(clients, target, values.minutes, deps);
                    // Each check's line goes to stderr as it happens, so that a pipe shows progress and stdout stays the result.
                    const result = await bake(clients, target, minutes, previous, deps.err, deps);
                    print(result, bakeLines(result, previous));
                    return result.fired.length === 0 ? 0 : 1;
                }
            }
        } finally {
            clients.sfn.destroy();
            clients.cloudformation.destroy();
            clients.cloudwatch.destroy();
        }
    } catch (error) {
        if (error instanceof UsageError) {
            return refuseCaller(error, deps, USAGE);
        }
        return reportFailure(error, deps, values.json);
    }
}

/** The tool with the machine's own Pulumi CLI, clock and AWS credentials; `io` for where its lines go. */
export function main(argv: string[], io: ToolIo = processIo): Promise<number> {
    return live(argv, { ...defaultDeps, ...io });
}
