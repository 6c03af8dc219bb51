/**
 * What the workflow and its batch program agree on, read from the program's own
 * `contract.json`: a language-neutral description, so that a program in any language can take
 * the present one's place. The arguments and their rules, the environment it is given, its exit
 * codes, the error line it ends a failed run with, what it does to the transaction table, and how
 * to run it on this machine. The config validation, the local engine, the contract check, the
 * preflight and CI read it; nothing else of the program's is read outside its folder.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { BATCH_CONTAINER_DIR, shownPath } from "./project";

/** One flag of the program's command: `--NAME <integer>`, written to the trade's item as `attribute`. */
export interface ContractFlag {
    readonly name: string;
    readonly attribute: string;
}

export interface BatchContract {
    /** What the program does, in one sentence. */
    readonly description: string;
    readonly arguments: {
        /** Each required exactly once, as `--NAME VALUE` or `--NAME=VALUE`, in any order; nothing else is accepted. */
        readonly flags: readonly ContractFlag[];
        /** Every value is a base-10 integer without a sign but `-` and without leading zeros, within these bounds. */
        readonly minimum: number;
        readonly maximum: number;
        /** A command the program accepts: the stack's default `batchCommand`. */
        readonly example: readonly string[];
    };
    /** The variables the program reads: the trade's id (the workflow's override) and the table's name (the task definition's). */
    readonly environment: { readonly transactionId: string; readonly tableName: string };
    readonly exitCodes: { readonly done: number; readonly failed: number; readonly usage: number };
    /** A failed run's last line on standard error: a JSON object holding these fields, and `usageFields` too when it refused its command. */
    readonly errorLine: { readonly fields: Readonly<Record<string, string>>; readonly usageFields: Readonly<Record<string, string>> };
    /** The trade's item: its key, and the attribute the program sets to the time it processed it (ISO 8601, UTC). */
    readonly table: { readonly key: string; readonly processedAt: string };
    /** How this machine runs the program, from its folder: an optional build, the command (`node` is this Node.js), and what must be installed. */
    readonly local: {
        readonly build?: readonly string[];
        readonly command: readonly string[];
        /** Each with the command that succeeds where it is installed, and the Debian packages that install it, which CI installs. */
        readonly needs: readonly { readonly command: readonly string[]; readonly what: string; readonly debian?: readonly string[] }[];
    };
}

/** The file a batch program's folder describes it in. */
export const CONTRACT_FILE = "contract.json";

/** A contract that cannot be read: which file, which field, and the form it must have. */
export class ContractError extends Error {
    constructor(file: string, problem: string) {
        super(`${file}: ${problem}`);
        this.name = "ContractError";
    }
}

type Json = unknown;
const isObject = (value: Json): value is Record<string, Json> => typeof value === "object" && value !== null && !Array.isArray(value);

/** Reads each field by its form, naming the field when it has another. */
function reader(file: string) {
    const refuse = (field: string, form: string, value: Json): never => {
        throw new ContractError(file, `${field} must be ${form} (got ${value === undefined ? "nothing" : JSON.stringify(value)})`);
    };
    const object = (value: Json, field: string) => (isObject(value) ? value : refuse(field, "an object", value));
    const text = (value: Json, field: string) => (typeof value === "string" && value !== "" ? value : refuse(field, "a non-empty string", value));
    const integer = (value: Json, field: string) => (Number.isSafeInteger(value) ? (value as number) : refuse(field, "an integer", value));
    const exitCode = (value: Json, field: string) => {
        const code = integer(value, field);
        return code >= 0 && code <= 255 ? code : refuse(field, "an exit code, 0 to 255", value);
    };
    const texts = (value: Json, field: string, minimum = 0) =>
        Array.isArray(value) && value.length >= minimum && value.every((v) => typeof v === "string")
            ? value
            : refuse(field, `a list of ${minimum > 0 ? `at least ${minimum} ` : ""}strings`, value);
    const textMap = (value: Json, field: string) => {
        const map = object(value, field);
        Object.entries(map).forEach(([key, v]) => text(v, `${field}.${key}`));
        return map as Record<string, string>;
    };
    return { object, text, integer, exitCode, texts, textMap, refuse };
}

/** A contract's JSON, checked field by field; `file` names it in a refusal. */
export function parseBatchContract(json: Json, file: string): BatchContract {
    const r = reader(file);
    const root = r.object(json, "the contract");
    const args = r.object(root.arguments, "arguments");
    const flagsJson = Array.isArray(args.flags) && args.flags.length > 0 ? args.flags : r.refuse("arguments.flags", "a list of at least one flag", args.flags);
    const flags = flagsJson.map((flag, i) => {
        const f = r.object(flag, `arguments.flags[${i}]`);
        const name = r.text(f.name, `arguments.flags[${i}].name`);
        if (!/^[a-z][a-z0-9-]*$/.test(name)) {
            r.refuse(`arguments.flags[${i}].name`, "a flag's name, lower-case letters, digits and hyphens", name);
        }
        return { name, attribute: r.text(f.attribute, `arguments.flags[${i}].attribute`) };
    });
    const minimum = r.integer(args.minimum, "arguments.minimum");
    const maximum = r.integer(args.maximum, "arguments.maximum");
    if (minimum > maximum) {
        r.refuse("arguments.maximum", `at least arguments.minimum (${minimum})`, maximum);
    }
    const environment = r.object(root.environment, "environment");
    const exitCodes = r.object(root.exitCodes, "exitCodes");
    const codes = {
        done: r.exitCode(exitCodes.done, "exitCodes.done"),
        failed: r.exitCode(exitCodes.failed, "exitCodes.failed"),
        usage: r.exitCode(exitCodes.usage, "exitCodes.usage"),
    };
    if (new Set(Object.values(codes)).size !== 3 || codes.done !== 0) {
        r.refuse("exitCodes", "three different codes, done being 0", exitCodes);
    }
    const errorLine = r.object(root.errorLine, "errorLine");
    const table = r.object(root.table, "table");
    const local = r.object(root.local, "local");
    const needs = Array.isArray(local.needs) ? local.needs : r.refuse("local.needs", "a list of what the program needs installed", local.needs);
    const contract: BatchContract = {
        description: r.text(root.description, "description"),
        arguments: { flags, minimum, maximum, example: r.texts(args.example, "arguments.example") },
        environment: {
            transactionId: r.text(environment.transactionId, "environment.transactionId"),
            tableName: r.text(environment.tableName, "environment.tableName"),
        },
        exitCodes: codes,
        errorLine: { fields: r.textMap(errorLine.fields, "errorLine.fields"), usageFields: r.textMap(errorLine.usageFields, "errorLine.usageFields") },
        table: { key: r.text(table.key, "table.key"), processedAt: r.text(table.processedAt, "table.processedAt") },
        local: {
            ...(local.build === undefined ? {} : { build: r.texts(local.build, "local.build", 1) }),
            command: r.texts(local.command, "local.command", 1),
            needs: needs.map((need, i) => {
                const n = r.object(need, `local.needs[${i}]`);
                return {
                    command: r.texts(n.command, `local.needs[${i}].command`, 1),
                    what: r.text(n.what, `local.needs[${i}].what`),
                    ...(n.debian === undefined ? {} : { debian: r.texts(n.debian, `local.needs[${i}].debian`, 1) }),
                };
            }),
        },
    };
    const example = parseBatchCommand(contract, contract.arguments.example);
    if (!example.ok) {
        r.refuse("arguments.example", `a command the contract accepts (${example.problem})`, contract.arguments.example);
    }
    return contract;
}

/** The contract in a batch program's folder. */
export function readBatchContract(dir: string): BatchContract {
    const file = path.join(dir, CONTRACT_FILE);
    const shown = shownPath(file);
    let json: Json;
    try {
        json = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (error) {
        const e = error as NodeJS.ErrnoException;
        throw new ContractError(
            shown,
            e.code === "ENOENT" ? "is missing: a batch program's folder describes it in contract.json" : `is not JSON: ${e.message}`,
        );
    }
    return parseBatchContract(json, shown);
}

let projectContract: BatchContract | undefined;

/** The contract of the project's batch program, in batch-container/, read once. */
export function batchContract(): BatchContract {
    projectContract ??= readBatchContract(BATCH_CONTAINER_DIR);
    return projectContract;
}

/** The command's form, in one line: `--arg1 <integer> --arg2 <integer>, each exactly once`. */
export const batchUsage = (contract: BatchContract): string => `${contract.arguments.flags.map((f) => `--${f.name} <integer>`).join(" ")}, each exactly once`;

/** A command's values by flag, or why the contract refuses it. */
export type ParsedCommand = { ok: true; value: Readonly<Record<string, number>> } | { ok: false; problem: string };

/** Base-10 integers with an optional minus sign and no leading zeros. */
const INTEGER = /^-?(0|[1-9]\d*)$/;

/**
 * Reads a command by the contract's rules: each flag exactly once, as `--NAME VALUE` or
 * `--NAME=VALUE`, in any order, each value an integer within the bounds; an unknown token, a
 * flag without its value, a repeated or a missing flag is refused, naming it.
 */
export function parseBatchCommand(contract: BatchContract, argv: readonly string[]): ParsedCommand {
    const names = contract.arguments.flags.map((f) => f.name);
    const values = new Map<string, string>();
    for (let i = 0; i < argv.length; i++) {
        const token = argv[i];
        const match = /^--([^=]+)(?:=(.*))?$/s.exec(token);
        if (!match || !names.includes(match[1])) {
            return { ok: false, problem: `unexpected argument ${JSON.stringify(token)}` };
        }
        const flag = match[1];
        const value = match[2] ?? argv[++i];
        if (value === undefined) {
            return { ok: false, problem: `--${flag} needs a value` };
        }
        if (values.has(flag)) {
            return { ok: false, problem: `--${flag} is given more than once` };
        }
        values.set(flag, value);
    }
    const parsed: Record<string, number> = {};
    for (const flag of names) {
        const value = values.get(flag);
        if (value === undefined) {
            return { ok: false, problem: `--${flag} is required` };
        }
        if (!INTEGER.test(value)) {
            return { ok: false, problem: `--${flag} must be an integer (got ${JSON.stringify(value)})` };
        }
        const number = Number(value);
        if (number < contract.arguments.minimum || number > contract.arguments.maximum) {
            return { ok: false, problem: `--${flag} must be from ${contract.arguments.minimum} to ${contract.arguments.maximum} (got ${value})` };
        }
        parsed[flag] = number;
    }
    return { ok: true, value: parsed };
}
