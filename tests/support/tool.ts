import { spawnSync, type SpawnSyncOptions, type SpawnSyncReturns } from "node:child_process";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../model/project";

/** Runs one of the project's TypeScript tools as `npm run` does (ts-node, transpile-only), and waits for it. */
export function runTool(script: string, args: string[], options: Omit<SpawnSyncOptions, "cwd" | "encoding"> = {}): SpawnSyncReturns<string> {
    return spawnSync(process.execPath, [path.join(PROJECT_ROOT, "node_modules/ts-node/dist/bin.js"), "--transpile-only", script, ...args], {
        timeout: 60000,
        ...options,
        cwd: PROJECT_ROOT,
        encoding: "utf8",
    });
}
