import * as fs from "node:fs";
import * as path from "node:path";
import type { StackConfig } from "../../model/config";
import { PROJECT_ROOT, stackFile } from "../../model/project";
import { parseStackFileConfig, StackFileError, stackFileConfig, type Notice } from "../../model/stack-file";

export { StackFileError, stackFileConfig, type Notice } from "../../model/stack-file";

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

/**
 * A stack's validated config, read from its stack file the way the program reads it, with
 * `overrides` (namespaced keys, as the file has them) laid over the file's values.
 */
export function loadStackConfig(stack: string, overrides: Readonly<Record<string, string>> = {}, notice: Notice = () => undefined): StackConfig {
    return parseStackFileConfig({ ...readStackFile(stack, notice, new Set(Object.keys(overrides))), ...overrides }, `Pulumi.${stack}.yaml`);
}
