import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { CONFIG_NAMESPACE, parseConfig, type StackConfig } from "../infra/config";

export const ROOT = path.resolve(__dirname, "..");

/** The stacks that have a `Pulumi.<stack>.yaml` file. */
export function stackNames(): string[] {
    return fs
        .readdirSync(ROOT)
        .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
        .filter((name): name is string => name !== undefined)
        .sort();
}

/**
 * A stack file's config as the Pulumi CLI hands it to the program: every key with its
 * namespace, strings as they are and structured values (lists, maps) as JSON.
 */
export function readStackFile(stack: string, root = ROOT): Record<string, string> {
    const file = path.join(root, `Pulumi.${stack}.yaml`);
    const document = parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
    const raw: Record<string, string> = {};
    for (const [key, value] of Object.entries(document?.config ?? {})) {
        raw[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return raw;
}

/** Only this project's keys, without their namespace. */
export function projectKeys(raw: Record<string, string>): Record<string, string> {
    const prefix = `${CONFIG_NAMESPACE}:`;
    return Object.fromEntries(
        Object.entries(raw)
            .filter(([key]) => key.startsWith(prefix))
            .map(([key, value]) => [key.slice(prefix.length), value]),
    );
}

/** A stack's validated config, read from its stack file the way the program reads it. */
export function loadStackConfig(stack: string, root = ROOT): StackConfig {
    return parseConfig(projectKeys(readStackFile(stack, root)));
}
