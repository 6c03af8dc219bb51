/**
 * fast-check arbitraries drawn from the config model itself: each key's domain
 * (`CONFIG_DOMAINS`), the rules that relate keys, and invalid values next to each boundary.
 */
import fc from "fast-check";
import {
    CONFIG_DOMAINS,
    CONFIG_KEYS,
    ConfigError,
    FARGATE_MEMORY_BY_CPU,
    minimumStaleAfterHours,
    parseConfig,
    MAX_TIMEOUT_SECONDS,
    type ConfigDomain,
    type StackConfig,
} from "../../model/config";
import { linearSteps } from "../../model/deployment";
import {
    DEFAULT_BAKE_MINUTES,
    DEFAULT_DEPLOYMENT_PERCENTAGE,
    DEPLOYMENT_TYPES,
    MAX_DEPLOYMENT_PERCENTAGE,
    MAX_SHIFT_AND_BAKE_MINUTES,
    MIN_DEPLOYMENT_PERCENTAGE,
} from "../../model/limits";
import { longestRunSeconds } from "../../model/workflow";

/** The seed every property runs with unless FC_SEED says otherwise; fast-check prints it with a failure. */
export const SEED = Number(process.env.FC_SEED ?? 20261130);

/** How many cases a property runs: its own number in `npm test`, or FC_NUM_RUNS to explore further. */
export const numRuns = (inTestSuite: number): number => (process.env.FC_NUM_RUNS ? Number(process.env.FC_NUM_RUNS) : inTestSuite);

export const settings = (inTestSuite: number): fc.Parameters<unknown> => ({ seed: SEED, numRuns: numRuns(inTestSuite) });

export type Raw = Record<string, string>;

const safeInteger = fc.oneof(fc.integer({ min: -1000, max: 1000 }), fc.constantFrom(Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 0)).map(String);

/** One flag of the batch program, in either form. */
const flag = (name: string) => fc.tuple(safeInteger, fc.boolean()).map(([value, joined]) => (joined ? [`--${name}=${value}`] : [`--${name}`, value]));

/** Argument lists the batch program accepts: both flags once each, either form, either order. */
export const validBatchArguments = fc.tuple(flag("arg1"), flag("arg2"), fc.boolean()).map(([a, b, swap]) => (swap ? [...b, ...a] : [...a, ...b]));

/** Argument lists near the valid ones, most of which the program refuses. */
export const batchArgumentsNearby = fc.oneof(
    validBatchArguments,
    flag("arg1"),
    fc.tuple(flag("arg1"), flag("arg1"), flag("arg2")).map((parts) => parts.flat()),
    fc.tuple(validBatchArguments, fc.constantFrom("--arg3", "extra", "--arg1", "-", "--")).map(([args, token]) => [...args, token]),
    fc
        .tuple(fc.constantFrom("1.5", "01", "-0", "1e3", " 7", "9007199254740993", "", "0x10", "+1"), fc.boolean())
        .map(([value, joined]) => (joined ? [`--arg1=${value}`, "--arg2", "1"] : ["--arg1", value, "--arg2", "1"])),
    fc.array(fc.string({ maxLength: 8 }), { maxLength: 5 }),
);

const RATE_UNITS = [
    ["minute", "minutes"],
    ["hour", "hours"],
    ["day", "days"],
] as const;

/** Schedules EventBridge accepts: rates, and crons built from each field's forms. */
export const scheduleExpressions = fc.oneof(
    fc.tuple(fc.integer({ min: 1, max: 400 }), fc.constantFrom(...RATE_UNITS)).map(([n, [one, many]]) => `rate(${n} ${n === 1 ? one : many})`),
    fc
        .record({
            minutes: fc.constantFrom("0", "*/15", "0,30", "5-10", "50-10", "0/20"),
            hours: fc.constantFrom("*", "9", "8-17", "0/6", "22-2", "6,18"),
            days: fc.oneof(
                fc.constantFrom("*", "1", "L", "15W", "1-15", "LW", "10,20").map((dom) => [dom, "?"]),
                fc.constantFrom("*", "MON-FRI", "2#1", "6L", "SUN", "FRI-MON", "L", "1/2").map((dow) => ["?", dow]),
            ),
            month: fc.constantFrom("*", "1-6", "JAN,JUL", "*/3", "DEC"),
            year: fc.constantFrom("*", "*", "*", "2027-2030"),
        })
        .map(({ minutes, hours, days: [dom, dow], month, year }) => `cron(${minutes} ${hours} ${dom} ${month} ${dow} ${year})`),
);

const ids = (item: RegExp, maxItems: number) => fc.array(fc.stringMatching(item), { minLength: 1, maxLength: maxItems });

/** Objects of `min` to `max` entries, each name and value matching its pattern. */
const entries = (name: RegExp, value: RegExp, min: number, max: number) =>
    fc.dictionary(fc.stringMatching(name), fc.stringMatching(value), { minKeys: min, maxKeys: max, noNullPrototype: true });

/** Each domain's arbitrary, built once: a regular expression's is costly to build for every draw. */
const once = (build: (domain: ConfigDomain) => fc.Arbitrary<string>) => {
    const built = new WeakMap<ConfigDomain, fc.Arbitrary<string>>();
    return (domain: ConfigDomain): fc.Arbitrary<string> => {
        const arbitrary = built.get(domain) ?? build(domain);
        built.set(domain, arbitrary);
        return arbitrary;
    };
};

/** A value the key accepts on its own, drawn from its domain. */
export const validValue = once(buildValidValue);

/** A value the key refuses on its own: just past each boundary, or of the wrong form. */
export const invalidValue = once(buildInvalidValue);

function buildValidValue(domain: ConfigDomain): fc.Arbitrary<string> {
    switch (domain.kind) {
        case "integer":
            return fc.oneof(fc.integer({ min: domain.min, max: domain.max }), fc.constantFrom(domain.min, domain.max)).map(String);
        case "oneOf":
            return fc.constantFrom(...domain.values).map(String);
        case "boolean":
            return fc.constantFrom("true", "false");
        case "pattern":
            return fc.stringMatching(domain.pattern);
        case "list":
            return ids(domain.item, domain.maxItems).map((v) => JSON.stringify(v));
        case "map":
            return entries(domain.name, domain.value, 0, domain.maxEntries).map((v) => JSON.stringify(v));
        case "batchCommand":
            return validBatchArguments.map((v) => JSON.stringify(v));
        case "scheduleExpression":
            return scheduleExpressions;
    }
}

function buildInvalidValue(domain: ConfigDomain): fc.Arbitrary<string> {
    switch (domain.kind) {
        case "integer":
            return fc.constantFrom(String(domain.min - 1), String(domain.max + 1), `${domain.min}.5`, "", "ten");
        case "oneOf": {
            const values = domain.values.map(String);
            const near = typeof domain.values[0] === "number" ? values.map((v) => String(Number(v) + 1)) : values.map((v) => v.toLowerCase());
            return fc.constantFrom(...near.filter((v) => !values.includes(v)), "", "other");
        }
        case "boolean":
            return fc.constantFrom("yes", "True", "1", "");
        case "pattern":
            return fc.constantFrom("", "has space", "@");
        case "list":
            return fc.oneof(
                fc.constantFrom("[]", "not json", '"subnet-0123abcd"', '["bad-0123abcd"]'),
                ids(domain.item, domain.maxItems).map((v) => JSON.stringify([...v, ...Array(domain.maxItems + 1 - v.length).fill(v[0])])),
            );
        case "map":
            return fc.oneof(
                fc.constantFrom("not json", "[]", '"text"', "null", '{"A":1}'),
                entries(domain.name, domain.value, domain.maxEntries + 1, domain.maxEntries + 1).map((v) => JSON.stringify(v)),
            );
        case "batchCommand":
            return fc.constantFrom("[]", '["--arg1","1"]', '["--arg1","1.5","--arg2","2"]', '["--arg1","1","--arg2","2","--arg1","3"]', "--arg1 1");
        case "scheduleExpression":
            return fc.constantFrom(
                "rate(0 minutes)",
                "rate(1 hours)",
                "rate(5 minute)",
                "cron(0 12 * * ?)",
                "cron(0 12 * * * *)",
                "cron(0 0 30 2 ? *)",
                "every hour",
            );
    }
}

/** How a change reaches `live`: the type, a gradual shift's step and interval, and the bake, drawn together. */
const RELEASE_KEYS = ["deploymentType", "deploymentPercentage", "deploymentIntervalMinutes", "bakeMinutes"] as const;

/** The keys drawn together, by the rules that relate them. */
const RELATED_KEYS: readonly string[] = [
    "batchCpu",
    "batchMemory",
    "subnetIds",
    "securityGroupIds",
    "assignPublicIp",
    "executionTimeoutSeconds",
    "staleAfterHours",
    "batchTimeoutSeconds",
    ...RELEASE_KEYS,
];

const option = <T>(arbitrary: fc.Arbitrary<T>, unsetWeight = 1, setWeight = 1): fc.Arbitrary<T | undefined> =>
    fc.oneof({ arbitrary: fc.constant(undefined), weight: unsetWeight }, { arbitrary, weight: setWeight });

/**
 * The release keys as a stack file gives them: a gradual type mostly with a shift and a bake that
 * together fit in the deploy job or just miss it, at once mostly without a step; now and then any
 * value of each key's domain.
 */
export const releaseKeys: fc.Arbitrary<Partial<Record<(typeof RELEASE_KEYS)[number], string>>> = fc.oneof(
    {
        weight: 4,
        arbitrary: fc
            .record({
                type: fc.constantFrom(...DEPLOYMENT_TYPES),
                percentage: option(fc.integer({ min: MIN_DEPLOYMENT_PERCENTAGE, max: MAX_DEPLOYMENT_PERCENTAGE })),
                bake: option(fc.integer({ min: 0, max: MAX_SHIFT_AND_BAKE_MINUTES })),
                spare: fc.integer({ min: -3, max: 3 }),
            })
            .chain(({ type, percentage, bake, spare }) => {
                const steps = type === "LINEAR" ? linearSteps(percentage ?? DEFAULT_DEPLOYMENT_PERCENTAGE) : 1;
                const longest = Math.floor((MAX_SHIFT_AND_BAKE_MINUTES - (bake ?? DEFAULT_BAKE_MINUTES)) / steps);
                const interval = fc.oneof(fc.integer({ min: 1, max: Math.max(1, longest) }), fc.constant(Math.max(1, longest + spare)));
                return option(interval).map((minutes) => {
                    const raw: Partial<Record<(typeof RELEASE_KEYS)[number], string>> = { deploymentType: type };
                    const gradual = type !== "ALL_AT_ONCE";
                    return {
                        ...raw,
                        ...(gradual && percentage !== undefined ? { deploymentPercentage: String(percentage) } : {}),
                        ...(gradual && minutes !== undefined ? { deploymentIntervalMinutes: String(minutes) } : {}),
                        ...(bake !== undefined ? { bakeMinutes: String(bake) } : {}),
                    };
                });
            }),
    },
    { weight: 1, arbitrary: fc.record(Object.fromEntries(RELEASE_KEYS.map((key) => [key, option(validValue(CONFIG_DOMAINS[key]))]))) },
);

/**
 * Raw configs as a stack file gives them, mostly valid: every key may be set, each from its own
 * domain, with the keys that depend on each other mostly drawn together (CPU and memory, subnets
 * and security groups, the public IP) and the two derived keys mostly at or past their least
 * allowed value. About one in six breaks a rule that relates keys.
 */
export const rawConfigs: fc.Arbitrary<Raw> = fc
    .record({
        independent: fc.record(
            Object.fromEntries(CONFIG_KEYS.filter((k) => !RELATED_KEYS.includes(k)).map((key) => [key, option(validValue(CONFIG_DOMAINS[key]))])),
        ),
        batchTimeoutSeconds: option(fc.oneof(fc.integer({ min: 60, max: 7200 }), fc.integer({ min: 60, max: MAX_TIMEOUT_SECONDS })).map(String)),
        size: option(
            fc.oneof(
                {
                    weight: 5,
                    arbitrary: fc
                        .constantFrom(...FARGATE_MEMORY_BY_CPU.keys())
                        .chain((cpu) => fc.constantFrom(...FARGATE_MEMORY_BY_CPU.get(cpu)!).map((memory) => [cpu, memory])),
                },
                { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...FARGATE_MEMORY_BY_CPU.keys()), fc.integer({ min: 512, max: 122880 })) },
            ),
        ),
        network: option(
            fc.record({
                subnetIds: option(validValue(CONFIG_DOMAINS.subnetIds), 1, 10),
                securityGroupIds: option(validValue(CONFIG_DOMAINS.securityGroupIds), 1, 10),
            }),
        ),
        assignPublicIp: option(fc.constantFrom("true", "false")),
        release: releaseKeys,
        executionTimeoutExtra: option(fc.integer({ min: -1000, max: 100000 }), 3),
        staleExtra: option(fc.integer({ min: -3, max: 200 }), 3),
    })
    .map(({ independent, batchTimeoutSeconds, size, network, assignPublicIp, release, executionTimeoutExtra, staleExtra }) => {
        const raw: Raw = {};
        const set = (key: string, value: string | undefined) => {
            if (value !== undefined) {
                raw[key] = value;
            }
        };
        for (const [key, value] of Object.entries({ ...independent, batchTimeoutSeconds, ...network, ...release })) {
            set(key, value);
        }
        if (size) {
            [raw.batchCpu, raw.batchMemory] = size.map(String);
        }
        // A task without a public IP is mostly drawn where it may be: in the stack's own subnets.
        set("assignPublicIp", assignPublicIp === "false" && raw.subnetIds === undefined && executionTimeoutExtra !== undefined ? "true" : assignPublicIp);
        const parsed = accepts(raw);
        if (parsed && executionTimeoutExtra !== undefined) {
            raw.executionTimeoutSeconds = String(Math.max(60, Math.min(MAX_TIMEOUT_SECONDS, longestRunSeconds(parsed) + executionTimeoutExtra)));
        }
        const leastStale = parsed ? minimumStaleAfterHours(parsed.scheduleExpression) : undefined;
        if (leastStale !== undefined && leastStale <= 168 && staleExtra !== undefined) {
            raw.staleAfterHours = String(Math.max(1, Math.min(168, leastStale + staleExtra)));
        }
        return raw;
    });

/** The parsed config, or undefined when the config is refused with a ConfigError. */
export function accepts(raw: Raw): StackConfig | undefined {
    try {
        return parseConfig(raw);
    } catch (error) {
        if (error instanceof ConfigError) {
            return undefined;
        }
        throw error;
    }
}

/** Accepted configs, raw and parsed. */
export const acceptedConfigs = rawConfigs
    .map((raw) => ({ raw, config: accepts(raw) }))
    .filter((c): c is { raw: Raw; config: StackConfig } => c.config !== undefined);

/** An accepted config with one key set to a value its domain refuses. */
export const configsWithOneBadKey = fc
    .tuple(acceptedConfigs, fc.constantFrom(...CONFIG_KEYS))
    .chain(([{ raw }, key]) => invalidValue(CONFIG_DOMAINS[key]).map((value) => ({ raw: { ...raw, [key]: value }, key })));
