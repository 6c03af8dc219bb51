import { spawnSync, type SpawnSyncOptions, type SpawnSyncReturns } from "node:child_process";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../model/project";
import type { ToolIo } from "../../scripts/cli/cli";

/** Runs one of the project's TypeScript tools as `npm run` does (ts-node, transpile-only), and waits for it. */
export function runTool(script: string, args: string[], options: Omit<SpawnSyncOptions, "cwd" | "encoding"> = {}): SpawnSyncReturns<string> {
    return spawnSync(process.execPath, [path.join(PROJECT_ROOT, "node_modules/ts-node/dist/bin.js"), "--transpile-only", script, ...args], {
        timeout: 60000,
        ...options,
        cwd: PROJECT_ROOT,
        encoding: "utf8",
    });
}

/** Runs a tool's exported main in-process, as the CLI would with these arguments, and captures its lines. */
export async function runInProcess(
    main: (argv: string[], io: ToolIo) => Promise<number>,
    args: string[],
): Promise<{ status: number; stdout: string; stderr: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const status = await main(args, { out: (line) => out.push(line), err: (line) => err.push(line) });
    return { status, stdout: `${out.join("\n")}\n`, stderr: err.join("\n") };
}
