/**
 * The validated settings of one stack, as types: what every part of the project reads. It imports
 * nothing, so any module may depend on it without a cycle; `config.ts` validates raw values into it.
 */
export type CpuArchitecture = "ARM64" | "X86_64";
/** The Docker platform an image for each architecture is built for. */
export const DOCKER_PLATFORM: Readonly<Record<CpuArchitecture, string>> = { ARM64: "linux/arm64", X86_64: "linux/amd64" };
export type LogLevel = "ALL" | "ERROR" | "FATAL" | "OFF";
/** Lambda's application log levels (advanced logging controls), most verbose first. */
export type FunctionLogLevel = "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR" | "FATAL";
export type BatchCapacity = "FARGATE" | "FARGATE_SPOT";
/** How the `live` alias moves to a new state machine version. */
export type DeploymentType = "ALL_AT_ONCE" | "CANARY" | "LINEAR";

/** The validated settings of one stack. */
export interface StackConfig {
    /** A price at or below this buys; above it sells. */
    readonly buyThreshold: number;
    /** Arguments that replace the batch image's CMD when the workflow runs it; the batch program must accept them. */
    readonly batchCommand: readonly string[];
    /** The container's name in the task definition. */
    readonly batchContainerName: string;
    /** Fargate task CPU units. */
    readonly batchCpu: number;
    /** Fargate task memory in MiB, valid for `batchCpu`. */
    readonly batchMemory: number;
    /** CPU architecture of the task, and the platform the image is built for. */
    readonly batchArchitecture: CpuArchitecture;
    /** How long `Run ECS task` waits for the batch task. */
    readonly batchTimeoutSeconds: number;
    /** How many images the ECR lifecycle policy keeps. */
    readonly batchImagesToKeep: number;
    /** Subnets for the batch task; unset means the default VPC's public subnets. */
    readonly subnetIds?: readonly string[];
    /** Security groups for the batch task; unset means a new egress-only group. */
    readonly securityGroupIds?: readonly string[];
    /** Give the task a public IP; needed in a public subnet to reach ECR. */
    readonly assignPublicIp: boolean;
    /**
     * Create the account's ECS service-linked role (AWSServiceRoleForECS). Off by default: the
     * role is account-wide, and creating it where it exists fails.
     */
    readonly createEcsServiceLinkedRole: boolean;
    /** Start an execution on `scheduleExpression`. */
    readonly scheduleEnabled: boolean;
    readonly scheduleExpression: string;
    /** Days CloudWatch keeps every log group the program creates. */
    readonly logRetentionDays: number;
    /** State machine execution log level; OFF still creates the log group. */
    readonly logLevel: LogLevel;
    /** The functions' application log level: Lambda drops their log records below it. */
    readonly functionLogLevel: FunctionLogLevel;
    /** X-Ray tracing of the state machine. */
    readonly tracingEnabled: boolean;
    /** Refuse `DeleteTable` until this is turned off. */
    readonly tableDeletionProtection: boolean;
    /** Continuous backups for point-in-time restore. */
    readonly tablePointInTimeRecovery: boolean;
    /** CloudWatch Container Insights on the ECS cluster. */
    readonly containerInsights: boolean;
    /**
     * How long an execution may run before Step Functions stops it as timed out. Unset: the
     * longest a successful execution can take, `batchTimeoutSeconds` and every retry included.
     */
    readonly executionTimeoutSeconds: number;
    /** An address to subscribe to the alarm topic; it must confirm the subscription. */
    readonly alarmEmail?: string;
    /**
     * With the schedule on, how many hours without a successful execution raise an alarm. Unset:
     * derived from the schedule's longest gap between runs; undefined when that gap is longer
     * than CloudWatch lets an alarm look back, so no such alarm can watch the schedule.
     */
    readonly staleAfterHours?: number;
    /** Where the batch task runs: on-demand Fargate, or Fargate Spot (up to 70% cheaper, may be interrupted). */
    readonly batchCapacity: BatchCapacity;
    /** With Fargate Spot, how many times a task stopped by a Spot interruption is run again. */
    readonly batchInterruptionRetries: number;
    /** How a definition change reaches the executions through `live`: all at once, a canary, or linear steps. */
    readonly deploymentType: DeploymentType;
    /** With CANARY or LINEAR, the percentage of new executions each step moves to the new version. */
    readonly deploymentPercentage?: number;
    /** With CANARY or LINEAR, the minutes between steps. */
    readonly deploymentIntervalMinutes?: number;
    /** How long the deploy job watches the rollback alarms after `live` has moved, and moves it back when one fires. */
    readonly bakeMinutes: number;
    /** How many of the newest state machine versions the pruner keeps, besides those `live` routes to or an execution may still be redriven on. */
    readonly stateMachineVersionsToKeep: number;
}
