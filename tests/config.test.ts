import * as assert from "node:assert/strict";
import { ConfigError, parseConfig } from "../infra/config";
import { runProgram } from "./support/program";

/** One bad value per rule, with the exact message it must produce. */
const RULES: [string, Record<string, string>, string][] = [
    ["buyThreshold is an integer", { buyThreshold: "abc" }, "stock-trader:buyThreshold must be an integer from 0 to 99 (got abc)"],
    ["buyThreshold is at most 99", { buyThreshold: "100" }, "stock-trader:buyThreshold must be an integer from 0 to 99 (got 100)"],
    ["buyThreshold is not negative", { buyThreshold: "-1" }, "stock-trader:buyThreshold must be an integer from 0 to 99 (got -1)"],
    ["buyThreshold is whole", { buyThreshold: "50.5" }, "stock-trader:buyThreshold must be an integer from 0 to 99 (got 50.5)"],
    [
        "batchCommand is a JSON array",
        { batchCommand: "--arg1 1" },
        'stock-trader:batchCommand must be a non-empty JSON array of strings, such as ["--arg1","100"] (got --arg1 1)',
    ],
    [
        "batchCommand holds only strings",
        { batchCommand: '["--arg1",1]' },
        'stock-trader:batchCommand must be a non-empty JSON array of strings, such as ["--arg1","100"] (got ["--arg1",1])',
    ],
    [
        "batchCommand is not empty",
        { batchCommand: "[]" },
        'stock-trader:batchCommand must be a non-empty JSON array of strings, such as ["--arg1","100"] (got [])',
    ],
    [
        "batchCommand fits ECS's override limit",
        { batchCommand: JSON.stringify(["--arg1", "x".repeat(8200)]) },
        "stock-trader:batchCommand must be at most 8192 characters as JSON, the ECS container override limit (got 8213)",
    ],
    [
        "batchContainerName uses ECS's characters",
        { batchContainerName: "my batch" },
        "stock-trader:batchContainerName must be 1 to 255 letters, digits, hyphens or underscores (got my batch)",
    ],
    [
        "batchCpu is a Fargate CPU size",
        { batchCpu: "300" },
        "stock-trader:batchCpu must be one of 256, 512, 1024, 2048, 4096, 8192, 16384 (got 300)",
    ],
    [
        "batchMemory is valid for batchCpu",
        { batchCpu: "1024", batchMemory: "1024" },
        "stock-trader:batchMemory must be one of 2048, 3072, 4096, 5120, 6144, 7168, 8192 with batchCpu 1024 (got 1024)",
    ],
    [
        "batchMemory is an integer",
        { batchMemory: "lots" },
        "stock-trader:batchMemory must be an integer from 512 to 122880 (got lots)",
    ],
    ["batchArchitecture is ARM64 or X86_64", { batchArchitecture: "arm64" }, "stock-trader:batchArchitecture must be one of ARM64, X86_64 (got arm64)"],
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
    ["batchImagesToKeep is positive", { batchImagesToKeep: "0" }, "stock-trader:batchImagesToKeep must be an integer from 1 to 1000 (got 0)"],
    [
        "subnetIds are subnet IDs",
        { subnetIds: '["subnet-zz"]', securityGroupIds: '["sg-0123456789abcdef0"]' },
        'stock-trader:subnetIds must be a non-empty JSON array of subnet IDs (subnet-0123abcd...) (got ["subnet-zz"])',
    ],
    [
        "securityGroupIds are security group IDs",
        { subnetIds: '["subnet-0123456789abcdef0"]', securityGroupIds: '["group-1"]' },
        'stock-trader:securityGroupIds must be a non-empty JSON array of security group IDs (sg-0123abcd...) (got ["group-1"])',
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
        "stock-trader:scheduleExpression must be rate(<n> <unit>) or cron(<6 fields>), such as rate(1 hour) (got every hour)",
    ],
    [
        "scheduleExpression's rate unit agrees with its value",
        { scheduleExpression: "rate(1 hours)" },
        "stock-trader:scheduleExpression must be rate(<n> <unit>) or cron(<6 fields>), such as rate(1 hour) (got rate(1 hours))",
    ],
    [
        "scheduleExpression's cron has six fields",
        { scheduleExpression: "cron(0 12 * * ?)" },
        "stock-trader:scheduleExpression must be rate(<n> <unit>) or cron(<6 fields>), such as rate(1 hour) (got cron(0 12 * * ?))",
    ],
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
        "unknown keys are rejected",
        { buyThreshhold: "40" },
        "stock-trader:buyThreshhold is not a known key; known keys are buyThreshold, batchCommand, batchContainerName, batchCpu, batchMemory, batchArchitecture, batchTimeoutSeconds, batchImagesToKeep, subnetIds, securityGroupIds, assignPublicIp, scheduleEnabled, scheduleExpression, logRetentionDays, logLevel, tracingEnabled, tableDeletionProtection, tablePointInTimeRecovery, containerInsights",
    ],
];

function problemsOf(raw: Record<string, string>): string[] {
    try {
        parseConfig(raw);
    } catch (error) {
        assert.ok(error instanceof ConfigError, String(error));
        return error.problems;
    }
    assert.fail("expected a ConfigError");
}

describe("config validation", () => {
    it("gives the documented defaults when nothing is set", () => {
        assert.deepEqual(parseConfig({}), {
            buyThreshold: 50,
            batchCommand: ["--arg1", "100", "--arg2", "200"],
            batchContainerName: "batch",
            batchCpu: 256,
            batchMemory: 512,
            batchArchitecture: "ARM64",
            batchTimeoutSeconds: 3600,
            batchImagesToKeep: 10,
            subnetIds: undefined,
            securityGroupIds: undefined,
            assignPublicIp: true,
            scheduleEnabled: false,
            scheduleExpression: "rate(1 hour)",
            logRetentionDays: 14,
            logLevel: "ERROR",
            tracingEnabled: false,
            tableDeletionProtection: false,
            tablePointInTimeRecovery: false,
            containerInsights: false,
        });
    });

    it("parses every kind of valid value", () => {
        const config = parseConfig({
            buyThreshold: "0",
            batchCommand: '["--arg1","5"]',
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
        assert.deepEqual(config.batchCommand, ["--arg1", "5"]);
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

    it("reports several bad keys together", () => {
        assert.deepEqual(problemsOf({ buyThreshold: "x", logLevel: "LOUD", tracingEnabled: "maybe" }), [
            "stock-trader:buyThreshold must be an integer from 0 to 99 (got x)",
            "stock-trader:logLevel must be one of ALL, ERROR, FATAL, OFF (got LOUD)",
            "stock-trader:tracingEnabled must be true or false (got maybe)",
        ]);
    });
});
