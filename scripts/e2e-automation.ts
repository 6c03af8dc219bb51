/**
 * The end-to-end suite's engine: the Pulumi Automation API on this project's own program
 * (LocalWorkspace over the project directory, so `pulumi up` runs index.ts as a user's would),
 * and STS for the caller's account.
 */
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
