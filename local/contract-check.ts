/**
 * The contract check: runs a batch program, as its contract says to run it here, against the
 * in-process DynamoDB emulator, and checks what the workflow relies on. Its effect on the table
 * (the trade's item marked processed with its command's values, nothing else changed, nothing
 * created), its exit codes, its refusals of every command and environment the contract does not
 * allow, and the error line that ends each failed run. Every case comes from the contract, so a
 * program in any language is checked the same way.
 */
import { GetItemCommand, PutItemCommand, type AttributeValue } from "@aws-sdk/client-dynamodb";
import { availableParallelism } from "node:os";
import { parseBatchCommand, type BatchContract } from "../model/batch-contract";
import { runBatch, type BatchProgram, type BatchRun } from "./batch";
import { EMULATOR_ENV, startLocalDynamoDB, type LocalDynamoDB } from "./dynamodb";

/** One check's outcome: what it checks, and where it failed, why. */
export interface CheckOutcome {
    name: string;
    passed: boolean;
    /** Why it failed; empty when it passed. */
    problem: string;
}

export type Expected = "done" | "failed" | "usage";

/** One run of the program: its command and environment, the table it finds, and what it must do. */
export interface Case {
    name: string;
    args: readonly string[];
    /** Variables to leave out of the environment the program gets. */
    unset?: readonly string[];
    /** Whether the trade's item is in the table before the run. */
    itemExists?: boolean;
    /** A table that does not exist, instead of the emulator's. */
    missingTable?: boolean;
    expect: Expected;
    /** Run the same command again after the first run, which must then change only the time it processed. */
    twice?: boolean;
}

/** The item the workflow's Record Transaction state writes before the batch runs: its key and the trade's attributes. */
const tradeItem = (contract: BatchContract, id: string): Record<string, AttributeValue> => ({
    [contract.table.key]: { S: id },
    Type: { S: "buy" },
    Price: { N: "42" },
    Quantity: { N: "10" },
    Timestamp: { S: "2026-12-06T12:00:00.000Z" },
});

/** A command with a flag's value replaced, or the flag left out. */
function withFlag(contract: BatchContract, flag: string, value: string | undefined): string[] {
    return contract.arguments.flags.flatMap((f) =>
        f.name !== flag ? [`--${f.name}`, valueOf(contract, f.name)] : value === undefined ? [] : [`--${f.name}`, value],
    );
}

/** The example command's value of a flag; a contract as read (parseBatchContract) has an example it accepts. */
function valueOf(contract: BatchContract, flag: string): string {
    const parsed = parseBatchCommand(contract, contract.arguments.example);
    if (!parsed.ok) {
        throw new Error(`the contract's example ${JSON.stringify(contract.arguments.example)} is not a command it accepts: ${parsed.problem}`);
    }
    return String(parsed.value[flag]);
}

/** Every case the contract implies: what the program must do, and everything it must refuse. */
export function contractCases(contract: BatchContract): Case[] {
    const { flags, minimum, maximum, example } = contract.arguments;
    const [first] = flags;
    const bounds = flags.map((f, i) => `--${f.name}=${i === 0 ? minimum : i === flags.length - 1 ? maximum : valueOf(contract, f.name)}`).reverse();
    // A negative value the contract accepts, where its bounds allow one: -5, or the nearest bound to it.
    const negative = minimum < 0 ? String(Math.min(Math.max(minimum, -5), maximum)) : undefined;
    const refusedValues = ["abc", "1.5", "01", "+1", " 1", "1e3", "0x10", "", String(BigInt(maximum) + 1n), String(BigInt(minimum) - 1n)];
    return [
        { name: `marks the trade processed with the example command (${example.join(" ")})`, args: example, expect: "done" },
        { name: "runs again with the same command, changing only the time it processed the trade", args: example, expect: "done", twice: true },
        { name: `takes --NAME=VALUE in any order, and the bounds (${bounds.join(" ")})`, args: bounds, expect: "done" },
        ...(negative === undefined
            ? []
            : [
                  {
                      name: `takes a negative value after its flag (--${first.name} ${negative})`,
                      args: withFlag(contract, first.name, negative),
                      expect: "done" as const,
                  },
              ]),
        { name: "fails a trade the table does not hold, and creates no item", args: example, itemExists: false, expect: "failed" },
        { name: "fails when the table does not exist", args: example, missingTable: true, expect: "failed" },
        { name: "refuses no arguments", args: [], expect: "usage" },
        ...flags.map((f): Case => ({ name: `refuses a command without --${f.name}`, args: withFlag(contract, f.name, undefined), expect: "usage" })),
        { name: `refuses --${first.name} twice`, args: [...example, `--${first.name}`, valueOf(contract, first.name)], expect: "usage" },
        { name: `refuses --${first.name} without its value`, args: [...withFlag(contract, first.name, undefined), `--${first.name}`], expect: "usage" },
        ...refusedValues.map((value): Case => ({
            name: `refuses --${first.name} ${JSON.stringify(value)}`,
            args: withFlag(contract, first.name, value),
            expect: "usage",
        })),
        { name: "refuses a flag the contract does not name", args: [...example, "--unknown", "1"], expect: "usage" },
        { name: "refuses a stray argument", args: [...example, "extra"], expect: "usage" },
        ...(first.name.length > 1 && !flags.some((f) => f.name === first.name.slice(0, -1))
            ? [
                  {
                      name: `refuses --${first.name.slice(0, -1)}, an abbreviation of --${first.name}`,
                      args: withFlag(contract, first.name, undefined).concat(`--${first.name.slice(0, -1)}`, "1"),
                      expect: "usage" as const,
                  },
              ]
            : []),
        ...[contract.environment.transactionId, contract.environment.tableName].map((variable): Case => ({
            name: `refuses to run without ${variable}`,
            args: example,
            unset: [variable],
            expect: "usage",
        })),
    ];
}

/** The last line of a stream that holds anything. */
const lastLine = (text: string) => text.trimEnd().split("\n").at(-1) ?? "";

/** A line as JSON, or undefined when it is none. */
function jsonLine(line: string): Record<string, unknown> | undefined {
    try {
        const value: unknown = JSON.parse(line);
        return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    } catch {
        return undefined;
    }
}

/** What is wrong with a failed run's last line on standard error, by the contract's error-line format. */
export function errorLineProblem(contract: BatchContract, run: BatchRun, usage: boolean): string | undefined {
    const fields = { ...contract.errorLine.fields, ...(usage ? contract.errorLine.usageFields : {}) };
    const line = lastLine(run.stderr);
    const parsed = jsonLine(line);
    const wrong = Object.entries(fields).filter(([key, value]) => parsed?.[key] !== value);
    return parsed === undefined || wrong.length > 0
        ? `its last line on standard error is not an error line holding ${JSON.stringify(fields)}: ${line === "" ? "(nothing)" : JSON.stringify(line.slice(0, 200))}`
        : undefined;
}

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

/** What is wrong with the trade's item after a run, against what it was and what the run was told. */
export function effectProblem(
    contract: BatchContract,
    before: Record<string, AttributeValue> | undefined,
    after: Record<string, AttributeValue> | undefined,
    expect: Expected,
    args: readonly string[],
    window: { from: number; to: number },
): string | undefined {
    const show = (item: unknown) => JSON.stringify(item);
    if (expect !== "done") {
        return show(after) === show(before) ? undefined : `the trade's item changed from ${show(before)} to ${show(after)}, where the run failed`;
    }
    if (after === undefined || before === undefined) {
        return `the trade's item is gone: ${show(after)}`;
    }
    const processedAt = after[contract.table.processedAt]?.S;
    const at = processedAt === undefined ? NaN : Date.parse(processedAt);
    if (processedAt === undefined || !ISO_UTC.test(processedAt) || !(at >= window.from - 1000 && at <= window.to + 1000)) {
        return `${contract.table.processedAt} must be the time it ran, as an ISO 8601 UTC string such as 2026-12-06T12:00:00.000Z (got ${show(after[contract.table.processedAt])})`;
    }
    const parsed = parseBatchCommand(contract, args);
    const expected: Record<string, AttributeValue> = { ...before, [contract.table.processedAt]: { S: processedAt } };
    if (parsed.ok) {
        contract.arguments.flags.forEach((f) => (expected[f.attribute] = { N: String(parsed.value[f.name]) }));
    }
    const sorted = (item: Record<string, AttributeValue>) => show(Object.fromEntries(Object.entries(item).sort(([a], [b]) => a.localeCompare(b))));
    return sorted(after) === sorted(expected) ? undefined : `the trade's item is ${sorted(after)}, where ${sorted(expected)} was due`;
}

/** Runs one case against the emulator, and says what is wrong, if anything. */
async function runCase(program: BatchProgram, db: LocalDynamoDB, kase: Case, id: string): Promise<string | undefined> {
    const { contract } = program;
    const key = { [contract.table.key]: { S: id } };
    const read = async () => (await db.client.send(new GetItemCommand({ TableName: db.tableName, Key: key, ConsistentRead: true }))).Item;
    if (kase.itemExists ?? true) {
        await db.client.send(new PutItemCommand({ TableName: db.tableName, Item: tradeItem(contract, id) }));
    }
    const env: Record<string, string> = {
        ...EMULATOR_ENV,
        AWS_ENDPOINT_URL: db.endpoint,
        AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
        [contract.environment.transactionId]: id,
        [contract.environment.tableName]: kase.missingTable ? `${db.tableName}-missing` : db.tableName,
    };
    kase.unset?.forEach((variable) => delete env[variable]);
    const code = contract.exitCodes[kase.expect];
    for (let round = 0; round < (kase.twice ? 2 : 1); round++) {
        const before = await read();
        const from = Date.now();
        const run = await runBatch(kase.args, env, program);
        const window = { from, to: Date.now() };
        if (run.exitCode !== code) {
            const named = Object.entries(contract.exitCodes).find(([, c]) => c === run.exitCode)?.[0];
            return `exited ${run.exitCode}${named ? ` (${named})` : ""}, where ${code} (${kase.expect}) was due; standard error ended ${JSON.stringify(lastLine(run.stderr).slice(0, 200))}`;
        }
        const problem =
            (kase.expect === "done"
                ? run.stderr.split("\n").some((line) => errorLineProblem(contract, { ...run, stderr: line }, false) === undefined)
                    ? "it exited done but wrote an error line"
                    : undefined
                : errorLineProblem(contract, run, kase.expect === "usage")) ?? effectProblem(contract, before, await read(), kase.expect, kase.args, window);
        if (problem !== undefined) {
            return kase.twice && round === 1 ? `on its second run, ${problem}` : problem;
        }
    }
    return undefined;
}

/** Runs `tasks`, at most `limit` at once, keeping their order. */
async function limited<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
    const results: T[] = new Array<T>(tasks.length);
    let next = 0;
    const worker = async () => {
        while (next < tasks.length) {
            const i = next++;
            results[i] = await tasks[i]();
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, worker));
    return results;
}

/** Every case of the program's contract, or those given, run against a fresh emulator, in the contract's order. */
export async function checkContract(program: BatchProgram, cases: readonly Case[] = contractCases(program.contract)): Promise<CheckOutcome[]> {
    const db = await startLocalDynamoDB("TransactionTable", program.contract.table.key);
    try {
        return await limited(
            cases.map((kase, i) => async () => {
                const problem = await runCase(program, db, kase, `contract-check-${i}`);
                return { name: kase.name, passed: problem === undefined, problem: problem ?? "" };
            }),
            Math.max(2, availableParallelism()),
        );
    } finally {
        await db.stop();
    }
}
