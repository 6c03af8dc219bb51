import * as assert from "node:assert/strict";
import { ArgumentsError, componentSettings, CONFIG_KEYS, ConfigError, configDefault, KEYS, parseConfig, type StackConfig } from "../model/config";
import { DERIVED, stringMap } from "../model/keys";
import { overridesLength, PLATFORM_RULES } from "../model/platform-rules";
import { nearestOf } from "../model/nearest";
import { localWorkflow } from "../local/stand-ins";
import { runProgram } from "./support/program";
import { thrown } from "./support/thrown";
import { defaultExecutionTimeout, DEPLOYED_ATTEMPTS, longestSuccessSeconds } from "./support/worst-case";

const COMMAND = `a JSON array of the batch program's arguments: --arg1 <integer> --arg2 <integer>, each exactly once, such as ["--arg1","100","--arg2","200"]`;
const SCHEDULE = "stock-trader:scheduleExpression must be an EventBridge schedule, rate(<value> <unit>) or cron(<6 fields>), such as rate(1 hour): ";

const subnets = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => `subnet-${String(i).padStart(17, "0")}`));
const groups = (n: number) => JSON.stringify(Array.from({ length: n }, (_, i) => `sg-${String(i).padStart(17, "0")}`));

/** One bad value per rule, with the exact message it must produce. */
/** The longest successful run of a config's definition, read off its states, not from the model's sum. */
const longestOf = (raw: Record<string, string>) => Math.ceil(longestSuccessSeconds(localWorkflow(parseConfig(raw), "T").definition, DEPLOYED_ATTEMPTS));
/** What a successful run takes besides its batch runs' own time: every Lambda, DynamoDB and ECS start retry. */
const overheadOf = (raw: Record<string, string>, runs: number) => longestOf({ ...raw, batchTimeoutSeconds: "60" }) - 60 * runs;
const YEAR = 31536000;
const ON_DEMAND = overheadOf({}, 1);
const TEN_RERUNS = overheadOf({ batchCapacity: "FARGATE_SPOT", batchInterruptionRetries: "10" }, 11);

const RULES: [string, Record<string, string>, string][] = [
    ["buyThreshold is an integer", { buyThreshold: "abc" }, "stock-trader:buyThreshold must be an integer from 0 to 99 (got abc)"],
    ["buyThreshold is at most 99", { buyThreshold: "100" }, "stock-trader:buyThreshold must be an integer from 0 to 99 (got 100)"],
    ["buyThreshold is not negative", { buyThreshold: "-1" }, "stock-trader:buyThreshold must be an integer from 0 to 99 (got -1)"],
    ["buyThreshold is whole", { buyThreshold: "50.5" }, "stock-trader:buyThreshold must be an integer from 0 to 99 (got 50.5)"],
    ["batchCommand is a JSON array", { batchCommand: "--arg1 1" }, `stock-trader:batchCommand must be ${COMMAND} (got --arg1 1)`],
    [
        "batchCommand holds only strings",
        { batchCommand: '["--arg1",1]' },
        `stock-trader:batchCommand must be ${COMMAND}; item 2 is 1, a number, and each item is a string: in a stack file, quote it ("1"), as YAML reads it unquoted as a number (got ["--arg1",1])`,
    ],
    ["batchCommand is not empty", { batchCommand: "[]" }, `stock-trader:batchCommand must be ${COMMAND} (got [])`],
    [
        "batchCommand has both arguments",
        { batchCommand: '["--arg1","5"]' },
        `stock-trader:batchCommand must be ${COMMAND}; --arg2 is required (got ["--arg1","5"])`,
    ],
    [
        "batchCommand's values are integers",
        { batchCommand: '["--arg1","abc","--arg2","2"]' },
        `stock-trader:batchCommand must be ${COMMAND}; --arg1 must be an integer (got "abc") (got ["--arg1","abc","--arg2","2"])`,
    ],
    ["batchCommand has no empty argument", { batchCommand: '[""]' }, `stock-trader:batchCommand must be ${COMMAND}; unexpected argument "" (got [""])`],
    [
        "batchCommand names each flag once",
        { batchCommand: '["--arg1","1","--arg2","2","--arg2","3"]' },
        `stock-trader:batchCommand must be ${COMMAND}; --arg2 is given more than once (got ["--arg1","1","--arg2","2","--arg2","3"])`,
    ],
    [
        "batchContainerName uses ECS's characters",
        { batchContainerName: "my batch" },
        "stock-trader:batchContainerName must be 1 to 255 letters, digits, hyphens or underscores (got my batch)",
    ],
    ["batchCpu is a Fargate CPU size", { batchCpu: "300" }, "stock-trader:batchCpu must be one of 256, 512, 1024, 2048, 4096, 8192, 16384 (got 300)"],
    [
        "batchMemory is valid for batchCpu",
        { batchCpu: "1024", batchMemory: "1024" },
        "stock-trader:batchMemory must be one of 2048, 3072, 4096, 5120, 6144, 7168, 8192 with stock-trader:batchCpu 1024 (got 1024)",
    ],
    ["batchMemory is an integer", { batchMemory: "lots" }, "stock-trader:batchMemory must be an integer from 512 to 122880 (got lots)"],
    ["batchArchitecture is ARM64 or X86_64", { batchArchitecture: "arm64" }, "stock-trader:batchArchitecture must be one of ARM64, X86_64 (got arm64)"],
    [
        "batchArchitecture is X86_64 on Fargate Spot",
        { batchCapacity: "FARGATE_SPOT", batchArchitecture: "ARM64" },
        "stock-trader:batchArchitecture must be X86_64 with stock-trader:batchCapacity FARGATE_SPOT (got ARM64): Fargate Spot runs X86_64 Linux tasks only; " +
            "leave batchArchitecture unset (it is then X86_64 on Spot), or set batchCapacity FARGATE to run ARM64",
    ],
    [
        "batchTimeoutSeconds is at least a minute",
        { batchTimeoutSeconds: "10" },
        "stock-trader:batchTimeoutSeconds must be an integer from 60 to 31536000 (got 10)",
    ],
    [
        "batchTimeoutSeconds is at most a year",
        { batchTimeoutSeconds: "31536001" },
        "stock-trader:batchTimeoutSeconds must be an integer from 60 to 31536000 (got 31536001)",
    ],
    ["batchImagesToKeep is positive", { batchImagesToKeep: "0" }, "stock-trader:batchImagesToKeep must be an integer from 2 to 1000 (got 0)"],
    [
        "batchImagesToKeep keeps the image before the one in service, which earlier executions run",
        { batchImagesToKeep: "1" },
        "stock-trader:batchImagesToKeep must be an integer from 2 to 1000 (got 1)",
    ],
    [
        "subnetIds are subnet IDs",
        { subnetIds: '["subnet-zz"]', securityGroupIds: '["sg-0123456789abcdef0"]' },
        'stock-trader:subnetIds must be a JSON array of 1 to 16 subnet IDs (subnet- and 8 or 17 hex digits) (got ["subnet-zz"])',
    ],
    [
        "subnetIds are at most 16, as awsvpcConfiguration allows",
        { subnetIds: subnets(17), securityGroupIds: '["sg-0123456789abcdef0"]' },
        `stock-trader:subnetIds must be a JSON array of 1 to 16 subnet IDs (subnet- and 8 or 17 hex digits) (got ${subnets(17)})`,
    ],
    [
        "securityGroupIds are at most 5, as awsvpcConfiguration allows",
        { subnetIds: subnets(1), securityGroupIds: groups(6) },
        `stock-trader:securityGroupIds must be a JSON array of 1 to 5 security group IDs (sg- and 8 or 17 hex digits) (got ${groups(6)})`,
    ],
    [
        "assignPublicIp stays true in the default VPC's public subnets",
        { assignPublicIp: "false" },
        "stock-trader:assignPublicIp must be true without subnetIds (got false): the default VPC's public subnets have no NAT, so a task without a public IP cannot pull its image; set subnetIds with a route to ECR to turn it off",
    ],
    [
        "subnetIds have the 8 or 17 hex digits AWS issues, no other length",
        { subnetIds: '["subnet-0123456789a"]', securityGroupIds: '["sg-0123456789abcdef0"]' },
        'stock-trader:subnetIds must be a JSON array of 1 to 16 subnet IDs (subnet- and 8 or 17 hex digits) (got ["subnet-0123456789a"])',
    ],
    [
        "securityGroupIds have the 8 or 17 hex digits AWS issues, no other length",
        { subnetIds: '["subnet-0123456789abcdef0"]', securityGroupIds: '["sg-0123456789abcdef01"]' },
        'stock-trader:securityGroupIds must be a JSON array of 1 to 5 security group IDs (sg- and 8 or 17 hex digits) (got ["sg-0123456789abcdef01"])',
    ],
    [
        "securityGroupIds are security group IDs",
        { subnetIds: '["subnet-0123456789abcdef0"]', securityGroupIds: '["group-1"]' },
        'stock-trader:securityGroupIds must be a JSON array of 1 to 5 security group IDs (sg- and 8 or 17 hex digits) (got ["group-1"])',
    ],
    [
        "subnetIds and securityGroupIds come together",
        { subnetIds: '["subnet-0123456789abcdef0"]' },
        "stock-trader:subnetIds and stock-trader:securityGroupIds must be set together (got only subnetIds)",
    ],
    ["assignPublicIp is a boolean", { assignPublicIp: "yes" }, "stock-trader:assignPublicIp must be true or false (got yes)"],
    ["scheduleEnabled is a boolean", { scheduleEnabled: "1" }, "stock-trader:scheduleEnabled must be true or false (got 1)"],
    [
        "scheduleExpression is rate(...) or cron(...)",
        { scheduleExpression: "every hour" },
        `${SCHEDULE}it must be rate(<value> <unit>) or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>) (got every hour)`,
    ],
    ["scheduleExpression's rate unit agrees with its value", { scheduleExpression: "rate(1 hours)" }, `${SCHEDULE}use "1 hour" (got rate(1 hours))`],
    [
        "scheduleExpression's plural rate unit agrees with its value",
        { scheduleExpression: "rate(5 minute)" },
        `${SCHEDULE}use "5 minutes" (got rate(5 minute))`,
    ],
    [
        "scheduleExpression's rate is positive",
        { scheduleExpression: "rate(0 minutes)" },
        `${SCHEDULE}the rate must be a positive whole number (got 0) (got rate(0 minutes))`,
    ],
    ["scheduleExpression's cron has six fields", { scheduleExpression: "cron(0 12 * * ?)" }, `${SCHEDULE}cron needs 6 fields (got 5) (got cron(0 12 * * ?))`],
    [
        "scheduleExpression's cron uses ? in day-of-month or day-of-week",
        { scheduleExpression: "cron(0 12 * * * *)" },
        `${SCHEDULE}exactly one of day-of-month and day-of-week must be ? (got cron(0 12 * * * *))`,
    ],
    [
        "scheduleExpression's cron minutes are 0-59",
        { scheduleExpression: "cron(60 12 * * ? *)" },
        `${SCHEDULE}minutes must be 0-59 with , - * / (got 60) (got cron(60 12 * * ? *))`,
    ],
    [
        "scheduleExpression's cron fields are numbers, names or wildcards",
        { scheduleExpression: "cron(a b c d e f)" },
        `${SCHEDULE}minutes must be 0-59 with , - * / (got a) (got cron(a b c d e f))`,
    ],
    [
        "scheduleExpression's cron months are 1-12 or JAN-DEC",
        { scheduleExpression: "cron(0 12 1 13 ? *)" },
        `${SCHEDULE}month must be 1-12 or JAN-DEC with , - * / (got 13) (got cron(0 12 1 13 ? *))`,
    ],
    [
        "scheduleExpression's cron years are 1970-2199",
        { scheduleExpression: "cron(0 12 1 * ? 2200)" },
        `${SCHEDULE}year must be 1970-2199 with , - * / (got 2200) (got cron(0 12 1 * ? 2200))`,
    ],
    ["scheduleExpression's cron hours take no ?", { scheduleExpression: "cron(0 ? 1 * ? *)" }, `${SCHEDULE}hours cannot be ? (got cron(0 ? 1 * ? *))`],
    [
        "logRetentionDays is a CloudWatch retention",
        { logRetentionDays: "10" },
        "stock-trader:logRetentionDays must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (got 10)",
    ],
    ["logLevel is a Step Functions level", { logLevel: "DEBUG" }, "stock-trader:logLevel must be one of ALL, ERROR, FATAL, OFF (got DEBUG)"],
    ["tracingEnabled is a boolean", { tracingEnabled: "on" }, "stock-trader:tracingEnabled must be true or false (got on)"],
    ["tableDeletionProtection is a boolean", { tableDeletionProtection: "True" }, "stock-trader:tableDeletionProtection must be true or false (got True)"],
    ["tablePointInTimeRecovery is a boolean", { tablePointInTimeRecovery: "" }, "stock-trader:tablePointInTimeRecovery must be true or false (got )"],
    ["containerInsights is a boolean", { containerInsights: "enabled" }, "stock-trader:containerInsights must be true or false (got enabled)"],
    [
        "executionTimeoutSeconds leaves room for the batch timeout and every retry",
        { executionTimeoutSeconds: "226000" },
        `stock-trader:executionTimeoutSeconds must be at least ${longestOf({})}, the longest a successful execution can take with batchTimeoutSeconds 3600 and every Lambda, DynamoDB and ECS retry (got 226000)`,
    ],
    [
        "executionTimeoutSeconds grows with batchTimeoutSeconds",
        { executionTimeoutSeconds: "226200", batchTimeoutSeconds: "7200" },
        `stock-trader:executionTimeoutSeconds must be at least ${longestOf({ batchTimeoutSeconds: "7200" })}, the longest a successful execution can take with batchTimeoutSeconds 7200 and every Lambda, DynamoDB and ECS retry (got 226200)`,
    ],
    [
        "executionTimeoutSeconds is at most a year, a STANDARD execution's longest",
        { executionTimeoutSeconds: "31536001" },
        "stock-trader:executionTimeoutSeconds must be an integer from 60 to 31536000 (got 31536001)",
    ],
    ["batchCapacity is FARGATE or FARGATE_SPOT", { batchCapacity: "SPOT" }, "stock-trader:batchCapacity must be one of FARGATE, FARGATE_SPOT (got SPOT)"],
    [
        "batchInterruptionRetries is at most 10",
        { batchInterruptionRetries: "11" },
        "stock-trader:batchInterruptionRetries must be an integer from 0 to 10 (got 11)",
    ],
    [
        "executionTimeoutSeconds leaves room for every Spot rerun of the batch",
        { executionTimeoutSeconds: "226200", batchCapacity: "FARGATE_SPOT" },
        `stock-trader:executionTimeoutSeconds must be at least ${longestOf({ batchCapacity: "FARGATE_SPOT" })}, the longest a successful execution can take with batchTimeoutSeconds 3600 and 2 Spot interruption retries and every Lambda, DynamoDB and ECS retry (got 226200)`,
    ],
    [
        "batchTimeoutSeconds leaves a successful execution within a year",
        { batchTimeoutSeconds: "31536000" },
        "stock-trader:batchTimeoutSeconds must let a successful execution end within 31536000 s, the year a STANDARD execution may run: " +
            `batchTimeoutSeconds 31536000 and every Lambda, DynamoDB and ECS retry take up to ${ON_DEMAND + YEAR} s, so no executionTimeoutSeconds is possible (at most ${YEAR - ON_DEMAND} with these settings)`,
    ],
    [
        "batchTimeoutSeconds leaves a year for every Spot rerun",
        { batchTimeoutSeconds: "3000000", batchCapacity: "FARGATE_SPOT", batchInterruptionRetries: "10" },
        "stock-trader:batchTimeoutSeconds must let a successful execution end within 31536000 s, the year a STANDARD execution may run: " +
            "batchTimeoutSeconds 3000000 with batchCapacity FARGATE_SPOT and batchInterruptionRetries 10 (11 batch runs) and every Lambda, DynamoDB and ECS retry " +
            `take up to ${TEN_RERUNS + 11 * 3000000} s, so no executionTimeoutSeconds is possible (at most ${Math.floor((YEAR - TEN_RERUNS) / 11)} with these settings)`,
    ],
    [
        "staleAfterHours covers the schedule's gap between runs",
        { scheduleExpression: "rate(4 hours)", staleAfterHours: "3" },
        "stock-trader:staleAfterHours must be at least 5 with stock-trader:scheduleExpression rate(4 hours) leaves up to 4 hours between runs " +
            "(an hour more than the longest gap, for the run itself), or the alarm fires between runs (got 3)",
    ],
    [
        "staleAfterHours covers a weekday cron's weekend",
        // Friday 09:00 to Monday 09:00.
        { scheduleExpression: "cron(0 9 ? * MON-FRI *)", staleAfterHours: "24" },
        "stock-trader:staleAfterHours must be at least 73 with stock-trader:scheduleExpression cron(0 9 ? * MON-FRI *) leaves up to 72 hours between runs " +
            "(an hour more than the longest gap, for the run itself), or the alarm fires between runs (got 24)",
    ],
    [
        "staleAfterHours cannot watch a schedule whose gaps pass CloudWatch's 7 days",
        { scheduleExpression: "rate(8 days)", staleAfterHours: "168" },
        "stock-trader:staleAfterHours cannot watch this schedule: stock-trader:scheduleExpression rate(8 days) leaves up to 192 hours between runs, " +
            "and an alarm looks back at most 168 hours (CloudWatch's 7 days); leave staleAfterHours unset, and the stack has no no-recent-success alarm (got 168)",
    ],
    [
        "scheduleExpression runs more than once",
        { scheduleExpression: "cron(0 0 30 2 ? *)" },
        "stock-trader:scheduleExpression must be an EventBridge schedule, rate(<value> <unit>) or cron(<6 fields>), such as rate(1 hour), " +
            "that runs more than once: this one runs at most once (got cron(0 0 30 2 ? *))",
    ],
    ["alarmEmail is an email address", { alarmEmail: "oncall" }, "stock-trader:alarmEmail must be an email address, such as oncall@example.com (got oncall)"],
    [
        "alarmEmail has a domain",
        { alarmEmail: "oncall@localhost" },
        "stock-trader:alarmEmail must be an email address, such as oncall@example.com (got oncall@localhost)",
    ],
    ["staleAfterHours is at least 1", { staleAfterHours: "0" }, "stock-trader:staleAfterHours must be an integer from 1 to 168 (got 0)"],
    [
        "staleAfterHours is at most 168, CloudWatch's 7-day look-back",
        { staleAfterHours: "169" },
        "stock-trader:staleAfterHours must be an integer from 1 to 168 (got 169)",
    ],
    [
        "deploymentType is one AWS knows",
        { deploymentType: "BLUE_GREEN" },
        "stock-trader:deploymentType must be one of ALL_AT_ONCE, CANARY, LINEAR (got BLUE_GREEN)",
    ],
    [
        "deploymentPercentage is at least 1",
        { deploymentType: "CANARY", deploymentPercentage: "0" },
        "stock-trader:deploymentPercentage must be an integer from 1 to 99 (got 0)",
    ],
    [
        "deploymentPercentage is below 100: a shift of all of it is ALL_AT_ONCE",
        { deploymentType: "LINEAR", deploymentPercentage: "100" },
        "stock-trader:deploymentPercentage must be an integer from 1 to 99 (got 100)",
    ],
    [
        "deploymentIntervalMinutes is at most 2100",
        { deploymentType: "CANARY", deploymentIntervalMinutes: "2101" },
        "stock-trader:deploymentIntervalMinutes must be an integer from 1 to 2100 (got 2101)",
    ],
    [
        "a LINEAR shift and its bake fit in the deploy job",
        { deploymentType: "LINEAR", deploymentPercentage: "10", deploymentIntervalMinutes: "30" },
        "stock-trader:bakeMinutes plus the shift must fit in the deploy job, at most 300 minutes (got 10 after a 300-minute LINEAR shift): " +
            "the job runs both on GitHub's hosted runners, which end a job after 360 minutes, and keeps 60 of them for its other steps " +
            "(a rule of this project's, not AWS's); shorten the bake, the interval or the number of steps",
    ],
    [
        "a CANARY's interval and its bake fit in the deploy job",
        { deploymentType: "CANARY", deploymentIntervalMinutes: "250", bakeMinutes: "51" },
        "stock-trader:bakeMinutes plus the shift must fit in the deploy job, at most 300 minutes (got 51 after a 250-minute CANARY shift): " +
            "the job runs both on GitHub's hosted runners, which end a job after 360 minutes, and keeps 60 of them for its other steps " +
            "(a rule of this project's, not AWS's); shorten the bake, the interval or the number of steps",
    ],
    ["bakeMinutes is an integer from 0", { bakeMinutes: "-1" }, "stock-trader:bakeMinutes must be an integer from 0 to 300 (got -1)"],
    ["bakeMinutes fits in the deploy job alone", { bakeMinutes: "301" }, "stock-trader:bakeMinutes must be an integer from 0 to 300 (got 301)"],
    [
        "a percentage applies only to a gradual deployment",
        { deploymentPercentage: "10" },
        "stock-trader:deploymentPercentage applies only with stock-trader:deploymentType CANARY or LINEAR (got ALL_AT_ONCE); remove it, or set a gradual deploymentType",
    ],
    [
        "an interval and a percentage apply only to a gradual deployment",
        { deploymentType: "ALL_AT_ONCE", deploymentPercentage: "10", deploymentIntervalMinutes: "5" },
        "stock-trader:deploymentPercentage and stock-trader:deploymentIntervalMinutes apply only with stock-trader:deploymentType CANARY or LINEAR " +
            "(got ALL_AT_ONCE); remove them, or set a gradual deploymentType",
    ],
    [
        "stateMachineVersionsToKeep leaves room for the next version within 1,000",
        { stateMachineVersionsToKeep: "1000" },
        "stock-trader:stateMachineVersionsToKeep must be an integer from 2 to 999 (got 1000)",
    ],
    ...["constructor", "toString", "valueOf", "__proto__", "hasOwnProperty"].map((key): [string, Record<string, string>, string] => [
        `${key}, an Object.prototype member, is an unknown key`,
        JSON.parse(`{"${key}":"x"}`),
        `stock-trader:${key} is not a key of this project (every key: the README's Configuration table)`,
    ]),
    [
        "an unknown key is refused, naming the nearest known one",
        { buyThreshhold: "40" },
        "stock-trader:buyThreshhold is not a key of this project; did you mean stock-trader:buyThreshold? (every key: the README's Configuration table)",
    ],
];

function problemsOf(raw: Record<string, string>): string[] {
    return thrown(() => parseConfig(raw), ConfigError).problems;
}

describe("config validation at its edges", () => {
    it("reports every problem together, one per line, as a ConfigError", () => {
        const error = thrown(() => parseConfig({ buyThreshold: "x", batchCpu: "3" }), ConfigError);
        assert.equal(error.name, "ConfigError");
        assert.equal(
            error.message,
            "Invalid stack configuration:\n" +
                "  - stock-trader:buyThreshold must be an integer from 0 to 99 (got x)\n" +
                "  - stock-trader:batchCpu must be one of 256, 512, 1024, 2048, 4096, 8192, 16384 (got 3)",
        );
    });

    it("reads values with the blanks a YAML file may leave around them", () => {
        const config = parseConfig({ buyThreshold: " 40 ", batchArchitecture: "X86_64 ", tracingEnabled: " true" });
        assert.equal(config.buyThreshold, 40);
        assert.equal(config.batchArchitecture, "X86_64");
        assert.equal(config.tracingEnabled, true);
    });

    it("names the one of subnetIds and securityGroupIds that was given alone", () => {
        assert.deepEqual(problemsOf({ securityGroupIds: '["sg-0123456789abcdef0"]' }), [
            "stock-trader:subnetIds and stock-trader:securityGroupIds must be set together (got only securityGroupIds)",
        ]);
        assert.equal(
            parseConfig({ subnetIds: JSON.stringify(Array(16).fill("subnet-0123abcd")), securityGroupIds: JSON.stringify(Array(5).fill("sg-0123abcd")) })
                .subnetIds?.length,
            16,
        );
    });

    it("names no Spot reruns in the year's problem when there are none", () => {
        assert.deepEqual(problemsOf({ batchTimeoutSeconds: "31536000", batchCapacity: "FARGATE_SPOT", batchInterruptionRetries: "0" }), [
            "stock-trader:batchTimeoutSeconds must let a successful execution end within 31536000 s, the year a STANDARD execution may run: " +
                `batchTimeoutSeconds 31536000 and every Lambda, DynamoDB and ECS retry take up to ${ON_DEMAND + YEAR} s, so no executionTimeoutSeconds is possible (at most ${YEAR - ON_DEMAND} with these settings)`,
        ]);
    });

    it("defaults batchArchitecture to X86_64 on Fargate Spot, which runs nothing else, and to ARM64 on Fargate", () => {
        assert.equal(parseConfig({ batchCapacity: "FARGATE_SPOT" }).batchArchitecture, "X86_64");
        assert.equal(parseConfig({ batchCapacity: "FARGATE" }).batchArchitecture, "ARM64");
        assert.equal(parseConfig({ batchCapacity: "FARGATE_SPOT", batchArchitecture: "X86_64" }).batchArchitecture, "X86_64");
    });

    it("never derives an execution timeout past the year when the longest run fits in it", () => {
        // The longest batch leaves the longest run at exactly the year; a second less ends it a
        // second before, which rounded up to the minute would be past the year.
        const config = parseConfig({ batchTimeoutSeconds: String(YEAR - ON_DEMAND - 1) });
        assert.equal(config.executionTimeoutSeconds, YEAR);
    });

    it("accepts the longest batch timeout that fits the year, and an execution timeout of exactly the longest run", () => {
        assert.equal(parseConfig({ batchTimeoutSeconds: String(YEAR - ON_DEMAND) }).executionTimeoutSeconds, YEAR);
        assert.equal(parseConfig({ executionTimeoutSeconds: String(longestOf({})) }).executionTimeoutSeconds, longestOf({}));
    });

    it("accepts 168 hours for a schedule whose gap needs exactly that, the most CloudWatch looks back", () => {
        assert.equal(parseConfig({ scheduleExpression: "rate(167 hours)", staleAfterHours: "168" }).staleAfterHours, 168);
    });
});

describe("config validation", () => {
    it("gives each key its definition's default when nothing is set, and the derived ones from the default keys", () => {
        const config = parseConfig({}) as Record<string, unknown>;
        for (const key of CONFIG_KEYS.filter((k) => KEYS[k].default !== DERIVED)) {
            assert.deepEqual(config[key], KEYS[key].default, key);
        }
        assert.deepEqual(Object.fromEntries(CONFIG_KEYS.filter((k) => KEYS[k].default === DERIVED).map((k) => [k, config[k]])), {
            batchArchitecture: "ARM64",
            // Room for the batch's 3600 s and every retry: the longest run of the default definition's states.
            executionTimeoutSeconds: defaultExecutionTimeout(localWorkflow(parseConfig({}), "T").definition),
            staleAfterHours: 3,
            deploymentPercentage: undefined,
            deploymentIntervalMinutes: undefined,
        });
    });

    it("defaults what users rely on as the SAM sample and the seed set it", () => {
        const config = parseConfig({});
        assert.deepEqual(
            [config.buyThreshold, config.batchCommand, config.batchCpu, config.batchMemory, config.batchTimeoutSeconds, config.scheduleExpression],
            [50, ["--arg1", "100", "--arg2", "200"], 256, 512, 3600, "rate(1 hour)"],
        );
        assert.equal(config.tableDeletionProtection, false);
        assert.equal(config.deploymentType, "ALL_AT_ONCE");
    });

    it("gives a gradual deployment a tenth of the executions for ten minutes a step where the stack sets neither", () => {
        for (const deploymentType of ["CANARY", "LINEAR"]) {
            const config = parseConfig({ deploymentType });
            assert.deepEqual([config.deploymentPercentage, config.deploymentIntervalMinutes], [10, 10], deploymentType);
        }
        assert.deepEqual(
            [
                parseConfig({ deploymentType: "LINEAR", deploymentPercentage: "10", deploymentIntervalMinutes: "29", bakeMinutes: "10" })
                    .deploymentIntervalMinutes,
            ],
            [29],
            "10 steps of 29 minutes and a 10-minute bake end at 300, the deploy job's limit itself",
        );
    });

    it("refuses a LINEAR shift past AWS's 2100 minutes by AWS's rule, naming the longest step, besides the deploy job's", () => {
        assert.deepEqual(problemsOf({ deploymentType: "LINEAR", deploymentPercentage: "4", deploymentIntervalMinutes: "85" }), [
            "stock-trader:deploymentIntervalMinutes must be at most 84 with stock-trader:deploymentType LINEAR and stock-trader:deploymentPercentage 4: " +
                "25 steps of 85 minutes take 2125, and a shift must finish within 2100 minutes (got 85; or raise the percentage)",
            "stock-trader:bakeMinutes plus the shift must fit in the deploy job, at most 300 minutes (got 10 after a 2125-minute LINEAR shift): " +
                "the job runs both on GitHub's hosted runners, which end a job after 360 minutes, and keeps 60 of them for its other steps " +
                "(a rule of this project's, not AWS's); shorten the bake, the interval or the number of steps",
        ]);
    });

    it("parses every kind of valid value", () => {
        const config = parseConfig({
            buyThreshold: "0",
            batchCommand: '["--arg1=-5","--arg2","0"]',
            batchCpu: "16384",
            batchMemory: "122880",
            batchArchitecture: "X86_64",
            subnetIds: '["subnet-0123456789abcdef0","subnet-89abcdef"]',
            securityGroupIds: '["sg-0123456789abcdef0"]',
            scheduleExpression: "cron(0 12 * * ? *)",
            logRetentionDays: "3653",
            tracingEnabled: "true",
        });
        assert.equal(config.buyThreshold, 0);
        assert.deepEqual(config.batchCommand, ["--arg1=-5", "--arg2", "0"]);
        assert.equal(config.batchMemory, 122880);
        assert.deepEqual(config.subnetIds, ["subnet-0123456789abcdef0", "subnet-89abcdef"]);
        assert.equal(config.scheduleExpression, "cron(0 12 * * ? *)");
        assert.equal(config.logRetentionDays, 3653);
        assert.equal(config.tracingEnabled, true);
    });

    for (const [rule, raw, message] of RULES) {
        it(`${rule}: fails with the named error and registers no resource`, async () => {
            assert.deepEqual(problemsOf(raw), [message]);
            const run = await runProgram(raw);
            assert.ok(run.error instanceof ConfigError, `the program should throw a ConfigError, got ${String(run.error)}`);
            assert.match(run.error.message, new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")));
            assert.deepEqual(run.resources, [], "no resource may be registered before config is valid");
        });
    }

    it("measures the RunTask overrides as the state machine sends them, not the command alone", () => {
        // A command whose own JSON is exactly the limit: the overrides around it are 141 characters more.
        const command = ["x".repeat(8192 - 4)];
        assert.equal(JSON.stringify(command).length, 8192);
        assert.equal(overridesLength("batch", command), 8333);
        const fits = ["x".repeat(8192 - 4 - 141)];
        assert.equal(overridesLength("batch", fits), 8192);
        assert.equal(overridesLength("batch1", fits), 8193);
    });

    it("accepts every documented cron and rate form", () => {
        for (const expression of [
            "rate(1 minute)",
            "rate(15 minutes)",
            "rate(1 day)",
            "cron(0 12 * * ? *)",
            "cron(0/15 * * * ? *)",
            "cron(0 18 ? * MON-FRI *)",
            "cron(0 8 1 * ? *)",
            "cron(0/10 * ? * MON-FRI *)",
            "cron(15 10 ? * 6L 2019-2022)",
            "cron(0 10 L * ? *)",
            "cron(0 10 15W * ? *)",
            "cron(0 10 ? * 3#2 *)",
            "cron(5,35 14 * JAN,MAR ? *)",
        ]) {
            assert.equal(parseConfig({ scheduleExpression: expression }).scheduleExpression, expression);
        }
    });

    it("reports several bad keys together", () => {
        assert.deepEqual(problemsOf({ buyThreshold: "x", logLevel: "LOUD", tracingEnabled: "maybe" }), [
            "stock-trader:buyThreshold must be an integer from 0 to 99 (got x)",
            "stock-trader:logLevel must be one of ALL, ERROR, FATAL, OFF (got LOUD)",
            "stock-trader:tracingEnabled must be true or false (got maybe)",
        ]);
    });
});

describe("a map-valued key's reader", () => {
    const read = stringMap(/^[A-Z_][A-Z0-9_]*$/, /^[^\n]*$/, 2, "a JSON object of NAME to text").parse;

    it("reads a JSON object of names to strings, as a YAML map or pulumi config set --path gives it, empty included", () => {
        assert.deepEqual(read('{"MODE":"fast","LIMIT":"10"}'), { ok: true, value: { MODE: "fast", LIMIT: "10" } });
        assert.deepEqual(read("{}"), { ok: true, value: {} });
    });

    it("refuses what is not an object of strings, naming a value YAML read as another type and how to keep it text", () => {
        for (const raw of ["not json", "[]", '"text"', "null", "1"]) {
            assert.deepEqual(read(raw), { ok: false, expected: "a JSON object of NAME to text" }, raw);
        }
        assert.deepEqual(read('{"LIMIT":10}'), {
            ok: false,
            expected:
                'a JSON object of NAME to text; LIMIT\'s value is 10, a number, and each is a string: in a stack file, quote it ("10"), as YAML reads it unquoted as a number',
        });
    });

    it("says a list or a map that stands where one string must is not text, without quoting it as a scalar", () => {
        assert.deepEqual(read('{"MODE":{"a":"b"}}'), {
            ok: false,
            expected: 'a JSON object of NAME to text; MODE\'s value is {"a":"b"}, a map, and each is a string: write it as one string',
        });
        assert.deepEqual(read('{"MODE":["a"]}'), {
            ok: false,
            expected: 'a JSON object of NAME to text; MODE\'s value is ["a"], a list, and each is a string: write it as one string',
        });
    });

    it("refuses a name or a value its patterns refuse, naming the entry, and more entries than it takes", () => {
        assert.deepEqual(read('{"mode":"fast"}'), { ok: false, expected: 'a JSON object of NAME to text; "mode": "fast" is not' });
        assert.deepEqual(read('{"MODE":"a\\nb"}'), { ok: false, expected: 'a JSON object of NAME to text; "MODE": "a\\nb" is not' });
        assert.deepEqual(read('{"A":"1","B":"2","C":"3"}'), { ok: false, expected: "a JSON object of NAME to text; 3 entries, more than 2" });
    });
});

describe("a component's settings, out of its arguments", () => {
    it("names the component and, in each problem, the argument it gave, leaving a key it was not given as the stack's", () => {
        const error = thrown(
            () =>
                componentSettings("BatchJob", {
                    cpu: ["batchCpu", undefined],
                    memory: ["batchMemory", 4096],
                    capacity: ["batchCapacity", "FARGATE_SPOT"],
                    architecture: ["batchArchitecture", "ARM64"],
                }),
            ArgumentsError,
        );
        const spot =
            "architecture must be X86_64 with capacity FARGATE_SPOT (got ARM64): Fargate Spot runs X86_64 Linux tasks only; " +
            "leave batchArchitecture unset (it is then X86_64 on Spot), or set batchCapacity FARGATE to run ARM64";
        assert.equal(error.name, "ArgumentsError");
        assert.equal(error.component, "BatchJob");
        assert.deepEqual(error.problems, ["memory must be one of 512, 1024, 2048 with stock-trader:batchCpu 256 (got 4096)", spot]);
        assert.equal(
            error.message,
            `Invalid BatchJob arguments:\n  - memory must be one of 512, 1024, 2048 with stock-trader:batchCpu 256 (got 4096)\n  - ${spot}`,
        );
    });

    it("gives every key it is not given its default, as the stack config does, derived ones included", () => {
        assert.deepEqual(componentSettings("AlarmTopic", { email: ["alarmEmail", undefined] }), parseConfig({}));
        assert.equal(componentSettings("BatchJob", { capacity: ["batchCapacity", "FARGATE_SPOT"] }).batchArchitecture, "X86_64");
        assert.equal(configDefault("tablePointInTimeRecovery"), false);
        assert.equal(configDefault("batchCpu"), 256);
        assert.equal(configDefault("batchArchitecture"), "ARM64");
        assert.equal(configDefault("executionTimeoutSeconds"), parseConfig({}).executionTimeoutSeconds);
    });
});

describe("the nearest value a refusal offers", () => {
    it("offers the candidate nearest to a typo, case ignored, up to a third of its length away or two edits", () => {
        assert.equal(nearestOf("america/new_york", ["UTC", "America/New_York"]), "America/New_York");
        // Two edits from a six-character text: the least any text may be off.
        assert.equal(nearestOf("abcdef", ["zzzzzz", "abcdXY"]), "abcdXY");
        // Three edits from nine characters: a third of it.
        assert.equal(nearestOf("abcdefghi", ["abcdefXYZ"]), "abcdefXYZ");
    });

    it("offers nothing when every candidate is further, or there is none", () => {
        assert.equal(nearestOf("abcdefghi", ["abcdeWXYZ"]), undefined, "four edits from nine characters");
        assert.equal(nearestOf("abcdefghi", ["zzzzzzzzz"]), undefined);
        assert.equal(nearestOf("abc", ["xyz"]), undefined);
        assert.equal(nearestOf("abc", []), undefined);
    });
});

describe("the year a STANDARD execution may run, blaming the key the stack can change", () => {
    it("blames batchTimeoutSeconds when no execution timeout could cover the run, even where the stack sets one", () => {
        assert.deepEqual(problemsOf({ batchTimeoutSeconds: "31536000", executionTimeoutSeconds: "31536000" }), [
            "stock-trader:batchTimeoutSeconds must let a successful execution end within 31536000 s, the year a STANDARD execution may run: " +
                `batchTimeoutSeconds 31536000 and every Lambda, DynamoDB and ECS retry take up to ${ON_DEMAND + YEAR} s, so no executionTimeoutSeconds is possible (at most ${YEAR - ON_DEMAND} with these settings)`,
        ]);
    });

    it("blames the execution timeout the stack sets when the run takes exactly the year", () => {
        assert.deepEqual(problemsOf({ batchTimeoutSeconds: String(YEAR - ON_DEMAND), executionTimeoutSeconds: String(YEAR - 60) }), [
            `stock-trader:executionTimeoutSeconds must be at least ${YEAR}, the longest a successful execution can take with batchTimeoutSeconds ${YEAR - ON_DEMAND} ` +
                `and every Lambda, DynamoDB and ECS retry (got ${YEAR - 60})`,
        ]);
    });
});

// The key readers refuse these values before the rules see them, so the rules' own words are
// read here off the table, on a config that breaks each.
describe("AWS's rules in the table, as they word a config that breaks them", () => {
    const problemOf = (id: string, changes: Readonly<Record<string, unknown>>): string => {
        const rule = PLATFORM_RULES.find((r) => r.id === id);
        assert.ok(rule, `no rule ${id}`);
        const config = { ...parseConfig({}), ...changes } as unknown as StackConfig;
        assert.equal(rule.holds(config), false, `${id} holds for ${JSON.stringify(changes)}`);
        return rule.problem(config, new Set());
    };

    it("names every value a one-of rule takes, and the value it got", () => {
        assert.equal(
            problemOf("log-retention-days", { logRetentionDays: 10 }),
            "stock-trader:logRetentionDays must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 (got 10)",
        );
        assert.equal(problemOf("states-log-level", { logLevel: "DEBUG" }), "stock-trader:logLevel must be one of ALL, ERROR, FATAL, OFF (got DEBUG)");
    });

    it("names a gradual deployment's interval past 2100 minutes, or missing, with the deployment type", () => {
        assert.equal(
            problemOf("alias-gradual-interval", { deploymentType: "LINEAR", deploymentPercentage: 10, deploymentIntervalMinutes: 2101 }),
            "stock-trader:deploymentIntervalMinutes must be an integer from 1 to 2100 with stock-trader:deploymentType LINEAR (got 2101)",
        );
        assert.equal(
            problemOf("alias-gradual-interval", { deploymentType: "CANARY", deploymentPercentage: 10, deploymentIntervalMinutes: undefined }),
            "stock-trader:deploymentIntervalMinutes must be an integer from 1 to 2100 with stock-trader:deploymentType CANARY (got undefined)",
        );
    });

    it("keeps one version of the 1,000 free for the next deploy", () => {
        assert.equal(
            problemOf("state-machine-versions", { stateMachineVersionsToKeep: 1000 }),
            "stock-trader:stateMachineVersionsToKeep must be at most 999: a state machine has at most 1000 versions, and the next deploy publishes one more (got 1000)",
        );
    });

    it("counts the subnets and the groups given, none for a list not given", () => {
        const ids = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => `${prefix}-${String(i).padStart(17, "0")}`);
        const limits = "stock-trader:subnetIds and stock-trader:securityGroupIds must name at most 16 subnets and 5 groups";
        assert.equal(problemOf("awsvpc-subnets-and-groups", { subnetIds: ids("subnet", 17), securityGroupIds: ids("sg", 6) }), `${limits} (got 17 and 6)`);
        assert.equal(problemOf("awsvpc-subnets-and-groups", { subnetIds: ids("subnet", 17) }), `${limits} (got 17 and 0)`);
        assert.equal(problemOf("awsvpc-subnets-and-groups", { securityGroupIds: ids("sg", 6) }), `${limits} (got 0 and 6)`);
    });
});

describe("a text key's refusal of a YAML null", () => {
    it("says YAML read an unquoted null as a null, in a list's item and in a map's value, and how to keep it text", () => {
        assert.deepEqual(problemsOf({ subnetIds: "[null]", securityGroupIds: '["sg-0123abcd"]' }), [
            "stock-trader:subnetIds must be a JSON array of 1 to 16 subnet IDs (subnet- and 8 or 17 hex digits); item 1 is null, a null, " +
                'and each item is a string: in a stack file, quote it ("null"), as YAML reads it unquoted as a null (got [null])',
        ]);
        assert.deepEqual(stringMap(/^[A-Z]+$/, /^.*$/, 2, "a JSON object of NAME to text").parse('{"MODE":null}'), {
            ok: false,
            expected:
                'a JSON object of NAME to text; MODE\'s value is null, a null, and each is a string: in a stack file, quote it ("null"), as YAML reads it unquoted as a null',
        });
    });
});
