/**
 * The paths `npm run test:teststate` walks through the definition, and what each Task state's
 * call answers on them. Every answer has the shape the service's API reference documents for
 * the call the state makes, written here from that reference; none is taken from a local run.
 * Both engines compute their answer from these same mocks.
 */
import { MAX_STOCK_PRICE, type StockPriceEvent, type TradeResult } from "../../contracts/functions";
import type { Json } from "../../local/stand-ins";
import type { Retrier, StateMachineDefinition, TaskState } from "../../model/asl";
import { ECS_START_ERRORS, SPOT_INTERRUPTION_STOP_CODE, STATES, type WorkflowConfig } from "../../model/workflow";

/** What a Task state's call answers: a result, or an error with its cause (TestState's `mock`). */
export type Mock = { result: Json } | { errorOutput: { error: string; cause: string } };

/** One path: its input, and each Task state's answers in the order the path calls it (a retry calls again). */
export interface TestPath {
    name: string;
    /** What the path shows. */
    why: string;
    input: Json;
    /**
     * Each call's answer, by Task state. A Task state the path does not name answers the empty
     * result (UNNAMED_TASK), the same on both engines: a state added to the workflow is walked
     * without an answer of its own; one the path names must answer every call it gets.
     */
    mocks: Partial<Record<string, readonly Mock[]>>;
}

/** The answer of a Task state the path does not name. */
export const UNNAMED_TASK: Mock = { result: {} };

/** A path the stack's definition cannot take, and why. */
export interface SkippedPath {
    name: string;
    skipped: string;
}

/**
 * A Task whose Resource is a function's ARN returns the function's response, the `Payload` of
 * Lambda's Invoke response (Lambda API reference, "Invoke"), decoded.
 */
const lambdaResult = (payload: StockPriceEvent | TradeResult): Mock => ({ result: payload as unknown as Json });

/**
 * Lambda refusing the invocation for its concurrency: Invoke's `TooManyRequestsException`
 * (HTTP 429), which Step Functions reports as `Lambda.TooManyRequestsException`.
 */
const LAMBDA_THROTTLED = {
    errorOutput: {
        error: "Lambda.TooManyRequestsException",
        cause: "Rate Exceeded. (Service: Lambda, Status Code: 429, Request ID: 5b1f0e94-6d0c-4b4a-9d3e-1f6f3c0a7e21)",
    },
} satisfies Mock;

/** DynamoDB's PutItem response without ReturnValues or ReturnConsumedCapacity: no field (API reference, "PutItem"). */
const PUT_ITEM_RESPONSE: Mock = { result: {} };

const TRADE: Omit<TradeResult, "price" | "type"> = {
    id: "0b6f4b8e-5d2a-4c1e-9f57-3c2d8e1a6b90",
    qty: "7",
    timestamp: "2026-12-07T14:30:00.000Z",
};

const CLUSTER = "arn:aws:ecs:us-east-1:000000000000:cluster/stock-trader";
const TASK = "arn:aws:ecs:us-east-1:000000000000:task/stock-trader/7f3c9d2a1b4e4f8a9c6d5e4f3a2b1c0d";

/**
 * The stopped task `ecs:runTask.sync` returns, as ECS's DescribeTasks documents a Task, with
 * Step Functions' capitalised field names (Step Functions developer guide, "Run Amazon ECS or
 * Fargate tasks"): a container that exited with `exitCode`, or a Fargate Spot task ECS stopped
 * before its container exited, which has no exit code.
 */
function stoppedTask(end: { exitCode: number } | { stopCode: typeof SPOT_INTERRUPTION_STOP_CODE }) {
    const exited = "exitCode" in end;
    return {
        Attachments: [],
        AvailabilityZone: "us-east-1a",
        ClusterArn: CLUSTER,
        Containers: [
            {
                ContainerArn: `${CLUSTER.replace(":cluster/", ":container/")}/3d1e2f4a-9b8c-4d7e-a6f5-0e1d2c3b4a59`,
                LastStatus: "STOPPED",
                Name: "batch",
                TaskArn: TASK,
                ...(exited ? { ExitCode: end.exitCode } : {}),
            },
        ],
        DesiredStatus: "STOPPED",
        LastStatus: "STOPPED",
        LaunchType: "FARGATE",
        StopCode: exited ? "EssentialContainerExited" : end.stopCode,
        StoppedAt: 1796653845.123,
        StoppedReason: exited ? "Essential container in task exited" : "Your Spot Task was interrupted.",
        TaskArn: TASK,
        TaskDefinitionArn: "arn:aws:ecs:us-east-1:000000000000:task-definition/stock-trader-batch:1",
    };
}

const BATCH_SUCCEEDED: Mock = { result: stoppedTask({ exitCode: 0 }) as unknown as Json };

/** A task that stopped without success is `States.TaskFailed`, its cause the stopped task as JSON. */
const taskFailed = (task: ReturnType<typeof stoppedTask>): Mock => ({ errorOutput: { error: "States.TaskFailed", cause: JSON.stringify(task) } });
const BATCH_FAILED = taskFailed(stoppedTask({ exitCode: 1 }));
const SPOT_INTERRUPTED = taskFailed(stoppedTask({ stopCode: SPOT_INTERRUPTION_STOP_CODE }));

/** ECS throttling RunTask, one of the errors that mean the task never started. */
const ECS_THROTTLED: Mock = {
    errorOutput: { error: "ECS.ThrottlingException", cause: "Rate exceeded (Service: AmazonECS; Status Code: 400; Error Code: ThrottlingException)" },
};

const repeat = <T>(times: number, item: T): T[] => Array.from({ length: times }, () => item);

/** The retrier of a Task state that applies to an error: the first whose ErrorEquals names it or the task wildcard. */
function retrierOf(definition: StateMachineDefinition, state: string, error: string): Retrier {
    const retriers = (definition.States[state] as TaskState).Retry ?? [];
    const retrier = retriers.find((r) => r.ErrorEquals.includes(error) || r.ErrorEquals.includes("States.TaskFailed") || r.ErrorEquals.includes("States.ALL"));
    if (retrier === undefined) {
        throw new Error(`${state} has no retrier for ${error}`);
    }
    return retrier;
}

/** The price a path trades at: the threshold itself buys, one above it sells. */
export function pathPrice(config: Pick<WorkflowConfig, "buyThreshold">, side: "buy" | "sell"): number | undefined {
    const price = side === "buy" ? config.buyThreshold : config.buyThreshold + 1;
    return price <= MAX_STOCK_PRICE ? price : undefined;
}

/** The Task answers of a whole run that trades at `price`, before any state fails. */
function tradeMocks(price: number, buys: boolean): Record<string, Mock[]> {
    return {
        [STATES.checkStockValue]: [lambdaResult({ stock_price: price })],
        [buys ? STATES.buyStock : STATES.sellStock]: [lambdaResult({ ...TRADE, price: String(price), type: buys ? "buy" : "sell" })],
        [STATES.recordTransaction]: [PUT_ITEM_RESPONSE],
        [STATES.runEcsTask]: [BATCH_SUCCEEDED],
    };
}

/**
 * Every path the command walks for a stack's workflow: buy, sell, a Lambda error retried and
 * recovered, a batch failure caught into `Error`, the batch's start retried, with Fargate Spot
 * each interruption the stack allows run again, and the checker failing after its last retry.
 * `price` makes the buy or sell path trade at another price (the property over the config space).
 */
export function testPaths(config: WorkflowConfig, definition: StateMachineDefinition, price?: number): (TestPath | SkippedPath)[] {
    const buyPrice = price ?? pathPrice(config, "buy")!;
    const sellPrice = price ?? pathPrice(config, "sell");
    const buys = (p: number) => p <= config.buyThreshold;
    const base = tradeMocks(buyPrice, buys(buyPrice));
    const checkerRetries = retrierOf(definition, STATES.checkStockValue, LAMBDA_THROTTLED.errorOutput.error).MaxAttempts;
    const startRetries = retrierOf(definition, STATES.runEcsTask, ECS_START_ERRORS[2]).MaxAttempts;
    const spot = config.batchCapacity === "FARGATE_SPOT" && config.batchInterruptionRetries > 0;
    return [
        { name: "buy", why: `a price of ${buyPrice} buys`, input: {}, mocks: base },
        sellPrice === undefined
            ? { name: "sell", skipped: `buyThreshold ${config.buyThreshold} buys at every price up to ${MAX_STOCK_PRICE}` }
            : { name: "sell", why: `a price of ${sellPrice} sells`, input: {}, mocks: tradeMocks(sellPrice, buys(sellPrice)) },
        {
            name: "lambda-error-retried",
            why: "the checker throttled once, retried, then answering",
            input: {},
            mocks: { ...base, [STATES.checkStockValue]: [LAMBDA_THROTTLED, ...base[STATES.checkStockValue]] },
        },
        {
            name: "batch-failure-caught",
            why: `the batch exiting 1, caught into ${STATES.error}`,
            input: {},
            mocks: { ...base, [STATES.runEcsTask]: [BATCH_FAILED] },
        },
        {
            name: "batch-start-retried",
            why: `ECS throttling RunTask ${startRetries} times, each retried, then the task running`,
            input: {},
            mocks: { ...base, [STATES.runEcsTask]: [...repeat(startRetries, ECS_THROTTLED), BATCH_SUCCEEDED] },
        },
        spot
            ? {
                  name: "spot-interruptions-rerun",
                  why: `${config.batchInterruptionRetries} Spot interruption(s), each run again, then the batch succeeding`,
                  input: {},
                  mocks: { ...base, [STATES.runEcsTask]: [...repeat(config.batchInterruptionRetries, SPOT_INTERRUPTED), BATCH_SUCCEEDED] },
              }
            : { name: "spot-interruptions-rerun", skipped: "the stack's batch does not run on Fargate Spot with batchInterruptionRetries above 0" },
        spot
            ? {
                  name: "spot-interruptions-exhausted",
                  why: `${config.batchInterruptionRetries + 1} Spot interruptions: the last one past batchInterruptionRetries goes to ${STATES.error}`,
                  input: {},
                  mocks: { ...base, [STATES.runEcsTask]: repeat(config.batchInterruptionRetries + 1, SPOT_INTERRUPTED) },
              }
            : { name: "spot-interruptions-exhausted", skipped: "the stack's batch does not run on Fargate Spot with batchInterruptionRetries above 0" },
        {
            name: "failure-after-last-retry",
            why: `the checker throttled on its first call and all ${checkerRetries} retries: the execution fails`,
            input: {},
            mocks: { [STATES.checkStockValue]: repeat(checkerRetries + 1, LAMBDA_THROTTLED) },
        },
    ];
}
