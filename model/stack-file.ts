/**
 * A stack file, Pulumi.<stack>.yaml, read as the Pulumi CLI reads it and checked whole: its
 * settings are under `config:`, and every key there is read by the program or by a provider it
 * loads. The program and the tools read stack files with these same functions, so a key that one
 * of them would ignore is refused by both, naming the file and the key.
 */
import { parse, YAMLParseError } from "yaml";
import { CONFIG_NAMESPACE, ConfigError, parseStackConfig, type StackConfig } from "./config";
import { knownConfigKeys, unreadKeyProblems } from "./config-keys";

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

/** The top-level settings of a stack file (Pulumi docs, "Project and stack settings": the stack settings file). */
export const STACK_FILE_SETTINGS: readonly string[] = ["config", "secretsprovider", "encryptionsalt", "encryptedkey", "environment"];

/** What stands for the value of a provider's secret, which the tools never read. */
const SECRET_VALUE = "[secret]";

const kind = (value: unknown) => (Array.isArray(value) ? "a list" : value === null ? "nothing" : `a ${typeof value}`);

/**
 * A stack file's `config:` mapping, as the Pulumi CLI reads it: the file must be YAML, a mapping
 * of the stack file's own settings, with `config:` among them; a key beside `config:` that is
 * none of them (a key indented wrongly) is refused rather than read as nothing.
 */
export function stackFileSettings(text: string, file = "the stack file"): Record<string, unknown> {
    let document: unknown;
    try {
        document = parse(text);
    } catch (error) {
        if (error instanceof YAMLParseError) {
            const line = error.linePos?.[0].line;
            throw new StackFileError(line === undefined ? file : `${file}:${line}`, `not valid YAML: ${error.message.split("\n")[0]}`);
        }
        // The yaml library throws a ReferenceError for an alias it cannot resolve (*name with no &name).
        if (error instanceof ReferenceError) {
            throw new StackFileError(file, `not valid YAML: ${error.message}`);
        }
        throw error;
    }
    if (document === null || document === undefined || typeof document !== "object" || Array.isArray(document)) {
        throw new StackFileError(
            file,
            `must be a mapping with a config: key (got ${document === null || document === undefined ? "an empty file" : kind(document)})`,
        );
    }
    for (const key of Object.keys(document)) {
        if (!STACK_FILE_SETTINGS.includes(key)) {
            throw new StackFileError(
                file,
                key.includes(":")
                    ? `${key} is outside config:, where Pulumi reads nothing of it; indent it under config:`
                    : `${key} is not a setting of a stack file (Pulumi's are ${STACK_FILE_SETTINGS.join(", ")})`,
            );
        }
    }
    const config = (document as { config?: unknown }).config;
    if (config === undefined || config === null) {
        throw new StackFileError(file, "has no config: mapping, where a stack's settings go (pulumi config set writes them there)");
    }
    if (typeof config !== "object" || Array.isArray(config)) {
        throw new StackFileError(file, `config: must be a mapping of namespace:key to value (got ${kind(config)})`);
    }
    return config as Record<string, unknown>;
}

/**
 * The config of a stack file's text, in the same form; `file` names it in errors. A secret is
 * never refused as malformed: one whose value the tools never use stands in as set, with a
 * notice; one whose value they need stops the tool, unless `provided` names its key (given by
 * --set); a secret of another namespace stands as set, its name checked like any other key's.
 * A file without `config:`, or with a key beside it that is not a stack file's setting (a key
 * indented wrongly), is refused rather than read as empty.
 */
export function stackFileConfig(
    text: string,
    file = "the stack file",
    notice: Notice = () => undefined,
    provided: ReadonlySet<string> = new Set(),
): Record<string, string> {
    const config = stackFileSettings(text, file);
    const raw: Record<string, string> = {};
    for (const [key, value] of Object.entries(config)) {
        if (isSecret(value) && provided.has(key)) {
            continue;
        }
        if (!isSecret(value)) {
            raw[key] = typeof value === "string" ? value : JSON.stringify(value);
        } else if (!key.startsWith(`${CONFIG_NAMESPACE}:`)) {
            // A provider's secret: its value is the provider's, and only its name is checked.
            raw[key] = SECRET_VALUE;
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
 * A stack's whole config, as its stack file (or the Pulumi CLI) gives it, validated: every key
 * read by someone, and this project's keys by parseConfig. Every problem, naming `file`, in one
 * ConfigError; nothing is registered before this returns.
 */
export function parseStackFileConfig(all: Readonly<Record<string, string>>, file: string, known = knownConfigKeys()): StackConfig {
    const unread = unreadKeyProblems(Object.keys(all), known);
    try {
        const config = parseStackConfig(all);
        if (unread.length > 0) {
            throw new ConfigError(unread, file);
        }
        return config;
    } catch (error) {
        if (error instanceof ConfigError) {
            throw new ConfigError([...unread, ...error.problems.filter((p) => !unread.includes(p))], file);
        }
        throw error;
    }
}
