/**
 * What stands in for the deployed resources on this machine: ARNs of AWS's forms for what the
 * Task states call, and a handler for each Task state that does what AWS would (the Lambda
 * handlers in-process, a real PutItem against the local DynamoDB, the batch program in a child
 * process). A state that calls something new gets its stand-in ARN and its handler here.
 */
import { randomUUID } from "node:crypto";
import { PutItemCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import type { Context, Handler } from "aws-lambda";
import { createStockChecker } from "../functions/stock-checker";
import type { FunctionOutput } from "../functions/telemetry";
import { createTradeHandler, defaultTradeDeps } from "../functions/trade";
import { formatArn, partitionOf } from "../model/arn";
import type { StackConfig } from "../model/config";
import { byFunction } from "../model/functions";
import { BATCH_ENV } from "../model/transaction";
import { buildWorkflow, SPOT_INTERRUPTION_STOP_CODE, STATES, type Workflow, type WorkflowResources } from "../model/workflow";
import { runBatch, type BatchProgram } from "./batch";
import { EMULATOR_ENV, type LocalDynamoDB } from "./dynamodb";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** What the stand-ins do differently from AWS when asked to. */
export interface StandInOptions {
    /** The stack settings the definition is built from. */
    config: StackConfig;
    /** Forces the checker's price (0–99) to take the buy or the sell path. */
    price?: number;
    /** Makes every batch run fail: the batch program is pointed at a table that does not exist. */
    failBatch?: boolean;
    /**
     * Ends the first N batch runs of each execution as Fargate Spot interruptions: the task
     * stops with StopCode SpotInterruption before the program runs. @default 0
     */
    interruptBatch?: number;
    /**
     * Where the functions' log records and metric documents go. By default nowhere: a local run
     * prints its own trace, and the records are for CloudWatch.
     */
    functionOutput?: FunctionOutput;
    /** Replaces a trading handler, for example with one that fails first. */
    handlers?: Partial<Record<"checker" | "buyer" | "seller", Handler>>;
}

/** Placeholder account and region for ARNs that only need to look like AWS's. */
const ACCOUNT = "000000000000";
const REGION = "us-east-1";
/** A stand-in ARN in the placeholder account and region (an IAM one with region ""). */
export const localArn = (service: string, resource: string, region = REGION) =>
    formatArn({ partition: partitionOf(REGION), service, region, account: ACCOUNT, resource });
const arn = localArn;

/** The alarm topic's stand-in ARN: what the workflow is given when a state publishes to the topic, and what the docs' topic table looks for. */
export const LOCAL_ALARM_TOPIC_ARN = localArn("sns", "stock-trader-alarms");

/**
 * Stand-ins for the deployed resources: ARNs of the right form, the local table, and the
 * network the stack names (or placeholders for the default VPC's).
 */
export function localResources(config: StackConfig, tableName: string): WorkflowResources {
    return {
        // Each function's first published version, as the program's workflow invokes them.
        functions: byFunction((fn) => arn("lambda", `function:${fn}:1`)),
        table: { name: tableName, arn: arn("dynamodb", `table/${tableName}`) },
        batch: {
            clusterArn: arn("ecs", "cluster/stock-trader-local"),
            taskDefinitionArn: arn("ecs", "task-definition/stock-trader-batch:1"),
            containerName: config.batchContainerName,
            taskExecutionRoleArn: arn("iam", "role/stock-trader-batch-execution", ""),
            taskRoleArn: arn("iam", "role/stock-trader-batch-task", ""),
            subnetIds: config.subnetIds ?? ["subnet-00000000000000000"],
            securityGroupIds: config.securityGroupIds ?? ["sg-00000000000000000"],
            assignPublicIp: config.assignPublicIp,
        },
    };
}

/** The workflow the program would deploy for this config, built by the same model. */
export function localWorkflow(config: StackConfig, tableName: string): Workflow {
    return buildWorkflow({ config, resources: localResources(config, tableName) });
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

/** The Task state handlers that stand in for AWS, by state name. */
export function taskStandIns(options: StandInOptions, db: LocalDynamoDB, program: BatchProgram, batchSlots: <T>(task: () => Promise<T>) => Promise<T>) {
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
                AWS_ENDPOINT_URL: db.endpoint,
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
                    : await batchSlots(() => runBatch(override?.Command ?? program.defaultCommand, env, program));
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
