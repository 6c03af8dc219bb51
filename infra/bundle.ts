import * as path from "node:path";
import { buildSync } from "esbuild";
import { NODE_MAJOR_VERSION, PROJECT_ROOT } from "../model/project";

/**
 * Bundles handlers, each into a single CommonJS file, in one esbuild run. The output depends
 * only on the sources: paths are relative to the project root, nothing is timestamped, so the
 * same code gives byte-identical bundles on any machine and a second preview shows no diff.
 * Returns each bundle's code by its entry point, as given.
 */
export function bundle(entryPoints: readonly string[]): Record<string, string> {
    const relative = entryPoints.map((entry) => path.relative(PROJECT_ROOT, path.resolve(PROJECT_ROOT, entry)));
    const result = buildSync({
        absWorkingDir: PROJECT_ROOT,
        entryPoints: relative,
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
    });
    const byOutput = new Map(result.outputFiles.map((file) => [path.relative(path.join(PROJECT_ROOT, "bundles"), file.path), file.text]));
    return Object.fromEntries(entryPoints.map((entry, i) => [entry, byOutput.get(relative[i].replace(/\.ts$/, ".js")) ?? assertBundled(entry)]));
}

function assertBundled(entry: string): never {
    throw new Error(`esbuild produced no bundle for ${entry}`);
}
