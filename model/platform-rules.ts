/**
 * The rules AWS itself enforces on what the config's keys set up, as one table: each row holds the
 * rule, the documentation page it comes from, the keys it constrains, a predicate over a whole
 * stack config, and the message that names the keys. `parseConfig` enforces every row before any
 * resource is registered; a property checks every config it accepts against every row. Pure: no
 * Pulumi import, and nothing from config.ts, which imports this module.
 */
import { DEPLOYMENT_PREFERENCE_PAGE, deploymentMinutes, isGradual, linearSteps, STATE_MACHINE_VERSIONS_PAGE } from "./deployment";
import { scheduleExpressionProblem } from "./schedule";
import type { StackConfig } from "./keys";
import { batchRuns, longestRunSeconds, runTaskOverrides } from "./workflow";
import {
    CONFIG_NAMESPACE,
    ECS_CONTAINER_NAME,
    ECS_MAX_SECURITY_GROUPS,
    ECS_MAX_SUBNETS,
    ECS_OVERRIDE_CHARACTER_LIMIT,
    FARGATE_MEMORY_BY_CPU,
    LAMBDA_LOG_LEVELS,
    LOG_RETENTION_DAYS,
    MAX_ALARM_EVALUATION_SECONDS,
    MAX_DEPLOYMENT_MINUTES,
    MAX_DEPLOYMENT_PERCENTAGE,
    MAX_STALE_AFTER_HOURS,
    MAX_STATE_MACHINE_VERSIONS,
    MAX_TIMEOUT_SECONDS,
    MIN_DEPLOYMENT_PERCENTAGE,
    STATES_LOG_LEVELS,
} from "./limits";

const key = (name: keyof StackConfig) => `${CONFIG_NAMESPACE}:${name}`;

const ECS_GUIDE = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide";
const ECS_API = "https://docs.aws.amazon.com/AmazonECS/latest/APIReference";

/** The longest warm-up an alarm may have after it is created or updated (CloudWatch API reference, WarmUpConfiguration). */
export const MAX_ALARM_WARM_UP_MINUTES = 2880;

/** How long after it ends an execution can still be redriven (Step Functions, "Redriving executions"). */
export const REDRIVE_WINDOW_DAYS = 14;

/**
 * How long the program waits after changing the state machine role's policy before it updates
 * the state machine. IAM is eventually consistent: a change can take a few seconds to be seen
 * everywhere (IAM user guide, "Troubleshoot IAM": changes that I make are not always
 * immediately visible). A heuristic, checked by the end-to-end suite on a real account.
 */
export const IAM_PROPAGATION_SECONDS = 30;

/**
 * The regions where Fargate runs Linux tasks in some availability zones only, by zone ID (ECS
 * developer guide, "Supported Regions for Amazon ECS on AWS Fargate"). A task in a subnet of
 * another zone does not start, so the default VPC's subnets are filtered to these zones.
 */
export const FARGATE_AVAILABILITY_ZONE_IDS: Readonly<Record<string, readonly string[]>> = {
    "us-west-1": ["usw1-az1", "usw1-az3"],
    "ap-northeast-1": ["apne1-az1", "apne1-az2", "apne1-az4"],
    "cn-north-1": ["cnn1-az1", "cnn1-az2"],
};

/**
 * Whether Lambda's log-level filtering keeps a JSON line that a function writes, by the line's
 * `level` (Lambda developer guide, "Log-level filtering"): a missing or unknown level, or a line
 * without a valid timestamp, counts as INFO; a line is kept when it is at least as severe as the
 * function's application log level.
 */
export function lambdaKeepsLine(line: { level?: unknown; timestamp?: unknown }, applicationLogLevel: (typeof LAMBDA_LOG_LEVELS)[number]): boolean {
    const rank = (level: unknown) => LAMBDA_LOG_LEVELS.findIndex((known) => typeof level === "string" && known === level.toUpperCase());
    const timestamped = typeof line.timestamp === "string" && !Number.isNaN(Date.parse(line.timestamp));
    const level = timestamped && rank(line.level) >= 0 ? rank(line.level) : rank("INFO");
    return level >= rank(applicationLogLevel);
}

/**
 * Whether the RunTask overrides fit ECS's limit, measured as the state machine sends them:
 * container name, command and a 36-character trade id (a UUID), formatting included.
 */
export function overridesLength(containerName: string, command: readonly string[]): number {
    return JSON.stringify(runTaskOverrides(containerName, command, { Value: "0".repeat(36) })).length;
}

/**
 * The longest name AWS gives each kind of resource the program names, and where it says so. The
 * program names two of them itself (the dashboard and the task family, cut to fit by
 * stackScopedName); Pulumi names the rest after their logical names, adding a hyphen and seven
 * random characters.
 */
export const NAME_LIMITS: Readonly<Record<string, { max: number; source: string }>> = {
    "aws:lambda/function:Function": { max: 64, source: "https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html" },
    "aws:iam/role:Role": { max: 64, source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreateRole.html" },
    "aws:iam/policy:Policy": { max: 128, source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_CreatePolicy.html" },
    "aws:iam/rolePolicy:RolePolicy": { max: 128, source: "https://docs.aws.amazon.com/IAM/latest/APIReference/API_PutRolePolicy.html" },
    "aws:sfn/stateMachine:StateMachine": { max: 80, source: "https://docs.aws.amazon.com/step-functions/latest/apireference/API_CreateStateMachine.html" },
    "aws:dynamodb/table:Table": { max: 255, source: "https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_CreateTable.html" },
    "aws:sns/topic:Topic": { max: 256, source: "https://docs.aws.amazon.com/sns/latest/api/API_CreateTopic.html" },
    "aws:cloudwatch/metricAlarm:MetricAlarm": { max: 255, source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html" },
    "aws:cloudwatch/dashboard:Dashboard": { max: 255, source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutDashboard.html" },
    "aws:cloudwatch/eventRule:EventRule": { max: 64, source: "https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutRule.html" },
    "aws:cloudwatch/logGroup:LogGroup": { max: 512, source: "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_CreateLogGroup.html" },
    "aws:ecs/cluster:Cluster": { max: 255, source: `${ECS_API}/API_CreateCluster.html` },
    "aws:ecs/taskDefinition:TaskDefinition": { max: 255, source: `${ECS_API}/API_RegisterTaskDefinition.html` },
    "aws:ec2/securityGroup:SecurityGroup": { max: 255, source: "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html" },
};

/** One rule AWS enforces, with where it is written down and which keys it constrains. */
export interface PlatformRule {
    id: string;
    /** The rule in one sentence, as the page states it. */
    rule: string;
    /** The AWS documentation page the rule comes from. */
    source: string;
    /** The keys the rule constrains; the rule is checked once every one of them has parsed. */
    keys: readonly (keyof StackConfig)[];
    /** Whether a whole config (defaults filled in) satisfies the rule. */
    holds: (config: StackConfig) => boolean;
    /** Why a config breaks the rule, naming its keys; `given` are the keys the stack file sets. */
    problem: (config: StackConfig, given: ReadonlySet<keyof StackConfig>) => string;
}

/** The longest batchTimeoutSeconds whose longest successful execution still fits in a year, with the other settings as they are. */
function maxBatchTimeoutSeconds(config: Pick<StackConfig, "batchTimeoutSeconds" | "batchCapacity" | "batchInterruptionRetries">): number {
    const overhead = longestRunSeconds({ ...config, batchTimeoutSeconds: 0 });
    return Math.floor((MAX_TIMEOUT_SECONDS - overhead) / batchRuns(config));
}

/** Why the execution timeout cannot cover the longest successful run, blaming the keys the stack set. */
function executionTimeoutProblem(config: StackConfig, given: ReadonlySet<keyof StackConfig>): string {
    const needed = longestRunSeconds(config);
    if (needed > MAX_TIMEOUT_SECONDS || !given.has("executionTimeoutSeconds")) {
        const keys =
            config.batchCapacity === "FARGATE_SPOT" && config.batchInterruptionRetries > 0
                ? `batchTimeoutSeconds ${config.batchTimeoutSeconds} with batchCapacity FARGATE_SPOT and batchInterruptionRetries ${config.batchInterruptionRetries} ` +
                  `(${batchRuns(config)} batch runs)`
                : `batchTimeoutSeconds ${config.batchTimeoutSeconds}`;
        return (
            `${key("batchTimeoutSeconds")} must let a successful execution end within ${MAX_TIMEOUT_SECONDS} s, ` +
            `the year a STANDARD execution may run: ${keys} and every Lambda, DynamoDB and ECS retry take up to ${needed} s, ` +
            `so no executionTimeoutSeconds is possible (at most ${maxBatchTimeoutSeconds(config)} with these settings)`
        );
    }
    const interruptions = config.batchCapacity === "FARGATE_SPOT" ? ` and ${config.batchInterruptionRetries} Spot interruption retries` : "";
    return (
        `${key("executionTimeoutSeconds")} must be at least ${needed}, the longest a successful execution can take ` +
        `with batchTimeoutSeconds ${config.batchTimeoutSeconds}${interruptions} and every Lambda, DynamoDB and ECS retry (got ${config.executionTimeoutSeconds})`
    );
}

/** A key whose value is one string or one number. */
type ScalarKey = { [K in keyof StackConfig]-?: StackConfig[K] extends string | number ? K : never }[keyof StackConfig];

/** A rule that one key takes one of the values a page lists. */
function oneOfRule(id: string, rule: string, source: string, name: ScalarKey, values: readonly (string | number)[]): PlatformRule {
    return {
        id,
        rule,
        source,
        keys: [name],
        holds: (c) => values.includes(c[name]),
        problem: (c) => `${key(name)} must be one of ${values.join(", ")} (got ${c[name]})`,
    };
}

/** Whether a value is an integer from `min` to `max`. */
const within = (value: number | undefined, min: number, max: number): boolean => value !== undefined && Number.isInteger(value) && value >= min && value <= max;

/** The rules the alias's DeploymentPreference and Step Functions' versions meet. */
const DEPLOYMENT_RULES: readonly PlatformRule[] = [
    {
        id: "alias-gradual-percentage",
        rule: "A CANARY or LINEAR deployment preference takes a Percentage from 1 to 99",
        source: DEPLOYMENT_PREFERENCE_PAGE,
        keys: ["deploymentType", "deploymentPercentage"],
        holds: (c) => !isGradual(c.deploymentType) || within(c.deploymentPercentage, MIN_DEPLOYMENT_PERCENTAGE, MAX_DEPLOYMENT_PERCENTAGE),
        problem: (c) =>
            `${key("deploymentPercentage")} must be an integer from ${MIN_DEPLOYMENT_PERCENTAGE} to ${MAX_DEPLOYMENT_PERCENTAGE} with ` +
            `${key("deploymentType")} ${c.deploymentType} (got ${String(c.deploymentPercentage)})`,
    },
    {
        id: "alias-gradual-interval",
        rule: "A CANARY or LINEAR deployment preference takes an Interval from 1 to 2100 minutes",
        source: DEPLOYMENT_PREFERENCE_PAGE,
        keys: ["deploymentType", "deploymentIntervalMinutes"],
        holds: (c) => !isGradual(c.deploymentType) || within(c.deploymentIntervalMinutes, 1, MAX_DEPLOYMENT_MINUTES),
        problem: (c) =>
            `${key("deploymentIntervalMinutes")} must be an integer from 1 to ${MAX_DEPLOYMENT_MINUTES} with ${key("deploymentType")} ${c.deploymentType} ` +
            `(got ${String(c.deploymentIntervalMinutes)})`,
    },
    {
        id: "alias-shift-duration",
        rule: "A canary or linear shift must finish within 2100 minutes",
        source: DEPLOYMENT_PREFERENCE_PAGE,
        keys: ["deploymentType", "deploymentPercentage", "deploymentIntervalMinutes"],
        holds: (c) =>
            !isGradual(c.deploymentType) ||
            !within(c.deploymentPercentage, MIN_DEPLOYMENT_PERCENTAGE, MAX_DEPLOYMENT_PERCENTAGE) ||
            deploymentMinutes(c) <= MAX_DEPLOYMENT_MINUTES,
        problem: (c) => {
            const steps = linearSteps(c.deploymentPercentage!);
            return (
                `${key("deploymentIntervalMinutes")} must be at most ${Math.floor(MAX_DEPLOYMENT_MINUTES / steps)} with ${key("deploymentType")} LINEAR and ` +
                `${key("deploymentPercentage")} ${c.deploymentPercentage}: ${steps} steps of ${c.deploymentIntervalMinutes} minutes take ${deploymentMinutes(c)}, ` +
                `and a shift must finish within ${MAX_DEPLOYMENT_MINUTES} minutes (got ${c.deploymentIntervalMinutes}; or raise the percentage)`
            );
        },
    },
    {
        id: "state-machine-versions",
        rule: "A state machine has at most 1,000 versions",
        source: STATE_MACHINE_VERSIONS_PAGE,
        keys: ["stateMachineVersionsToKeep"],
        // One below the limit, so the next deploy can still publish.
        holds: (c) => within(c.stateMachineVersionsToKeep, 1, MAX_STATE_MACHINE_VERSIONS - 1),
        problem: (c) =>
            `${key("stateMachineVersionsToKeep")} must be at most ${MAX_STATE_MACHINE_VERSIONS - 1}: a state machine has at most ${MAX_STATE_MACHINE_VERSIONS} versions, ` +
            `and the next deploy publishes one more (got ${c.stateMachineVersionsToKeep})`,
    },
];

/** Every rule of AWS's that the config's keys meet. */
export const PLATFORM_RULES: readonly PlatformRule[] = [
    {
        id: "fargate-task-size",
        rule: "A Fargate task's memory is one of the values its CPU allows",
        source: `${ECS_GUIDE}/fargate-tasks-services.html#fargate-tasks-size`,
        keys: ["batchCpu", "batchMemory"],
        holds: (c) => FARGATE_MEMORY_BY_CPU.get(c.batchCpu)?.includes(c.batchMemory) === true,
        problem: (c) =>
            `${key("batchMemory")} must be one of ${(FARGATE_MEMORY_BY_CPU.get(c.batchCpu) ?? []).join(", ")} with ${key("batchCpu")} ${c.batchCpu} (got ${c.batchMemory})`,
    },
    {
        id: "fargate-spot-x86-64",
        rule: "Fargate Spot only supports Linux tasks with the X86_64 architecture; ARM64 tasks don't support it",
        source: `${ECS_GUIDE}/fargate-capacity-providers.html`,
        keys: ["batchCapacity", "batchArchitecture"],
        holds: (c) => c.batchCapacity !== "FARGATE_SPOT" || c.batchArchitecture === "X86_64",
        problem: (c) =>
            `${key("batchArchitecture")} must be X86_64 with ${key("batchCapacity")} FARGATE_SPOT (got ${c.batchArchitecture}): ` +
            `Fargate Spot runs X86_64 Linux tasks only; leave batchArchitecture unset (it is then X86_64 on Spot), or set batchCapacity FARGATE to run ARM64`,
    },
    {
        id: "run-task-overrides-size",
        rule: "RunTask's overrides JSON, formatting included, is at most 8192 characters",
        source: `${ECS_API}/API_RunTask.html`,
        keys: ["batchCommand", "batchContainerName"],
        holds: (c) => overridesLength(c.batchContainerName, c.batchCommand) <= ECS_OVERRIDE_CHARACTER_LIMIT,
        problem: (c) =>
            `${key("batchCommand")} makes the RunTask overrides ${overridesLength(c.batchContainerName, c.batchCommand)} characters of JSON; ` +
            `ECS allows at most ${ECS_OVERRIDE_CHARACTER_LIMIT} (shorten the command or ${key("batchContainerName")})`,
    },
    {
        id: "awsvpc-subnets-and-groups",
        rule: "A task's awsvpc configuration names at most 16 subnets and at most 5 security groups",
        source: `${ECS_API}/API_AwsVpcConfiguration.html`,
        keys: ["subnetIds", "securityGroupIds"],
        holds: (c) => (c.subnetIds?.length ?? 0) <= ECS_MAX_SUBNETS && (c.securityGroupIds?.length ?? 0) <= ECS_MAX_SECURITY_GROUPS,
        problem: (c) =>
            `${key("subnetIds")} and ${key("securityGroupIds")} must name at most ${ECS_MAX_SUBNETS} subnets and ${ECS_MAX_SECURITY_GROUPS} groups ` +
            `(got ${c.subnetIds?.length ?? 0} and ${c.securityGroupIds?.length ?? 0})`,
    },
    {
        id: "container-name",
        rule: "A container's name is up to 255 letters, numbers, hyphens and underscores",
        source: `${ECS_API}/API_ContainerDefinition.html`,
        keys: ["batchContainerName"],
        holds: (c) => ECS_CONTAINER_NAME.test(c.batchContainerName),
        problem: (c) => `${key("batchContainerName")} must be 1 to 255 letters, digits, hyphens or underscores (got ${c.batchContainerName})`,
    },
    {
        id: "standard-execution-year",
        rule: "A STANDARD execution runs for at most one year",
        source: "https://docs.aws.amazon.com/step-functions/latest/dg/service-quotas.html",
        keys: ["batchTimeoutSeconds", "batchCapacity", "batchInterruptionRetries", "executionTimeoutSeconds"],
        holds: (c) => longestRunSeconds(c) <= c.executionTimeoutSeconds && c.executionTimeoutSeconds <= MAX_TIMEOUT_SECONDS,
        problem: executionTimeoutProblem,
    },
    {
        id: "alarm-evaluation-range",
        rule: "An alarm's period times its evaluation periods is at most 7 days (604,800 s)",
        source: "https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html",
        keys: ["staleAfterHours"],
        holds: (c) => c.staleAfterHours === undefined || c.staleAfterHours * 3600 <= MAX_ALARM_EVALUATION_SECONDS,
        problem: (c) =>
            `${key("staleAfterHours")} must be at most ${MAX_STALE_AFTER_HOURS}, CloudWatch's 7 days of hourly datapoints (got ${c.staleAfterHours})`,
    },
    oneOfRule(
        "log-retention-days",
        "A log group's retention is one of the periods CloudWatch Logs lists",
        "https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/API_PutRetentionPolicy.html",
        "logRetentionDays",
        LOG_RETENTION_DAYS,
    ),
    {
        id: "schedule-expression",
        rule: "A schedule is rate(value unit) of at least a minute, or cron() with six fields, day-of-month or day-of-week a ?",
        source: "https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html",
        keys: ["scheduleExpression"],
        holds: (c) => scheduleExpressionProblem(c.scheduleExpression) === undefined,
        problem: (c) =>
            `${key("scheduleExpression")} must be an EventBridge schedule: ${scheduleExpressionProblem(c.scheduleExpression)} (got ${c.scheduleExpression})`,
    },
    oneOfRule(
        "lambda-log-level",
        "A function's application log level is TRACE, DEBUG, INFO, WARN, ERROR or FATAL",
        "https://docs.aws.amazon.com/lambda/latest/api/API_LoggingConfig.html",
        "functionLogLevel",
        LAMBDA_LOG_LEVELS,
    ),
    oneOfRule(
        "states-log-level",
        "A state machine's log level is ALL, ERROR, FATAL or OFF",
        "https://docs.aws.amazon.com/step-functions/latest/apireference/API_LoggingConfiguration.html",
        "logLevel",
        STATES_LOG_LEVELS,
    ),
    {
        id: "ecr-lifecycle-count",
        rule: "A lifecycle rule of countType imageCountMoreThan takes a countNumber of at least 1",
        source: "https://docs.aws.amazon.com/AmazonECR/latest/userguide/lifecycle_policy_parameters.html",
        keys: ["batchImagesToKeep"],
        holds: (c) => Number.isInteger(c.batchImagesToKeep) && c.batchImagesToKeep >= 1,
        problem: (c) => `${key("batchImagesToKeep")} must be an integer of at least 1 (got ${c.batchImagesToKeep})`,
    },
    ...DEPLOYMENT_RULES,
];

/** The problems of every rule a config breaks, checking only the rules whose keys all parsed. */
export function platformProblems(config: StackConfig, parsed: (name: keyof StackConfig) => boolean, given: ReadonlySet<keyof StackConfig>): string[] {
    return PLATFORM_RULES.filter((rule) => rule.keys.every(parsed) && !rule.holds(config)).map((rule) => rule.problem(config, given));
}
