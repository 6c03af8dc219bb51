/**
 * A stack's config, validated: each key read by its definition (keys.ts), the defaults that
 * depend on other keys filled in, and every rule over the whole config checked, AWS's
 * (platform-rules.ts) and the project's own. Pure (no Pulumi import): the program, the local
 * runner and the tools all validate with it.
 */
import { nearestKey } from "./nearest";
import { scheduleCadence } from "./schedule";
import { deploymentMinutes, isGradual } from "./deployment";
import {
    CONFIG_NAMESPACE,
    DEFAULT_DEPLOYMENT_INTERVAL_MINUTES,
    DEFAULT_DEPLOYMENT_PERCENTAGE,
    DEPLOY_JOB_OTHER_STEPS_MINUTES,
    GITHUB_JOB_LIMIT_MINUTES,
    MAX_SHIFT_AND_BAKE_MINUTES,
    MAX_STALE_AFTER_HOURS,
    MAX_TIMEOUT_SECONDS,
} from "./limits";
import { CONFIG_KEYS, DERIVED, hours, KEYS, leastStaleHours, type Parser, type StackConfig } from "./keys";
import { platformProblems } from "./platform-rules";
import { UTC } from "./time-zones";
import { longestRunSeconds } from "./workflow";

export { CONFIG_DOMAINS, CONFIG_KEYS, KEYS, minimumStaleAfterHours, type ConfigDomain, type KeyFigures, type StackConfig } from "./keys";
export type { BatchCapacity, CpuArchitecture, DeploymentType, FunctionLogLevel, LogLevel } from "./limits";
export {
    CONFIG_NAMESPACE,
    DOCKER_PLATFORM,
    ECS_MAX_SECURITY_GROUPS,
    ECS_MAX_SUBNETS,
    ECS_OVERRIDE_CHARACTER_LIMIT,
    FARGATE_MEMORY_BY_CPU,
    LOG_RETENTION_DAYS,
    MAX_STALE_AFTER_HOURS,
    MAX_TIMEOUT_SECONDS,
} from "./limits";

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
    // The schedule's longest gap in its zone, read once for the rules and the defaults that depend on it.
    const gapSeconds =
        parsed("scheduleExpression") && parsed("scheduleTimezone")
            ? scheduleCadence(config.scheduleExpression as string, config.scheduleTimezone as string).longestGapSeconds
            : undefined;
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
            ? staleAfterHoursProblem(config, gapSeconds, config.staleAfterHours!)
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
function staleAfterHoursProblem(
    { scheduleExpression, scheduleTimezone }: Pick<StackConfig, "scheduleExpression" | "scheduleTimezone">,
    gapSeconds: number,
    staleAfterHours: number,
): string | undefined {
    const minimum = leastStaleHours(gapSeconds)!;
    const zone = scheduleTimezone === UTC ? "" : ` in ${scheduleTimezone}`;
    const gaps = `scheduleExpression ${scheduleExpression} leaves up to ${hours(gapSeconds)} hours between runs${zone}`;
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
