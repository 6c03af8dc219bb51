/**
 * The end-to-end suite's engine: the Pulumi Automation API on this project's own program
 * (LocalWorkspace over the project directory, so `pulumi up` runs index.ts as a user's would);
 * and its prerequisites: STS for the caller and its credentials' expiry, and the preflight's
 * checks of the Pulumi CLI and of Docker.
 */
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { LocalWorkspace, type LocalWorkspaceOptions, type Stack } from "@pulumi/pulumi/automation";
import { PROJECT_ROOT } from "../../model/project";
import { clientConfig, failureOf, notTheApi } from "../cli/aws-calls";
import { E2E_PREFIX, type Engine, type EngineStack, type Prerequisites } from "./driver";
import { sdkRegion } from "../preflight/aws";
import { dockerChecks, pulumiCliChecks } from "../preflight/tools";

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
    const stackFile = (name: string) => path.join(workDir, `Pulumi.${name}.yaml`);
    return {
        createStack: async (name, config) => {
            const stack = await LocalWorkspace.createStack({ stackName: name, workDir }, workspace);
            try {
                await stack.setAllConfig(configMap(config));
            } catch (error) {
                await stack.workspace.removeStack(name);
                throw error;
            }
            return engineStack(stack);
        },
        selectStack: async (name) => engineStack(await LocalWorkspace.selectStack({ stackName: name, workDir }, workspace)),
        listStacks: async () => {
            const local = await LocalWorkspace.create(workspace);
            return (await local.listStacks()).map((s) => ({ name: s.name, lastUpdate: s.lastUpdate === undefined ? undefined : new Date(s.lastUpdate) }));
        },
        stackFiles: () =>
            fs
                .readdirSync(workDir)
                .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
                .filter((name): name is string => name?.startsWith(E2E_PREFIX) === true),
        removeStackFile: (name) => fs.rmSync(stackFile(name), { force: true }),
    };
}

/** The run's prerequisites on this machine and account. */
export const automationPrerequisites: Prerequisites = {
    environmentRegion: sdkRegion,
    caller: async (region) => {
        const sts = new STSClient(clientConfig(region));
        try {
            const identity = await sts.send(new GetCallerIdentityCommand({})).catch((error: unknown) => {
                throw failureOf("sts:GetCallerIdentity", "", error);
            });
            if (identity.Account === undefined) {
                throw notTheApi("sts:GetCallerIdentity", "", "Account");
            }
            // The credentials STS accepted, and when they expire, as the SDK's provider chain resolved them.
            const credentials = await sts.config.credentials();
            return { account: identity.Account, expires: credentials.expiration };
        } finally {
            sts.destroy();
        }
    },
    pulumi: pulumiCliChecks,
    docker: (architecture) => dockerChecks(architecture),
};

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
