/**
 * Snapshots of the workflow the program deploys: the definition and the state machine's policy
 * for a few configs, under the Pulumi mocks and from the model with plain ARNs, as
 * `tests/snapshots/workflow.json` holds them. `npm run snapshots` writes them again and names
 * the cases that changed, for the change's author to read in the diff. A snapshot is never the
 * only check of what it holds: the grants, the worst case, asl-validator and the key effects
 * check the same documents independently.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseConfig } from "../../model/config";
import { PROJECT_ROOT } from "../../model/project";
import { buildWorkflow, type StateMachineDefinition } from "../../model/workflow";
import type { PolicyDocument } from "../../model/policies";
import { localResources } from "../../local/stand-ins";
import { named, runProgram, runStack, type ProgramRun } from "./program";

export const SNAPSHOT_FILE = path.join(PROJECT_ROOT, "tests", "snapshots", "workflow.json");

export interface WorkflowSnapshot {
    definition: StateMachineDefinition;
    policy: PolicyDocument;
}

/** What the program registered for the state machine and its role's policy. */
export function deployedWorkflow(run: ProgramRun): WorkflowSnapshot {
    if (run.error !== undefined) {
        throw run.error instanceof Error ? run.error : new Error(`the program failed: ${JSON.stringify(run.error)}`);
    }
    return {
        definition: JSON.parse(named(run, "aws:sfn/stateMachine:StateMachine", "trading-workflow-state-machine").inputs.definition as string),
        policy: JSON.parse(named(run, "aws:iam/rolePolicy:RolePolicy", "trading-workflow-policy").inputs.policy as string),
    };
}

/** What the model builds from, as plain values: the local stand-ins' ARNs, which follow every resource a state calls. */
export const PLAIN_RESOURCES = localResources(parseConfig({}), "transactions-table");

/** The two documents a snapshot holds of what the model built. */
const documents = ({ definition, policy }: WorkflowSnapshot): WorkflowSnapshot => ({ definition, policy });

/** Every key of the workflow's own changed from its default, as a stack file would give them. */
export const EVERY_WORKFLOW_KEY = {
    buyThreshold: "30",
    batchCommand: ["--arg1", "7", "--arg2", "8"],
    batchContainerName: "worker",
    assignPublicIp: "false",
    batchTimeoutSeconds: "900",
    subnetIds: ["subnet-0123456789abcdef0"],
    securityGroupIds: ["sg-0123456789abcdef0"],
    logLevel: "OFF",
    tracingEnabled: "false",
    scheduleEnabled: "true",
    scheduleExpression: "cron(0 14 ? * MON-FRI *)",
    scheduleTimezone: "America/New_York",
};

/** The model's settings that change what it builds from plain ARNs: the threshold, the command, both timeouts, the network and the container. */
export const MODEL_CHANGED = {
    config: parseConfig({
        buyThreshold: "20",
        batchCommand: '["--arg1","1","--arg2","2"]',
        batchTimeoutSeconds: "900",
        executionTimeoutSeconds: "300000",
        logLevel: "OFF",
        tracingEnabled: "true",
    }),
    resources: { ...PLAIN_RESOURCES, batch: { ...PLAIN_RESOURCES.batch, assignPublicIp: false, containerName: "worker" } },
};

/** Each case: how its documents are made. */
export const CASES = {
    "the dev stack, under the mocks": async () => deployedWorkflow(await runStack("dev")),
    "every key of the workflow's changed, under the mocks": async () => deployedWorkflow(await runProgram(EVERY_WORKFLOW_KEY)),
    "tracing on and logging at ERROR, under the mocks": async () => deployedWorkflow(await runProgram({ tracingEnabled: "true", logLevel: "ERROR" })),
    "tracing on and logging off, under the mocks": async () => deployedWorkflow(await runProgram({ tracingEnabled: "true", logLevel: "OFF" })),
    "Fargate Spot with three interruption retries, under the mocks": async () =>
        deployedWorkflow(await runProgram({ batchCapacity: "FARGATE_SPOT", batchInterruptionRetries: "3" })),
    "the model's defaults, from plain ARNs": () => Promise.resolve(documents(buildWorkflow({ config: parseConfig({}), resources: PLAIN_RESOURCES }))),
    "the model with its settings changed, from plain ARNs": () => Promise.resolve(documents(buildWorkflow(MODEL_CHANGED))),
} satisfies Record<string, () => Promise<WorkflowSnapshot>>;

export type SnapshotCase = keyof typeof CASES;

let stored: Record<string, WorkflowSnapshot> | undefined;

/** A case's documents as the snapshot file holds them. */
export function snapshot(name: SnapshotCase): WorkflowSnapshot {
    stored ??= fs.existsSync(SNAPSHOT_FILE) ? (JSON.parse(fs.readFileSync(SNAPSHOT_FILE, "utf8")) as Record<string, WorkflowSnapshot>) : {};
    const found = stored[name];
    if (found === undefined) {
        throw new Error(`${path.relative(PROJECT_ROOT, SNAPSHOT_FILE)} has no snapshot "${name}": npm run snapshots writes it`);
    }
    return found;
}

/** Makes every case's documents, writes the file, and returns the cases whose documents changed, were added or were removed. */
export async function writeSnapshots(file = SNAPSHOT_FILE): Promise<string[]> {
    const before = fs.existsSync(file) ? (JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, WorkflowSnapshot>) : {};
    const after: Record<string, WorkflowSnapshot> = {};
    for (const [name, make] of Object.entries(CASES)) {
        // One at a time: each program run sets the Pulumi runtime's mocks for itself.
        after[name] = await make();
    }
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${JSON.stringify(after, null, 2)}\n`);
    stored = undefined;
    return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((name) => JSON.stringify(before[name]) !== JSON.stringify(after[name]));
}
