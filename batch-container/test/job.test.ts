import * as assert from "node:assert/strict";
import * as path from "node:path";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import fc from "fast-check";
import { accepts, batchArgumentsNearby, settings } from "../../tests/support/arbitraries";
import { runJob, USAGE, type JobIo } from "../src/job";

/** This program's folder. */
const BATCH_CONTAINER_DIR = path.resolve(__dirname, "..");
import type * as DynamoDBSdk from "@aws-sdk/client-dynamodb";

/**
 * The DynamoDB client as the job resolves it: batch-container's own copy where
 * `cd batch-container && npm ci` installed one, the project's otherwise. The mock and the errors
 * the tests throw must be of the classes the job uses, or it matches neither.
 */
const { ConditionalCheckFailedException, DynamoDBClient, ResourceNotFoundException, UpdateItemCommand } = require(
    require.resolve("@aws-sdk/client-dynamodb", { paths: [path.join(BATCH_CONTAINER_DIR, "src")] }),
) as typeof DynamoDBSdk;
type DynamoDBClient = InstanceType<typeof DynamoDBClient>;

/** Mocks every DynamoDBClient while this suite runs, and only then: other suites talk to a real emulator. */
let dynamodb: AwsClientStub<DynamoDBClient>;
const NOW = "2026-11-30T12:00:00.000Z";
const ENV = { TRANSACTION_ID: "3118498c-1fe2-453b-b04b-25cb540504ae", TRANSACTION_TABLE: "TransactionTable" };

interface Run {
    code: number;
    stdout: Record<string, unknown>[];
    stderr: Record<string, unknown>[];
    destroyed: number;
}

/** Runs the job in-process with the mocked client, a fixed clock, and its lines parsed. */
async function run(argv: string[], env: Record<string, string | undefined> = ENV, createClient?: JobIo["createClient"]): Promise<Run> {
    const out: string[] = [];
    const err: string[] = [];
    let destroyed = 0;
    const code = await runJob(argv, {
        env,
        stdout: (line) => out.push(line),
        stderr: (line) => err.push(line),
        createClient:
            createClient ??
            (() => {
                const client = new DynamoDBClient({ region: "us-east-1" });
                const destroy = client.destroy.bind(client);
                client.destroy = () => {
                    destroyed++;
                    destroy();
                };
                return client;
            }),
        now: () => new Date(NOW),
    });
    const parse = (lines: string[]) => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    return { code, stdout: parse(out), stderr: parse(err), destroyed };
}

describe("batch job (in-process, mocked DynamoDB)", () => {
    before(() => {
        dynamodb = mockClient(DynamoDBClient);
    });
    after(() => dynamodb.restore());
    beforeEach(() => dynamodb.reset());

    it("sets ProcessedAt and both arguments on the existing item only, logs each step, and exits 0", async () => {
        dynamodb.on(UpdateItemCommand).resolves({});
        const result = await run(["--arg1", "100", "--arg2=-7"]);
        assert.equal(result.code, 0);
        assert.deepEqual(
            dynamodb.commandCalls(UpdateItemCommand).map((c) => c.args[0].input),
            [
                {
                    TableName: "TransactionTable",
                    Key: { Id: { S: ENV.TRANSACTION_ID } },
                    ConditionExpression: "attribute_exists(#key)",
                    UpdateExpression: "SET #processedAt = :processedAt, #arg1 = :arg1, #arg2 = :arg2",
                    ExpressionAttributeNames: { "#key": "Id", "#processedAt": "ProcessedAt", "#arg1": "Arg1", "#arg2": "Arg2" },
                    ExpressionAttributeValues: { ":processedAt": { S: NOW }, ":arg1": { N: "100" }, ":arg2": { N: "-7" } },
                },
            ],
        );
        assert.deepEqual(result.stdout, [
            { time: NOW, level: "info", step: "start", transactionId: ENV.TRANSACTION_ID, table: "TransactionTable", arg1: 100, arg2: -7 },
            { time: NOW, level: "info", step: "marked-processed", transactionId: ENV.TRANSACTION_ID, processedAt: NOW },
            { time: NOW, level: "info", step: "done", transactionId: ENV.TRANSACTION_ID, durationMs: 0 },
        ]);
        assert.deepEqual(result.stderr, []);
        assert.equal(result.destroyed, 1, "the client is destroyed");
    });

    it("exits 1 naming the missing trade when the item does not exist", async () => {
        dynamodb.on(UpdateItemCommand).rejects(new ConditionalCheckFailedException({ message: "The conditional request failed", $metadata: {} }));
        const result = await run(["--arg1", "1", "--arg2", "2"]);
        assert.equal(result.code, 1);
        assert.deepEqual(result.stderr, [
            {
                time: NOW,
                level: "error",
                step: "failed",
                reason: `transaction ${ENV.TRANSACTION_ID} does not exist in table TransactionTable`,
                cause: "ConditionalCheckFailedException: The conditional request failed",
            },
        ]);
        assert.equal(result.stdout.length, 1, "only the start line");
        assert.equal(result.destroyed, 1, "the client is destroyed on failure too");
    });

    it("exits 1 with AWS's error as the cause when the update fails otherwise", async () => {
        dynamodb.on(UpdateItemCommand).rejects(new ResourceNotFoundException({ message: "Requested resource not found", $metadata: {} }));
        const result = await run(["--arg1", "1", "--arg2", "2"]);
        assert.equal(result.code, 1);
        assert.equal(result.stderr[0].reason, `updating transaction ${ENV.TRANSACTION_ID} failed`);
        assert.equal(result.stderr[0].cause, "ResourceNotFoundException: Requested resource not found");
    });

    for (const [label, argv, reason] of [
        ["an unknown flag", ["--arg1", "1", "--arg2", "2", "--arg3", "3"], 'unexpected argument "--arg3"'],
        ["a flag without its value", ["--arg1", "1", "--arg2"], "--arg2 needs a value"],
        ["a repeated flag", ["--arg1", "1", "--arg2", "2", "--arg2", "3"], "--arg2 is given more than once"],
        ["a repeated flag in the = form", ["--arg1=1", "--arg1=1", "--arg2", "2"], "--arg1 is given more than once"],
        ["an empty value", ["--arg1", "", "--arg2", "2"], '--arg1 must be an integer (got "")'],
        ["an integer beyond 2^53", ["--arg1", "9007199254740993", "--arg2", "2"], '--arg1 must be an integer (got "9007199254740993")'],
        ["a missing --arg1", ["--arg2", "2"], "--arg1 is required"],
        ["a missing --arg2", ["--arg1", "1"], "--arg2 is required"],
        ["a non-integer --arg1", ["--arg1", "1.5", "--arg2", "2"], '--arg1 must be an integer (got "1.5")'],
        ["a non-numeric --arg2", ["--arg1", "1", "--arg2", "two"], '--arg2 must be an integer (got "two")'],
        ["a positional argument", ["--arg1", "1", "--arg2", "2", "extra"], 'unexpected argument "extra"'],
        ["an empty argument", [""], 'unexpected argument ""'],
    ] as const) {
        it(`exits 2 on ${label} with the reason and the usage, touching nothing`, async () => {
            const result = await run([...argv]);
            assert.equal(result.code, 2);
            assert.deepEqual(result.stderr, [{ time: NOW, level: "error", step: "usage", reason, usage: USAGE }]);
            assert.deepEqual(result.stdout, []);
            assert.equal(dynamodb.commandCalls(UpdateItemCommand).length, 0);
        });
    }

    for (const argv of [
        ["--arg1", "-5", "--arg2", "-6"],
        ["--arg1=-5", "--arg2=-6"],
        ["--arg2", "-6", "--arg1", "-5"],
    ]) {
        it(`accepts negative integers in every form (${argv.join(" ")}) and stores them`, async () => {
            dynamodb.on(UpdateItemCommand).resolves({});
            const result = await run(argv);
            assert.equal(result.code, 0);
            const values = dynamodb.commandCalls(UpdateItemCommand).map((c) => c.args[0].input.ExpressionAttributeValues);
            assert.deepEqual(values, [{ ":processedAt": { S: NOW }, ":arg1": { N: "-5" }, ":arg2": { N: "-6" } }]);
        });
    }

    for (const variable of ["TRANSACTION_ID", "TRANSACTION_TABLE"]) {
        it(`exits 2 when ${variable} is unset or empty`, async () => {
            for (const value of [undefined, ""]) {
                const result = await run(["--arg1", "1", "--arg2", "2"], { ...ENV, [variable]: value });
                assert.equal(result.code, 2);
                assert.equal(result.stderr[0].reason, `environment variable ${variable} must be set`);
            }
        });
    }

    it("exits 1 and logs the crash when something unexpected throws", async () => {
        const result = await run(["--arg1", "1", "--arg2", "2"], ENV, () => {
            throw new Error("no client today");
        });
        assert.equal(result.code, 1);
        assert.equal(result.stderr[0].step, "crashed");
        assert.match(String(result.stderr[0].cause), /^Error: no client today/);
    });

    it("says how it is used", () => {
        assert.equal(USAGE, "usage: batch --arg1 <integer> --arg2 <integer>, each exactly once (environment: TRANSACTION_ID, TRANSACTION_TABLE)");
    });

    it("the config accepts a batch argument list exactly when the batch program exits 0 with it", async () => {
        dynamodb.on(UpdateItemCommand).resolves({});
        await fc.assert(
            fc.asyncProperty(batchArgumentsNearby, async (argv) => {
                const accepted = accepts({ batchCommand: JSON.stringify(argv) }) !== undefined;
                const code = await runJob(argv, {
                    env: { TRANSACTION_ID: "t-1", TRANSACTION_TABLE: "TransactionTable" },
                    stdout: () => undefined,
                    stderr: () => undefined,
                    createClient: () => new DynamoDBClient({ region: "us-east-1" }),
                    now: () => new Date(0),
                });
                assert.equal(code === 0, accepted, `${JSON.stringify(argv)}: config ${accepted ? "accepts" : "refuses"}, program exits ${code}`);
            }),
            settings(300),
        );
    });
});

describe("batch job (in-process): crashes and stray flags", () => {
    it("logs an unexpected error's stack, and a thrown value that is not an Error as the value itself", async () => {
        const throwing =
            (value: unknown): JobIo["createClient"] =>
            () => {
                throw value;
            };
        const crash = async (value: unknown) => {
            const result = await run(["--arg1", "1", "--arg2", "2"], ENV, throwing(value));
            assert.equal(result.code, 1);
            assert.equal(result.stderr[0].step, "crashed");
            return result.stderr[0].cause;
        };
        const stack = "Error: no client today\n    at createClient (job.ts:1:1)";
        assert.equal(await crash(Object.assign(new Error("no client today"), { stack })), stack);
        assert.equal(await crash("a string"), "a string");
        assert.equal(await crash(undefined), "undefined");
    });

    it("exits 2 on a flag with anything before its dashes", async () => {
        const result = await run(["x--arg1", "1", "--arg2", "2"]);
        assert.equal(result.code, 2);
        assert.equal(result.stderr[0].reason, 'unexpected argument "x--arg1"');
    });
});
