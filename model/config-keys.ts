/**
 * Every config key a stack may set: this project's own, the Pulumi CLI's, and those of each
 * provider the program loads, read from the provider's installed SDK. A key outside them is read
 * by nobody, so it is refused, with the nearest key that is read, before any resource is
 * registered, by the program and the tools alike.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { CONFIG_KEYS, CONFIG_NAMESPACE } from "./config";
import { nearestKey } from "./nearest";
import { PROJECT_ROOT } from "./project";

/**
 * The keys of the `pulumi` namespace the Pulumi CLI reads from a stack's config: the providers a
 * program may not use by default (pulumi/pulumi#8829, "Disable default providers") and the
 * autonaming settings (Pulumi docs, "Resource names": "Configuring autonaming").
 */
export const PULUMI_CONFIG_KEYS: readonly string[] = ["disable-default-providers", "autonaming"];

/** A provider package the program depends on: its config namespace, its version and its keys. */
export interface ProviderKeys {
    namespace: string;
    packageName: string;
    version: string;
    keys: readonly string[];
}

/**
 * The providers among the project's dependencies (packages whose package.json says `pulumi.resource`)
 * and the config keys each declares in its SDK's `config/vars` module, one exported constant a
 * key. A provider without that module reads no config.
 */
export function providerKeys(root: string = PROJECT_ROOT): ProviderKeys[] {
    const project = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
    return Object.keys(project.dependencies ?? {})
        .map((packageName): ProviderKeys | undefined => {
            const dir = path.join(root, "node_modules", packageName);
            const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as {
                version: string;
                pulumi?: { resource?: boolean; name?: string };
            };
            if (manifest.pulumi?.resource !== true || manifest.pulumi.name === undefined) {
                return undefined;
            }
            const vars = path.join(dir, "config", "vars.d.ts");
            const keys = fs.existsSync(vars) ? [...fs.readFileSync(vars, "utf8").matchAll(/^export declare const (\w+)/gm)].map((m) => m[1]) : [];
            return { namespace: manifest.pulumi.name, packageName, version: manifest.version, keys };
        })
        .filter((provider): provider is ProviderKeys => provider !== undefined);
}

/** Every namespace a stack's config may use, with the keys of each. */
export function knownConfigKeys(providers: readonly ProviderKeys[] = providerKeys()): Map<string, readonly string[]> {
    return new Map<string, readonly string[]>([
        [CONFIG_NAMESPACE, CONFIG_KEYS],
        ["pulumi", PULUMI_CONFIG_KEYS],
        ...providers.map((p) => [p.namespace, p.keys] as const),
    ]);
}

/**
 * Why each key of a stack's config (`namespace:key`, as the Pulumi CLI hands it over) is read by
 * nobody: no namespace, a namespace no provider of the program has, or a key its namespace does
 * not have; each with the nearest key that is read. This project's own keys are left to
 * parseConfig, which says more about them.
 */
export function unreadKeyProblems(keys: readonly string[], known: ReadonlyMap<string, readonly string[]> = knownConfigKeys()): string[] {
    const namespaces = [...known.keys()].join(", ");
    return keys.flatMap((key) => {
        const colon = key.indexOf(":");
        const namespace = colon < 0 ? undefined : key.slice(0, colon);
        const keysOf = namespace === undefined ? undefined : known.get(namespace);
        if (namespace === CONFIG_NAMESPACE || keysOf?.includes(key.slice(colon + 1))) {
            return [];
        }
        // The nearest key is looked for only where there is a problem: most keys are read.
        const near = nearestKey(key, known);
        const suggestion = near === undefined ? "" : `; did you mean ${near}?`;
        if (namespace === undefined) {
            return [`${key} has no namespace, and a stack's keys are namespace:key (this project's are ${CONFIG_NAMESPACE}:KEY)${suggestion}`];
        }
        if (keysOf === undefined) {
            return [`${key} is in no namespace the program or its providers read (${namespaces})${suggestion}`];
        }
        return [`${key} is not a key the ${namespace} namespace has${suggestion}`];
    });
}
