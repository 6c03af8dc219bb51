import * as fs from "node:fs";
import * as path from "node:path";
import { parse, YAMLParseError } from "yaml";
import { CONFIG_NAMESPACE, parseStackConfig, type StackConfig } from "../model/config";
import { PROJECT_ROOT, stackFile } from "../model/project";

/** The stacks that have a `Pulumi.<stack>.yaml` file. */
export function stackNames(): string[] {
    return fs
        .readdirSync(PROJECT_ROOT)
        .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
        .filter((name): name is string => name !== undefined)
        .sort();
}

/** A stack file the tools cannot read: the caller's to fix, said in one line naming the file (and the line, where there is one). */
export class StackFileError extends Error {
    constructor(
        readonly file: string,
        problem: string,
    ) {
        super(`${file}: ${problem}`);
        this.name = "StackFileError";
    }
}

/**
 * A stack file's config as the Pulumi CLI hands it to the program: every key with its
 * namespace, strings as they are and structured values (lists, maps) as JSON. A file that is
 * missing throws ENOENT, as callers report it; one that is not a file, or not a stack file's
 * YAML, throws a StackFileError.
 */
export function readStackFile(stack: string, notice: Notice = () => undefined, provided: ReadonlySet<string> = new Set()): Record<string, string> {
    return readStackFileAt(stackFile(stack), notice, provided);
}

/** readStackFile for a stack file at any path. */
export function readStackFileAt(file: string, notice: Notice = () => undefined, provided: ReadonlySet<string> = new Set()): Record<string, string> {
    if (fs.existsSync(file) && !fs.statSync(file).isFile()) {
        throw new StackFileError(path.basename(file), "is not a file (a stack file is Pulumi.<stack>.yaml, a YAML file)");
    }
    return stackFileConfig(fs.readFileSync(file, "utf8"), path.basename(file), notice, provided);
}

/** Where a reader says what it read but could not use: a secret it goes on without. */
export type Notice = (line: string) => void;

/**
 * The keys whose value the local tools never use, only whether they are set: a secret one
 * (`pulumi config set --secret`, which the tools cannot decrypt) stands in as this value.
 */
const SET_ONLY_KEYS: Readonly<Record<string, string>> = { [`${CONFIG_NAMESPACE}:alarmEmail`]: "secret@example.com" };

/** Whether a stack file value is a secret as the Pulumi CLI writes one: `{secure: <ciphertext>}`. */
const isSecret = (value: unknown): boolean =>
    typeof value === "object" &&
    value !== null &&
    !Array.isArray(value) &&
    Object.keys(value).length === 1 &&
    typeof (value as { secure?: unknown }).secure === "string";

const kind = (value: unknown) => (Array.isArray(value) ? "a list" : value === null ? "nothing" : `a ${typeof value}`);

/**
 * The config of a stack file's text, in the same form; `file` names it in errors. A secret is
 * never refused as malformed: one whose value the tools never use stands in as set, with a
 * notice; one whose value they need stops the tool, unless `provided` names its key (given by
 * --set); a secret of another namespace is left out, as the tools read only this project's keys.
 */
export function stackFileConfig(
    text: string,
    file = "the stack file",
    notice: Notice = () => undefined,
    provided: ReadonlySet<string> = new Set(),
): Record<string, string> {
    let document: unknown;
    try {
        document = parse(text);
    } catch (error) {
        if (error instanceof YAMLParseError) {
            const line = error.linePos?.[0].line;
            throw new StackFileError(line === undefined ? file : `${file}:${line}`, `not valid YAML: ${error.message.split("\n")[0]}`);
        }
        throw error;
    }
    if (document === null || document === undefined) {
        return {};
    }
    if (typeof document !== "object" || Array.isArray(document)) {
        throw new StackFileError(file, `must be a mapping with a config: key (got ${kind(document)})`);
    }
    const config = (document as { config?: unknown }).config ?? {};
    if (typeof config !== "object" || config === null || Array.isArray(config)) {
        throw new StackFileError(file, `config: must be a mapping of namespace:key to value (got ${kind(config)})`);
    }
    const raw: Record<string, string> = {};
    for (const [key, value] of Object.entries(config)) {
        if (isSecret(value) && provided.has(key)) {
            continue;
        }
        if (!isSecret(value)) {
            raw[key] = typeof value === "string" ? value : JSON.stringify(value);
        } else if (Object.hasOwn(SET_ONLY_KEYS, key)) {
            raw[key] = SET_ONLY_KEYS[key];
            notice(`${file}: ${key} is a secret, which only Pulumi can read; the local tools need only that it is set, and go on`);
        } else if (key.startsWith(`${CONFIG_NAMESPACE}:`)) {
            throw new StackFileError(
                file,
                `${key} is a secret, which only Pulumi can read, and the local tools need its value; pass it with --set ${key.slice(CONFIG_NAMESPACE.length + 1)}=VALUE where the tool takes --set`,
            );
        }
    }
    return raw;
}

/**
 * A stack's validated config, read from its stack file the way the program reads it, with
 * `overrides` (namespaced keys, as the file has them) laid over the file's values.
 */
export function loadStackConfig(stack: string, overrides: Readonly<Record<string, string>> = {}, notice: Notice = () => undefined): StackConfig {
    return parseStackConfig({ ...readStackFile(stack, notice, new Set(Object.keys(overrides))), ...overrides });
}
