/**
 * The workflow the program must deploy, written out by hand from the mock ARNs (not from the
 * builder): the program tests compare the deployed definition and policy with it, and the
 * model tests compare what `buildWorkflow` makes of the same ARNs.
 */
import { ACCOUNT, mockArn } from "./program";
import type { StateMachineDefinition } from "../../model/asl";
import type { WorkflowResources } from "../../model/workflow";
import { defaultExecutionTimeout } from "./worst-case";

/** A trading function's first published version, which the workflow invokes, as the mocks publish it. */
export const FN = (fn: string) => mockArn("lambda", `function:trading-${fn}:1`);
/** Every published version of a trading function: what the state machine role may invoke. */
export const FN_VERSIONS = (fn: string) => mockArn("lambda", `function:trading-${fn}:*`);
export const CLUSTER = mockArn("ecs", "cluster/batch-cluster");
/** The first revision of the stack's task definition family, `<project>-<stack>-batch`, as the mocks register it. */
export const taskDefinitionOf = (stack: string) => mockArn("ecs", `task-definition/stock-trader-${stack}-batch:1`);
/** The task definition of runProgram's stack, `test`. */
export const TASK_DEFINITION = taskDefinitionOf("test");
export const TABLE_NAME = "transactions-table";
export const EXECUTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/batch-execution-role`;
export const TASK_ROLE = `arn:aws:iam::${ACCOUNT}:role/batch-task-role`;

/** The definition the program must deploy, written out from the mock ARNs, not from the builder. */
export function expectedDefinition(o: {
    threshold: number;
    command: string[];
    publicIp: "ENABLED" | "DISABLED";
    subnets: string[];
    groups: string[];
    timeout: number;
    container: string;
    /** An execution timeout the stack sets; by default the longest successful run of these states, rounded up to the minute. */
    executionTimeout?: number;
    /** The stack the program ran as (runProgram's `test` unless said). */
    stack?: string;
}) {
    const states = {
        "Check Stock Value": {
            Type: "Task",
            Resource: FN("stock-checker"),
            Retry: [{ ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 15, MaxAttempts: 5, BackoffRate: 1.5 }],
            Next: "Buy or Sell?",
        },
        "Buy or Sell?": {
            Type: "Choice",
            Choices: [{ Variable: "$.stock_price", NumericLessThanEquals: o.threshold, Next: "Buy Stock" }],
            Default: "Sell Stock",
        },
        "Buy Stock": {
            Type: "Task",
            Resource: FN("stock-buyer"),
            Retry: [{ ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 1 }],
            Next: "Record Transaction",
        },
        "Sell Stock": {
            Type: "Task",
            Resource: FN("stock-seller"),
            Retry: [{ ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 1 }],
            Next: "Record Transaction",
        },
        "Record Transaction": {
            Type: "Task",
            Resource: "arn:aws:states:::dynamodb:putItem",
            Parameters: {
                TableName: "transactions-table",
                Item: {
                    Id: { "S.$": "$.id" },
                    Type: { "S.$": "$.type" },
                    Price: { "N.$": "$.price" },
                    Quantity: { "N.$": "$.qty" },
                    Timestamp: { "S.$": "$.timestamp" },
                },
            },
            ResultPath: null,
            Retry: [{ ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 20, MaxAttempts: 5, BackoffRate: 10 }],
            Next: "Run ECS task",
        },
        "Run ECS task": {
            Type: "Task",
            Resource: "arn:aws:states:::ecs:runTask.sync",
            Parameters: {
                LaunchType: "FARGATE",
                Cluster: CLUSTER,
                TaskDefinition: taskDefinitionOf(o.stack ?? "test"),
                NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: o.publicIp, SecurityGroups: o.groups, Subnets: o.subnets } },
                Overrides: {
                    ContainerOverrides: [{ Name: o.container, Command: o.command, Environment: [{ Name: "TRANSACTION_ID", "Value.$": "$.id" }] }],
                },
                PropagateTags: "TASK_DEFINITION",
            },
            TimeoutSeconds: o.timeout,
            ResultSelector: { "TaskArn.$": "$.TaskArn", "ExitCode.$": "$.Containers[0].ExitCode" },
            ResultPath: "$.batch",
            Retry: [
                {
                    ErrorEquals: ["ECS.AmazonECSException", "ECS.ServerException", "ECS.ThrottlingException"],
                    IntervalSeconds: 10,
                    MaxAttempts: 3,
                    BackoffRate: 2,
                },
            ],
            Catch: [{ ErrorEquals: ["States.TaskFailed"], ResultPath: "$.error", Next: "Error" }],
            Next: "Success",
        },
        Success: { Type: "Pass", End: true },
        Error: { Type: "Fail", ErrorPath: "$.error.Error", CausePath: "$.error.Cause" },
    };
    const StartAt = "Check Stock Value";
    return {
        Comment: "Checks a stock price, buys or sells, records the trade and hands it to a Fargate batch job",
        StartAt,
        TimeoutSeconds: o.executionTimeout ?? defaultExecutionTimeout({ StartAt, States: states as unknown as StateMachineDefinition["States"] }),
        States: states,
    };
}

export const statement = (Sid: string, Action: string | string[], Resource: string | string[], Condition?: object) =>
    Condition ? { Sid, Effect: "Allow", Action, Resource, Condition } : { Sid, Effect: "Allow", Action, Resource };

/** The statements every state machine role has, for the stack the program ran as. */
export const baseStatements = (stack = "test") => [
    statement("InvokeTradingFunctions", "lambda:InvokeFunction", [FN_VERSIONS("stock-checker"), FN_VERSIONS("stock-buyer"), FN_VERSIONS("stock-seller")]),
    statement("RecordTransaction", "dynamodb:PutItem", mockArn("dynamodb", "table/transactions-table")),
    statement("RunBatchTask", "ecs:RunTask", mockArn("ecs", `task-definition/stock-trader-${stack}-batch:*`), { ArnEquals: { "ecs:cluster": CLUSTER } }),
    statement("ManageBatchTask", ["ecs:StopTask", "ecs:DescribeTasks"], mockArn("ecs", "task/batch-cluster/*")),
    statement("TagBatchTask", "ecs:TagResource", mockArn("ecs", "task/batch-cluster/*"), { StringEquals: { "ecs:CreateAction": "RunTask" } }),
    statement(
        "ReceiveBatchTaskEvents",
        ["events:PutTargets", "events:PutRule", "events:DescribeRule"],
        mockArn("events", "rule/StepFunctionsGetEventsForECSTaskRule"),
    ),
    statement("PassBatchTaskRoles", "iam:PassRole", [EXECUTION_ROLE, TASK_ROLE], {
        StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" },
    }),
];
export const LOG_DELIVERY = statement(
    "DeliverExecutionLogs",
    [
        "logs:CreateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:DescribeLogGroups",
        "logs:DescribeResourcePolicies",
        "logs:GetLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:UpdateLogDelivery",
    ],
    "*",
);
export const TRACING = statement("WriteTraces", ["xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments"], "*");

/**
 * The states Fargate Spot adds with `retries` interruption retries: the Choice on the stopped
 * task's StopCode and the count, and the two Pass states that rebuild the state from the trade
 * alone, so the caught error does not travel on.
 */
export function expectedSpotStates(retries: number) {
    const trade = { "id.$": "$.id", "type.$": "$.type", "price.$": "$.price", "qty.$": "$.qty", "timestamp.$": "$.timestamp" };
    return {
        "Spot interruption?": {
            Type: "Choice",
            Choices: [
                { Not: { Variable: "$.error.Cause", StringMatches: '*"StopCode":"SpotInterruption"*' }, Next: "Error" },
                { Not: { Variable: "$.interruptions", IsPresent: true }, Next: "First interruption" },
                { Variable: "$.interruptions.count", NumericLessThan: retries, Next: "Another interruption" },
            ],
            Default: "Error",
        },
        "First interruption": { Type: "Pass", Parameters: { ...trade, interruptions: { count: 1 } }, Next: "Run ECS task" },
        "Another interruption": {
            Type: "Pass",
            Parameters: { ...trade, interruptions: { "count.$": "States.MathAdd($.interruptions.count, 1)" } },
            Next: "Run ECS task",
        },
    };
}

/**
 * The stopped task a failed local batch run reports, as ECS describes one (DescribeTasks), with
 * the local stand-ins' cluster and task definition; the task's own ARN is random, so it is left out.
 */
export const localStoppedTask = (containerName: string, exitCode: number, stderrTail: string[]) => ({
    ClusterArn: "arn:aws:ecs:us-east-1:000000000000:cluster/stock-trader-local",
    TaskDefinitionArn: "arn:aws:ecs:us-east-1:000000000000:task-definition/stock-trader-batch:1",
    LaunchType: "FARGATE",
    LastStatus: "STOPPED",
    DesiredStatus: "STOPPED",
    StopCode: "EssentialContainerExited",
    StoppedReason: "Essential container in task exited",
    Containers: [{ Name: containerName, LastStatus: "STOPPED", ExitCode: exitCode }],
    StderrTail: stderrTail,
});

/** The ARNs the program's mocks give, as plain values: what buildWorkflow gets from the program. */
export const MOCK_RESOURCES: WorkflowResources = {
    functions: { "stock-checker": FN("stock-checker"), "stock-buyer": FN("stock-buyer"), "stock-seller": FN("stock-seller") },
    table: { name: TABLE_NAME, arn: mockArn("dynamodb", `table/${TABLE_NAME}`) },
    batch: {
        clusterArn: CLUSTER,
        taskDefinitionArn: TASK_DEFINITION,
        containerName: "batch",
        taskExecutionRoleArn: EXECUTION_ROLE,
        taskRoleArn: TASK_ROLE,
        subnetIds: ["subnet-0aaaaaaaaaaaaaaa1"],
        securityGroupIds: ["sg-0123456789abcdef0"],
        assignPublicIp: true,
    },
};
