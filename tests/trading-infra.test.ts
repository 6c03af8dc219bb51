import * as assert from "node:assert/strict";
import { tempDir } from "./support/temp";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Context } from "aws-lambda";
import { expectedTrust } from "./support/expected-iam";
import { capturingConsole, lambdaContext } from "./support/function-output";
import { TRACING } from "./support/mock-arns";
import { ACCOUNT, mockArn, named, ofType, runProgram, runStack, type ProgramRun } from "./support/program";

const FUNCTIONS = ["stock-checker", "stock-buyer", "stock-seller"];

/** Loads a bundled Lambda the way the runtime does: as `index.js`, calling `index.handler`. */
async function loadBundledHandler(code: string): Promise<(event: unknown, context: Context) => Promise<unknown>> {
    const dir = tempDir("bundle-");
    fs.writeFileSync(path.join(dir, "index.js"), code);
    return require(path.join(dir, "index.js")).handler;
}

describe("trading half under Pulumi mocks (dev stack config)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runStack("dev");
        assert.equal(run.error, undefined, String(run.error));
    });

    for (const fn of FUNCTIONS) {
        describe(fn, () => {
            it("runs on arm64 and nodejs22.x with index.handler, 128 MB and 10 s", () => {
                const { inputs } = named(run, "aws:lambda/function:Function", `trading-${fn}`);
                assert.equal(inputs.runtime, "nodejs22.x");
                assert.deepEqual(inputs.architectures, ["arm64"]);
                assert.equal(inputs.handler, "index.handler");
                assert.equal(inputs.memorySize, 128);
                assert.equal(inputs.timeout, 10);
            });

            it("runs as its own role and logs to its own log group", () => {
                const { inputs } = named(run, "aws:lambda/function:Function", `trading-${fn}`);
                assert.equal(inputs.role, `arn:aws:iam::${ACCOUNT}:role/trading-${fn}-role`);
                assert.deepEqual(inputs.loggingConfig, { logFormat: "JSON", applicationLogLevel: "INFO", logGroup: `trading-${fn}-logs` });
                assert.deepEqual(inputs.environment, { variables: { STOCK_TRADER_STACK: "dev" } });
                assert.equal(inputs.tracingConfig, undefined, "dev does not trace");
            });

            it("ships a one-file bundle whose index.handler works, logging through the console and writing metrics to stdout", async () => {
                const { inputs } = named(run, "aws:lambda/function:Function", `trading-${fn}`);
                const assets = await inputs.code.assets;
                assert.deepEqual(Object.keys(assets), ["index.js"]);
                const handler = await loadBundledHandler(await assets["index.js"].text);
                const { result, info, error, stdout } = await capturingConsole(() => handler({ stock_price: 12 }, lambdaContext("req-1")));
                const output = result as Record<string, unknown>;
                assert.deepEqual(error, []);
                assert.equal((info as { requestId: string }[])[0].requestId, "req-1");
                if (fn === "stock-checker") {
                    assert.deepEqual(Object.keys(output), ["stock_price"]);
                    assert.deepEqual(stdout, []);
                } else {
                    assert.equal(output.type, fn === "stock-buyer" ? "buy" : "sell");
                    assert.equal(output.price, "12");
                    assert.equal(stdout.length, 1);
                    assert.equal(JSON.parse(stdout[0]).TradePrice, 12);
                }
            });

            it("has a log group with the configured retention (7 days in dev), exported by the function's name", () => {
                assert.equal(named(run, "aws:cloudwatch/logGroup:LogGroup", `trading-${fn}-logs`).inputs.retentionInDays, 7);
                assert.equal((run.outputs.functionLogGroupNames as Record<string, string>)[fn], `trading-${fn}-logs`);
            });

            it("has a role only Lambda can assume", () => {
                const role = named(run, "aws:iam/role:Role", `trading-${fn}-role`);
                assert.deepEqual(JSON.parse(role.inputs.assumeRolePolicy), expectedTrust("lambda.amazonaws.com", ACCOUNT));
            });

            it("may only create streams in and write to its own log group", () => {
                const policy = named(run, "aws:iam/rolePolicy:RolePolicy", `trading-${fn}-logs-policy`);
                assert.equal(policy.inputs.role, `trading-${fn}-role-id`);
                assert.deepEqual(JSON.parse(policy.inputs.policy), {
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "WriteOwnLogs",
                            Effect: "Allow",
                            Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                            Resource: `${mockArn("logs", `log-group:trading-${fn}-logs`)}:*`,
                        },
                    ],
                });
            });
        });
    }

    it("gives each function its own role, policy and log group, and attaches no managed policy", () => {
        assert.equal(ofType(run, "aws:lambda/function:Function").length, 3);
        assert.equal(ofType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment").length, 0);
        for (const fn of FUNCTIONS) {
            assert.equal(named(run, "aws:iam/role:Role", `trading-${fn}-role`).inputs.managedPolicyArns, undefined);
        }
    });

    it("creates the transaction table keyed by Id (S), on demand, encrypted, with dev's PITR and deletion protection off", () => {
        const { inputs } = named(run, "aws:dynamodb/table:Table", "transactions-table");
        assert.deepEqual(inputs.attributes, [{ name: "Id", type: "S" }]);
        assert.equal(inputs.hashKey, "Id");
        assert.equal(inputs.rangeKey, undefined);
        assert.equal(inputs.billingMode, "PAY_PER_REQUEST");
        assert.deepEqual(inputs.serverSideEncryption, { enabled: true });
        assert.deepEqual(inputs.pointInTimeRecovery, { enabled: false });
        assert.equal(inputs.deletionProtectionEnabled, false);
    });

    it("exports the function and table outputs as non-empty strings", () => {
        const expected = {
            stockCheckerFunctionArn: mockArn("lambda", "function:trading-stock-checker"),
            stockBuyerFunctionArn: mockArn("lambda", "function:trading-stock-buyer"),
            stockSellerFunctionArn: mockArn("lambda", "function:trading-stock-seller"),
            transactionTableName: "transactions-table",
            transactionTableArn: mockArn("dynamodb", "table/transactions-table"),
        };
        for (const [key, value] of Object.entries(expected)) {
            assert.equal(run.outputs[key], value, key);
        }
    });

    it("resolves every stack output to a non-empty value", () => {
        for (const [key, value] of Object.entries(run.outputs)) {
            const empty = value === undefined || value === null || value === "" || (Array.isArray(value) && value.length === 0);
            assert.ok(!empty, `${key} resolved to ${JSON.stringify(value)}`);
            const items = Array.isArray(value) ? value : typeof value === "object" ? Object.values(value) : [value];
            assert.ok(items.length > 0, `${key} holds nothing`);
            for (const item of items) {
                assert.ok(typeof item === "string" && item.length > 0, `${key} holds ${JSON.stringify(item)}`);
            }
        }
    });
});

describe("trading half under Pulumi mocks (non-default config)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram({ tableDeletionProtection: "true", tablePointInTimeRecovery: "true", logRetentionDays: "365", tracingEnabled: "true" });
        assert.equal(run.error, undefined, String(run.error));
    });

    it("turns on point-in-time recovery and deletion protection", () => {
        const { inputs } = named(run, "aws:dynamodb/table:Table", "transactions-table");
        assert.deepEqual(inputs.pointInTimeRecovery, { enabled: true });
        assert.equal(inputs.deletionProtectionEnabled, true);
    });

    it("applies the configured log retention to every function's log group", () => {
        for (const fn of FUNCTIONS) {
            assert.equal(named(run, "aws:cloudwatch/logGroup:LogGroup", `trading-${fn}-logs`).inputs.retentionInDays, 365);
        }
    });

    it("traces every function actively with tracingEnabled, and lets each role send its traces", () => {
        for (const fn of FUNCTIONS) {
            assert.deepEqual(named(run, "aws:lambda/function:Function", `trading-${fn}`).inputs.tracingConfig, { mode: "Active" });
            const policy = JSON.parse(named(run, "aws:iam/rolePolicy:RolePolicy", `trading-${fn}-logs-policy`).inputs.policy);
            assert.deepEqual(policy.Statement[1], TRACING);
        }
    });
});
