/**
 * The end-to-end steps, in order: each drives the repository's own tools in this process (execute,
 * preflight, prune-versions) and reads AWS for what only an account can show. Each names the claim
 * of the project's design it settles. The first `deploy` step creates the stack; the others update it.
 */
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { ECRClient } from "@aws-sdk/client-ecr";
import { ECSClient } from "@aws-sdk/client-ecs";
import { DescribeSubnetsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { GetPolicyCommand, GetPolicyVersionCommand, IAMClient } from "@aws-sdk/client-iam";
import { DescribeExecutionCommand, RedriveExecutionCommand, SFNClient } from "@aws-sdk/client-sfn";
import { STSClient } from "@aws-sdk/client-sts";
import { SQSClient } from "@aws-sdk/client-sqs";
import { METRIC_NAMESPACE, TRADE_METRICS } from "../../contracts/telemetry";
import { parseArn } from "../../model/arn";
import { FARGATE_AVAILABILITY_ZONE_IDS, IAM_PROPAGATION_SECONDS } from "../../model/platform-rules";
import { stateMachineConsoleUrl } from "../../model/monitoring";
import { LIVE_PARAMETERS } from "../../model/deployment";
import { nextRuns } from "../../model/schedule";
import { clientConfig } from "../cli/aws-calls";
import { automationEngine, releasedProgram } from "./automation";
import { live } from "../operate/live";
import { execute } from "../operate/execute";
import { main as preflight } from "../preflight/preflight";
import { main as testState } from "../teststate/teststate";
import { prune } from "../operate/prune";
import {
    aliasRoutes,
    alarmState,
    createRoleHolding,
    deniedActions,
    denyOnRole,
    executionStart,
    executionsSince,
    imageTagged,
    imageWithDigest,
    invokedBy,
    liftDeny,
    metricSum,
    processedAt,
    removeRole,
    ROLE_DENIES,
    roleName,
    sqsManagedEncryption,
    stackState,
    takeDeadLetters,
    taskDefinitionStatus,
    startAsRole,
} from "./reads";
import { assertE2eStack, type Step, type StepContext } from "./driver";

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it gives a value, or fails after `seconds` naming what it waited for. */
async function until<T>(what: string, seconds: number, check: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + seconds * 1000;
    for (;;) {
        const value = await check();
        if (value !== undefined) {
            return value;
        }
        if (Date.now() > deadline) {
            throw new Error(`waited ${seconds} s for ${what}`);
        }
        await sleep(10_000);
    }
}

function expect(condition: boolean, message: string): void {
    if (!condition) {
        throw new Error(message);
    }
}

interface ExecutionResult {
    executionArn: string;
    status: string;
    output?: { id?: string; type?: string };
    stateMachineVersionArn?: string;
    stateMachineAliasArn?: string;
    logs?: { source: string; message: string }[];
}

/** `npm run execute` in this process against the stack's outputs, as JSON. */
async function runExecute(context: StepContext, args: string[]): Promise<ExecutionResult> {
    const lines: string[] = [];
    const errors: string[] = [];
    await execute([...args, "--json"], { stackOutputs: async () => context.outputs, sleep, out: (l) => lines.push(l), err: (l) => errors.push(l) });
    if (lines.length === 0) {
        throw new Error(`npm run execute ${args.join(" ")} printed nothing: ${errors.join("; ")}`);
    }
    return JSON.parse(lines.join("\n")) as ExecutionResult;
}

const output = (context: StepContext, key: string): string => {
    const value = context.outputs[key];
    expect(typeof value === "string" && value !== "", `the stack has no ${key} output`);
    return value as string;
};

const regionalClients = (region: string) => ({
    sfn: new SFNClient(clientConfig(region)),
    cloudwatch: new CloudWatchClient(clientConfig(region)),
    dynamodb: new DynamoDBClient(clientConfig(region)),
    ecr: new ECRClient(clientConfig(region)),
    iam: new IAMClient(clientConfig(region)),
    sts: new STSClient(clientConfig(region)),
    sqs: new SQSClient(clientConfig(region)),
    cloudformation: new CloudFormationClient(clientConfig(region)),
    ecs: new ECSClient(clientConfig(region)),
});
const madeClients = new Map<string, ReturnType<typeof regionalClients>>();

/** Clients in the stack's region, made once for the run rather than for every read. */
function clients(context: StepContext): ReturnType<typeof regionalClients> {
    if (!madeClients.has(context.region)) {
        madeClients.set(context.region, regionalClients(context.region));
    }
    return madeClients.get(context.region)!;
}

/** The trades the buy-and-sell step made, for the steps after it. */
const made: { executions: ExecutionResult[]; failed?: ExecutionResult } = { executions: [] };

const throughLive = (context: StepContext, result: ExecutionResult) =>
    expect(result.stateMachineAliasArn === output(context, "stateMachineAliasArn"), `${result.executionArn} did not start through live`);

/** `npm run live` in this process against the stack's outputs: its exit code and every line it printed. */
async function runLive(context: StepContext, args: string[]): Promise<{ code: number; lines: string[] }> {
    const lines: string[] = [];
    const code = await live(args, {
        stackOutputs: async () => context.outputs,
        sleep,
        now: () => new Date(),
        out: (l) => lines.push(l),
        err: (l) => lines.push(l),
    });
    return { code, lines };
}

/** Checks that `live` routes every execution to `versionArn`, and that its stack last set that version. */
async function expectLiveOn(context: StepContext, versionArn: string): Promise<void> {
    const routes = await aliasRoutes(clients(context).sfn, output(context, "stateMachineAliasArn"));
    expect(routes[versionArn] === 100, `live routes ${JSON.stringify(routes)}, not all to ${versionArn}`);
    const stack = await stackState(clients(context).cloudformation, output(context, "liveStackName"));
    expect(
        stack?.parameters[LIVE_PARAMETERS.version] === versionArn,
        `the live stack last set ${stack?.parameters[LIVE_PARAMETERS.version]}, not ${versionArn}`,
    );
}

/**
 * The last release that held `live` as an aws-native alias through Cloud Control, and built the
 * image and the task definition itself rather than through awsx: the upgrade step deploys a stack
 * from it, then upgrades the stack with this program.
 */
export const CLOUD_CONTROL_ALIAS_RELEASE = "2545e490b01a04322d4bad8585bc4ac241b6b3aa";

/** Fails the batch for the duration of `body` with a deny on the task role, and waits for IAM to see it come and go. */
async function withFailingBatch<T>(context: StepContext, body: () => Promise<T>): Promise<T> {
    return withDeny(context, output(context, "taskRoleArn"), ROLE_DENIES.batchWrites, body);
}

/** Puts a deny on one of the stack's roles for the duration of `body`, and waits for IAM to see it come and go. */
async function withDeny<T>(context: StepContext, roleArn: string, deny: (typeof ROLE_DENIES)[keyof typeof ROLE_DENIES], body: () => Promise<T>): Promise<T> {
    const { iam } = clients(context);
    const role = roleName(roleArn);
    await denyOnRole(iam, role, deny);
    await sleep(IAM_PROPAGATION_SECONDS * 1000);
    try {
        return await body();
    } finally {
        await liftDeny(iam, role, deny);
        await sleep(IAM_PROPAGATION_SECONDS * 1000);
    }
}

export const STEPS: readonly Step[] = [
    {
        name: "preflight",
        proves: "the account passes npm run preflight before the first up",
        settles: "preflight's checks against a real account",
        budgetSeconds: 60,
        executions: 0,
        run: async () => {
            const lines: string[] = [];
            const code = await preflight(["--stack", "dev"], { out: (l) => lines.push(l), err: (l) => lines.push(l) });
            expect(code === 0, `preflight exited ${code}:\n${lines.join("\n")}`);
        },
    },
    {
        name: "deploy",
        proves: "pulumi up creates the stack from the dev config, the live alias's CloudFormation stack and the first version included",
        settles: "the program deploys, the live alias in its CloudFormation stack, with its service role, included",
        budgetSeconds: 900,
        executions: 0,
        run: async (context) => {
            await context.deploy();
            expect(output(context, "stateMachineAliasArn").endsWith(":live"), "stateMachineAliasArn is not the live alias");
            await expectLiveOn(context, output(context, "stateMachineVersionArn"));
        },
    },
    {
        name: "live-moves-on-each-deploy",
        proves: "two more deploys, each of a new version, each move live there through its stack, which then sets that version",
        settles: "the second and third updates of live's stack, which through Cloud Control would not have run",
        budgetSeconds: 1200,
        executions: 0,
        run: async (context) => {
            const first = output(context, "stateMachineVersionArn");
            for (const threshold of ["49", "50"]) {
                await context.deploy({ "stock-trader:buyThreshold": threshold });
                const version = output(context, "stateMachineVersionArn");
                expect(version !== first, `the deploy with buyThreshold ${threshold} published no new version`);
                await expectLiveOn(context, version);
            }
        },
    },
    {
        name: "buy-and-sell-through-live",
        proves: "executions through live end SUCCEEDED, a buy and a sell among them, each trade's item with ProcessedAt",
        settles: "execute --stack starts through the alias; the batch marks the trade processed",
        budgetSeconds: 600,
        executions: 8,
        run: async (context) => {
            // The price is random: eight executions show both paths but for a chance of 1 in 128.
            const results = await Promise.all(Array.from({ length: 8 }, () => runExecute(context, ["--stack", context.stack.name, "--logs"])));
            for (const result of results) {
                expect(result.status === "SUCCEEDED", `${result.executionArn} ended ${result.status}`);
                throughLive(context, result);
                const at = await processedAt(clients(context).dynamodb, output(context, "transactionTableName"), result.output?.id ?? "");
                expect(at !== undefined, `trade ${result.output?.id} has no ProcessedAt`);
            }
            const types = new Set(results.map((r) => r.output?.type));
            expect(types.has("buy") && types.has("sell"), `the executions made only ${[...types].join(", ")} trades`);
            made.executions = results;
        },
    },
    {
        name: "logs-and-trade-metrics",
        proves: "the functions' JSON log lines arrive (execute --logs), and the Trades metric through GetMetricData",
        settles: "Lambda's JSON logging and the EMF trade metrics at the stack's functionLogLevel",
        budgetSeconds: 600,
        executions: 0,
        run: async (context) => {
            const logged = made.executions.flatMap((e) => e.logs ?? []);
            for (const source of ["stock-checker", "batch"]) {
                expect(
                    logged.some((line) => line.source === source),
                    `no ${source} log line arrived`,
                );
            }
            const from = new Date(Date.now() - 3600_000);
            const sum = await until("the Trades metric", 540, async () => {
                const trades = await metricSum(
                    clients(context).cloudwatch,
                    { namespace: METRIC_NAMESPACE, name: TRADE_METRICS.trades, dimensions: { Stack: context.stack.name, TradeType: "buy" } },
                    from,
                    new Date(),
                );
                return trades > 0 ? trades : undefined;
            });
            expect(sum > 0, "no buy counted");
        },
    },
    {
        name: "alarms-count-executions-through-live",
        proves: "AWS/States metrics on the unqualified state machine ARN count the executions started through live",
        settles: "the execution alarms, which the canary watches, see executions started through the alias",
        budgetSeconds: 600,
        executions: 0,
        run: async (context) => {
            const from = new Date(Date.now() - 3600_000);
            await until("ExecutionsSucceeded on the unqualified ARN", 540, async () => {
                const sum = await metricSum(
                    clients(context).cloudwatch,
                    { namespace: "AWS/States", name: "ExecutionsSucceeded", dimensions: { StateMachineArn: output(context, "stateMachineArn") } },
                    from,
                    new Date(),
                );
                return sum >= made.executions.length ? sum : undefined;
            });
        },
    },
    {
        name: "starts-through-live-as-the-schedule-and-an-operator",
        proves: "the schedule's role starts an execution through live on its own, and a role holding only the operator policy starts one through live and is refused by the unqualified ARN and by a version",
        settles: "the qualifier condition (ForAnyValue:StringEquals) of the schedule's role and the operator policy, by AWS's own IAM",
        budgetSeconds: 1200,
        executions: 4,
        run: async (context) => {
            const alias = output(context, "stateMachineAliasArn");
            const { sfn, iam, sts } = clients(context);
            const since = new Date();
            await context.deploy({ "stock-trader:scheduleEnabled": "true", "stock-trader:scheduleExpression": "rate(1 minute)" });
            try {
                await until("an execution the schedule started through live", 300, async () => {
                    const started = await executionsSince(sfn, alias, since);
                    return started.length > 0 ? started : undefined;
                });
            } finally {
                await context.deploy({ "stock-trader:scheduleEnabled": "false", "stock-trader:scheduleExpression": "rate(1 hour)" });
            }
            const policyArn = output(context, "operatorPolicyArn");
            const role = `${context.stack.name}-operator`;
            const roleArn = await createRoleHolding(iam, role, context.account, policyArn);
            try {
                await sleep(IAM_PROPAGATION_SECONDS * 1000);
                const throughLive = await startAsRole(sts, roleArn, context.region, alias);
                expect(throughLive.executionArn !== undefined, `the operator policy may not start through live: ${throughLive.error}`);
                for (const bypass of [output(context, "stateMachineArn"), output(context, "stateMachineVersionArn")]) {
                    const refused = await startAsRole(sts, roleArn, context.region, bypass);
                    expect(refused.error === "AccessDeniedException", `a start of ${bypass} as the operator: ${refused.executionArn ?? refused.error}`);
                }
            } finally {
                await removeRole(iam, role, policyArn);
            }
        },
    },
    {
        name: "scheduled-start-in-a-time-zone",
        proves:
            "a cron read in Asia/Kathmandu (UTC+05:45) starts through live at the instants the model's zoned reader gives: every even local minute, " +
            "so odd minutes in UTC; each execution is named after Scheduler's invocation and carries its scheduled time",
        settles: "EventBridge Scheduler's scheduleExpressionTimezone, the universal StartExecution target's name and input, and the zoned reader",
        budgetSeconds: 900,
        executions: 4,
        run: async (context) => {
            const alias = output(context, "stateMachineAliasArn");
            const { sfn } = clients(context);
            const [zone, expression] = ["Asia/Kathmandu", "cron(0/2 * * * ? *)"];
            const since = new Date();
            await context.deploy({
                "stock-trader:scheduleEnabled": "true",
                "stock-trader:scheduleExpression": expression,
                "stock-trader:scheduleTimezone": zone,
            });
            try {
                const [first] = await until("an execution the zoned schedule started through live", 600, async () => {
                    const started = await executionsSince(sfn, alias, since);
                    return started.length > 0 ? started : undefined;
                });
                const { name, input } = await executionStart(sfn, first.executionArn);
                const scheduled = Date.parse((JSON.parse(input) as { scheduledTime?: string }).scheduledTime ?? "");
                expect(Number.isFinite(scheduled), `the execution's input carries no scheduled time: ${input}`);
                expect(
                    nextRuns(expression, zone, scheduled, 1)?.[0] === scheduled,
                    `${new Date(scheduled).toISOString()} is not a time the reader gives in ${zone}`,
                );
                expect(new Date(scheduled).getUTCMinutes() % 2 === 1, `${new Date(scheduled).toISOString()} is an even UTC minute: the cron was read in UTC`);
                expect(/^schedule-[A-Za-z0-9-]+$/.test(name), `the execution is named ${name}, not after Scheduler's invocation`);
            } finally {
                await context.deploy({
                    "stock-trader:scheduleEnabled": "false",
                    "stock-trader:scheduleExpression": "rate(1 hour)",
                    "stock-trader:scheduleTimezone": "UTC",
                });
            }
        },
    },
    {
        name: "failed-start-reaches-the-dead-letter-queue",
        proves:
            "a start the schedule's role may not make is refused, lands after the retry policy in the dead-letter queue (encrypted by SQS), and the " +
            "scheduled-start-failed alarm goes to ALARM",
        settles: "the schedule's retry policy and dead-letter queue (the role may send to it), and the alarm on the queue's depth",
        budgetSeconds: 1500,
        executions: 0,
        run: async (context) => {
            const { sqs, cloudwatch } = clients(context);
            const queueUrl = output(context, "failedStartsQueueUrl");
            expect(await sqsManagedEncryption(sqs, queueUrl), "the dead-letter queue is not encrypted with SQS's own keys");
            await withDeny(context, output(context, "scheduleRoleArn"), ROLE_DENIES.scheduledStarts, async () => {
                await context.deploy({ "stock-trader:scheduleEnabled": "true", "stock-trader:scheduleExpression": "rate(1 minute)" });
                try {
                    const letters = await until("a dead-letter event in the schedule's queue", 1200, async () => {
                        const taken = await takeDeadLetters(sqs, queueUrl);
                        return taken.length > 0 ? taken : undefined;
                    });
                    expect(
                        letters.some((letter) => `${letter.body} ${JSON.stringify(letter.attributes)}`.includes("AccessDenied")),
                        `no dead-letter event names the refusal: ${JSON.stringify(letters)}`,
                    );
                    await until("the scheduled-start-failed alarm in ALARM", 600, async () =>
                        (await alarmState(cloudwatch, "monitoring-scheduled-start-failed")) === "ALARM" ? true : undefined,
                    );
                } finally {
                    await context.deploy({ "stock-trader:scheduleEnabled": "false", "stock-trader:scheduleExpression": "rate(1 hour)" });
                }
            });
        },
    },
    {
        name: "batch-failure-caught-then-rerun",
        proves: "a failing batch is caught into Error and the execution FAILED; --rerun-batch then succeeds for the same trade",
        settles: "Catch on the batch, and npm run execute -- --rerun-batch",
        budgetSeconds: 900,
        executions: 2,
        run: async (context) => {
            const failed = await withFailingBatch(context, () => runExecute(context, ["--stack", context.stack.name]));
            expect(failed.status === "FAILED", `the execution ended ${failed.status}, not FAILED`);
            made.failed = failed;
            const lines: string[] = [];
            const code = await execute(["--rerun-batch", failed.executionArn, "--stack", context.stack.name], {
                stackOutputs: async () => context.outputs,
                sleep,
                out: (l) => lines.push(l),
                err: (l) => lines.push(l),
            });
            expect(code === 0, `--rerun-batch exited ${code}:\n${lines.join("\n")}`);
        },
    },
    {
        name: "deploy-during-a-running-execution",
        proves: "an execution in flight while up moves to Fargate Spot (a new image, for X86_64, and a new revision) still succeeds",
        settles: "a deploy removes no image or revision a running execution needs",
        budgetSeconds: 1200,
        executions: 1,
        run: async (context) => {
            const lines: string[] = [];
            await execute(["--stack", context.stack.name, "--no-follow"], {
                stackOutputs: async () => context.outputs,
                sleep,
                out: (l) => lines.push(l),
                err: (l) => lines.push(l),
            });
            const executionArn = lines[0];
            await context.deploy({ "stock-trader:batchCapacity": "FARGATE_SPOT" });
            const { sfn } = clients(context);
            const status = await until("the execution in flight to end", 900, async () => {
                const { status } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
                return status === "RUNNING" ? undefined : status;
            });
            expect(status === "SUCCEEDED", `the execution started before the deploy ended ${status}`);
        },
    },
    {
        name: "fargate-spot-x86-64",
        proves: "a Fargate Spot stack, X86_64, runs one execution to SUCCEEDED",
        settles: "Fargate Spot with the derived X86_64 architecture",
        budgetSeconds: 600,
        executions: 1,
        run: async (context) => {
            const result = await runExecute(context, ["--stack", context.stack.name]);
            expect(result.status === "SUCCEEDED", `the Spot execution ended ${result.status}`);
        },
    },
    {
        name: "redriven-execution-keeps-its-version",
        proves: "redriving the failed execution after later deploys runs it on the version it started on",
        settles: "a redriven execution stays on its version, which the pruner keeps",
        budgetSeconds: 300,
        executions: 1,
        run: async (context) => {
            const failed = made.failed;
            expect(failed?.stateMachineVersionArn !== undefined, "no failed execution to redrive");
            const { sfn } = clients(context);
            await sfn.send(new RedriveExecutionCommand({ executionArn: failed!.executionArn }));
            const after = await until("the redriven execution to end", 240, async () => {
                const described = await sfn.send(new DescribeExecutionCommand({ executionArn: failed!.executionArn }));
                return described.status === "RUNNING" ? undefined : described;
            });
            expect(
                after.stateMachineVersionArn === failed!.stateMachineVersionArn,
                `redriven on ${after.stateMachineVersionArn}, started on ${failed!.stateMachineVersionArn}`,
            );
        },
    },
    {
        name: "tracing-logging-and-schedule-in-one-up",
        proves: `turning on tracing, ALL logging and the schedule in one up succeeds after the ${IAM_PROPAGATION_SECONDS} s pause, and the stale alarm warms up in INSUFFICIENT_DATA`,
        settles: `the ${IAM_PROPAGATION_SECONDS} s IAM propagation pause; the stale-success alarm's warm-up`,
        budgetSeconds: 600,
        executions: 0,
        run: async (context) => {
            await context.deploy({ "stock-trader:tracingEnabled": "true", "stock-trader:logLevel": "ALL", "stock-trader:scheduleEnabled": "true" });
            const state = await alarmState(clients(context).cloudwatch, "monitoring-no-recent-success");
            expect(state === "INSUFFICIENT_DATA", `the stale-success alarm is ${state} right after the deploy, not warming up`);
        },
    },
    {
        name: "trade-metrics-at-error",
        proves: "with functionLogLevel ERROR, a trade still reaches the Trades metric (GetMetricData)",
        settles: "the EMF trade metrics survive Lambda's log-level filtering at every functionLogLevel",
        budgetSeconds: 900,
        executions: 2,
        run: async (context) => {
            await context.deploy({ "stock-trader:functionLogLevel": "ERROR" });
            const from = new Date();
            const results = await Promise.all([0, 1].map(() => runExecute(context, ["--stack", context.stack.name])));
            const type = results[0].output?.type ?? "buy";
            expect(
                results.every((r) => r.status === "SUCCEEDED"),
                "an execution at ERROR did not succeed",
            );
            await until(`a ${type} in the Trades metric at ERROR`, 600, async () => {
                const trades = await metricSum(
                    clients(context).cloudwatch,
                    { namespace: METRIC_NAMESPACE, name: TRADE_METRICS.trades, dimensions: { Stack: context.stack.name, TradeType: type } },
                    from,
                    new Date(),
                );
                return trades > 0 ? trades : undefined;
            });
        },
    },
    {
        name: "canary-rolls-back",
        proves: "a CANARY deploy of a new version, with new versions of its functions, whose executions fail trips an execution alarm: up fails, and live, its stack and the functions it invokes are back on the previous version's",
        settles:
            "the alias handler's rollback in CloudFormation; a function change rolled back by a canary; how long up waits; what the state holds after a rollback",
        budgetSeconds: 2400,
        executions: 6,
        run: async (context) => {
            await context.deploy({
                "stock-trader:deploymentType": "CANARY",
                "stock-trader:deploymentPercentage": "50",
                "stock-trader:deploymentIntervalMinutes": "15",
            });
            const before = output(context, "stateMachineVersionArn");
            const functionsBefore = await invokedBy(clients(context).sfn, before);
            // A new workflow version whose functions are new versions too: the log level is their configuration.
            await context.stack.setConfig({ "stock-trader:buyThreshold": "40", "stock-trader:functionLogLevel": "DEBUG" });
            const rolledBack = await withFailingBatch(context, async () => {
                const up = context.stack.up(context.log).then(
                    () => false,
                    (error: Error) => error.message.includes("ALARM"),
                );
                // While the canary runs, executions through live fail on either version, and the failed-executions alarm fires.
                for (let i = 0; i < 6; i++) {
                    await runExecute(context, ["--stack", context.stack.name, "--no-follow"]).catch(() => undefined);
                    await sleep(60_000);
                }
                return up;
            });
            expect(rolledBack, "pulumi up did not fail on the alarm");
            await expectLiveOn(context, before);
            const stack = await stackState(clients(context).cloudformation, output(context, "liveStackName"));
            expect(stack?.status === "UPDATE_ROLLBACK_COMPLETE", `the live stack is ${stack?.status} after the rollback`);
            const invoked = await invokedBy(
                clients(context).sfn,
                Object.keys(await aliasRoutes(clients(context).sfn, output(context, "stateMachineAliasArn")))[0],
            );
            expect(
                JSON.stringify(invoked) === JSON.stringify(functionsBefore),
                `live invokes ${invoked.join(", ")}, not the old function versions ${functionsBefore.join(", ")}`,
            );
        },
    },
    {
        name: "next-up-after-a-rollback",
        proves: "after a rolled-back canary, an up that changes nothing leaves live where the rollback put it; an up of a new version moves it there by a canary from that version",
        settles: "what Pulumi's state holds after a rolled-back stack update, and that the rolled-back stack accepts the next update",
        budgetSeconds: 1800,
        executions: 0,
        run: async (context) => {
            const routesBefore = await aliasRoutes(clients(context).sfn, output(context, "stateMachineAliasArn"));
            const rolledBackTo = Object.keys(routesBefore)[0];
            await context.deploy();
            await expectLiveOn(context, rolledBackTo);
            const outputs = await context.deploy({ "stock-trader:buyThreshold": "41", "stock-trader:deploymentIntervalMinutes": "5" });
            await expectLiveOn(context, String(outputs.stateMachineVersionArn));
        },
    },
    {
        name: "bake-failure-then-next-deploy",
        proves: "a deploy whose version fails during the bake is moved back to the version before it through the stack, npm run live -- bake exiting 1; the next deploy then moves live to its new version",
        settles: "the bake's rollback through the stack, and the next deploy's shift from the version it left",
        budgetSeconds: 1800,
        executions: 1,
        run: async (context) => {
            await context.stack.removeConfig(["stock-trader:deploymentPercentage", "stock-trader:deploymentIntervalMinutes"]);
            await context.deploy({ "stock-trader:deploymentType": "ALL_AT_ONCE" });
            const before = output(context, "stateMachineVersionArn");
            await context.deploy({ "stock-trader:buyThreshold": "42" });
            const failed = await withFailingBatch(context, () => runExecute(context, ["--stack", context.stack.name]));
            expect(failed.status === "FAILED", `the execution ended ${failed.status}, not FAILED`);
            const bake = await runLive(context, ["bake", "--stack", context.stack.name, "--minutes", "15", "--previous", before]);
            expect(bake.code === 1, `the bake exited ${bake.code}:\n${bake.lines.join("\n")}`);
            await expectLiveOn(context, before);
            const outputs = await context.deploy({ "stock-trader:buyThreshold": "43" });
            await expectLiveOn(context, String(outputs.stateMachineVersionArn));
        },
    },
    {
        name: "upgrade-from-an-earlier-release",
        proves: "a stack deployed by the release that held live through Cloud Control (aws-native) and built its own image and task definition upgrades with one pulumi up: the old alias goes, the live stack holds live on the newest version, the old revision stays ACTIVE and the old image stays in the repository, and a start through live succeeds",
        settles:
            "the first up on this version of a stack deployed with the aws-native alias and the program's own image and task definition: the type-changing alias, delete before create, how long live is absent, and the transforms that keep awsx's children where the stack holds them",
        budgetSeconds: 2400,
        executions: 1,
        run: async (context) => {
            const name = `${context.stack.name}-upgrade`;
            const config = { "aws:region": context.region };
            const release = await releasedProgram(CLOUD_CONTROL_ALIAS_RELEASE);
            const current = automationEngine();
            try {
                const old = await automationEngine(release.workDir).createStack(name, config);
                const before = await old.up(context.log);
                const upgraded = await current.selectStack(name).catch(() => current.createStack(name, config));
                await upgraded.setConfig(config);
                const started = Date.now();
                const outputs = await upgraded.up(context.log);
                context.log(`the upgrading up took ${((Date.now() - started) / 1000).toFixed(0)} s, live absent for part of it`);
                const upgradedContext: StepContext = { ...context, outputs };
                await expectLiveOn(upgradedContext, String(outputs.stateMachineVersionArn));
                // Nothing a running or redrivable execution of the old release needs was deleted.
                const status = await taskDefinitionStatus(clients(context).ecs, String(before.taskDefinitionArn));
                expect(status === "ACTIVE", `the old release's task definition ${String(before.taskDefinitionArn)} is ${status}`);
                const [repository, digest] = String(before.imageUri).split("/").slice(1).join("/").split("@");
                expect(await imageWithDigest(clients(context).ecr, repository, digest), `the old release's image ${String(before.imageUri)} is gone`);
                const result = await runExecute(upgradedContext, ["--stack", name]);
                expect(
                    result.status === "SUCCEEDED" && result.stateMachineAliasArn === outputs.stateMachineAliasArn,
                    `a start through live after the upgrade ended ${result.status}`,
                );
            } finally {
                assertE2eStack(name);
                const stack = await current.selectStack(name);
                await stack.destroy(context.log);
                await stack.remove();
                await release.remove();
            }
        },
    },
    {
        name: "live-image-after-rollback",
        proves: "the image tagged live is still in the repository after the rollback and the deploys since",
        settles: "the ECR lifecycle rule that never expires live",
        budgetSeconds: 60,
        executions: 0,
        run: async (context) => {
            const repository = output(context, "repositoryUrl").split("/").slice(1).join("/");
            expect(await imageTagged(clients(context).ecr, repository, "live"), "no image is tagged live");
        },
    },
    {
        name: "prune-versions",
        proves: "npm run prune-versions keeps live's version and the failed execution's, and tags their images",
        settles: "version pruning within the 1,000 versions, each kept version keeping its image",
        budgetSeconds: 300,
        executions: 0,
        run: async (context) => {
            const lines: string[] = [];
            const code = await prune(["--state-machine-arn", output(context, "stateMachineArn"), "--json"], {
                stackOutputs: async () => context.outputs,
                sleep,
                now: () => new Date(),
                out: (l) => lines.push(l),
                err: (l) => lines.push(l),
            });
            expect(code === 0, `prune-versions exited ${code}: ${lines.join("\n")}`);
            const kept = (JSON.parse(lines.join("\n")) as { versions: { arn: string; number: number; kept: boolean }[] }).versions.filter((v) => v.kept);
            for (const arn of [String(context.outputs.stateMachineVersionArn), made.failed?.stateMachineVersionArn]) {
                const version = kept.find((v) => v.arn === arn);
                expect(version !== undefined, `${arn} was not kept`);
                const repository = output(context, "repositoryUrl").split("/").slice(1).join("/");
                expect(
                    await imageTagged(clients(context).ecr, repository, `version-${version!.number}`),
                    `the image of version ${version!.number} is not held`,
                );
            }
        },
    },
    {
        name: "teststate-agrees-with-the-local-engine",
        proves: "AWS's own engine, through TestState with mocked results, takes every path of the definition as the local engine does, Fargate Spot's included",
        settles:
            "every difference between aws-local-stepfunctions and AWS on this definition: the next state, the output field by field, the error and the cause",
        budgetSeconds: 300,
        executions: 0,
        run: async (context) => {
            const io = { out: context.log, err: context.log };
            const spot = ["--set", "batchCapacity=FARGATE_SPOT", "--set", "batchInterruptionRetries=2"];
            for (const argv of [[], spot]) {
                const code = await testState(["--stack", "dev", "--region", context.region, ...argv], io);
                expect(code === 0, `npm run test:teststate -- ${argv.join(" ")} exited ${code}: the engines differ, as the lines above say`);
            }
            return undefined;
        },
    },
    {
        name: "operator-policy-opens-the-console",
        proves: "IAM allows the operator policy every call the console makes for stateMachineConsoleUrl, and StartExecution only through live",
        settles: "the operator policy's console grants, by IAM's own simulator",
        budgetSeconds: 120,
        executions: 0,
        run: async (context) => {
            const { iam } = clients(context);
            const policy = await iam.send(new GetPolicyCommand({ PolicyArn: output(context, "operatorPolicyArn") }));
            const version = await iam.send(new GetPolicyVersionCommand({ PolicyArn: policy.Policy!.Arn, VersionId: policy.Policy!.DefaultVersionId }));
            const document = decodeURIComponent(version.PolicyVersion!.Document!);
            const machine = output(context, "stateMachineArn");
            const denied = await deniedActions(
                iam,
                document,
                [
                    "states:DescribeStateMachine",
                    "states:ListExecutions",
                    "states:ListStateMachineVersions",
                    "states:ListStateMachineAliases",
                    "states:DescribeStateMachineAlias",
                ],
                machine,
            );
            expect(denied.length === 0, `the console's calls denied: ${denied.join(", ")}`);
            expect(
                (await deniedActions(iam, document, ["states:StartExecution"], machine, { "states:StateMachineQualifier": "live" })).length === 0,
                "a start through live is denied",
            );
            expect((await deniedActions(iam, document, ["states:StartExecution"], machine)).length === 1, "a start by the unqualified ARN is allowed");
            expect(stateMachineConsoleUrl(machine) === context.outputs.stateMachineConsoleUrl, "stateMachineConsoleUrl is not the partition's console page");
        },
    },
    {
        name: "partition-console-links",
        proves: "in China and GovCloud, the console links open that partition's console",
        settles: "the console addresses of the aws-cn and aws-us-gov partitions",
        budgetSeconds: 30,
        executions: 0,
        run: async (context) => {
            const partition = parseArn(output(context, "stateMachineArn")).partition;
            if (partition === "aws") {
                return { skipped: "the account is in the aws partition; run the suite in an aws-cn or aws-us-gov account to check these links" };
            }
            const url = String(context.outputs.stateMachineConsoleUrl);
            expect(url.includes(partition === "aws-cn" ? "amazonaws.cn" : "amazonaws-us-gov.com"), `${url} is not the ${partition} console`);
            return undefined;
        },
    },
    {
        name: "fargate-zones",
        proves: "in a region where Fargate skips zones, the batch task ran in a zone Fargate supports",
        settles: "the default VPC's subnets filtered to Fargate's zones",
        budgetSeconds: 30,
        executions: 0,
        run: async (context) => {
            const zones = FARGATE_AVAILABILITY_ZONE_IDS[context.region];
            if (zones === undefined) {
                return { skipped: `Fargate runs in every zone of ${context.region}; run the suite with --region us-west-1 to check the filter` };
            }
            const ec2 = new EC2Client(clientConfig(context.region));
            const { Subnets } = await ec2.send(new DescribeSubnetsCommand({ SubnetIds: context.outputs.subnetIds as string[] }));
            const outside = (Subnets ?? []).filter((s) => !zones.includes(s.AvailabilityZoneId ?? ""));
            expect(outside.length === 0, `subnets outside Fargate's zones: ${outside.map((s) => s.SubnetId).join(", ")}`);
            return undefined;
        },
    },
];
