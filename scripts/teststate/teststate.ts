/**
 * npm run test:teststate: AWS's own engine as the judge of the local one. Builds a stack's
 * definition as `show` does, walks every path of it state by state through the TestState API,
 * each Task state's call mocked (no stack, no Lambda, DynamoDB or ECS call), runs each state
 * with the same input and mock on the local engine, and compares the two: the status, the next
 * state, the output field by field, the error and the cause. Run with --help.
 */
import { SFNClient } from "@aws-sdk/client-sfn";
import type { Json } from "../../local/stand-ins";
import { localWorkflow } from "../../local/stand-ins";
import type { StateMachineDefinition } from "../../model/asl";
import { AwsFailure, clientConfig, regionNotice, reportFailure, type CallDeps } from "../cli/aws-calls";
import { configOverrides, parseFlags, processIo, REGION, refuseCaller, STACK_NAME, type OptionTable, type ToolIo } from "../cli/cli";
import { loadStackConfig, readStackFile } from "../cli/stack-files";
import { sdkRegion } from "../preflight/aws";
import { awsEngine, localEngine, type Engine, type StateAnswer, type StateRun } from "./engines";
import { testPaths, UNNAMED_TASK, type TestPath } from "./paths";

export const USAGE = `usage: npm run test:teststate -- [--stack NAME] [--region R] [--set KEY=VALUE]...

Builds the stack's state machine definition on this machine, as npm run show does, and walks
every path of it through AWS's TestState API, state by state: buy, sell, a Lambda error retried
then recovered, a batch failure caught into Error, the batch's start retried, with Fargate Spot
each interruption run again and the last one failing, and a failure after the last retry. Each
Task state's call is mocked with the shape its API reference documents, so nothing is deployed
and no Lambda, DynamoDB or ECS call is made. Each state runs on the local engine with the same
input and mock, and the two answers are compared: the status, the next state, the output field
by field, the error and the cause. One line per state, then a summary.

The caller needs states:TestState, and nothing else: no role is passed.

  --stack NAME       the stack whose Pulumi.NAME.yaml is read (default dev)
  --region R         where TestState runs (default: the stack file's aws:region, else AWS_REGION or the profile's)
  --set KEY=VALUE    override one of the stack's stock-trader keys (repeatable)
  --help             print this help

Exit codes: 0 every path agrees; 1 a path differs, or a TestState call failed (said in one
line); 2 bad usage, a config the validation refuses or a missing stack file.`;

export const OPTIONS = {
    stack: { type: "string", default: "dev", pattern: STACK_NAME },
    region: { type: "string", pattern: REGION },
    set: { type: "string", multiple: true, default: [] },
    help: { type: "boolean", default: false },
} as const satisfies OptionTable;

/** The table name the definition is built with: TestState never reaches it, as PutItem is mocked. */
const TABLE = "TransactionTable";
/** More states than any path of this workflow passes: a path that loops past it is the tool's bug. */
const MAX_STEPS = 100;

/** One state of a path, as both engines answered it. */
export interface StepResult {
    state: string;
    aws: StateAnswer;
    local: StateAnswer;
    differences: string[];
}

const shown = (value: unknown) => (value === undefined ? "(none)" : JSON.stringify(value));

/** Each leaf of a JSON value by its path (`output.batch.ExitCode`), an empty object or array as a leaf. */
function leaves(value: unknown, path: string, into: Map<string, string>): Map<string, string> {
    if (value !== null && typeof value === "object" && Object.keys(value).length > 0) {
        for (const [key, item] of Object.entries(value)) {
            leaves(item, Array.isArray(value) ? `${path}[${key}]` : `${path}.${key}`, into);
        }
    } else {
        into.set(path, JSON.stringify(value));
    }
    return into;
}

/** Where two answers differ: the status, the next state, each output field, the error, the cause and a retry's wait. */
export function differences(aws: StateAnswer, local: StateAnswer): string[] {
    const found: string[] = [];
    for (const field of ["status", "nextState", "error", "cause"] as const) {
        if (aws[field] !== local[field]) {
            found.push(`${field}: AWS ${shown(aws[field])}, local ${shown(local[field])}`);
        }
    }
    if (aws.retryBackoffIntervalSeconds !== undefined && aws.retryBackoffIntervalSeconds !== local.retryBackoffIntervalSeconds) {
        found.push(`retryBackoffIntervalSeconds: AWS ${aws.retryBackoffIntervalSeconds}, local ${shown(local.retryBackoffIntervalSeconds)}`);
    }
    if (aws.output !== undefined || local.output !== undefined) {
        const a = aws.output === undefined ? new Map<string, string>() : leaves(aws.output, "output", new Map());
        const l = local.output === undefined ? new Map<string, string>() : leaves(local.output, "output", new Map());
        for (const path of [...new Set([...a.keys(), ...l.keys()])].sort()) {
            if (a.get(path) !== l.get(path)) {
                found.push(`${path}: AWS ${a.get(path) ?? "(absent)"}, local ${l.get(path) ?? "(absent)"}`);
            }
        }
    }
    return found;
}

/**
 * Walks one path from the start: each state runs on both engines with the path's input or the
 * output the state before handed on, and its mock for this call. A RETRIABLE answer runs the
 * state again, one retry further; the walk ends where the definition ends or the engines differ.
 */
export async function walk(path: TestPath, definition: StateMachineDefinition, aws: Engine, local: Engine): Promise<StepResult[]> {
    const calls = new Map<string, number>();
    const steps: StepResult[] = [];
    let state: string | undefined = definition.StartAt;
    let input: Json = path.input;
    let retrierRetryCount = 0;
    while (state !== undefined) {
        if (steps.length === MAX_STEPS) {
            throw new Error(`the ${path.name} path passed ${MAX_STEPS} states without ending`);
        }
        const isTask = definition.States[state].Type === "Task";
        const call = calls.get(state) ?? 0;
        const named = path.mocks[state];
        const mock = isTask ? (named === undefined ? UNNAMED_TASK : named[call]) : undefined;
        if (isTask && mock === undefined) {
            throw new Error(`the ${path.name} path has no answer for call ${call + 1} of ${state}`);
        }
        calls.set(state, call + 1);
        const run: StateRun = { definition, stateName: state, input, mock, retrierRetryCount };
        const answers: { aws: StateAnswer; local: StateAnswer } = { aws: await aws(run), local: await local(run) };
        const step = { state, ...answers, differences: differences(answers.aws, answers.local) };
        steps.push(step);
        if (step.differences.length > 0) {
            break;
        }
        if (answers.aws.status === "RETRIABLE") {
            retrierRetryCount++;
            continue;
        }
        retrierRetryCount = 0;
        state = answers.aws.nextState;
        input = answers.aws.output ?? null;
    }
    return steps;
}

/** A state's line, and under a state that differs, a line for each difference. */
function stepLines(path: string, step: StepResult): string[] {
    const { status, nextState } = step.aws;
    const to = status === "RETRIABLE" ? "→ retried" : nextState === undefined ? "(end)" : `→ ${nextState}`;
    const head = `  ${path}: ${step.state}: ${status} ${to}`;
    return step.differences.length === 0 ? [`${head}: agree`] : [`${head}: DIFFER`, ...step.differences.map((d) => `      ${d}`)];
}

/** Walks every path, printing a line per state and a summary; 0 when every path agrees. */
export async function compareEngines(definition: StateMachineDefinition, paths: ReturnType<typeof testPaths>, aws: Engine, io: ToolIo): Promise<number> {
    let states = 0;
    const differing: string[] = [];
    const skipped: string[] = [];
    for (const path of paths) {
        if ("skipped" in path) {
            io.out(`${path.name}: skipped, ${path.skipped}`);
            skipped.push(path.name);
            continue;
        }
        io.out(`${path.name}: ${path.why}`);
        const steps = await walk(path, definition, aws, localEngine);
        steps.flatMap((step) => stepLines(path.name, step)).forEach(io.out);
        states += steps.length;
        if (steps.some((step) => step.differences.length > 0)) {
            differing.push(path.name);
        }
    }
    const walked = paths.length - skipped.length;
    const tail = skipped.length === 0 ? "" : `; ${skipped.length} skipped (${skipped.join(", ")})`;
    io.out(
        differing.length === 0
            ? `${walked} paths, ${states} states: AWS's engine and the local one agree on every state${tail}`
            : `${differing.length} of ${walked} paths differ (${differing.join(", ")}), ${states} states run${tail}`,
    );
    return differing.length === 0 ? 0 : 1;
}

/** What the tool needs from outside: the region a stack runs in without --region, the Step Functions client for a region, and the clock. */
export interface TestStateDeps extends CallDeps {
    stackRegion: (stack: string) => Promise<string | undefined>;
    sfn: (region: string) => SFNClient;
}

/**
 * The Step Functions client TestState goes through. AWS serves TestState at a `sync-` host
 * (`sync-states.<region>.amazonaws.com`), which the SDK makes by prefixing the endpoint's host;
 * an endpoint given by AWS_ENDPOINT_URL_SFN or AWS_ENDPOINT_URL (an emulator, a proxy, an
 * address) is called as given, where a prefixed host would not resolve.
 */
export function testStateClient(region: string): SFNClient {
    const given = process.env.AWS_ENDPOINT_URL_SFN ?? process.env.AWS_ENDPOINT_URL;
    return new SFNClient({ ...clientConfig(region), disableHostPrefix: given !== undefined && given !== "" });
}

/** What the tool runs with unless told otherwise: the stack file's region, the SDK's client, real waits. */
export const defaultDeps = (io: ToolIo): TestStateDeps => ({
    // The stack file's aws:region, else the SDK's settings (AWS_REGION, the profile).
    stackRegion: async (stack) => readStackFile(stack)["aws:region"] ?? (await sdkRegion()),
    sfn: testStateClient,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    err: io.err,
});

/** The tool: 0 when every path agrees, 1 when one differs or a call failed, 2 on bad usage or config. */
export async function main(argv: string[], io: ToolIo = processIo, deps: TestStateDeps = defaultDeps(io)): Promise<number> {
    let stack: string | undefined;
    let config;
    let flags;
    try {
        flags = parseFlags(argv, OPTIONS);
        if (flags.help) {
            io.out(USAGE);
            return 0;
        }
        stack = flags.stack;
        config = loadStackConfig(stack, configOverrides(flags.set), io.err);
    } catch (error) {
        return refuseCaller(error, io, USAGE, stack);
    }
    const region = flags.region ?? (await deps.stackRegion(flags.stack));
    if (region === undefined) {
        io.err("no region: neither --region, the stack file's aws:region nor the environment (AWS_REGION, the profile) names one, so nothing was sent");
        return 1;
    }
    const notice = flags.region === undefined ? undefined : regionNotice("TestState", region);
    if (notice !== undefined) {
        io.err(notice);
    }
    const { definition } = localWorkflow(config, TABLE);
    const sfn = deps.sfn(region);
    try {
        io.out(`TestState in ${region} against the local engine, the ${flags.stack} stack's definition`);
        return await compareEngines(definition, testPaths(config, definition), awsEngine(sfn, deps), io);
    } catch (error) {
        return reportFailure(
            error instanceof AwsFailure && error.code === "AccessDeniedException"
                ? new AwsFailure(error.kind, error.code, error.action, error.resource, error.what, "the caller needs states:TestState")
                : error,
            io,
            false,
        );
    } finally {
        sfn.destroy();
    }
}
