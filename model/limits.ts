/**
 * The limits the config's keys are read against, as constants: AWS's (each with where it is
 * documented), GitHub's and the project's own, and the value sets of the keys that take one of a
 * few. Pure, and importing nothing: the key definitions (keys.ts) and the rules over whole
 * configs (platform-rules.ts, deployment.ts) both build on it.
 */

export type CpuArchitecture = "ARM64" | "X86_64";
/** The Docker platform an image for each architecture is built for. */
export const DOCKER_PLATFORM: Readonly<Record<CpuArchitecture, string>> = { ARM64: "linux/arm64", X86_64: "linux/amd64" };
export type LogLevel = "ALL" | "ERROR" | "FATAL" | "OFF";
/** Lambda's application log levels (advanced logging controls), most verbose first. */
export type FunctionLogLevel = "TRACE" | "DEBUG" | "INFO" | "WARN" | "ERROR" | "FATAL";
export type BatchCapacity = "FARGATE" | "FARGATE_SPOT";

/** The project's config namespace: every key is read as `stock-trader:<key>`. */
export const CONFIG_NAMESPACE = "stock-trader";

/** Fargate's task sizes: CPU units mapped to the memory values (MiB) allowed with them. */
export const FARGATE_MEMORY_BY_CPU: ReadonlyMap<number, readonly number[]> = new Map([
    [256, [512, 1024, 2048]],
    [512, steps(1024, 4096, 1024)],
    [1024, steps(2048, 8192, 1024)],
    [2048, steps(4096, 16384, 1024)],
    [4096, steps(8192, 30720, 1024)],
    [8192, steps(16384, 61440, 4096)],
    [16384, steps(32768, 122880, 8192)],
]);

/** Retention periods CloudWatch Logs accepts. */
export const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653] as const;

/**
 * RunTask limits (ECS API reference, RunTask and AwsVpcConfiguration): the `overrides` JSON,
 * formatting included, at most 8192 characters; at most 16 subnets and 5 security groups.
 */
export const ECS_OVERRIDE_CHARACTER_LIMIT = 8192;
export const ECS_MAX_SUBNETS = 16;
export const ECS_MAX_SECURITY_GROUPS = 5;

/** Step Functions ends a STANDARD execution after one year, so a longer task timeout means nothing. */
export const MAX_TIMEOUT_SECONDS = 365 * 24 * 60 * 60;

/** CloudWatch evaluates an alarm over at most 7 days (PutMetricAlarm: Period × EvaluationPeriods). */
export const MAX_ALARM_EVALUATION_SECONDS = 7 * 24 * 3600;

/** The stale-success alarm's datapoints are an hour each, so it looks back at most 168 hours. */
export const MAX_STALE_AFTER_HOURS = MAX_ALARM_EVALUATION_SECONDS / 3600;

/** An ECS container name: letters, digits, hyphens and underscores, 1 to 255 of them. */
export const ECS_CONTAINER_NAME = /^[A-Za-z0-9_-]{1,255}$/;

/** The Lambda application log levels, least severe first (Lambda API reference, LoggingConfig). */
export const LAMBDA_LOG_LEVELS = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"] as const;

/** The Step Functions log levels (Step Functions API reference, LoggingConfiguration). */
export const STATES_LOG_LEVELS = ["ALL", "ERROR", "FATAL", "OFF"] as const;

function steps(from: number, to: number, by: number): number[] {
    return Array.from({ length: (to - from) / by + 1 }, (_, i) => from + i * by);
}

/** How the `live` alias moves to a new state machine version. */
export const DEPLOYMENT_TYPES = ["ALL_AT_ONCE", "CANARY", "LINEAR"] as const;
export type DeploymentType = (typeof DEPLOYMENT_TYPES)[number];

/** DeploymentPreference's limits: Percentage 1 to 99, Interval 1 to 2100 minutes, and a gradual shift finishes within 2100 minutes. */
export const MIN_DEPLOYMENT_PERCENTAGE = 1;
export const MAX_DEPLOYMENT_PERCENTAGE = 99;
export const MAX_DEPLOYMENT_MINUTES = 2100;

/** The defaults of a gradual shift where the stack sets none: a tenth of the starts for ten minutes a step. */
export const DEFAULT_DEPLOYMENT_PERCENTAGE = 10;
export const DEFAULT_DEPLOYMENT_INTERVAL_MINUTES = 10;

/** Step Functions keeps at most 1,000 versions of a state machine (developer guide, "State machine versions"). */
export const MAX_STATE_MACHINE_VERSIONS = 1000;

/** A job on GitHub's hosted runners runs for at most 6 hours (GitHub Actions, "Usage limits"). */
export const GITHUB_JOB_LIMIT_MINUTES = 360;

/** An IAM role session lasts at most 12 hours, the most a role's MaxSessionDuration allows (IAM API reference, "UpdateRole"). */
export const MAX_ROLE_SESSION_SECONDS = 43200;

/** How long the deploy job watches the rollback alarms after the shift, where the stack sets no `bakeMinutes`. */
export const DEFAULT_BAKE_MINUTES = 10;

/**
 * The minutes a deploy job gives its steps other than the shift and the bake: installing, building
 * and pushing the image, the smoke execution and the pruner. A project figure, not AWS's.
 */
export const DEPLOY_JOB_OTHER_STEPS_MINUTES = 60;

/**
 * The longest a shift plus its bake may take: the deploy job runs both, on GitHub's hosted runners
 * (at most GITHUB_JOB_LIMIT_MINUTES), besides its other steps, with an AWS session that lasts at
 * most a 12-hour role session. A rule of the project's own.
 */
export const MAX_SHIFT_AND_BAKE_MINUTES = Math.min(GITHUB_JOB_LIMIT_MINUTES, MAX_ROLE_SESSION_SECONDS / 60) - DEPLOY_JOB_OTHER_STEPS_MINUTES;

/** The longest SQS keeps a message: 14 days (SQS API reference, "SetQueueAttributes": MessageRetentionPeriod). */
export const SQS_MAX_RETENTION_SECONDS = 14 * 24 * 3600;

/**
 * The schedule's retries of a start that fails (Scheduler API reference, "RetryPolicy": attempts 0
 * to 185, event age 60 to 86,400 s): a few attempts within a quarter of an hour, so that a start
 * delayed by a throttle still runs near its time, and one that cannot run goes to the dead-letter
 * queue, and pages, before the next one is due on a quarter-hourly schedule.
 */
export const SCHEDULE_RETRY_ATTEMPTS = 3;
export const SCHEDULE_RETRY_MAX_AGE_SECONDS = 900;
