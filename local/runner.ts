/**
 * Runs the deployed workflow definition on this machine: the definition from
 * `model/workflow.ts`, executed by aws-local-stepfunctions against an in-process DynamoDB
 * emulator, with every Task state backed by its stand-in (`stand-ins.ts`): the real code, run
 * as AWS would run it.
 */
import { availableParallelism } from "node:os";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { StateMachine, type RunOptions } from "aws-local-stepfunctions";
import type { State, StateMachineDefinition } from "../model/workflow";
import { prepareBatch, type BatchProgram } from "./batch";
import { startLocalDynamoDB } from "./dynamodb";
import { localWorkflow, taskStandIns, type Json, type StandInOptions } from "./stand-ins";

export interface RunnerOptions extends StandInOptions {
    /** How many executions to run. @default 1 */
    executions?: number;
    /** How many run at once. @default 1 */
    concurrency?: number;
    /** The execution input. @default {} */
    input?: Json;
    /** Runs this batch program in `Run ECS task` instead of the project's, which is then not prepared. */
    batchProgram?: BatchProgram;
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
 * checked again next time. The engine gets its own copy: its validator writes each state's query
 * language into the states it checks, which would change the caller's definition.
 *
 * A definition cut from another (one of its states, with Succeed states for those it hands over
 * to, as TestState's local engine runs a state) is valid where that one is: the cut keeps the
 * state's fields and its every transition ends in a state it has. So `cutFrom` is validated in
 * its place, once for all the cuts made from it.
 */
export function engineStateMachine(definition: StateMachineDefinition, cutFrom?: StateMachineDefinition): StateMachine {
    const json = JSON.stringify(definition);
    const checked = cutFrom === undefined ? json : JSON.stringify(cutFrom);
    if (!validated.has(checked)) {
        // The engine validates a definition as it builds its state machine, and throws where it refuses it.
        new StateMachine(JSON.parse(checked) as never);
        validated.add(checked);
    }
    return new StateMachine(JSON.parse(json) as never, { validationOptions: { noValidate: true } });
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
    const program = options.batchProgram ?? prepareBatch();
    const db = await startLocalDynamoDB();
    try {
        const { definition } = localWorkflow(options.config, db.tableName);
        const machine = engineStateMachine(engineDefinition(definition));
        const batchSlots = limitConcurrency(options.batchProcesses ?? defaultBatchProcesses());
        const runOptions: RunOptions = {
            overrides: {
                taskResourceLocalHandlers: taskStandIns(options, db, program, batchSlots),
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
