/**
 * Runs the deployed workflow definition on this machine: the definition from
 * `model/workflow.ts`, executed by aws-local-stepfunctions, with every Task state backed by
 * the real code: the Lambda handlers in-process, `Record Transaction` as a real PutItem against
 * an in-process DynamoDB emulator, and `Run ECS task` as the batch program in a child process,
 * started the way the image's ENTRYPOINT starts it.
 */
import { randomUUID } from "node:crypto";
import { availableParallelism } from "node:os";
import { PutItemCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import type { Context, Handler } from "aws-lambda";
import { StateMachine, type RunOptions } from "aws-local-stepfunctions";
import { createStockChecker } from "../functions/stock-checker";
import type { FunctionOutput } from "../functions/telemetry";
import { createTradeHandler, defaultTradeDeps } from "../functions/trade";
import type { StackConfig } from "../model/config";
import { BATCH_ENV } from "../model/transaction";
import { SPOT_INTERRUPTION_STOP_CODE, STATES, type State, type StateMachineDefinition } from "../model/workflow";
import { builtBatchImage, runBatch, type BatchImage } from "./batch";
import { localWorkflow } from "./definition";
import { EMULATOR_ENV, startLocalDynamoDB, type LocalDynamoDB } from "./dynamodb";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface RunnerOptions {
    /** The stack settings the definition is built from. */
    config: StackConfig;
    /** How many executions to run. @default 1 */
    executions?: number;
    /** How many run at once. @default 1 */
    concurrency?: number;
    /** The execution input. @default {} */
    input?: Json;
    /** Forces the checker's price (0–99) to take the buy or the sell path. */
    price?: number;
    /** Makes every batch run fail: the batch program is pointed at a table that does not exist. */
    failBatch?: boolean;
    /**
     * Ends the first N batch runs of each execution as Fargate Spot interruptions: the task
     * stops with StopCode SpotInterruption before the program runs. @default 0
     */
    interruptBatch?: number;
    /** Runs this image in `Run ECS task` instead of the project's batch program, which is then not built. */
    batchImage?: BatchImage;
    /**
     * Where the functions' log records and metric documents go. By default nowhere: a local run
     * prints its own trace, and the records are for CloudWatch.
     */
    functionOutput?: FunctionOutput;
    /** Replaces a trading handler, for example with one that fails first. */
    handlers?: Partial<Record<"checker" | "buyer" | "seller", Handler>>;
    /**
     * How many batch programs run at once; executions beyond that wait in `Run ECS task`, as
     * tasks wait for capacity on ECS. @default two per core
     */
    batchProcesses?: number;
    /** What every Retry waits, in milliseconds, instead of the definition's intervals. @default 10 */
    retryDelayMs?: number;
    /** Called with each execution's events as they happen. */
    onEvent?: (execution: number, event: ExecutionEvent) => void;
    /** Called when an execution ends. */
    onExecutionEnd?: (execution: number, result: ExecutionResult) => void;
}

export interface ExecutionEvent {
    type: string;
    timestamp: number;
    state?: { name: string; type: string; output?: unknown };
    Error?: string;
    Cause?: unknown;
}

export interface ExecutionResult {
    status: "SUCCEEDED" | "FAILED";
    output?: Json;
    error?: string;
    cause?: string;
    durationMs: number;
}

export interface RunReport {
    results: ExecutionResult[];
    items: Record<string, AttributeValue>[];
    durationMs: number;
    /** The emulator's address while it ran; nothing listens there afterwards. */
    endpoint: string;
}

/** How many stderr lines of a failed batch run the ECS-shaped cause carries. */
const STDERR_LINES = 10;

/** Turns a thrown handler error into the error and cause Step Functions reports for a Lambda. */
function lambdaError(error: unknown): Error {
    const cause = error instanceof Error ? error : new Error(String(error));
    const failure = new Error(JSON.stringify({ errorMessage: cause.message, errorType: cause.name, trace: (cause.stack ?? "").split("\n") }));
    failure.name = cause.name;
    return failure;
}

/** Invokes a handler as Lambda does: JSON in, JSON out. */
function lambdaTask(handler: Handler) {
    return async (input: Json): Promise<Json> => {
        try {
            const event = JSON.parse(JSON.stringify(input)) as unknown;
            const result: unknown = await handler(event, { awsRequestId: randomUUID() } as Context, () => undefined);
            return JSON.parse(JSON.stringify(result ?? null)) as Json;
        } catch (error) {
            throw lambdaError(error);
        }
    };
}

interface RunTaskParameters {
    Cluster: string;
    TaskDefinition: string;
    CapacityProviderStrategy?: { CapacityProvider: string }[];
    Overrides?: { ContainerOverrides?: { Name: string; Command?: string[]; Environment?: { Name: string; Value: string }[] }[] };
}

/** How a local batch run ended: the container exited, or Fargate Spot took the capacity back first. */
type BatchEnd = { exitCode: number; stderr: string } | { interrupted: true };

/** The stopped-task description ECS returns, with the local run's stderr tail added. */
function stoppedTask(params: RunTaskParameters, containerName: string, end: BatchEnd) {
    const cluster = params.Cluster;
    const taskArn = `${cluster.replace(":cluster/", ":task/")}/${randomUUID().replaceAll("-", "")}`;
    const common = {
        TaskArn: taskArn,
        ClusterArn: cluster,
        TaskDefinitionArn: params.TaskDefinition,
        LaunchType: "FARGATE",
        CapacityProviderName: params.CapacityProviderStrategy?.[0]?.CapacityProvider,
        LastStatus: "STOPPED",
        DesiredStatus: "STOPPED",
    };
    if ("interrupted" in end) {
        return {
            ...common,
            StopCode: SPOT_INTERRUPTION_STOP_CODE,
            StoppedReason: "Your Spot Task was interrupted.",
            Containers: [{ Name: containerName, LastStatus: "STOPPED" }],
        };
    }
    return {
        ...common,
        StopCode: "EssentialContainerExited",
        StoppedReason: "Essential container in task exited",
        Containers: [{ Name: containerName, LastStatus: "STOPPED", ExitCode: end.exitCode }],
        StderrTail: end.stderr.trimEnd().split("\n").filter(Boolean).slice(-STDERR_LINES),
    };
}

const NO_OUTPUT: FunctionOutput = { info: () => undefined, error: () => undefined, metrics: () => undefined };

/** The Task state handlers that stand in for AWS. */
function taskHandlers(options: RunnerOptions, db: LocalDynamoDB, image: BatchImage, batchSlots: ReturnType<typeof limitConcurrency>) {
    const output = options.functionOutput ?? NO_OUTPUT;
    const checker = options.handlers?.checker ?? createStockChecker(options.price === undefined ? undefined : () => options.price!, output);
    const containerName = options.config.batchContainerName;
    // Batch runs so far, by trade id: each execution has its own trade.
    const runsByTrade = new Map<string, number>();
    return {
        [STATES.checkStockValue]: lambdaTask(checker),
        [STATES.buyStock]: lambdaTask(options.handlers?.buyer ?? createTradeHandler("buy", defaultTradeDeps, output)),
        [STATES.sellStock]: lambdaTask(options.handlers?.seller ?? createTradeHandler("sell", defaultTradeDeps, output)),
        [STATES.recordTransaction]: async (input: Json): Promise<Json> => {
            const params = input as unknown as { TableName: string; Item: Record<string, AttributeValue> };
            try {
                await db.client.send(new PutItemCommand({ TableName: params.TableName, Item: params.Item }));
            } catch (error) {
                const failure = new Error((error as Error).message);
                failure.name = `DynamoDB.${(error as Error).name}`;
                throw failure;
            }
            return {};
        },
        [STATES.runEcsTask]: async (input: Json): Promise<Json> => {
            const params = input as unknown as RunTaskParameters;
            const override = params.Overrides?.ContainerOverrides?.find((o) => o.Name === containerName);
            const environment = Object.fromEntries((override?.Environment ?? []).map((e) => [e.Name, e.Value]));
            const env = {
                ...EMULATOR_ENV,
                AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
                // The task definition's environment; --fail-batch names a table that does not exist.
                [BATCH_ENV.tableName]: options.failBatch ? `${db.tableName}-missing` : db.tableName,
                ...environment,
            };
            const trade = environment[BATCH_ENV.transactionId] ?? "";
            const runs = (runsByTrade.get(trade) ?? 0) + 1;
            runsByTrade.set(trade, runs);
            const end: BatchEnd =
                runs <= (options.interruptBatch ?? 0)
                    ? { interrupted: true }
                    : await batchSlots(() => runBatch(override?.Command ?? image.defaultCommand, env, image));
            const task = stoppedTask(params, containerName, end);
            if ("interrupted" in end || end.exitCode !== 0) {
                const failure = new Error(JSON.stringify(task));
                failure.name = "States.TaskFailed";
                throw failure;
            }
            return task as unknown as Json;
        },
    };
}

/**
 * AWS gives a Task state without `TimeoutSeconds` a timeout of 99999999 seconds (Amazon States
 * Language, Task state); aws-local-stepfunctions would give it 60. The engine gets a copy of the
 * definition in which each such state says AWS's default, and every timeout (the execution's and
 * each Task's) is capped at the longest timer Node.js holds (2^31-1 ms, about 24.8 days): past
 * it, Node.js fires the timer at once, and a valid definition would time out at its first step.
 * A local run never lasts that long, so it times out only where AWS would.
 */
export const AWS_DEFAULT_TASK_TIMEOUT_SECONDS = 99999999;
export const LONGEST_TIMER_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

export function engineDefinition(definition: StateMachineDefinition): StateMachineDefinition {
    const capped = (seconds: number) => Math.min(seconds, LONGEST_TIMER_SECONDS);
    const states = Object.entries(definition.States).map(([name, state]): [string, State] =>
        state.Type === "Task" ? [name, { ...state, TimeoutSeconds: capped(state.TimeoutSeconds ?? AWS_DEFAULT_TASK_TIMEOUT_SECONDS) }] : [name, state],
    );
    return { ...definition, TimeoutSeconds: capped(definition.TimeoutSeconds), States: Object.fromEntries(states) };
}

/** The definitions the engine has validated in this process, as JSON. */
const validated = new Set<string>();

/**
 * The engine's state machine for a definition, validated the first time this process sees the
 * definition (the engine checks its JSONPaths and ARNs too). asl-validator compiles its JSON
 * schemas on every call, about a tenth of a second, and a process that runs one definition many
 * times (the tests, the benchmarks) would pay it on every run. A definition it refuses is
 * checked again next time.
 */
export function engineStateMachine(definition: StateMachineDefinition): StateMachine {
    const json = JSON.stringify(definition);
    const machine = new StateMachine(definition as never, { validationOptions: { noValidate: validated.has(json) } });
    validated.add(json);
    return machine;
}

/**
 * How many batch programs run at once by default: each is a Node.js process that spends its
 * start-up on the CPU, so more than two per core only queues them for CPU and memory.
 */
export function defaultBatchProcesses(): number {
    return availableParallelism() * 2;
}

/** Runs at most `max` of the given tasks at once; the rest wait their turn, first come first served. */
export function limitConcurrency(max: number): <T>(task: () => Promise<T>) => Promise<T> {
    let running = 0;
    const waiting: (() => void)[] = [];
    return async (task) => {
        if (running >= max) {
            await new Promise<void>((resolve) => waiting.push(resolve));
        }
        running++;
        try {
            return await task();
        } finally {
            running--;
            waiting.shift()?.();
        }
    };
}

/** Every state with a Retry field waits `delayMs` before each retry, however the definition sets it. */
function retryOverrides(definition: StateMachineDefinition, delayMs: number): Record<string, number> {
    return Object.fromEntries(
        Object.entries(definition.States)
            .filter(([, state]) => "Retry" in state)
            .map(([name]) => [name, delayMs]),
    );
}

async function execute(machine: StateMachine, input: Json, runOptions: RunOptions, index: number, options: RunnerOptions): Promise<ExecutionResult> {
    const started = performance.now();
    const execution = machine.run(input, runOptions);
    const events = (async () => {
        for await (const event of execution.eventLogs) {
            options.onEvent?.(index, event);
        }
    })();
    let result: ExecutionResult;
    try {
        const output = await execution.result;
        result = { status: "SUCCEEDED", output, durationMs: performance.now() - started };
    } catch (error) {
        const failure = (error as Error & { cause?: Error }).cause ?? (error as Error);
        result = { status: "FAILED", error: failure.name, cause: failure.message, durationMs: performance.now() - started };
    }
    await events;
    options.onExecutionEnd?.(index, result);
    return result;
}

/**
 * Starts the emulator, runs the executions, and stops everything it started, whatever happens:
 * no process or port outlives the call.
 */
export async function runWorkflow(options: RunnerOptions): Promise<RunReport> {
    const executions = options.executions ?? 1;
    const image = options.batchImage ?? builtBatchImage();
    const db = await startLocalDynamoDB();
    try {
        const { definition } = localWorkflow(options.config, db.tableName);
        const machine = engineStateMachine(engineDefinition(definition));
        const batchSlots = limitConcurrency(options.batchProcesses ?? defaultBatchProcesses());
        const runOptions: RunOptions = {
            overrides: {
                taskResourceLocalHandlers: taskHandlers(options, db, image, batchSlots),
                retryIntervalOverrides: retryOverrides(definition, options.retryDelayMs ?? 10),
            },
        };
        const started = performance.now();
        const results: ExecutionResult[] = [];
        let next = 0;
        const worker = async () => {
            while (next < executions) {
                const index = next++;
                results[index] = await execute(machine, options.input ?? {}, runOptions, index, options);
            }
        };
        await Promise.all(Array.from({ length: options.concurrency ?? 1 }, worker));
        const durationMs = performance.now() - started;
        return { results, items: await db.scan(), durationMs, endpoint: db.endpoint };
    } finally {
        await db.stop();
    }
}
