import * as path from "node:path";
import { build, buildSync, type BuildOptions, type OutputFile } from "esbuild";
import { NODE_MAJOR_VERSION, PROJECT_ROOT } from "../model/project";

const fromRoot = (entry: string) => path.relative(PROJECT_ROOT, path.resolve(PROJECT_ROOT, entry));

/**
 * esbuild's options to bundle handlers, each into a single CommonJS file, in one run. The output
 * depends only on the sources: paths are relative to the project root, nothing is timestamped,
 * so the same code gives byte-identical bundles on any machine and a second preview shows no diff.
 */
function options(entryPoints: readonly string[]): BuildOptions {
    return {
        absWorkingDir: PROJECT_ROOT,
        entryPoints: entryPoints.map(fromRoot),
        outdir: "bundles",
        outbase: PROJECT_ROOT,
        bundle: true,
        platform: "node",
        target: `node${NODE_MAJOR_VERSION}`,
        format: "cjs",
        charset: "utf8",
        legalComments: "none",
        sourcemap: false,
        write: false,
        logLevel: "silent",
    };
}

/** Each bundle's code by its entry point, as given, from what esbuild wrote. */
function byEntry(entryPoints: readonly string[], outputFiles: readonly OutputFile[] = []): Record<string, string> {
    const byOutput = new Map(outputFiles.map((file) => [path.relative(path.join(PROJECT_ROOT, "bundles"), file.path), file.text]));
    return Object.fromEntries(entryPoints.map((entry) => [entry, byOutput.get(fromRoot(entry).replace(/\.ts$/, ".js")) ?? assertBundled(entry)]));
}

/** Bundles handlers and returns each bundle's code by its entry point. esbuild's synchronous call waits in a worker thread it starts. */
export function bundle(entryPoints: readonly string[]): Record<string, string> {
    return byEntry(entryPoints, buildSync(options(entryPoints)).outputFiles);
}

/** Bundles handlers as `bundle` does, through esbuild's service: this process goes on while esbuild's own bundles. */
export async function bundleAsync(entryPoints: readonly string[]): Promise<Record<string, string>> {
    return byEntry(entryPoints, (await build(options(entryPoints))).outputFiles);
}

function assertBundled(entry: string): never {
    throw new Error(`esbuild produced no bundle for ${entry}`);
}
