import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { PROJECT } from "./program";

export const ROOT = path.resolve(__dirname, "..", "..");

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
    const prefix = `${PROJECT}:`;
    return Object.fromEntries(
        Object.entries(raw)
            .filter(([key]) => key.startsWith(prefix))
            .map(([key, value]) => [key.slice(prefix.length), value]),
    );
}
