/**
 * Pure builder of the trading workflow's Amazon States Language definition. It takes plain
 * ARNs, names and settings and returns a plain object. No Pulumi import, so the deployed
 * program and the local runner build the definition with the same code. Every object is
 * created with its keys in one fixed order, so the same inputs always give the same JSON.
 */
import { TRANSACTION_ATTRIBUTES } from "./transaction-schema";

/** The state names, fixed by the SAM sample this project follows. */
export const STATES = {
    checkStockValue: "Check Stock Value",
    buyOrSell: "Buy or Sell?",
    buyStock: "Buy Stock",
    sellStock: "Sell Stock",
    recordTransaction: "Record Transaction",
    runEcsTask: "Run ECS task",
    success: "Success",
    error: "Error",
} as const;

export const DYNAMODB_PUT_ITEM = "arn:aws:states:::dynamodb:putItem";
export const ECS_RUN_TASK_SYNC = "arn:aws:states:::ecs:runTask.sync";

/**
 * Errors that mean the batch task never started (no Fargate capacity, ECS throttling or an
 * ECS-side fault), so trying again is safe. A container that exits non-zero is
 * `States.TaskFailed`, which is never retried: the batch job may have done part of its work.
 */
export const ECS_START_ERRORS = ["ECS.AmazonECSException", "ECS.ServerException", "ECS.ThrottlingException"];

export interface Retrier {
    ErrorEquals: string[];
    IntervalSeconds: number;
    MaxAttempts: number;
    BackoffRate: number;
}

export interface Catcher {
    ErrorEquals: string[];
    ResultPath: string;
    Next: string;
}

export interface TaskState {
    Type: "Task";
    Resource: string;
    Parameters?: Record<string, unknown>;
    TimeoutSeconds?: number;
    ResultSelector?: Record<string, string>;
    ResultPath?: string | null;
    Retry: Retrier[];
    Catch?: Catcher[];
    Next: string;
}

export interface ChoiceState {
    Type: "Choice";
    Choices: { Variable: string; NumericLessThanEquals: number; Next: string }[];
    Default: string;
}

export interface PassState {
    Type: "Pass";
    End: true;
}

export interface FailState {
    Type: "Fail";
    ErrorPath: string;
    CausePath: string;
}

export type State = TaskState | ChoiceState | PassState | FailState;

export interface StateMachineDefinition {
    Comment: string;
    StartAt: string;
    States: Record<string, State>;
}

/** Everything the definition depends on, as plain values. */
export interface DefinitionSettings {
    checkerArn: string;
    buyerArn: string;
    sellerArn: string;
    tableName: string;
    /** A price at or below this buys; above it sells. */
    buyThreshold: number;
    batch: {
        clusterArn: string;
        taskDefinitionArn: string;
        containerName: string;
        /** Replaces the image's CMD. */
        command: string[];
        subnetIds: string[];
        securityGroupIds: string[];
        assignPublicIp: boolean;
        timeoutSeconds: number;
    };
}

const retry = (errors: string[], interval: number, attempts: number, backoff: number): Retrier => ({
    ErrorEquals: errors,
    IntervalSeconds: interval,
    MaxAttempts: attempts,
    BackoffRate: backoff,
});

const TASK_FAILED = "States.TaskFailed";

/**
 * Throws when a setting is missing or empty. JSON.stringify silently drops undefined keys, so
 * an ARN that never resolved would otherwise deploy a definition without it.
 */
function assertComplete(value: unknown, path: string): void {
    if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
        throw new Error(`state machine definition: ${path} is missing (got ${JSON.stringify(value) ?? "undefined"})`);
    }
    if (Array.isArray(value)) {
        value.forEach((item, i) => assertComplete(item, `${path}[${i}]`));
    } else if (typeof value === "object") {
        for (const [key, item] of Object.entries(value as object)) {
            assertComplete(item, `${path}.${key}`);
        }
    }
}

export function buildDefinition(settings: DefinitionSettings): StateMachineDefinition {
    assertComplete(settings, "settings");
    const { batch } = settings;
    const item = Object.fromEntries(TRANSACTION_ATTRIBUTES.map((a) => [a.name, { [`${a.type}.$`]: a.from }]));
    return {
        Comment: "Checks a stock price, buys or sells, records the trade and hands it to a Fargate batch job",
        StartAt: STATES.checkStockValue,
        States: {
            [STATES.checkStockValue]: {
                Type: "Task",
                Resource: settings.checkerArn,
                Retry: [retry([TASK_FAILED], 15, 5, 1.5)],
                Next: STATES.buyOrSell,
            },
            [STATES.buyOrSell]: {
                Type: "Choice",
                Choices: [{ Variable: "$.stock_price", NumericLessThanEquals: settings.buyThreshold, Next: STATES.buyStock }],
                Default: STATES.sellStock,
            },
            [STATES.buyStock]: {
                Type: "Task",
                Resource: settings.buyerArn,
                Retry: [retry([TASK_FAILED], 2, 3, 1)],
                Next: STATES.recordTransaction,
            },
            [STATES.sellStock]: {
                Type: "Task",
                Resource: settings.sellerArn,
                Retry: [retry([TASK_FAILED], 2, 3, 1)],
                Next: STATES.recordTransaction,
            },
            [STATES.recordTransaction]: {
                Type: "Task",
                Resource: DYNAMODB_PUT_ITEM,
                Parameters: { TableName: settings.tableName, Item: item },
                // Keep the trade as the state's output: the batch job needs its id.
                ResultPath: null,
                Retry: [retry([TASK_FAILED], 20, 5, 10)],
                Next: STATES.runEcsTask,
            },
            [STATES.runEcsTask]: {
                Type: "Task",
                Resource: ECS_RUN_TASK_SYNC,
                Parameters: {
                    LaunchType: "FARGATE",
                    Cluster: batch.clusterArn,
                    TaskDefinition: batch.taskDefinitionArn,
                    NetworkConfiguration: {
                        AwsvpcConfiguration: {
                            AssignPublicIp: batch.assignPublicIp ? "ENABLED" : "DISABLED",
                            SecurityGroups: batch.securityGroupIds,
                            Subnets: batch.subnetIds,
                        },
                    },
                    Overrides: {
                        ContainerOverrides: [
                            {
                                Name: batch.containerName,
                                Command: batch.command,
                                Environment: [{ Name: "TRANSACTION_ID", "Value.$": "$.id" }],
                            },
                        ],
                    },
                },
                TimeoutSeconds: batch.timeoutSeconds,
                // Keep the trade and add which task processed it, not the whole task description.
                ResultSelector: { "TaskArn.$": "$.TaskArn", "ExitCode.$": "$.Containers[0].ExitCode" },
                ResultPath: "$.batch",
                Retry: [retry(ECS_START_ERRORS, 10, 3, 2)],
                Catch: [{ ErrorEquals: [TASK_FAILED], ResultPath: "$.error", Next: STATES.error }],
                Next: STATES.success,
            },
            [STATES.success]: { Type: "Pass", End: true },
            // A Fail state, so a failed batch job fails the execution (and its alarms) while
            // carrying the batch's own error and cause.
            [STATES.error]: { Type: "Fail", ErrorPath: "$.error.Error", CausePath: "$.error.Cause" },
        },
    };
}
