import * as path from "node:path";
import { buildSync } from "esbuild";
import { NODE_MAJOR_VERSION, PROJECT_ROOT } from "../model/project";

/**
 * Bundles one handler into a single CommonJS file with esbuild. The output depends only on the
 * sources: paths are relative to the project root, nothing is timestamped, so the same code
 * gives byte-identical bundles on any machine and a second preview shows no diff.
 */
export function bundle(entryPoint: string): string {
    const result = buildSync({
        absWorkingDir: PROJECT_ROOT,
        entryPoints: [path.relative(PROJECT_ROOT, path.resolve(PROJECT_ROOT, entryPoint))],
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
    return result.outputFiles[0].text;
}
