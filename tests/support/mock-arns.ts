/**
 * The ARNs the tests expect, as the Pulumi mocks give them and as the local stand-ins give them,
 * written out from the mocks' rules rather than read from the program.
 */
import { ACCOUNT, mockArn } from "./program";

/** A trading function's first published version, which the workflow invokes, as the mocks publish it. */
export const FN = (fn: string) => mockArn("lambda", `function:trading-${fn}:1`);
/** Every published version of a trading function: what the state machine role may invoke. */
export const FN_VERSIONS = (fn: string) => mockArn("lambda", `function:trading-${fn}:*`);
export const CLUSTER = mockArn("ecs", "cluster/batch-cluster");
/** The first revision of the stack's task definition family, `<project>-<stack>-batch`, as the mocks register it. */
export const taskDefinitionOf = (stack: string) => mockArn("ecs", `task-definition/stock-trader-${stack}-batch:1`);
export const EXECUTION_ROLE = `arn:aws:iam::${ACCOUNT}:role/batch-execution-role`;
export const TASK_ROLE = `arn:aws:iam::${ACCOUNT}:role/batch-task-role`;

/** The statement of the four X-Ray actions a role needs to send traces, on every resource as X-Ray supports no narrower one. */
export const TRACING = {
    Sid: "WriteTraces",
    Effect: "Allow",
    Action: ["xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments"],
    Resource: "*",
};

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
