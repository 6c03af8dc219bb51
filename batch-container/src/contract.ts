/**
 * What the batch program accepts and what it touches, as its contract.json describes it for the
 * workflow. The program enforces it here; the stack's config validation and the contract check
 * read the same file. Pure but for that JSON, which the bundle holds, so it loads anywhere.
 */
import contract from "../contract.json";

/** The environment the program reads: the trade's id from the workflow, the table from the task definition. */
export const BATCH_ENV = contract.environment;

/** The attributes the program reads and writes on a transaction item. */
export const BATCH_ATTRIBUTES = {
    key: contract.table.key,
    processedAt: contract.table.processedAt,
    arg1: contract.arguments.flags[0].attribute,
    arg2: contract.arguments.flags[1].attribute,
} as const;

/** The exit codes the workflow reads. */
export const EXIT_CODES = contract.exitCodes;

/** The flags, each required exactly once with an integer value. */
export const BATCH_FLAGS = ["arg1", "arg2"] as const;
export type BatchFlag = (typeof BATCH_FLAGS)[number];
export type BatchArguments = Record<BatchFlag, number>;

export const BATCH_USAGE = "--arg1 <integer> --arg2 <integer>, each exactly once";

/** Base-10 integers with an optional minus sign and no leading zeros. */
const INTEGER = /^-?(0|[1-9]\d*)$/;

/** The arguments of one run, or why they are not usable. */
export type ParsedArguments = { ok: true; value: BatchArguments } | { ok: false; problem: string };

/**
 * Reads `--arg1 N --arg2 N` in either form (`--arg1 -5` or `--arg1=-5`), in any order. Rejects
 * an unknown token, a flag without a value, a repeated flag, a missing flag and a value that is
 * not a safe integer, so that what reaches DynamoDB as a number is exactly what was given.
 */
export function parseBatchArguments(argv: readonly string[]): ParsedArguments {
    const values: Partial<Record<BatchFlag, string>> = {};
    for (let i = 0; i < argv.length; i++) {
        const token = argv[i];
        const match = /^--([^=]+)(?:=(.*))?$/s.exec(token);
        const flag = BATCH_FLAGS.find((f) => f === match?.[1]);
        if (!match || !flag) {
            return { ok: false, problem: `unexpected argument ${JSON.stringify(token)}` };
        }
        const value = match[2] ?? argv[++i];
        if (value === undefined) {
            return { ok: false, problem: `--${flag} needs a value` };
        }
        if (values[flag] !== undefined) {
            return { ok: false, problem: `--${flag} is given more than once` };
        }
        values[flag] = value;
    }
    const parsed: Partial<BatchArguments> = {};
    for (const flag of BATCH_FLAGS) {
        const value = values[flag];
        if (value === undefined) {
            return { ok: false, problem: `--${flag} is required` };
        }
        if (!INTEGER.test(value) || !Number.isSafeInteger(Number(value))) {
            return { ok: false, problem: `--${flag} must be an integer (got ${JSON.stringify(value)})` };
        }
        parsed[flag] = Number(value);
    }
    return { ok: true, value: parsed as BatchArguments };
}
