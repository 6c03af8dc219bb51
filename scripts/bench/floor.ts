/**
 * The floor of `npm run bench:program`: a program generated from a recorded run of a stack's
 * program under the test mocks, which does nothing but what Pulumi's runtime has to: it loads
 * the same SDKs, invokes the same provider functions, registers the same resources (type, name,
 * custom or component, parent, options and resolved inputs), each provider resource through the
 * same SDK class, and exports the same outputs. What the program takes beyond it is the
 * program's own work: loading its modules, validating its config, bundling the functions,
 * hashing the image's context, building the definition.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import { createRequire } from "node:module";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { providerKeys, type ProviderKeys } from "../../model/config-keys";
import { PROJECT_ROOT } from "../../model/project";
import { readStackFile } from "../cli/stack-files";
import type { ProgramRun, Registered } from "../../tests/support/program";

/** A resolved value as TypeScript source: the SDK's assets and archives by their constructors, anything else as JSON. */
export async function source(value: unknown): Promise<string> {
    const { asset } = pulumi;
    if (value instanceof asset.StringAsset) {
        return `new pulumi.asset.StringAsset(${JSON.stringify(await value.text)})`;
    }
    if (value instanceof asset.FileAsset) {
        return `new pulumi.asset.FileAsset(${JSON.stringify(await value.path)})`;
    }
    if (value instanceof asset.FileArchive) {
        return `new pulumi.asset.FileArchive(${JSON.stringify(await value.path)})`;
    }
    if (value instanceof asset.AssetArchive) {
        const entries = Object.entries(await value.assets);
        return `new pulumi.asset.AssetArchive({ ${(await Promise.all(entries.map(async ([k, v]) => `${JSON.stringify(k)}: ${await source(v)}`))).join(", ")} })`;
    }
    if (Array.isArray(value)) {
        return `[${(await Promise.all(value.map(source))).join(", ")}]`;
    }
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value);
        return `{ ${(await Promise.all(entries.map(async ([k, v]) => `${JSON.stringify(k)}: ${await source(v)}`))).join(", ")} }`;
    }
    return JSON.stringify(value) ?? "undefined";
}

/** The URN a provider reference (`<urn>::<id>`) names. */
const providerUrn = (reference: string) => reference.slice(0, reference.lastIndexOf("::"));

/** The resources in an order in which each comes after its parent, its dependencies and its provider. */
function inRegistrationOrder(resources: readonly Registered[]): Registered[] {
    const byUrn = new Map(resources.map((r) => [r.options.urn, r]));
    const ordered: Registered[] = [];
    const placed = new Set<string>();
    const place = (resource: Registered) => {
        if (placed.has(resource.options.urn)) {
            return;
        }
        placed.add(resource.options.urn);
        const before = [resource.options.parent, ...resource.options.dependencies, providerUrn(resource.options.provider)];
        before.map((urn) => byUrn.get(urn)).forEach((r) => r && place(r));
        ordered.push(resource);
    };
    resources.forEach(place);
    return ordered;
}

/** The resource options of a registration, as source, naming other resources by their URN in `r`. */
function optionsSource(resource: Registered, registered: ReadonlySet<string>): string {
    const o = resource.options;
    const ref = (urn: string) => `r[${JSON.stringify(urn)}]`;
    const timeouts = Object.entries(o.customTimeouts).filter(([, value]) => value !== "");
    const options = [
        registered.has(o.parent) ? `parent: ${ref(o.parent)}` : "",
        o.dependencies.length > 0
            ? `dependsOn: [${o.dependencies
                  .filter((urn) => registered.has(urn))
                  .map(ref)
                  .join(", ")}]`
            : "",
        o.provider !== "" && registered.has(providerUrn(o.provider)) ? `provider: ${ref(providerUrn(o.provider))} as pulumi.ProviderResource` : "",
        o.retainOnDelete ? "retainOnDelete: true" : "",
        o.deleteBeforeReplace ? "deleteBeforeReplace: true" : "",
        o.protect ? "protect: true" : "",
        o.ignoreChanges.length > 0 ? `ignoreChanges: ${JSON.stringify(o.ignoreChanges)}` : "",
        o.replaceOnChanges.length > 0 ? `replaceOnChanges: ${JSON.stringify(o.replaceOnChanges)}` : "",
        timeouts.length > 0 ? `customTimeouts: ${JSON.stringify(Object.fromEntries(timeouts))}` : "",
        o.aliases.length > 0 ? `aliases: ${JSON.stringify(o.aliases)}` : "",
        // The program's transforms are closures; the floor registers as many that change nothing.
        o.transforms > 0 ? `transforms: [${Array.from({ length: o.transforms }, () => "() => undefined").join(", ")}]` : "",
    ];
    return `{ ${options.filter(Boolean).join(", ")} }`;
}

/** A package loaded as the program loads it, from the project's node_modules. */
const load = createRequire(path.join(PROJECT_ROOT, "package.json"));

/**
 * The SDK class that registers a type (`aws:lambda/function:Function` is `aws.lambda.Function`,
 * `time:index/sleep:Sleep` is `time.Sleep`), as its package and the path to it, found among the
 * providers the project depends on (providerKeys): a registration through the class asks for the
 * SDK's plugin version and resolves every property the class declares, as the program's does,
 * where a bare CustomResource would do neither.
 */
export function sdkClass(type: string, providers: readonly ProviderKeys[] = providerKeys()): { npm: string; path: string[] } {
    const [pkg, module = "", name = ""] = type.split(":");
    const npm = providers.find((provider) => provider.namespace === pkg)?.packageName;
    const namespace = module.split("/")[0];
    const classPath = namespace === "index" ? [name] : [namespace, name];
    const found = npm === undefined ? undefined : classPath.reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], load(npm));
    if (npm === undefined || (found as { __pulumiType?: string } | undefined)?.__pulumiType !== type) {
        throw new Error(
            `the floor has no SDK class for ${type}: expected a class of ${providers.map((provider) => provider.packageName).join(", ")} whose __pulumiType is ${type}`,
        );
    }
    return { npm, path: classPath };
}

/** The floor program's source for a recorded run: every import an absolute path, so it may live anywhere. */
export async function floorSource(run: ProgramRun): Promise<string> {
    const sdk = (name: string) => JSON.stringify(require.resolve(name, { paths: [PROJECT_ROOT] }));
    const resources = inRegistrationOrder(run.resources);
    const registered = new Set(resources.map((r) => r.options.urn));
    const providers = providerKeys();
    const classes = new Map(resources.filter((r) => r.options.custom || r.options.remote).map((r) => [r.type, sdkClass(r.type, providers)]));
    const packages = [...new Set(["@pulumi/aws", "@pulumi/awsx", ...[...classes.values()].map((c) => c.npm)])];
    const binding = (npm: string) => `sdk${packages.indexOf(npm)}`;
    const lines = [
        `// Generated by scripts/bench/floor.ts from a recorded run of the program under the test mocks.`,
        `import * as pulumi from ${sdk("@pulumi/pulumi")};`,
        ...packages.map((npm) => `import * as ${binding(npm)} from ${sdk(npm)};`),
        `const r: Record<string, pulumi.Resource> = {};`,
        ...(await Promise.all(run.calls.map(async (call) => `void pulumi.runtime.invoke(${JSON.stringify(call.token)}, ${await source(call.inputs)});`))),
    ];
    for (const resource of resources) {
        const name = JSON.stringify(resource.name);
        const [inputs, options] = [await source(resource.inputs), optionsSource(resource, registered)];
        const sdkClassOf = classes.get(resource.type);
        const created =
            sdkClassOf === undefined
                ? `new pulumi.ComponentResource(${JSON.stringify(resource.type)}, ${name}, ${inputs}, ${options})`
                : `new ${[binding(sdkClassOf.npm), ...sdkClassOf.path].join(".")}(${name}, ${inputs} as any, ${options})`;
        lines.push(`r[${JSON.stringify(resource.options.urn)}] = ${created};`);
    }
    for (const [name, value] of Object.entries(run.outputs)) {
        lines.push(`export const ${name} = ${await source(value)};`);
    }
    return `${lines.join("\n")}\n`;
}

/**
 * Records the stack's program under the test mocks and writes its floor to a file of its own in
 * the system's temporary folder; returns the file's path.
 */
export async function writeFloor(stack: string): Promise<string> {
    // The test mocks stand in for the engine; loaded here only, as only the recording needs them.
    const { runProgram } = await import("../../tests/support/program");
    const run = await runProgram(readStackFile(stack), stack);
    if (run.error !== undefined) {
        throw run.error instanceof Error ? run.error : new Error(`the ${stack} program failed: ${JSON.stringify(run.error)}`);
    }
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "stock-trader-floor-")), `floor-${stack}.ts`);
    fs.writeFileSync(file, await floorSource(run));
    return file;
}
