/** What the command-line tools share: flag parsing with Node's `util.parseArgs`, usage errors, and the exit code plumbing. */
import { execFile } from "node:child_process";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { CONFIG_KEYS, CONFIG_NAMESPACE, ConfigError } from "../../model/config";
import { nearestKey } from "../../model/nearest";
import { PROJECT_ROOT } from "../../model/project";
import { checkWaitVariables, VariableError } from "./progress";
import { StackFileError } from "./stack-files";

/** Bad usage: the tools print the message, in one line with where their help is, and exit 2. */
export class UsageError extends Error {}

/** Where a tool's help is, read off its usage's first line (`usage: npm run cost -- [options]`). */
export function helpCommand(usage: string): string {
    const tool = /^usage: (npm run [\w:-]+)/.exec(usage)?.[1];
    return tool === undefined ? "--help" : `${tool} -- --help`;
}

/**
 * What a tool prints before it exits 2 for an error that is the caller's to fix: bad usage (one
 * line, pointing at the help), a config the validation refuses, or, when the tool reads a stack
 * file, a stack that has none. Any other error is undefined here: the tool lets it through.
 */
export function callerProblem(error: unknown, usage: string, stack?: string): string | undefined {
    if (error instanceof UsageError) {
        return `${error.message}; ${helpCommand(usage)} lists what it takes`;
    }
    if (error instanceof ConfigError || error instanceof StackFileError) {
        return error.message;
    }
    if (stack !== undefined && (error as NodeJS.ErrnoException).code === "ENOENT") {
        return `no stack file Pulumi.${stack}.yaml`;
    }
    return undefined;
}

/** A tool's catch: prints the caller's problem and gives exit code 2, or rethrows an error that is not the caller's. */
export function refuseCaller(error: unknown, io: Pick<ToolIo, "err">, usage: string, stack?: string): number {
    const problem = callerProblem(error, usage, stack);
    if (problem === undefined) {
        throw error;
    }
    io.err(problem);
    return 2;
}

/** A whole number a flag takes, within bounds; `list` for several, comma-separated (`--sizes 1,100`). */
export interface IntegerBounds {
    readonly min: number;
    readonly max: number;
    readonly list?: boolean;
}

/** The form a text flag's value must have, and how a refusal names it. */
export interface TextForm {
    readonly test: RegExp;
    readonly form: string;
}

/** A stack's name as its stack file names it (`Pulumi.<stack>.yaml`), by the Pulumi CLI's rule for stack names. */
export const STACK_NAME: TextForm = {
    test: /^[A-Za-z0-9_.-]{1,100}$/,
    form: "a stack name, 1 to 100 letters, digits, hyphens, underscores or periods",
};

/** An AWS region's name, such as us-east-1. */
export const REGION: TextForm = { test: /^[a-z]{2}(-[a-z]+)+-\d$/, form: "an AWS region, such as us-east-1" };

/** A stack's name as `pulumi stack` takes it, with its organization and project before it where given. */
export const QUALIFIED_STACK_NAME: TextForm = {
    test: /^(?:[A-Za-z0-9_.-]{1,100}\/){0,2}[A-Za-z0-9_.-]{1,100}$/,
    form: "a stack name, [ORG/[PROJECT/]]STACK, each 1 to 100 letters, digits, hyphens, underscores or periods",
};

/**
 * One flag of a tool's option table: what `util.parseArgs` reads, and for a number or a text,
 * the bounds or the form the shared reader checks. A tool's table is all there is to know about
 * its command line; the tests generate their argument lists from it.
 */
export type Option =
    | { readonly type: "boolean"; readonly default?: boolean }
    | {
          readonly type: "string";
          readonly multiple?: false;
          readonly default?: string;
          readonly integer?: IntegerBounds;
          readonly pattern?: TextForm;
      }
    | { readonly type: "string"; readonly multiple: true; readonly default?: string[]; readonly pattern?: TextForm };

export type OptionTable = Readonly<Record<string, Option>>;

type Flags = NonNullable<ParseArgsConfig["options"]>;

/**
 * Parses `--flags` strictly (no positionals); any problem becomes a UsageError. `--help`, where
 * the tool takes it, wins wherever it stands: the other flags are then neither read nor checked,
 * and the tool prints its help.
 */
export function parseFlags<F extends Flags & OptionTable>(argv: string[], options: F) {
    return parseCommand(argv, options, false).values;
}

/**
 * parseFlags for a tool that also takes words after its flags (`npm run show -- definition`): the
 * flags and the words. A number outside its option's bounds, or a text not of its option's form,
 * is a UsageError naming the flag.
 */
export function parseCommand<F extends Flags & OptionTable>(argv: string[], options: F, allowPositionals = true) {
    const parse = (args: string[]) => parseArgs({ args, options, strict: true, allowPositionals });
    if (Object.hasOwn(options, "help") && argv.includes("--help")) {
        return parse(["--help"]);
    }
    try {
        checkWaitVariables();
    } catch (error) {
        throw error instanceof VariableError ? new UsageError(error.message) : error;
    }
    let parsed;
    try {
        parsed = parse(argv);
    } catch (error) {
        throw new UsageError(parseProblem(error as NodeJS.ErrnoException, Object.keys(options)));
    }
    for (const [name, option] of Object.entries(options)) {
        const value = (parsed.values as Record<string, unknown>)[name];
        if (option.type === "string" && option.multiple && option.pattern && Array.isArray(value)) {
            const pattern = option.pattern;
            value.filter((item: string) => !pattern.test.test(item)).forEach((item: string) => refusePattern(name, pattern, item));
        }
        if (option.type !== "string" || option.multiple || typeof value !== "string") {
            continue;
        }
        if (option.integer) {
            const { min, max, list } = option.integer;
            (list ? value.split(",") : [value]).forEach((item) => integerFlag(name, item, min, max));
        }
        if (option.pattern && !option.pattern.test.test(value)) {
            refusePattern(name, option.pattern, value);
        }
    }
    return parsed;
}

/** What `util.parseArgs` refused, in the tools' words, with the nearest flag the tool takes for an unknown one. */
function parseProblem(error: NodeJS.ErrnoException, flags: readonly string[]): string {
    // Node quotes what it refused: the flag ('--runs <value>' where its value is missing), or the argument.
    const quoted = (/'([^']*)'/.exec(error.message)?.[1] ?? "").replace(/ <value>$/, "");
    switch (error.code) {
        case "ERR_PARSE_ARGS_UNKNOWN_OPTION": {
            const near = nearestKey(`flag:${quoted.replace(/^-+/, "")}`, new Map([["flag", flags]]));
            return `unknown flag ${quoted}${near === undefined ? "" : `; did you mean --${near.slice("flag:".length)}?`}`;
        }
        case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
            return error.message.includes("does not take an argument") ? `${quoted} takes no value` : `${quoted} needs a value`;
        case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL": {
            // The argument whole, quotes in it included: Node's message goes on after it.
            const argument = /^Unexpected argument '([\s\S]*)'\. /.exec(error.message)?.[1] ?? quoted;
            return `unexpected argument ${JSON.stringify(argument)}: this tool takes only flags`;
        }
        case undefined:
        default:
            return error.message;
    }
}

/** Refuses a text flag's value not of its form with a UsageError naming the flag and the form. */
function refusePattern(name: string, pattern: TextForm, value: string): never {
    throw new UsageError(`--${name} must be ${pattern.form} (got ${value})`);
}

/**
 * A tool's flags, or the exit code that ends its run there: 0 once it printed its help for
 * `--help`, 2 once it said what is wrong with them.
 */
export function toolFlags<F extends Flags & OptionTable>(argv: string[], options: F, io: ToolIo, usage: string): ReturnType<typeof parseFlags<F>> | number {
    try {
        const values = parseFlags(argv, options);
        if ((values as { help?: boolean }).help === true) {
            io.out(usage);
            return 0;
        }
        return values;
    } catch (error) {
        return refuseCaller(error, io, usage);
    }
}

/** A JSON flag's value, or a UsageError naming the flag. */
export function jsonFlag(name: string, value: string): unknown {
    try {
        return JSON.parse(value);
    } catch {
        throw new UsageError(`--${name} must be JSON (got ${value})`);
    }
}

/** Refuses an integer flag's value outside its bounds with a UsageError naming the flag and the range. */
function integerFlag(name: string, value: string, min: number, max: number): void {
    const number = Number(value);
    if (!/^\d+$/.test(value) || number < min || number > max) {
        throw new UsageError(`--${name} must be an integer from ${min} to ${max} (got ${value})`);
    }
}

/** A benchmark's flags: how many runs, and its help. */
export const BENCHMARK_OPTIONS = {
    runs: { type: "string", integer: { min: 1, max: 1000 } },
    help: { type: "boolean", default: false },
} as const satisfies OptionTable;

/**
 * A benchmark, run as every tool runs: its command line read as the tools read theirs, `--runs
 * N` (1 to 1000, or its default) and `--help`, then `run` with the number of runs. Bad flags
 * print their problem in one line, and give 2.
 */
export async function benchmark(argv: string[], io: ToolIo, defaultRuns: number, usage: string, run: (runs: number) => Promise<number>): Promise<number> {
    let runs: number;
    try {
        const values = parseFlags(argv, BENCHMARK_OPTIONS);
        if (values.help) {
            io.out(usage);
            return 0;
        }
        runs = values.runs === undefined ? defaultRuns : Number(values.runs);
    } catch (error) {
        return refuseCaller(error, io, usage);
    }
    return run(runs);
}

/**
 * `--set KEY=VALUE` flags as stack config entries (`stock-trader:KEY`), to lay over a stack file's:
 * this project's keys, with their namespace or without. Another namespace's key is refused, as
 * the local tools read only this project's.
 */
export function configOverrides(pairs: readonly string[]): Record<string, string> {
    return Object.fromEntries(
        pairs.map((pair) => {
            const match = /^(?:([A-Za-z-]+):)?([A-Za-z]+)=([\s\S]*)$/.exec(pair);
            if (!match) {
                throw new UsageError(`--set must be KEY=VALUE or ${CONFIG_NAMESPACE}:KEY=VALUE, such as batchCapacity=FARGATE_SPOT (got ${pair})`);
            }
            const [, namespace, key, value] = match;
            if (namespace !== undefined && namespace !== CONFIG_NAMESPACE) {
                throw new UsageError(
                    `--set takes this project's keys, KEY=VALUE or ${CONFIG_NAMESPACE}:KEY=VALUE (got ${pair}): ${CONFIG_KEYS.join(", ")}; ` +
                        `set ${namespace}: keys in the stack file`,
                );
            }
            return [`${CONFIG_NAMESPACE}:${key}`, value];
        }),
    );
}

/** Where a tool writes its lines: standard output and standard error, or a test's capture. */
export interface ToolIo {
    out: (line: string) => void;
    err: (line: string) => void;
}

export const processIo: ToolIo = {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * A reader that closed standard output early (`| head`) wants no more: the tool ends quietly
 * with the exit code it has, 0 if none, instead of dying on EPIPE. Any other write error stays
 * an error.
 */
export function endQuietlyOnClosedOutput(stream: NodeJS.WriteStream = process.stdout): void {
    stream.on("error", (error: NodeJS.ErrnoException) => {
        if (error.code !== "EPIPE") {
            throw error;
        }
        process.exit(typeof process.exitCode === "number" ? process.exitCode : 0);
    });
}

/** Runs a tool's main as the process's exit code; an unexpected error is printed with its stack and exits 1. */
export function runMain(main: () => Promise<number>): void {
    endQuietlyOnClosedOutput();
    main().then(
        (code) => {
            process.exitCode = code;
        },
        (error: unknown) => {
            console.error(error);
            process.exitCode = 1;
        },
    );
}

/** How another program ended: not found on PATH, or exited with a code and its output. */
export type CommandResult = { missing: true } | { missing: false; code: number; stdout: string; stderr: string };

/** Runs a program from PATH in the project's directory and waits for it; never throws. */
export function runCommand(command: string, args: readonly string[]): Promise<CommandResult> {
    return new Promise((resolve) => {
        execFile(command, args, { cwd: PROJECT_ROOT, encoding: "utf8", maxBuffer: 16 * 1024 * 1024, timeout: 60000 }, (error, stdout, stderr) => {
            if ((error as NodeJS.ErrnoException | null)?.code === "ENOENT") {
                resolve({ missing: true });
            } else {
                resolve({ missing: false, code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
            }
        });
    });
}
