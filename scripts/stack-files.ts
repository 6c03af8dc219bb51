import * as fs from "node:fs";
import { parse } from "yaml";
import { parseStackConfig, type StackConfig } from "../model/config";
import { PROJECT_ROOT, stackFile } from "../model/project";

/** The stacks that have a `Pulumi.<stack>.yaml` file. */
export function stackNames(): string[] {
    return fs
        .readdirSync(PROJECT_ROOT)
        .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
        .filter((name): name is string => name !== undefined)
        .sort();
}

/**
 * A stack file's config as the Pulumi CLI hands it to the program: every key with its
 * namespace, strings as they are and structured values (lists, maps) as JSON.
 */
export function readStackFile(stack: string): Record<string, string> {
    return stackFileConfig(fs.readFileSync(stackFile(stack), "utf8"));
}

/** The config of a stack file's text, in the same form. */
export function stackFileConfig(text: string): Record<string, string> {
    const document = parse(text) as { config?: Record<string, unknown> } | null;
    const raw: Record<string, string> = {};
    for (const [key, value] of Object.entries(document?.config ?? {})) {
        raw[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return raw;
}

/**
 * A stack's validated config, read from its stack file the way the program reads it, with
 * `overrides` (namespaced keys, as the file has them) laid over the file's values.
 */
export function loadStackConfig(stack: string, overrides: Readonly<Record<string, string>> = {}): StackConfig {
    return parseStackConfig({ ...readStackFile(stack), ...overrides });
}
