/**
 * Every config key of the project, each defined once: how it is read (its type, its form and its
 * limits, as a reader with its domain as data), its default, and its row in the README's
 * Configuration table. `StackConfig`, the key list and the table all come from KEYS. Pure (no
 * Pulumi import): the program, the local runner and the tools all read keys with it, and
 * `config.ts` adds the rules over whole configs.
 */
import { batchContract, batchUsage, parseBatchCommand } from "./batch-contract";
import { MAX_STOCK_PRICE } from "../contracts/functions";
import { FUNCTION_TIMEOUT_SECONDS } from "./functions";
import { scheduleCadence, scheduleExpressionProblem } from "./schedule";
import { nearestOf } from "./nearest";
import { TIME_ZONES, UTC } from "./time-zones";
import {
    DEFAULT_BAKE_MINUTES,
    DEFAULT_DEPLOYMENT_INTERVAL_MINUTES,
    DEFAULT_DEPLOYMENT_PERCENTAGE,
    DEPLOY_JOB_OTHER_STEPS_MINUTES,
    DEPLOYMENT_TYPES,
    ECS_CONTAINER_NAME,
    ECS_MAX_SECURITY_GROUPS,
    ECS_MAX_SUBNETS,
    ECS_OVERRIDE_CHARACTER_LIMIT,
    FARGATE_MEMORY_BY_CPU,
    GITHUB_JOB_LIMIT_MINUTES,
    LAMBDA_LOG_LEVELS,
    LOG_RETENTION_DAYS,
    MAX_DEPLOYMENT_MINUTES,
    MAX_DEPLOYMENT_PERCENTAGE,
    MAX_SHIFT_AND_BAKE_MINUTES,
    MAX_STALE_AFTER_HOURS,
    MAX_STATE_MACHINE_VERSIONS,
    MAX_TIMEOUT_SECONDS,
    MIN_DEPLOYMENT_PERCENTAGE,
    STATES_LOG_LEVELS,
    type BatchCapacity,
    type CpuArchitecture,
    type DeploymentType,
    type FunctionLogLevel,
    type LogLevel,
} from "./limits";

export type Parsed<T> = { ok: true; value: T } | { ok: false; expected: string };
export type Parser<T> = (raw: string) => Parsed<T>;

/**
 * What a key accepts, as data beside its parser, so that tests and tools can draw values from
 * the same limits the parser enforces: a range, a set, a pattern, a list of matching items, a map
 * of matching names to matching values, or one of the two keys whose rules belong to another
 * module (the batch program's arguments and EventBridge's schedule expressions).
 */
export type ConfigDomain =
    | { kind: "integer"; min: number; max: number }
    | { kind: "oneOf"; values: readonly (string | number)[] }
    | { kind: "boolean" }
    | { kind: "pattern"; pattern: RegExp }
    | { kind: "list"; item: RegExp; maxItems: number }
    | { kind: "map"; name: RegExp; value: RegExp; maxEntries: number }
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
 * Why a JSON value that must be text is not, for a message: what YAML made of an unquoted
 * scalar, and how to keep it a string; or that a list or a map stands where one string must.
 */
const notText = (where: string, value: unknown, expected: string): string => {
    const type = value === null ? "null" : Array.isArray(value) ? "list" : typeof value === "object" ? "map" : typeof value;
    const fix =
        type === "list" || type === "map" ? "write it as one string" : `in a stack file, quote it ("${String(value)}"), as YAML reads it unquoted as a ${type}`;
    return `${expected}; ${where} is ${JSON.stringify(value)}, a ${type}, and each is a string: ${fix}`;
};

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
                return fail(notText(`item ${other + 1}`, value[other], expected).replace("and each is", "and each item is"));
            }
        }
        return Array.isArray(value) && value.length > 0 && value.length <= maxItems && value.every((v) => typeof v === "string" && item.test(v))
            ? ok(value as string[])
            : fail(expected);
    };

/**
 * A JSON object of names to strings, as `pulumi config set --path` or a YAML map in the stack file
 * gives it: at most `maxEntries` entries, each name matching `name` and each value `value`. A
 * value that is not a string is named, as in a list.
 */
export const stringMap = (name: RegExp, value: RegExp, maxEntries: number, expected: string): Reader<Readonly<Record<string, string>>> => ({
    domain: { kind: "map", name, value, maxEntries },
    parse: (raw) => {
        let parsed: unknown;
        try {
            parsed = JSON.parse(raw);
        } catch {
            return fail(expected);
        }
        if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
            return fail(expected);
        }
        const entries = Object.entries(parsed);
        const other = entries.find(([, v]) => typeof v !== "string");
        if (other !== undefined) {
            return fail(notText(`${other[0]}'s value`, other[1], expected));
        }
        const bad = entries.find(([n, v]) => !name.test(n) || !value.test(v as string));
        if (bad !== undefined) {
            return fail(`${expected}; ${JSON.stringify(bad[0])}: ${JSON.stringify(bad[1])} is not`);
        }
        return entries.length <= maxEntries ? ok(parsed as Record<string, string>) : fail(`${expected}; ${entries.length} entries, more than ${maxEntries}`);
    },
});

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

/**
 * The least `staleAfterHours` that never fires between two runs at most `gapSeconds` apart: the
 * gap rounded up to the hour, plus one hour for the run's own duration and CloudWatch's delivery
 * of the metric. Undefined when the schedule never runs twice (an infinite gap).
 */
export const leastStaleHours = (gapSeconds: number): number | undefined => (Number.isFinite(gapSeconds) ? Math.ceil(gapSeconds / 3600) + 1 : undefined);

/** The least `staleAfterHours` that never fires between two runs of the schedule in its zone (see leastStaleHours). */
export function minimumStaleAfterHours(scheduleExpression: string, zone: string = UTC): number | undefined {
    return leastStaleHours(scheduleCadence(scheduleExpression, zone).longestGapSeconds);
}

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

/** A time zone Scheduler reads a cron in: UTC or an IANA name, as Node.js spells it; a near miss is named. */
const timeZone: Reader<string> = {
    domain: { kind: "oneOf", values: TIME_ZONES },
    parse: (raw) => {
        if (TIME_ZONES.includes(raw)) {
            return ok(raw);
        }
        const near = nearestOf(raw, TIME_ZONES);
        return fail(
            `UTC or an IANA time zone name, such as America/New_York (Intl.supportedValuesOf("timeZone") lists them)${near === undefined ? "" : `; did you mean ${near}?`}`,
        );
    },
};

/** The default of a key that depends on other keys; `config.ts` fills it in. */
export const DERIVED = Symbol("derived from other keys");

/** The shape of an email address: one @ between a local part and a dotted domain, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * What a key's docs row may quote that only the whole model knows, handed over by whoever writes
 * the table: the config a stack gets with some keys set, the most a state's retries wait in all,
 * and the key's own domain in words.
 */
export interface KeyFigures {
    /** A key's value in the config a stack gets with these keys set and every other at its default. */
    valueWith(key: string, raw?: Readonly<Record<string, string>>): unknown;
    /** The seconds a state of the default definition waits in all when every retry happens. */
    retryWaitSeconds(state: string): number;
    /** The key's domain in words: `integer 0–99`, or the values it takes. */
    readonly domain: string;
}

/** A docs cell: text, or text worked out from the figures. */
export type DocsText = string | ((figures: KeyFigures) => string);

/** A key's row in the README's Configuration table. */
export interface KeyDocs {
    /** The default in words; without it, the default value itself (or "unset"). */
    readonly default?: DocsText;
    /** What it accepts in words; without it, its domain. */
    readonly allowed?: DocsText;
    /** What it does. */
    readonly does: DocsText;
}

/** One key: its reader, its default (DERIVED where other keys decide it) and its docs row. `Optional` says the parsed value may be undefined. */
export interface KeyDefinition<T, Optional extends boolean = boolean> extends Reader<T> {
    readonly default: T | typeof DERIVED | undefined;
    readonly optional: Optional;
    readonly docs: KeyDocs;
}

/** A key every config has a value for: its own default, or one derived from other keys. */
const required = <T>(reader: Reader<T>, defaultValue: T | typeof DERIVED, docs: KeyDocs): KeyDefinition<T, false> => ({
    ...reader,
    default: defaultValue,
    optional: false,
    docs,
});

/** A key a config may leave without a value: unset by default, or derived and sometimes unset. */
const optional = <T>(reader: Reader<T>, defaultValue: typeof DERIVED | undefined, docs: KeyDocs): KeyDefinition<T, true> => ({
    ...reader,
    default: defaultValue,
    optional: true,
    docs,
});

/** Hours, with two decimals where they are not whole. */
export const hours = (seconds: number): string => {
    const h = seconds / 3600;
    return Number.isInteger(h) ? String(h) : h.toFixed(2);
};

const contract = batchContract();

/** Every key, in the order the README's table lists them. */
export const KEYS = {
    buyThreshold: required(integer(0, MAX_STOCK_PRICE), 50, { does: "a price at or below it buys, above it sells" }),
    batchCommand: required(batchCommand, [...contract.arguments.example], {
        allowed:
            `the batch program's arguments: \`${batchUsage(contract).replace(", ", "`, ")} (see [The batch job](docs/architecture.md#the-batch-job)); ` +
            `with \`batchContainerName\` and a trade id, the RunTask \`overrides\` JSON at most ${ECS_OVERRIDE_CHARACTER_LIMIT} characters (ECS RunTask API)`,
        does: "replaces the batch image's CMD when the workflow runs it",
    }),
    batchContainerName: required(matching(ECS_CONTAINER_NAME, "1 to 255 letters, digits, hyphens or underscores"), "batch", {
        allowed: "1–255 letters, digits, `-`, `_`",
        does: "the container's name in the task definition",
    }),
    batchCpu: required(oneOf([...FARGATE_MEMORY_BY_CPU.keys()]), 256, { does: "Fargate task CPU units" }),
    batchMemory: required(integer(512, 122880), 512, { allowed: "a Fargate memory size valid for `batchCpu`", does: "Fargate task memory (MiB)" }),
    batchArchitecture: required(oneOf<CpuArchitecture>(["ARM64", "X86_64"]), DERIVED, {
        default: "`ARM64`; `X86_64` with `batchCapacity` `FARGATE_SPOT`",
        allowed: (f) => `${f.domain}; only \`X86_64\` on Fargate Spot`,
        does: "the task's CPU architecture and the image's platform",
    }),
    batchTimeoutSeconds: required(integer(60, MAX_TIMEOUT_SECONDS), 3600, {
        allowed: (f) =>
            `${f.domain}, short enough that a successful execution (every retry, and with Spot every rerun, included) fits in ${MAX_TIMEOUT_SECONDS} s`,
        does: "how long the workflow waits for the batch task",
    }),
    // At least the image in service and the one before it, which an execution started before
    // the last deploy still runs (infra/batch.ts).
    batchImagesToKeep: required(integer(2, 1000), 10, {
        allowed: (f) => `${f.domain} (the image in service and the one before it at least)`,
        does: "images the ECR lifecycle policy keeps, besides the one in service, which it never expires",
    }),
    subnetIds: optional(
        idList(AWS_ID("subnet"), ECS_MAX_SUBNETS, `a JSON array of 1 to ${ECS_MAX_SUBNETS} subnet IDs (subnet- and 8 or 17 hex digits)`),
        undefined,
        {
            default: "default VPC's public subnets",
            allowed: `JSON array of 1 to ${ECS_MAX_SUBNETS} subnet IDs, \`subnet-\` and 8 or 17 hex digits as AWS issues them (ECS \`AwsVpcConfiguration\`)`,
            does: "where the batch task runs; set together with `securityGroupIds`",
        },
    ),
    securityGroupIds: optional(
        idList(AWS_ID("sg"), ECS_MAX_SECURITY_GROUPS, `a JSON array of 1 to ${ECS_MAX_SECURITY_GROUPS} security group IDs (sg- and 8 or 17 hex digits)`),
        undefined,
        {
            default: "a new egress-only group",
            allowed: `JSON array of 1 to ${ECS_MAX_SECURITY_GROUPS} security group IDs, \`sg-\` and 8 or 17 hex digits (ECS \`AwsVpcConfiguration\`)`,
            does: "the batch task's security groups; set together with `subnetIds`",
        },
    ),
    assignPublicIp: required(boolean, true, {
        allowed: (f) =>
            `${f.domain}; \`false\` only with \`subnetIds\` (the default VPC's public subnets have no NAT, so a task without a public IP could not pull its image)`,
        does: "give the task a public IP (needed in a public subnet to reach ECR)",
    }),
    createEcsServiceLinkedRole: required(boolean, false, {
        does:
            "create the account's ECS service-linked role, `AWSServiceRoleForECS`; turn it on only for the first stack in an account that has never used ECS " +
            "(see [First deploy on a new account](docs/deploying.md#first-deploy-on-a-new-account)): the role is account-wide, and creating it where it exists fails",
    }),
    scheduleEnabled: required(boolean, false, { does: "start an execution on `scheduleExpression`" }),
    scheduleExpression: required(scheduleExpression, "rate(1 hour)", {
        allowed:
            "`rate(<n> <unit>)` with `minute`/`hour`/`day` for 1 and the plural above; or `cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)` " +
            "with EventBridge's ranges, names, wildcards (`, - * / ? L W #`) and exactly one of day-of-month and day-of-week `?` " +
            '(EventBridge Scheduler, "Schedule types"); it must run more than once',
        does: "the schedule: a cron is read in `scheduleTimezone`, a rate runs at its interval",
    }),
    scheduleTimezone: required(timeZone, UTC, {
        allowed: '`UTC`, or an IANA time zone name Node.js knows (`Intl.supportedValuesOf("timeZone")`), such as `America/New_York`',
        does:
            "the zone `scheduleExpression`'s cron is read in, daylight saving included: a local time the clocks skip does not run, one they repeat runs once " +
            "(see [The schedule](docs/operations.md#the-schedule))",
    }),
    logRetentionDays: required(oneOf(LOG_RETENTION_DAYS), 14, {
        allowed: (f) => `a CloudWatch retention: ${f.domain}`,
        does: "retention of every log group the program creates",
    }),
    logLevel: required(oneOf<LogLevel>(STATES_LOG_LEVELS), "ERROR", { does: "state machine execution log level" }),
    functionLogLevel: required(oneOf<FunctionLogLevel>(LAMBDA_LOG_LEVELS), "INFO", {
        does:
            "the functions' application log level (Lambda's advanced logging controls): records below it are dropped; at `INFO` each check and trade is logged " +
            "(see [Function logs and trade metrics](docs/operations.md#function-logs-and-trade-metrics))",
    }),
    tracingEnabled: required(boolean, false, {
        does: "X-Ray tracing of the state machine and active tracing of the three functions, whose roles then may send traces",
    }),
    tableDeletionProtection: required(boolean, false, { does: "DynamoDB deletion protection" }),
    tablePointInTimeRecovery: required(boolean, false, { does: "DynamoDB point-in-time recovery" }),
    containerInsights: required(boolean, false, { does: "CloudWatch Container Insights on the ECS cluster" }),
    executionTimeoutSeconds: required(integer(60, MAX_TIMEOUT_SECONDS), DERIVED, {
        default: (f) => {
            const timeout = Number(f.valueWith("executionTimeoutSeconds"));
            return `the longest a successful execution can take, rounded up to the minute: ${timeout} (${(timeout / 3600).toFixed(1)} hours) with the default \`batchTimeoutSeconds\``;
        },
        allowed: `integer from that longest run to ${MAX_TIMEOUT_SECONDS} (a STANDARD execution's year)`,
        does: (f) =>
            "the execution's own timeout; past it the execution ends TIMED_OUT and its alarm fires. The longest run is every Lambda attempt at its " +
            `${FUNCTION_TIMEOUT_SECONDS} s timeout, every retry's wait (the SAM sample's \`Record Transaction\` retries alone wait up to ` +
            `${f.retryWaitSeconds("Record Transaction")} s) and the batch running to \`batchTimeoutSeconds\``,
    }),
    alarmEmail: optional(matching(EMAIL, "an email address, such as oncall@example.com"), undefined, {
        allowed: "an email address",
        does: "subscribe it to the alarm topic; it must confirm the subscription",
    }),
    staleAfterHours: optional(integer(1, MAX_STALE_AFTER_HOURS), DERIVED, {
        default: (f) =>
            "from the schedule: its longest gap between runs rounded up to the hour, plus 2 " +
            `(${String(f.valueWith("staleAfterHours", { scheduleExpression: "rate(1 hour)" }))} for \`rate(1 hour)\`, ` +
            `${String(f.valueWith("staleAfterHours", { scheduleExpression: "cron(0 14 ? * MON-FRI *)" }))} for weekdays only); unset when that passes ${MAX_STALE_AFTER_HOURS}`,
        allowed: (f) => `${f.domain} (CloudWatch evaluates an alarm over at most 7 days), and at least the longest gap rounded up plus 1`,
        does: "with the schedule on, alarm when no execution has succeeded for this many hours (see [Alarms](docs/operations.md#alarms))",
    }),
    batchCapacity: required(oneOf<BatchCapacity>(["FARGATE", "FARGATE_SPOT"]), "FARGATE", {
        does: "where the batch task runs: on-demand, or Fargate Spot (up to 70% cheaper, may be interrupted; see [Cost](#cost))",
    }),
    batchInterruptionRetries: required(integer(0, 10), 2, {
        does: "with `FARGATE_SPOT`, how many times a task stopped by a Spot interruption runs again",
    }),
    deploymentType: required(oneOf<DeploymentType>(DEPLOYMENT_TYPES), "ALL_AT_ONCE", {
        does: "how a definition change moves the `live` alias to the new version (see [Changing the workflow in production](#changing-the-workflow-in-production))",
    }),
    deploymentPercentage: optional(integer(MIN_DEPLOYMENT_PERCENTAGE, MAX_DEPLOYMENT_PERCENTAGE), DERIVED, {
        default: `\`${DEFAULT_DEPLOYMENT_PERCENTAGE}\` with \`CANARY\` or \`LINEAR\`; unset with \`ALL_AT_ONCE\``,
        allowed: (f) => `${f.domain} (CloudFormation's \`DeploymentPreference\`), only with \`CANARY\` or \`LINEAR\``,
        does: "the share of new executions each step moves to the new version",
    }),
    deploymentIntervalMinutes: optional(integer(1, MAX_DEPLOYMENT_MINUTES), DERIVED, {
        default: `\`${DEFAULT_DEPLOYMENT_INTERVAL_MINUTES}\` with \`CANARY\` or \`LINEAR\`; unset with \`ALL_AT_ONCE\``,
        allowed: (f) =>
            `${f.domain}, only with \`CANARY\` or \`LINEAR\`; with \`LINEAR\`, the whole shift (100 ÷ percentage, rounded up, steps of it) at most ${MAX_DEPLOYMENT_MINUTES} minutes`,
        does: "the minutes between steps",
    }),
    bakeMinutes: required(integer(0, MAX_SHIFT_AND_BAKE_MINUTES), DEFAULT_BAKE_MINUTES, {
        allowed: (f) =>
            `${f.domain}, and with the shift at most ${MAX_SHIFT_AND_BAKE_MINUTES} minutes in all (the deploy job's ${GITHUB_JOB_LIMIT_MINUTES / 60} hours on GitHub's runners, ` +
            `less ${DEPLOY_JOB_OTHER_STEPS_MINUTES} minutes for its other steps: this project's rule)`,
        does: "how long the deploy job watches the rollback alarms after `live` has moved, moving it back when one fires",
    }),
    // At least the version in service and the one before it, to roll back to by hand.
    stateMachineVersionsToKeep: required(integer(2, MAX_STATE_MACHINE_VERSIONS - 1), 10, {
        allowed: (f) =>
            `${f.domain} (a state machine has at most ${MAX_STATE_MACHINE_VERSIONS.toLocaleString("en-US")} versions, and the next deploy publishes one)`,
        does: "how many of the newest versions `npm run prune-versions` keeps, besides those `live` routes to and those an execution runs or may be redriven on",
    }),
};

type Keys = typeof KEYS;
type ValueOf<D> = D extends KeyDefinition<infer T> ? T : never;
type OptionalKey = { [K in keyof Keys]: Keys[K] extends KeyDefinition<unknown, true> ? K : never }[keyof Keys];

/** The validated settings of one stack: a value for every key (unset only where its definition says optional). */
export type StackConfig = { readonly [K in Exclude<keyof Keys, OptionalKey>]: ValueOf<Keys[K]> } & { readonly [K in OptionalKey]?: ValueOf<Keys[K]> };

/** Every key this project reads, in the order the README documents them. */
export const CONFIG_KEYS = Object.keys(KEYS) as (keyof StackConfig)[];

/** What each key accepts, as data (see ConfigDomain). */
export const CONFIG_DOMAINS: Readonly<Record<keyof StackConfig, ConfigDomain>> = Object.fromEntries(
    CONFIG_KEYS.map((key) => [key, KEYS[key].domain]),
) as Record<keyof StackConfig, ConfigDomain>;
