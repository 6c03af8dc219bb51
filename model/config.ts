/**
 * Every config key of the project: its type, its default, its limits and their source. Pure
 * (no Pulumi import): the program, the local runner and the tools all validate with it.
 */
import { batchContract, batchUsage, parseBatchCommand } from "./batch-contract";
import { MAX_STOCK_PRICE } from "../contracts/functions";
import { nearestKey } from "./nearest";
import { scheduleCadence, scheduleExpressionProblem } from "./schedule";
import {
    DEFAULT_BAKE_MINUTES,
    DEFAULT_DEPLOYMENT_INTERVAL_MINUTES,
    DEFAULT_DEPLOYMENT_PERCENTAGE,
    DEPLOY_JOB_OTHER_STEPS_MINUTES,
    DEPLOYMENT_TYPES,
    deploymentMinutes,
    GITHUB_JOB_LIMIT_MINUTES,
    isGradual,
    MAX_DEPLOYMENT_MINUTES,
    MAX_DEPLOYMENT_PERCENTAGE,
    MAX_SHIFT_AND_BAKE_MINUTES,
    MAX_STATE_MACHINE_VERSIONS,
    MIN_DEPLOYMENT_PERCENTAGE,
} from "./deployment";
import type { BatchCapacity, CpuArchitecture, DeploymentType, FunctionLogLevel, LogLevel, StackConfig } from "./stack-config";
import {
    CONFIG_NAMESPACE,
    ECS_CONTAINER_NAME,
    ECS_MAX_SECURITY_GROUPS,
    ECS_MAX_SUBNETS,
    FARGATE_MEMORY_BY_CPU,
    LAMBDA_LOG_LEVELS,
    LOG_RETENTION_DAYS,
    MAX_STALE_AFTER_HOURS,
    MAX_TIMEOUT_SECONDS,
    platformProblems,
    STATES_LOG_LEVELS,
} from "./platform-rules";
import { longestRunSeconds } from "./workflow";

export type { BatchCapacity, CpuArchitecture, DeploymentType, FunctionLogLevel, LogLevel, StackConfig } from "./stack-config";
export { DOCKER_PLATFORM } from "./stack-config";
export {
    CONFIG_NAMESPACE,
    ECS_MAX_SECURITY_GROUPS,
    ECS_MAX_SUBNETS,
    ECS_OVERRIDE_CHARACTER_LIMIT,
    FARGATE_MEMORY_BY_CPU,
    LOG_RETENTION_DAYS,
    MAX_STALE_AFTER_HOURS,
    MAX_TIMEOUT_SECONDS,
} from "./platform-rules";

/**
 * The least `staleAfterHours` that never fires between two runs at most `gapSeconds` apart: the
 * gap rounded up to the hour, plus one hour for the run's own duration and CloudWatch's delivery
 * of the metric. Undefined when the schedule never runs twice (an infinite gap).
 */
const leastStaleHours = (gapSeconds: number): number | undefined => (Number.isFinite(gapSeconds) ? Math.ceil(gapSeconds / 3600) + 1 : undefined);

/** The least `staleAfterHours` that never fires between two runs of the schedule (see leastStaleHours). */
export function minimumStaleAfterHours(scheduleExpression: string): number | undefined {
    return leastStaleHours(scheduleCadence(scheduleExpression).longestGapSeconds);
}

/** A gap in hours, for messages. */
const gapHours = (gapSeconds: number): string => {
    const hours = gapSeconds / 3600;
    return Number.isInteger(hours) ? String(hours) : hours.toFixed(2);
};

type Parsed<T> = { ok: true; value: T } | { ok: false; expected: string };
type Parser<T> = (raw: string) => Parsed<T>;

/**
 * What a key accepts, as data beside its parser, so that tests and tools can draw values from
 * the same limits the parser enforces: a range, a set, a pattern, a list of matching items, or
 * one of the two keys whose rules belong to another module (the batch program's arguments and
 * EventBridge's schedule expressions).
 */
export type ConfigDomain =
    | { kind: "integer"; min: number; max: number }
    | { kind: "oneOf"; values: readonly (string | number)[] }
    | { kind: "boolean" }
    | { kind: "pattern"; pattern: RegExp }
    | { kind: "list"; item: RegExp; maxItems: number }
    | { kind: "batchCommand" }
    | { kind: "scheduleExpression" };

interface Reader<T> {
    parse: Parser<T>;
    domain: ConfigDomain;
}

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = (expected: string): Parsed<never> => ({ ok: false, expected });

const integer = (min: number, max: number): Reader<number> => ({
    domain: { kind: "integer", min, max },
    parse: (raw) => {
        const value = Number(raw);
        return /^-?\d+$/.test(raw.trim()) && value >= min && value <= max ? ok(value) : fail(`an integer from ${min} to ${max}`);
    },
});

const oneOf = <T extends string | number>(allowed: readonly T[]): Reader<T> => ({
    domain: { kind: "oneOf", values: allowed },
    parse: (raw) => {
        const match = allowed.find((candidate) => String(candidate) === raw.trim());
        return match === undefined ? fail(`one of ${allowed.join(", ")}`) : ok(match);
    },
});

const boolean: Reader<boolean> = {
    domain: { kind: "boolean" },
    parse: (raw) => {
        const value = raw.trim();
        return value === "true" || value === "false" ? ok(value === "true") : fail("true or false");
    },
};

const matching = (pattern: RegExp, expected: string): Reader<string> => ({
    domain: { kind: "pattern", pattern },
    parse: (raw) => (pattern.test(raw) ? ok(raw) : fail(expected)),
});

/**
 * A JSON array of strings, as `pulumi config set --path` or a YAML list in the stack file gives it.
 * An item that is not a string (YAML reads `1` and `true` unquoted as a number and a boolean) is
 * named, with why it must be one: the program hands each item on as text.
 */
const stringList =
    (item: RegExp, expected: string, maxItems: number): Parser<string[]> =>
    (raw) => {
        let value: unknown;
        try {
            value = JSON.parse(raw);
        } catch {
            return fail(expected);
        }
        if (Array.isArray(value)) {
            const other = value.findIndex((v) => typeof v !== "string");
            if (other >= 0) {
                return fail(
                    `${expected}; item ${other + 1} is ${JSON.stringify(value[other])}, a ${value[other] === null ? "null" : typeof value[other]}, ` +
                        `and each item is a string: in a stack file, quote it ("${String(value[other])}"), as YAML reads it unquoted as a ${value[other] === null ? "null" : typeof value[other]}`,
                );
            }
        }
        return Array.isArray(value) && value.length > 0 && value.length <= maxItems && value.every((v) => typeof v === "string" && item.test(v))
            ? ok(value as string[])
            : fail(expected);
    };

/** The batch program's arguments, by the rules of its contract (batch-container/contract.json). */
const batchCommand: Reader<string[]> = {
    domain: { kind: "batchCommand" },
    parse: (raw) => {
        const contract = batchContract();
        const expected = `a JSON array of the batch program's arguments: ${batchUsage(contract)}, such as ${JSON.stringify(contract.arguments.example)}`;
        const parsed = stringList(/^[\s\S]*$/, expected, Infinity)(raw);
        if (!parsed.ok) {
            return parsed;
        }
        const args = parseBatchCommand(contract, parsed.value);
        return args.ok ? parsed : fail(`${expected}; ${args.problem}`);
    },
};

/** An EC2 resource ID as AWS issues them: the prefix, then 8 hex digits (older IDs) or 17. */
const AWS_ID = (prefix: string) => new RegExp(`^${prefix}-(?:[0-9a-f]{8}|[0-9a-f]{17})$`);

/** A list of AWS resource IDs, 1 to `maxItems` of them. */
const idList = (item: RegExp, maxItems: number, expected: string): Reader<string[]> => ({
    domain: { kind: "list", item, maxItems },
    parse: stringList(item, expected, maxItems),
});

const scheduleExpression: Reader<string> = {
    domain: { kind: "scheduleExpression" },
    parse: (raw) => {
        const expected = "an EventBridge schedule, rate(<value> <unit>) or cron(<6 fields>), such as rate(1 hour)";
        const problem = scheduleExpressionProblem(raw);
        if (problem !== undefined) {
            return fail(`${expected}: ${problem}`);
        }
        return minimumStaleAfterHours(raw) === undefined ? fail(`${expected}, that runs more than once: this one runs at most once`) : ok(raw);
    },
};

/** The default of a key that depends on other keys; `deriveDefaults` fills it in. */
const DERIVED = Symbol("derived from other keys");

/** The shape of an email address: one @ between a local part and a dotted domain, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** How each key is read: its parser and its default (undefined: no default, the key is optional). */
const KEYS = {
    buyThreshold: { ...integer(0, MAX_STOCK_PRICE), default: 50 },
    batchCommand: { ...batchCommand, default: [...batchContract().arguments.example] },
    batchContainerName: {
        ...matching(ECS_CONTAINER_NAME, "1 to 255 letters, digits, hyphens or underscores"),
        default: "batch",
    },
    batchCpu: { ...oneOf([...FARGATE_MEMORY_BY_CPU.keys()]), default: 256 },
    batchMemory: { ...integer(512, 122880), default: 512 },
    batchArchitecture: { ...oneOf<CpuArchitecture>(["ARM64", "X86_64"]), default: DERIVED },
    batchTimeoutSeconds: { ...integer(60, MAX_TIMEOUT_SECONDS), default: 3600 },
    // At least the image in service and the one before it, which an execution started before
    // the last deploy still runs (infra/batch.ts).
    batchImagesToKeep: { ...integer(2, 1000), default: 10 },
    subnetIds: {
        ...idList(AWS_ID("subnet"), ECS_MAX_SUBNETS, `a JSON array of 1 to ${ECS_MAX_SUBNETS} subnet IDs (subnet- and 8 or 17 hex digits)`),
        default: undefined,
    },
    securityGroupIds: {
        ...idList(AWS_ID("sg"), ECS_MAX_SECURITY_GROUPS, `a JSON array of 1 to ${ECS_MAX_SECURITY_GROUPS} security group IDs (sg- and 8 or 17 hex digits)`),
        default: undefined,
    },
    assignPublicIp: { ...boolean, default: true },
    createEcsServiceLinkedRole: { ...boolean, default: false },
    scheduleEnabled: { ...boolean, default: false },
    scheduleExpression: { ...scheduleExpression, default: "rate(1 hour)" },
    logRetentionDays: { ...oneOf(LOG_RETENTION_DAYS), default: 14 },
    logLevel: { ...oneOf<LogLevel>(STATES_LOG_LEVELS), default: "ERROR" },
    functionLogLevel: { ...oneOf<FunctionLogLevel>(LAMBDA_LOG_LEVELS), default: "INFO" },
    tracingEnabled: { ...boolean, default: false },
    tableDeletionProtection: { ...boolean, default: false },
    tablePointInTimeRecovery: { ...boolean, default: false },
    containerInsights: { ...boolean, default: false },
    executionTimeoutSeconds: { ...integer(60, MAX_TIMEOUT_SECONDS), default: DERIVED },
    alarmEmail: { ...matching(EMAIL, "an email address, such as oncall@example.com"), default: undefined },
    staleAfterHours: { ...integer(1, MAX_STALE_AFTER_HOURS), default: DERIVED },
    batchCapacity: { ...oneOf<BatchCapacity>(["FARGATE", "FARGATE_SPOT"]), default: "FARGATE" },
    batchInterruptionRetries: { ...integer(0, 10), default: 2 },
    deploymentType: { ...oneOf<DeploymentType>(DEPLOYMENT_TYPES), default: "ALL_AT_ONCE" },
    deploymentPercentage: { ...integer(MIN_DEPLOYMENT_PERCENTAGE, MAX_DEPLOYMENT_PERCENTAGE), default: DERIVED },
    deploymentIntervalMinutes: { ...integer(1, MAX_DEPLOYMENT_MINUTES), default: DERIVED },
    bakeMinutes: { ...integer(0, MAX_SHIFT_AND_BAKE_MINUTES), default: DEFAULT_BAKE_MINUTES },
    // At least the version in service and the one before it, to roll back to by hand.
    stateMachineVersionsToKeep: { ...integer(2, MAX_STATE_MACHINE_VERSIONS - 1), default: 10 },
} satisfies {
    [K in keyof StackConfig]-?: Reader<NonNullable<StackConfig[K]>> & { default: StackConfig[K] | typeof DERIVED };
};

/** Every key this project reads, in the order the README documents them. */
export const CONFIG_KEYS = Object.keys(KEYS) as (keyof StackConfig)[];

/** What each key accepts, as data (see ConfigDomain). */
export const CONFIG_DOMAINS: Readonly<Record<keyof StackConfig, ConfigDomain>> = Object.fromEntries(
    CONFIG_KEYS.map((key) => [key, KEYS[key].domain]),
) as Record<keyof StackConfig, ConfigDomain>;

/** Thrown when a stack's configuration is invalid; lists every problem, one per line. */
export class ConfigError extends Error {
    constructor(
        readonly problems: string[],
        readonly file?: string,
    ) {
        super(`Invalid stack configuration${file === undefined ? "" : ` in ${file}`}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

/**
 * Validates raw config values (keys without the namespace, values as the Pulumi CLI hands them
 * to the program: strings, with lists as JSON). Unknown keys are errors too, so a typo in a
 * stack file fails instead of being ignored. Each key is parsed, the defaults that depend on
 * other keys are filled in, and then every rule AWS enforces (PLATFORM_RULES) and every rule of
 * the project's own is checked on the whole config. All problems are reported together.
 */
export function parseConfig(raw: Readonly<Record<string, string | undefined>>): StackConfig {
    const known = (key: string): key is keyof StackConfig => Object.hasOwn(KEYS, key);
    const problems: string[] = [];
    const config: Record<string, unknown> = {};
    const failed = new Set<keyof StackConfig>();
    for (const key of CONFIG_KEYS) {
        const value = raw[key];
        if (value === undefined) {
            config[key] = KEYS[key].default;
            continue;
        }
        const parsed = (KEYS[key].parse as Parser<unknown>)(value);
        if (parsed.ok) {
            config[key] = parsed.value;
        } else {
            failed.add(key);
            problems.push(`${CONFIG_NAMESPACE}:${key} must be ${parsed.expected} (got ${value})`);
        }
    }
    for (const key of Object.keys(raw).filter((k) => !known(k))) {
        const near = nearestKey(`${CONFIG_NAMESPACE}:${key}`, new Map([[CONFIG_NAMESPACE, CONFIG_KEYS]]));
        problems.push(
            `${CONFIG_NAMESPACE}:${key} is not a key of this project${near === undefined ? "" : `; did you mean ${near}?`} (every key: the README's Configuration table)`,
        );
    }
    const parsed = (key: keyof StackConfig) => !failed.has(key);
    const given = new Set(CONFIG_KEYS.filter((key) => raw[key] !== undefined));
    // The schedule's longest gap, read once for the rules and the defaults that depend on it.
    const gapSeconds = parsed("scheduleExpression") ? scheduleCadence(config.scheduleExpression as string).longestGapSeconds : undefined;
    const whole = deriveDefaults(config as unknown as StackConfig, parsed, gapSeconds);
    problems.push(...platformProblems(whole, parsed, given), ...projectProblems(raw, whole, parsed, gapSeconds));
    if (problems.length > 0) {
        throw new ConfigError(problems);
    }
    return whole;
}

/**
 * Fills in the defaults that depend on other keys, from the keys they depend on once those
 * parsed: the architecture from the capacity (X86_64 on Fargate Spot, which runs nothing else;
 * ARM64 otherwise), the execution timeout from the longest successful run, rounded up to the
 * minute; the stale-success window from the schedule, one hour above its least, or none when the
 * schedule's gaps exceed what an alarm can look back on.
 */
function deriveDefaults(config: StackConfig, parsed: (key: keyof StackConfig) => boolean, gapSeconds: number | undefined): StackConfig {
    const derived = (value: unknown) => value === DERIVED;
    const runKeys = (["batchTimeoutSeconds", "batchCapacity", "batchInterruptionRetries"] as const).every(parsed);
    const minimumStale = gapSeconds === undefined ? undefined : leastStaleHours(gapSeconds);
    const staleAfterHours = (): number | undefined =>
        minimumStale === undefined || minimumStale > MAX_STALE_AFTER_HOURS ? undefined : Math.min(minimumStale + 1, MAX_STALE_AFTER_HOURS);
    return {
        ...config,
        batchArchitecture: derived(config.batchArchitecture) ? (config.batchCapacity === "FARGATE_SPOT" ? "X86_64" : "ARM64") : config.batchArchitecture,
        executionTimeoutSeconds: derived(config.executionTimeoutSeconds)
            ? runKeys
                ? defaultExecutionTimeout(longestRunSeconds(config))
                : (undefined as unknown as number)
            : config.executionTimeoutSeconds,
        staleAfterHours: derived(config.staleAfterHours) ? staleAfterHours() : config.staleAfterHours,
        ...gradualDefaults(config, parsed),
    };
}

/** A gradual deployment's percentage and interval, defaulted when the stack sets a gradual type without them; none otherwise. */
function gradualDefaults(
    config: StackConfig,
    parsed: (key: keyof StackConfig) => boolean,
): Pick<StackConfig, "deploymentPercentage" | "deploymentIntervalMinutes"> {
    const gradual = parsed("deploymentType") && isGradual(config.deploymentType);
    const orDefault = (value: number | undefined, fallback: number) => (value === (DERIVED as unknown) ? (gradual ? fallback : undefined) : value);
    return {
        deploymentPercentage: orDefault(config.deploymentPercentage, DEFAULT_DEPLOYMENT_PERCENTAGE),
        deploymentIntervalMinutes: orDefault(config.deploymentIntervalMinutes, DEFAULT_DEPLOYMENT_INTERVAL_MINUTES),
    };
}

/**
 * The longest run rounded up to the minute, but never past the year a STANDARD execution may run
 * when the run itself fits in it; a run longer than that is left to the rule that refuses it.
 */
const defaultExecutionTimeout = (longestRun: number): number => Math.min(Math.ceil(longestRun / 60) * 60, Math.max(longestRun, MAX_TIMEOUT_SECONDS));

/** The project's own rules, which relate keys for reasons of this program's rather than AWS's. */
function projectProblems(
    raw: Readonly<Record<string, string | undefined>>,
    config: StackConfig,
    parsed: (key: keyof StackConfig) => boolean,
    gapSeconds: number | undefined,
): string[] {
    const problems: string[] = [];
    if ((raw.subnetIds === undefined) !== (raw.securityGroupIds === undefined)) {
        problems.push(
            `${CONFIG_NAMESPACE}:subnetIds and ${CONFIG_NAMESPACE}:securityGroupIds must be set together ` +
                `(got only ${raw.subnetIds === undefined ? "securityGroupIds" : "subnetIds"})`,
        );
    }
    const staleProblem =
        gapSeconds !== undefined && parsed("staleAfterHours") && raw.staleAfterHours !== undefined
            ? staleAfterHoursProblem(config.scheduleExpression, gapSeconds, config.staleAfterHours!)
            : undefined;
    if (staleProblem) {
        problems.push(staleProblem);
    }
    if (parsed("deploymentType") && !isGradual(config.deploymentType)) {
        const stray = (["deploymentPercentage", "deploymentIntervalMinutes"] as const).filter((key) => raw[key] !== undefined);
        if (stray.length > 0) {
            problems.push(
                `${stray.map((key) => `${CONFIG_NAMESPACE}:${key}`).join(" and ")} ${stray.length > 1 ? "apply" : "applies"} only with ` +
                    `${CONFIG_NAMESPACE}:deploymentType CANARY or LINEAR (got ${config.deploymentType}); remove ${stray.length > 1 ? "them" : "it"}, or set a gradual deploymentType`,
            );
        }
    }
    const releaseKeys = (["deploymentType", "deploymentPercentage", "deploymentIntervalMinutes", "bakeMinutes"] as const).every(parsed);
    if (releaseKeys && deploymentMinutes(config) + config.bakeMinutes > MAX_SHIFT_AND_BAKE_MINUTES) {
        problems.push(
            `${CONFIG_NAMESPACE}:bakeMinutes plus the shift must fit in the deploy job, at most ${MAX_SHIFT_AND_BAKE_MINUTES} minutes ` +
                `(got ${config.bakeMinutes} after a ${deploymentMinutes(config)}-minute ${config.deploymentType} shift): the job runs both on ` +
                `GitHub's hosted runners, which end a job after ${GITHUB_JOB_LIMIT_MINUTES} minutes, and keeps ${DEPLOY_JOB_OTHER_STEPS_MINUTES} of them for its ` +
                `other steps (a rule of this project's, not AWS's); shorten the bake, the interval or the number of steps`,
        );
    }
    if (raw.subnetIds === undefined && config.assignPublicIp === false) {
        problems.push(
            `${CONFIG_NAMESPACE}:assignPublicIp must be true without subnetIds (got false): the default VPC's public ` +
                `subnets have no NAT, so a task without a public IP cannot pull its image; set subnetIds with a route to ECR to turn it off`,
        );
    }
    return problems;
}

/** Why an explicit staleAfterHours would fire between two runs of the schedule, or cannot be built. */
function staleAfterHoursProblem(scheduleExpression: string, gapSeconds: number, staleAfterHours: number): string | undefined {
    const minimum = leastStaleHours(gapSeconds)!;
    const gaps = `scheduleExpression ${scheduleExpression} leaves up to ${gapHours(gapSeconds)} hours between runs`;
    if (minimum > MAX_STALE_AFTER_HOURS) {
        return (
            `${CONFIG_NAMESPACE}:staleAfterHours cannot watch this schedule: ${CONFIG_NAMESPACE}:${gaps}, and an alarm looks back at most ` +
            `${MAX_STALE_AFTER_HOURS} hours (CloudWatch's 7 days); leave staleAfterHours unset, and the stack has no no-recent-success alarm (got ${staleAfterHours})`
        );
    }
    return staleAfterHours < minimum
        ? `${CONFIG_NAMESPACE}:staleAfterHours must be at least ${minimum} with ${CONFIG_NAMESPACE}:${gaps} ` +
              `(an hour more than the longest gap, for the run itself), or the alarm fires between runs (got ${staleAfterHours})`
        : undefined;
}

/**
 * Validates a stack's whole configuration as the Pulumi CLI hands it over (`namespace:key`
 * keys, string values): this project's keys are checked, other namespaces (aws:...) are left alone.
 */
export function parseStackConfig(all: Readonly<Record<string, string>>): StackConfig {
    const prefix = `${CONFIG_NAMESPACE}:`;
    return parseConfig(
        Object.fromEntries(
            Object.entries(all)
                .filter(([key]) => key.startsWith(prefix))
                .map(([key, value]) => [key.slice(prefix.length), value]),
        ),
    );
}

/** A component's arguments that break a rule of the stack config's: the component's to name, in its own words. */
export class ArgumentsError extends Error {
    constructor(
        readonly component: string,
        readonly problems: readonly string[],
    ) {
        super(`Invalid ${component} arguments:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
        this.name = "ArgumentsError";
    }
}

/**
 * The settings a component builds from, out of the arguments it was given: each given value
 * stands for a key of the stack config (`[key, value]`), and is read and checked as the stack's
 * is, every rule AWS enforces and every rule across keys included; what is not given takes the
 * key's default, derived ones too. A problem with a given argument is an ArgumentsError that
 * names the component and the argument, thrown before any of its resources is registered.
 */
export function componentSettings(component: string, given: Readonly<Record<string, readonly [keyof StackConfig, unknown]>>): StackConfig {
    const raw: Record<string, string> = {};
    const argument = new Map<string, string>();
    for (const [name, [key, value]] of Object.entries(given)) {
        if (value !== undefined) {
            raw[key] = typeof value === "string" ? value : JSON.stringify(value);
            argument.set(`${CONFIG_NAMESPACE}:${key}`, name);
        }
    }
    try {
        return parseConfig(raw);
    } catch (error) {
        if (!(error instanceof ConfigError)) {
            throw error;
        }
        const namespaced = new RegExp(`${CONFIG_NAMESPACE}:(\\w+)`, "g");
        const own = error.problems.filter((problem) => [...problem.matchAll(namespaced)].some((m) => argument.has(m[0])));
        throw new ArgumentsError(
            component,
            own.map((problem) => problem.replace(namespaced, (m) => argument.get(m) ?? m)),
        );
    }
}

/** A key's default, where it is a value rather than derived from other keys. */
export function configDefault<K extends keyof StackConfig>(key: K): StackConfig[K] {
    return componentSettings("the defaults", {})[key];
}
