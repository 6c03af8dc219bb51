/**
 * npm run execute: start an execution of a deployed stack's workflow (or redrive a failed one)
 * and follow it state by state, as `npm run simulate` shows a local one. Run with --help.
 *
 * It uses the AWS SDK's standard settings (AWS_PROFILE, AWS_REGION, AWS_ENDPOINT_URL, ...), so it
 * works unchanged against any endpoint that speaks the Step Functions API, and takes the region
 * from the ARN when none is set. Without --logs it calls only StartExecution (or RedriveExecution),
 * DescribeExecution and GetExecutionHistory.
 */
import { CloudWatchLogsClient } from "@aws-sdk/client-cloudwatch-logs";
import { ECSClient } from "@aws-sdk/client-ecs";
import {
    DescribeExecutionCommand,
    RedriveExecutionCommand,
    SFNClient,
    StartExecutionCommand,
    type DescribeExecutionCommandOutput,
    type HistoryEvent,
} from "@aws-sdk/client-sfn";
import { TRADING_FUNCTIONS, type TradingFunctionName } from "../../model/functions";
import { EXECUTION_ARN, parseArn, STATE_MACHINE_ARN } from "../../model/arn";
import { jsonFlag, parseFlags, processIo, QUALIFIED_STACK_NAME, refuseCaller, runCommand, type OptionTable, type ToolIo, UsageError } from "../cli/cli";
import { call, clientConfig, ExecuteError, newEvents, notTheApi, POLL, regionNotice, reportFailure, str, THROTTLED } from "../cli/aws-calls";
import { batchLines, inTimeOrder, invocationLines, lambdaInvocations, renderLogLines, type LogLine, type LogReader } from "./logs";
import { progressMs } from "../cli/progress";
import { batchRequest, rerunRefusal, runAgain, type RerunResult } from "./rerun";
import { failStateOf, historyTranslator, stateTracer, type TraceEvent } from "../cli/trace";

export const USAGE = `usage: npm run execute -- (--stack NAME | --state-machine-arn ARN | --redrive EXECUTION_ARN | --rerun-batch EXECUTION_ARN) [options]

  --stack NAME               start through the stack's live alias, its stateMachineAliasArn output
                             (read with the Pulumi CLI: pulumi stack output --json)
  --state-machine-arn ARN    the state machine to start by any of its ARNs, unqualified, a
                             version's or an alias's, without the Pulumi CLI
  --redrive EXECUTION_ARN    redrive a failed, timed-out or aborted execution and follow it
  --rerun-batch EXECUTION_ARN
                             run the batch task of an execution that failed in it again, with the
                             request Run ECS task sent; print its exit code and log lines (needs
                             --stack NAME or --log-group NAME for the log lines)
  --input JSON               the execution input (default {}; not with --redrive)
  --no-follow                start the execution, print its ARN and exit 0
  --json                     print one JSON document at the end instead of lines
  --logs                     also print the execution's log lines in time order: each function
                             invocation's (with --stack) and the batch container's (CloudWatch Logs)
  --log-group NAME           the batch log group for --logs (default: the stack's batchLogGroupName)
  --container NAME           the batch container for --logs (default: the stack's containerName, or batch)
  --help                     print this help

Exit codes: 0 the execution SUCCEEDED (or, with --no-follow, started; with --rerun-batch, the task
exited 0); 1 it ended otherwise or AWS refused a call; 2 bad usage.`;

export { ExecuteError };

/** What every mode shares: the output's form, the log lines, and the stack whose outputs name the resources. */
interface Shared {
    stack?: string;
    json: boolean;
    logs: boolean;
    logGroup?: string;
    container?: string;
}

/** The tool's modes, each with what it needs: the usage's rules, checked by the compiler too. */
export type Options =
    | { mode: "help" }
    | (Shared & { mode: "start-from-stack"; stack: string; input: string; follow: boolean })
    | (Shared & { mode: "start-from-arn"; stateMachineArn: string; input: string; follow: boolean })
    | (Shared & { mode: "redrive"; executionArn: string })
    | (Shared & { mode: "rerun-batch"; executionArn: string });

export const OPTIONS = {
    stack: { type: "string", pattern: QUALIFIED_STACK_NAME },
    "state-machine-arn": { type: "string" },
    redrive: { type: "string" },
    "rerun-batch": { type: "string" },
    input: { type: "string" },
    "no-follow": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    logs: { type: "boolean", default: false },
    "log-group": { type: "string" },
    container: { type: "string" },
    help: { type: "boolean", default: false },
} as const satisfies OptionTable;

export function parseOptions(argv: string[]): Options {
    const values = parseFlags(argv, OPTIONS);
    if (values.help) {
        return { mode: "help" };
    }
    const { stack, redrive } = values;
    const stateMachineArn = values["state-machine-arn"];
    const rerunBatch = values["rerun-batch"];
    const follow = !values["no-follow"];
    const shared: Shared = { stack, json: values.json, logs: values.logs, logGroup: values["log-group"], container: values.container };
    if (redrive !== undefined && rerunBatch !== undefined) {
        throw new UsageError("give one of --redrive and --rerun-batch: a redrive runs the failed step again, a rerun only the batch task");
    }
    for (const [flag, arn] of [
        ["redrive", redrive],
        ["rerun-batch", rerunBatch],
    ] as const) {
        if (arn === undefined) {
            continue;
        }
        if (!EXECUTION_ARN.test(arn)) {
            throw new UsageError(`--${flag} must be an execution ARN, arn:<partition>:states:<region>:<account>:execution:<state machine>:<name> (got ${arn})`);
        }
        if (stateMachineArn !== undefined || values.input !== undefined || !follow) {
            throw new UsageError(`--${flag} takes neither --state-machine-arn, --input nor --no-follow: it works on the execution it names`);
        }
    }
    if (rerunBatch !== undefined && stack === undefined && shared.logGroup === undefined) {
        throw new UsageError("--rerun-batch needs the batch log group for the task's lines: give --stack NAME or --log-group NAME");
    }
    if (redrive === undefined && rerunBatch === undefined && (stack === undefined) === (stateMachineArn === undefined)) {
        throw new UsageError("give exactly one of --stack NAME and --state-machine-arn ARN (or --redrive or --rerun-batch EXECUTION_ARN)");
    }
    if (stateMachineArn !== undefined && !STATE_MACHINE_ARN.test(stateMachineArn)) {
        throw new UsageError(
            `--state-machine-arn must be a state machine ARN, arn:<partition>:states:<region>:<account>:stateMachine:<name> (got ${stateMachineArn})`,
        );
    }
    const input = values.input ?? "{}";
    jsonFlag("input", input);
    if (shared.logs && stack === undefined && shared.logGroup === undefined) {
        throw new UsageError("--logs needs the batch log group: give --stack NAME or --log-group NAME");
    }
    if (redrive !== undefined) {
        return { ...shared, mode: "redrive", executionArn: redrive };
    }
    if (rerunBatch !== undefined) {
        return { ...shared, mode: "rerun-batch", executionArn: rerunBatch };
    }
    return stateMachineArn !== undefined
        ? { ...shared, mode: "start-from-arn", stateMachineArn, input, follow }
        : { ...shared, mode: "start-from-stack", stack: stack!, input, follow };
}

/** The stack's outputs, from the Pulumi CLI. */
export async function pulumiStackOutputs(stack: string): Promise<Record<string, unknown>> {
    const result = await runCommand("pulumi", ["stack", "output", "--json", "--stack", stack]);
    if (result.missing) {
        throw new ExecuteError("--stack needs the Pulumi CLI, and pulumi is not on PATH: install it, or pass --state-machine-arn ARN instead");
    }
    if (result.code !== 0) {
        throw new ExecuteError(
            `pulumi stack output --stack ${stack} failed: ${result.stderr.trim() || `exit code ${result.code}`}; or pass --state-machine-arn ARN instead`,
        );
    }
    try {
        return JSON.parse(result.stdout) as Record<string, unknown>;
    } catch {
        throw new ExecuteError(`pulumi stack output --stack ${stack} did not print JSON`);
    }
}

/** What the caller can inject: the Pulumi CLI, the clock, the output. */
export interface ExecuteDeps extends ToolIo {
    stackOutputs: (stack: string) => Promise<Record<string, unknown>>;
    sleep: (ms: number) => Promise<void>;
}

const defaultDeps: ExecuteDeps = {
    stackOutputs: pulumiStackOutputs,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    ...processIo,
};

interface Followed {
    executionArn: string;
    status: string;
    output?: unknown;
    error?: string;
    cause?: string;
    events: TraceEvent[];
    tasks: string[];
    /** The history events read while following, oldest first. */
    history: HistoryEvent[];
    /** The version that ran the execution, and the alias it was started through (DescribeExecution); none when it was started by the unqualified ARN. */
    stateMachineVersionArn?: string;
    stateMachineAliasArn?: string;
}

/** Follows an execution from the event after `afterId` until it ends, tracing each state unless the output is JSON. */
async function follow(sfn: SFNClient, executionArn: string, afterId: number, options: Shared, deps: ExecuteDeps): Promise<Followed> {
    const translate = historyTranslator();
    const trace = options.json ? () => undefined : stateTracer(deps.out);
    const traced: TraceEvent[] = [];
    const history: HistoryEvent[] = [];
    let lastId = afterId;
    let delay = POLL.firstMs / POLL.factor;
    // The time waited between polls since the execution last said anything, for a line on standard
    // error every progress interval while a state runs long (a batch task may take an hour).
    let quiet = 0;
    let said = 0;
    let current: string | undefined;
    for (;;) {
        const description: DescribeExecutionCommandOutput = await call(
            "states:DescribeExecution",
            executionArn,
            () => sfn.send(new DescribeExecutionCommand({ executionArn })),
            deps,
            THROTTLED,
        );
        const events = await newEvents(sfn, executionArn, lastId, deps);
        history.push(...events);
        for (const event of events) {
            lastId = Math.max(lastId, event.id ?? 0);
            for (const t of translate(event)) {
                traced.push(t);
                trace(t);
                current = t.kind === "entered" ? t.state : current;
            }
        }
        if (events.length > 0) {
            quiet = said = 0;
        }
        if (description.status !== "RUNNING" && description.status !== "PENDING_REDRIVE") {
            const tasks = [...new Set(traced.map((t) => ("task" in t ? t.task?.taskArn : undefined)).filter((arn): arn is string => arn !== undefined))];
            return {
                executionArn,
                status: description.status ?? "UNKNOWN",
                output: description.output === undefined ? undefined : JSON.parse(description.output),
                error: description.error,
                cause: description.cause,
                stateMachineVersionArn: description.stateMachineVersionArn,
                stateMachineAliasArn: description.stateMachineAliasArn,
                events: traced,
                tasks,
                history,
            };
        }
        if (quiet - said >= progressMs()) {
            said = quiet;
            deps.err(`… ${executionArn} is still ${description.status}${current ? `, in ${current}` : ""}, ${Math.round(quiet / 1000)} s since its last event`);
        }
        // Poll again soon while events arrive; back off while nothing happens.
        delay = events.length > 0 ? POLL.firstMs : Math.min(POLL.maxMs, delay * POLL.factor);
        await deps.sleep(delay);
        quiet += delay;
    }
}

/** Each function's log group by its ARN, from the stack's outputs; empty without them. */
function functionLogGroups(outputs: Record<string, unknown>): Map<string, { source: TradingFunctionName; logGroup: string }> {
    const groups = (outputs.functionLogGroupNames ?? {}) as Record<string, unknown>;
    const entries = TRADING_FUNCTIONS.flatMap((fn) => {
        const arn = str(outputs[`${fn.replace(/-(\w)/g, (_, c: string) => c.toUpperCase())}FunctionArn`]);
        const logGroup = str(groups[fn]);
        return arn && logGroup ? [[arn, { source: fn, logGroup }] as const] : [];
    });
    return new Map(entries);
}

/** The execution's log lines in time order: each Lambda invocation's (with the stack's outputs) and each batch task's. */
async function executionLogs(result: Followed, outputs: Record<string, unknown>, options: Shared, region: string, deps: ExecuteDeps): Promise<LogLine[]> {
    const client = new CloudWatchLogsClient(clientConfig(region));
    const reader: LogReader = { client, call: (action, resource, send) => call(action, resource, send, deps) };
    try {
        const lines: LogLine[] = [];
        const groups = functionLogGroups(outputs);
        for (const invocation of lambdaInvocations(result.history)) {
            const fn = groups.get(invocation.functionArn);
            if (fn) {
                lines.push(...(await invocationLines(reader, invocation, fn.logGroup, fn.source)));
            }
        }
        const container = options.container ?? str(outputs.containerName) ?? "batch";
        for (const taskArn of result.tasks) {
            lines.push(...(await batchLines(reader, taskArn, batchLogGroup(options, outputs), container)));
        }
        return inTimeOrder(lines);
    } finally {
        client.destroy();
    }
}

/** The batch's log group: --log-group, or the stack's batchLogGroupName output. */
function batchLogGroup(options: Shared, outputs: Record<string, unknown>): string {
    const group = options.logGroup ?? str(outputs.batchLogGroupName);
    if (group === undefined) {
        throw new ExecuteError(
            `the stack ${options.stack} has no batchLogGroupName output to read the batch's lines from: give --log-group NAME, or deploy the stack with this version of the program (pulumi up)`,
        );
    }
    return group;
}

/** --rerun-batch: the batch task of a failed execution, run again as `Run ECS task` ran it; 0 when it exits 0. */
async function rerun(sfn: SFNClient, executionArn: string, outputs: Record<string, unknown>, options: Shared, deps: ExecuteDeps): Promise<number> {
    const logGroup = batchLogGroup(options, outputs);
    const description = await call("states:DescribeExecution", executionArn, () => sfn.send(new DescribeExecutionCommand({ executionArn })), deps, THROTTLED);
    const history = await newEvents(sfn, executionArn, 0, deps);
    const refused = rerunRefusal(description.status ?? "UNKNOWN", history);
    const request = batchRequest(history);
    if (refused !== undefined || request === undefined) {
        throw new ExecuteError(refused ?? "not rerun: the history holds no request of Run ECS task");
    }
    if (!options.json) {
        deps.out(`Rerunning the batch task of ${executionArn}${request.tradeId ? ` for trade ${request.tradeId}` : ""}`);
    }
    const region = parseArn(executionArn).region;
    const ecs = new ECSClient(clientConfig(region));
    let result: RerunResult;
    try {
        result = await runAgain(ecs, request, deps);
    } finally {
        ecs.destroy();
    }
    const logs = new CloudWatchLogsClient(clientConfig(region));
    let lines: LogLine[];
    try {
        const reader: LogReader = { client: logs, call: (action, resource, send) => call(action, resource, send, deps) };
        lines = await batchLines(reader, result.taskArn, logGroup, options.container ?? request.containerName);
    } finally {
        logs.destroy();
    }
    if (options.json) {
        deps.out(JSON.stringify({ executionArn, tradeId: request.tradeId, request: request.input, ...result, logs: lines }, null, 2));
    } else {
        const why = [result.stopCode, result.stoppedReason].filter(Boolean).join(": ");
        deps.out(`Task ${result.taskArn} stopped: exit code ${result.exitCode ?? "(none)"}${why ? ` (${why})` : ""}`);
        deps.out("");
        deps.out(`Log lines (${lines.length}):`);
        renderLogLines(lines).forEach((line) => deps.out(line));
    }
    return result.exitCode === 0 ? 0 : 1;
}

/** --redrive: redrives the execution unless it failed through Catch, and returns the last event before the redrive. */
async function redrive(sfn: SFNClient, executionArn: string, options: Shared, deps: ExecuteDeps): Promise<number> {
    const history = await newEvents(sfn, executionArn, 0, deps);
    const failState = failStateOf(history);
    if (failState !== undefined) {
        throw new ExecuteError(
            `not redriven: the execution failed in the Fail state "${failState}" (the Catch path of a failed batch job). ` +
                `A redrive continues from the unsuccessful state, which is "${failState}", so it would fail again without ` +
                `re-running the batch. Run the batch task again for this trade instead (it is idempotent): ` +
                `npm run execute -- --rerun-batch ${executionArn} --stack NAME`,
        );
    }
    await call("states:RedriveExecution", executionArn, () => sfn.send(new RedriveExecutionCommand({ executionArn })), deps);
    if (!options.json) {
        deps.out(`Redriving ${executionArn}`);
    }
    return Math.max(0, ...history.map((e) => e.id ?? 0));
}

/** Starts an execution with the input; with --no-follow prints it and returns undefined. */
async function start(
    sfn: SFNClient,
    stateMachineArn: string,
    options: Shared & { input: string; follow: boolean },
    deps: ExecuteDeps,
): Promise<string | undefined> {
    const started = await call(
        "states:StartExecution",
        stateMachineArn,
        () => sfn.send(new StartExecutionCommand({ stateMachineArn, input: options.input })),
        deps,
    );
    const executionArn = started.executionArn;
    if (executionArn === undefined) {
        throw notTheApi("states:StartExecution", stateMachineArn, "executionArn");
    }
    if (!options.follow) {
        deps.out(options.json ? JSON.stringify({ executionArn, startDate: started.startDate }) : executionArn);
        return undefined;
    }
    if (!options.json) {
        deps.out(`Started ${executionArn}`);
    }
    return executionArn;
}

/** Which version ran an execution, by its number, and the alias it went through. */
function versionLine({ stateMachineVersionArn, stateMachineAliasArn }: Pick<Followed, "stateMachineVersionArn" | "stateMachineAliasArn">): string {
    if (stateMachineVersionArn === undefined) {
        return "none (started by the unqualified state machine ARN, which runs its latest revision)";
    }
    const qualifier = (arn: string) => arn.slice(arn.lastIndexOf(":") + 1);
    const through = stateMachineAliasArn === undefined ? "" : `, through ${qualifier(stateMachineAliasArn)}`;
    return `${qualifier(stateMachineVersionArn)}${through} (${stateMachineVersionArn})`;
}

/** Prints how a followed execution ended, and its log lines with --logs; 0 when it SUCCEEDED. */
async function report(result: Followed, outputs: Record<string, unknown>, options: Shared, deps: ExecuteDeps): Promise<number> {
    const logLines = options.logs ? await executionLogs(result, outputs, options, parseArn(result.executionArn).region, deps) : undefined;
    if (options.json) {
        const { history: _history, ...shown } = result;
        deps.out(JSON.stringify({ ...shown, logs: logLines }, null, 2));
        return result.status === "SUCCEEDED" ? 0 : 1;
    }
    deps.out("");
    deps.out(`Status: ${result.status}`);
    deps.out(`Version: ${versionLine(result)}`);
    if (result.status === "SUCCEEDED") {
        deps.out(`Output: ${JSON.stringify(result.output, null, 2)}`);
    } else {
        deps.out(`Error: ${result.error ?? "(none)"}`);
        deps.out(`Cause: ${result.cause ?? "(none)"}`);
    }
    if (logLines) {
        deps.out("");
        deps.out(`Log lines (${logLines.length}):`);
        renderLogLines(logLines).forEach((line) => deps.out(line));
        if (functionLogGroups(outputs).size === 0) {
            deps.out(
                options.stack === undefined
                    ? "  (the functions' lines need the stack's outputs: give --stack NAME)"
                    : `  (the stack ${options.stack} has no functionLogGroupNames output for the functions' lines: deploy it with this version of the program (pulumi up))`,
            );
        }
    }
    return result.status === "SUCCEEDED" ? 0 : 1;
}

/** The ARN the mode works on: the execution's, or the state machine's (from the flag or the stack's outputs). */
function targetOf(options: Exclude<Options, { mode: "help" }>, outputs: Record<string, unknown>): string {
    const target =
        options.mode === "redrive" || options.mode === "rerun-batch"
            ? options.executionArn
            : options.mode === "start-from-arn"
              ? options.stateMachineArn
              : str(outputs.stateMachineAliasArn);
    if (target === undefined) {
        throw new ExecuteError(
            `stack ${options.stack} has no stateMachineAliasArn output: deploy it with this program (pulumi up), or pass --state-machine-arn ARN`,
        );
    }
    return target;
}

/** The tool: parse, read the stack's outputs, then start, redrive or rerun, follow and report. Exit 0, 1, or 2 on bad usage. */
export async function execute(argv: string[], deps: ExecuteDeps = defaultDeps): Promise<number> {
    let options: Options;
    try {
        options = parseOptions(argv);
    } catch (error) {
        return refuseCaller(error, deps, USAGE);
    }
    if (options.mode === "help") {
        deps.out(USAGE);
        return 0;
    }
    try {
        const outputs = options.stack === undefined ? {} : await deps.stackOutputs(options.stack);
        if (options.logs) {
            // Refused before the execution starts, rather than once it has ended.
            batchLogGroup(options, outputs);
        }
        const target = targetOf(options, outputs);
        const region = parseArn(target).region;
        const notice = regionNotice(target, region);
        if (notice !== undefined) {
            deps.err(notice);
        }
        const sfn = new SFNClient(clientConfig(region));
        try {
            switch (options.mode) {
                case "rerun-batch":
                    return await rerun(sfn, target, outputs, options, deps);
                case "redrive": {
                    const afterId = await redrive(sfn, target, options, deps);
                    return await report(await follow(sfn, target, afterId, options, deps), outputs, options, deps);
                }
                case "start-from-arn":
                case "start-from-stack": {
                    const executionArn = await start(sfn, target, options, deps);
                    return executionArn === undefined ? 0 : await report(await follow(sfn, executionArn, 0, options, deps), outputs, options, deps);
                }
            }
        } finally {
            sfn.destroy();
        }
    } catch (error) {
        return reportFailure(error, deps, options.json);
    }
}
