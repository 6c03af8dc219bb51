/**
 * The end-to-end suite's engine: the Pulumi Automation API on this project's own program
 * (LocalWorkspace over the project directory, so `pulumi up` runs index.ts as a user's would),
 * and STS for the caller's account.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { LocalWorkspace, type LocalWorkspaceOptions, type Stack } from "@pulumi/pulumi/automation";
import { PROJECT_ROOT } from "../model/project";
import type { Engine, EngineStack } from "./e2e";

const configMap = (values: Readonly<Record<string, string>>) => Object.fromEntries(Object.entries(values).map(([key, value]) => [key, { value }]));

function engineStack(stack: Stack): EngineStack {
    return {
        name: stack.name,
        setConfig: async (values) => {
            if (Object.keys(values).length > 0) {
                await stack.setAllConfig(configMap(values));
            }
        },
        removeConfig: async (keys) => {
            if (keys.length > 0) {
                await stack.removeAllConfig([...keys]);
            }
        },
        up: async (onOutput) => {
            const result = await stack.up({ onOutput: (text) => text.split("\n").filter(Boolean).forEach(onOutput) });
            return Object.fromEntries(Object.entries(result.outputs).map(([key, output]) => [key, output.value]));
        },
        destroy: async (onOutput) => {
            await stack.destroy({ onOutput: (text) => text.split("\n").filter(Boolean).forEach(onOutput) });
        },
        cancel: () => stack.cancel(),
        remove: () => stack.workspace.removeStack(stack.name),
    };
}

/** The engine over the project at `workDir` (this project, unless a test says otherwise). */
export function automationEngine(workDir = PROJECT_ROOT, options: Omit<LocalWorkspaceOptions, "workDir"> = {}): Engine {
    const workspace = { workDir, ...options };
    return {
        callerAccount: async () => {
            const sts = new STSClient({});
            try {
                return (await sts.send(new GetCallerIdentityCommand({}))).Account ?? "";
            } finally {
                sts.destroy();
            }
        },
        createStack: async (name, config) => {
            const stack = await LocalWorkspace.createStack({ stackName: name, workDir }, workspace);
            await stack.setAllConfig(configMap(config));
            return engineStack(stack);
        },
        selectStack: async (name) => engineStack(await LocalWorkspace.selectStack({ stackName: name, workDir }, workspace)),
        listStacks: async () => {
            const local = await LocalWorkspace.create(workspace);
            return (await local.listStacks()).map((s) => ({ name: s.name, lastUpdate: s.lastUpdate === undefined ? undefined : new Date(s.lastUpdate) }));
        },
    };
}

const run = promisify(execFile);

/**
 * An earlier release of this program, checked out from the repository's history into a folder of
 * its own with its locked dependencies installed, for a step that deploys a stack from it and then
 * upgrades the stack with this program. `remove` takes the folder away again.
 */
export async function releasedProgram(commit: string): Promise<{ workDir: string; remove: () => Promise<void> }> {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "stock-trader-release-"));
    await run("git", ["-C", PROJECT_ROOT, "worktree", "add", "--detach", workDir, commit]);
    const remove = async () => {
        await run("git", ["-C", PROJECT_ROOT, "worktree", "remove", "--force", workDir]);
    };
    try {
        await run("npm", ["ci", "--no-audit", "--no-fund"], { cwd: workDir, maxBuffer: 64 * 1024 * 1024 });
    } catch (error) {
        await remove();
        throw error;
    }
    return { workDir, remove };
}
