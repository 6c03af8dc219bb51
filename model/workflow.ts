/**
 * The trading workflow as one pure model: `buildWorkflow` returns the Amazon States Language
 * definition and the state machine's IAM policy together. Each Task state is built with the
 * grants it needs, from the same values (as CDK's `makePolicyStatements()` does), and the
 * policy is the union of those grants plus logging and tracing: a state cannot be added
 * without its permission, and no permission outlives its state.
 *
 * No Pulumi import: the program turns Outputs into the plain values below, and the local
 * runner and the tools call it with stand-in ARNs. Every object is created with its keys in
 * one fixed order, so the same inputs always give the same JSON and a preview shows no diff.
 */
import type { Condition, Retrier, State, StateMachineDefinition, TaskState } from "./asl";
import type { StackConfig } from "./keys";
import { everyRevision, everyVersion, formatArn, integrationArn, parseArn } from "./arn";
import { unionOfGrants, type Grant } from "./grants";
import { policyDocument, writeTraces, type PolicyDocument } from "./policies";
import { FUNCTION_TIMEOUT_SECONDS, type TradingFunctionName } from "./functions";
import { BATCH_ENV, TRANSACTION_ATTRIBUTES } from "./transaction";

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
    // Only with Fargate Spot and batchInterruptionRetries above 0:
    spotInterruption: "Spot interruption?",
    firstInterruption: "First interruption",
    nextInterruption: "Another interruption",
} as const;

/** The name of a state of this workflow: every transition names one of these. */
export type StateName = (typeof STATES)[keyof typeof STATES];

/** What each state does, in the words the docs' states table shows beside its type, its retries and its catches. */
export const STATE_NOTES: Readonly<Record<StateName, string>> = {
    [STATES.checkStockValue]: "invokes the checker's published version (`function:<name>:<version>`, as every Lambda state)",
    [STATES.buyOrSell]: "`$.stock_price` ≤ `buyThreshold` goes to `Buy Stock`, otherwise `Sell Stock`",
    [STATES.buyStock]: "invokes the buyer",
    [STATES.sellStock]: "invokes the seller",
    [STATES.recordTransaction]: `\`dynamodb:putItem\` of ${TRANSACTION_ATTRIBUTES.map((a) => `\`${a.name}\``).join(", ")}; \`ResultPath: null\` so the trade travels on`,
    [STATES.runEcsTask]:
        "`ecs:runTask.sync` on Fargate (launch type `FARGATE`, or with `batchCapacity` `FARGATE_SPOT` a capacity provider strategy on `FARGATE_SPOT`); " +
        "the container override sets `Command` to `batchCommand` and `TRANSACTION_ID` to the trade's id; `PropagateTags: TASK_DEFINITION`, so each task " +
        "carries the stack's tags for cost allocation; waits at most `batchTimeoutSeconds`; adds `{ TaskArn, ExitCode }` to the output as `batch`. " +
        "It retries only errors that mean the task never started (capacity, an ECS fault, throttling): a container's non-zero exit is never retried",
    [STATES.success]: "ends the execution SUCCEEDED",
    [STATES.error]: "ends the execution FAILED with the batch's own error and cause (`ErrorPath: $.error.Error`, `CausePath: $.error.Cause`)",
    [STATES.spotInterruption]:
        "Fargate Spot only: a failure whose cause says `StopCode` `SpotInterruption` runs the batch again while `$.interruptions.count` is below " +
        "`batchInterruptionRetries`; any other failure goes to `Error`",
    [STATES.firstInterruption]: "Fargate Spot only: the trade alone, with `interruptions.count` 1, back to `Run ECS task`",
    [STATES.nextInterruption]: "Fargate Spot only: the trade alone, with `interruptions.count` one more, back to `Run ECS task`",
};

/** How ECS says a Fargate Spot task was stopped by a Spot interruption (`StopCode` of the stopped task). */
export const SPOT_INTERRUPTION_STOP_CODE = "SpotInterruption";

/** The service integrations the workflow calls, as Step Functions names them within a partition. */
export const DYNAMODB_PUT_ITEM = "dynamodb:putItem";
export const ECS_RUN_TASK_SYNC = "ecs:runTask.sync";

/** The managed rule through which Step Functions learns that an ECS task it started has stopped. */
export const ECS_TASK_EVENTS_RULE = "StepFunctionsGetEventsForECSTaskRule";

/**
 * Errors that mean the batch task never started (no Fargate capacity, ECS throttling or an
 * ECS-side fault), so trying again is safe. A container that exits non-zero is
 * `States.TaskFailed`, which is never retried: the batch job may have done part of its work.
 */
export const ECS_START_ERRORS = ["ECS.AmazonECSException", "ECS.ServerException", "ECS.ThrottlingException"];

const TASK_FAILED = "States.TaskFailed";

export type { Catcher, ChoiceRule, ChoiceState, Condition, FailState, PassState, Retrier, State, StateMachineDefinition, TaskState } from "./asl";

/** The deployed resources the workflow uses, as plain ARNs and names. */
export interface WorkflowResources {
    /** Each trading function's published version, by its qualified ARN (`function:<name>:<version>`), by the function's name. */
    functions: Readonly<Record<TradingFunctionName, string>>;
    table: { name: string; arn: string };
    batch: {
        clusterArn: string;
        taskDefinitionArn: string;
        containerName: string;
        taskExecutionRoleArn: string;
        taskRoleArn: string;
        subnetIds: readonly string[];
        securityGroupIds: readonly string[];
        assignPublicIp: boolean;
    };
}

/** The stack settings the definition and the policy depend on. */
export type WorkflowConfig = Pick<
    StackConfig,
    | "buyThreshold"
    | "batchCommand"
    | "batchTimeoutSeconds"
    | "executionTimeoutSeconds"
    | "batchCapacity"
    | "batchInterruptionRetries"
    | "logLevel"
    | "tracingEnabled"
>;

export interface WorkflowSettings {
    config: WorkflowConfig;
    resources: WorkflowResources;
}

export interface Workflow {
    definition: StateMachineDefinition;
    policy: PolicyDocument;
    /** Why each statement of the policy is there, by its Sid. */
    reasons: Readonly<Record<string, string>>;
}

interface BuiltTask {
    state: TaskState<StateName>;
    grants: Grant[];
}

const retry = (errors: string[], interval: number, attempts: number, backoff: number): Retrier => ({
    ErrorEquals: errors,
    IntervalSeconds: interval,
    MaxAttempts: attempts,
    BackoffRate: backoff,
});

/** Each Task state's retry policy, as in the SAM sample, plus the batch's start errors. */
const RETRIES = {
    checker: retry([TASK_FAILED], 15, 5, 1.5),
    trade: retry([TASK_FAILED], 2, 3, 1),
    record: retry([TASK_FAILED], 20, 5, 10),
    batchStart: retry(ECS_START_ERRORS, 10, 3, 2),
};

/** The seconds a retrier waits in all when every retry happens. */
export const retryWaits = (r: Retrier): number =>
    Array.from({ length: r.MaxAttempts }, (_, k) => r.IntervalSeconds * r.BackoffRate ** k).reduce((a, b) => a + b, 0);

/** A Lambda state's worst case: every attempt runs to the function's timeout, every retry waits. */
const lambdaWorstSeconds = (r: Retrier): number => (1 + r.MaxAttempts) * FUNCTION_TIMEOUT_SECONDS + retryWaits(r);

/** How many times the batch task may run in one execution: once, plus the Spot interruption retries. */
export const batchRuns = (config: Pick<StackConfig, "batchCapacity" | "batchInterruptionRetries">): number =>
    config.batchCapacity === "FARGATE_SPOT" ? 1 + config.batchInterruptionRetries : 1;

/**
 * The longest a successful execution can take: the checker and a trade function with every
 * attempt at its timeout, every DynamoDB and ECS start retry's wait (those attempts fail within
 * seconds), and each run of the batch task (one, plus the Spot interruption retries) lasting up
 * to `batchTimeoutSeconds`. An execution timeout below it would cut off executions that were
 * going to succeed.
 */
export function longestRunSeconds(config: Pick<StackConfig, "batchTimeoutSeconds" | "batchCapacity" | "batchInterruptionRetries">): number {
    return Math.ceil(
        lambdaWorstSeconds(RETRIES.checker) +
            lambdaWorstSeconds(RETRIES.trade) +
            retryWaits(RETRIES.record) +
            batchRuns(config) * (retryWaits(RETRIES.batchStart) + config.batchTimeoutSeconds),
    );
}

/**
 * A published version of a Lambda function, invoked by its qualified ARN, and the right to invoke
 * every published version of that function and not the unqualified ARN: an older workflow version
 * (a canary's other half, a redrive, a rollback) invokes the function versions it was built with.
 */
function invokeFunction(functionVersionArn: string, retrier: Retrier, next: StateName): BuiltTask {
    return {
        state: { Type: "Task", Resource: functionVersionArn, Retry: [retrier], Next: next },
        grants: [
            {
                sid: "InvokeTradingFunctions",
                actions: ["lambda:InvokeFunction"],
                resources: [everyVersion(functionVersionArn)],
                why:
                    "every published version of the three functions, and not their unqualified ARNs: an older state machine version " +
                    "(a canary's other half, a redrive, a rollback) invokes the versions it names",
            },
        ],
    };
}

/** `dynamodb:putItem` of the trade, and `PutItem` on exactly that table. */
function recordTransaction(table: WorkflowResources["table"], next: StateName): BuiltTask {
    const item = Object.fromEntries(TRANSACTION_ATTRIBUTES.map((a) => [a.name, { [`${a.type}.$`]: a.from }]));
    return {
        state: {
            Type: "Task",
            Resource: integrationArn(parseArn(table.arn).partition, DYNAMODB_PUT_ITEM),
            Parameters: { TableName: table.name, Item: item },
            // Keep the trade as the state's output: the batch job needs its id.
            ResultPath: null,
            Retry: [RETRIES.record],
            Next: next,
        },
        grants: [
            {
                sid: "RecordTransaction",
                actions: ["dynamodb:PutItem"],
                resources: [table.arn],
                why: "the workflow only ever puts items in the table: the seed's `UpdateItem` and `BatchWriteItem` are never used",
            },
        ],
    };
}

/**
 * The RunTask `overrides` for the batch container: the command replaces the image's CMD and
 * the trade's id travels in the environment. The config validation measures this same object.
 */
export function runTaskOverrides(containerName: string, command: readonly string[], transactionId: { "Value.$": string } | { Value: string }) {
    return {
        ContainerOverrides: [{ Name: containerName, Command: command, Environment: [{ Name: BATCH_ENV.transactionId, ...transactionId }] }],
    };
}

/**
 * Where starting a batch task reaches, for whoever starts one (the state machine, or an operator
 * who reruns it): the cluster's tasks, and the conditions that keep RunTask on the cluster,
 * tagging to the task RunTask creates, and the task's roles to ECS tasks.
 */
export function batchTaskScope(clusterArn: string) {
    const cluster = parseArn(clusterArn);
    const regional = (service: string, resource: string) => formatArn({ ...cluster, service, resource });
    return {
        regional,
        partition: cluster.partition,
        tasks: regional("ecs", `task/${cluster.resource.replace(/^cluster\//, "")}/*`),
        onCluster: { ArnEquals: { "ecs:cluster": clusterArn } },
        createdByRunTask: { StringEquals: { "ecs:CreateAction": "RunTask" } },
        passedToEcsTasks: { StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" } },
    };
}

/**
 * `ecs:runTask.sync` of the batch task, and what Step Functions needs for it (Step Functions
 * developer guide, "IAM policies for Amazon ECS"): run the task definition on this cluster,
 * stop and describe its tasks, manage the managed events rule through which `.sync` learns the
 * task stopped, and pass the task's two roles to ECS.
 */
function runBatchTask(batch: WorkflowResources["batch"], config: WorkflowConfig, next: StateName, onFailure: StateName): BuiltTask {
    const scope = batchTaskScope(batch.clusterArn);
    return {
        state: {
            Type: "Task",
            Resource: integrationArn(scope.partition, ECS_RUN_TASK_SYNC),
            Parameters: {
                ...(config.batchCapacity === "FARGATE_SPOT"
                    ? { CapacityProviderStrategy: [{ CapacityProvider: "FARGATE_SPOT", Weight: 1 }] }
                    : { LaunchType: "FARGATE" }),
                Cluster: batch.clusterArn,
                TaskDefinition: batch.taskDefinitionArn,
                NetworkConfiguration: {
                    AwsvpcConfiguration: {
                        AssignPublicIp: batch.assignPublicIp ? "ENABLED" : "DISABLED",
                        SecurityGroups: batch.securityGroupIds,
                        Subnets: batch.subnetIds,
                    },
                },
                Overrides: runTaskOverrides(batch.containerName, config.batchCommand, { "Value.$": "$.id" }),
                // Each task carries the task definition's tags (the stack's), for cost allocation.
                PropagateTags: "TASK_DEFINITION",
            },
            TimeoutSeconds: config.batchTimeoutSeconds,
            // Keep the trade and add which task processed it, not the whole task description.
            ResultSelector: { "TaskArn.$": "$.TaskArn", "ExitCode.$": "$.Containers[0].ExitCode" },
            ResultPath: "$.batch",
            Retry: [RETRIES.batchStart],
            Catch: [{ ErrorEquals: [TASK_FAILED], ResultPath: "$.error", Next: onFailure }],
            Next: next,
        },
        grants: [
            {
                sid: "RunBatchTask",
                actions: ["ecs:RunTask"],
                resources: [everyRevision(batch.taskDefinitionArn)],
                condition: scope.onCluster,
                why:
                    "every revision of the task definition's family, on this cluster only: an execution keeps the revision it started with, " +
                    "and a deploy registers a new one without deregistering it",
            },
            {
                sid: "ManageBatchTask",
                actions: ["ecs:StopTask", "ecs:DescribeTasks"],
                resources: [scope.tasks],
                why: "this cluster's tasks, by wildcard, as a task's ID is not known before it runs",
            },
            {
                sid: "TagBatchTask",
                actions: ["ecs:TagResource"],
                resources: [scope.tasks],
                condition: scope.createdByRunTask,
                why: "`PropagateTags` tags the task as RunTask creates it, and only then",
            },
            {
                sid: "ReceiveBatchTaskEvents",
                actions: ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
                resources: [scope.regional("events", `rule/${ECS_TASK_EVENTS_RULE}`)],
                why: "the managed rule through which `.sync` learns that the task stopped",
            },
            {
                sid: "PassBatchTaskRoles",
                actions: ["iam:PassRole"],
                resources: [batch.taskExecutionRoleArn, batch.taskRoleArn],
                condition: scope.passedToEcsTasks,
                why: "the task execution role and the task role, to ECS tasks only",
            },
        ],
    };
}

/**
 * With Fargate Spot: a task stopped by a Spot interruption is not the program's failure, so the
 * batch runs again, at most `retries` times, counted in `$.interruptions.count`. Retry cannot
 * decide this, as it matches error names only and both arrive as `States.TaskFailed`: the
 * Choice reads the stopped task's `StopCode` in the cause. Any other failure, and an
 * interruption past the last retry, ends in Error as before. The batch job is idempotent, so
 * running it again is safe. Each rule reads only paths the rules before it proved present.
 */
function spotInterruptionStates(retries: number): Record<string, State<StateName>> {
    const interrupted: Condition = { Variable: "$.error.Cause", StringMatches: `*"StopCode":"${SPOT_INTERRUPTION_STOP_CODE}"*` };
    // The run again starts from the trade alone: rebuilding the state drops `$.error`, so an
    // execution that succeeds after an interruption carries no error in its output.
    const trade = Object.fromEntries(TRANSACTION_ATTRIBUTES.map((a) => [`${a.from.slice("$.".length)}.$`, a.from]));
    return {
        [STATES.spotInterruption]: {
            Type: "Choice",
            Choices: [
                { Not: interrupted, Next: STATES.error },
                { Not: { Variable: "$.interruptions", IsPresent: true }, Next: STATES.firstInterruption },
                { Variable: "$.interruptions.count", NumericLessThan: retries, Next: STATES.nextInterruption },
            ],
            Default: STATES.error,
        },
        [STATES.firstInterruption]: { Type: "Pass", Parameters: { ...trade, interruptions: { count: 1 } }, Next: STATES.runEcsTask },
        [STATES.nextInterruption]: {
            Type: "Pass",
            Parameters: { ...trade, interruptions: { "count.$": "States.MathAdd($.interruptions.count, 1)" } },
            Next: STATES.runEcsTask,
        },
    };
}

/** Execution logging and tracing act on no resource of the workflow's own. */
function serviceGrants(config: WorkflowConfig): Grant[] {
    const grants: Grant[] = [];
    if (config.logLevel !== "OFF") {
        grants.push({
            sid: "DeliverExecutionLogs",
            actions: [
                "logs:CreateLogDelivery",
                "logs:DeleteLogDelivery",
                "logs:DescribeLogGroups",
                "logs:DescribeResourcePolicies",
                "logs:GetLogDelivery",
                "logs:ListLogDeliveries",
                "logs:PutResourcePolicy",
                "logs:UpdateLogDelivery",
            ],
            resources: ["*"],
            why: "only while `logLevel` is not `OFF`: the CloudWatch Logs delivery actions for vended logs support no narrower resource",
        });
    }
    if (config.tracingEnabled) {
        const traces = writeTraces();
        grants.push({
            sid: "WriteTraces",
            actions: [traces.Action].flat(),
            resources: ["*"],
            why: "only with `tracingEnabled`: X-Ray's actions support no narrower resource",
        });
    }
    return grants;
}

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
        for (const [key, item] of Object.entries(value)) {
            assertComplete(item, `${path}.${key}`);
        }
    }
}

/** The definition and the state machine policy, both from the same settings. */
export function buildWorkflow(settings: WorkflowSettings): Workflow {
    assertComplete(settings.resources, "settings.resources");
    const { config, resources } = settings;
    const { functions } = resources;
    const tasks = {
        [STATES.checkStockValue]: invokeFunction(functions["stock-checker"], RETRIES.checker, STATES.buyOrSell),
        [STATES.buyStock]: invokeFunction(functions["stock-buyer"], RETRIES.trade, STATES.recordTransaction),
        [STATES.sellStock]: invokeFunction(functions["stock-seller"], RETRIES.trade, STATES.recordTransaction),
        [STATES.recordTransaction]: recordTransaction(resources.table, STATES.runEcsTask),
        [STATES.runEcsTask]: runBatchTask(resources.batch, config, STATES.success, batchRuns(config) > 1 ? STATES.spotInterruption : STATES.error),
    };
    const definition: StateMachineDefinition<StateName> = {
        Comment: "Checks a stock price, buys or sells, records the trade and hands it to a Fargate batch job",
        StartAt: STATES.checkStockValue,
        TimeoutSeconds: config.executionTimeoutSeconds,
        States: {
            [STATES.checkStockValue]: tasks[STATES.checkStockValue].state,
            [STATES.buyOrSell]: {
                Type: "Choice",
                Choices: [{ Variable: "$.stock_price", NumericLessThanEquals: config.buyThreshold, Next: STATES.buyStock }],
                Default: STATES.sellStock,
            },
            [STATES.buyStock]: tasks[STATES.buyStock].state,
            [STATES.sellStock]: tasks[STATES.sellStock].state,
            [STATES.recordTransaction]: tasks[STATES.recordTransaction].state,
            [STATES.runEcsTask]: tasks[STATES.runEcsTask].state,
            [STATES.success]: { Type: "Pass", End: true },
            // A Fail state, so a failed batch job fails the execution (and its alarms) while
            // carrying the batch's own error and cause.
            [STATES.error]: { Type: "Fail", ErrorPath: "$.error.Error", CausePath: "$.error.Cause" },
            ...(batchRuns(config) > 1 ? spotInterruptionStates(config.batchInterruptionRetries) : {}),
        },
    };
    const grants = [...Object.values(tasks).flatMap((task) => task.grants), ...serviceGrants(config)];
    return {
        definition,
        policy: policyDocument(...unionOfGrants(grants)),
        reasons: Object.fromEntries(grants.map((grant) => [grant.sid, grant.why])),
    };
}
