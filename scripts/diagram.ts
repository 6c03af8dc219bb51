/**
 * Writes the workflow diagrams into README.md between their markers, rendered from the
 * definitions the program builds: with the default config, and with Fargate Spot.
 * Usage: npm run diagram
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { localWorkflow } from "../local/stand-ins";
import { parseConfig } from "../model/config";
import { PROJECT_ROOT } from "../model/project";
import type { StateMachineDefinition } from "../model/workflow";
import { parseFlags, processIo, refuseCaller, type OptionTable, type ToolIo } from "./cli";
import { replaceDiagram } from "./mermaid";

export const README = path.join(PROJECT_ROOT, "README.md");

export const USAGE = `usage: npm run diagram -- [options]

Redraws the workflow diagrams in README.md from the definitions the program builds (the default
config, and Fargate Spot), and says whether they changed.

  --help     print this help

Exit codes: 0 written or up to date; 2 bad usage.`;

/** Each README diagram by name, from the config it shows. */
export function diagramDefinitions(): Record<string, StateMachineDefinition> {
    const definition = (raw: Record<string, string>) => localWorkflow(parseConfig(raw), "TransactionTable").definition;
    return { default: definition({}), spot: definition({ batchCapacity: "FARGATE_SPOT" }) };
}

/** The README's text with every diagram rendered afresh. */
export function withDiagrams(readme: string): string {
    return Object.entries(diagramDefinitions()).reduce((text, [name, definition]) => replaceDiagram(text, name, definition), readme);
}

export const OPTIONS = { help: { type: "boolean", default: false } } as const satisfies OptionTable;

/** The tool: rewrites the diagrams in `readmePath` (README.md) and says whether they changed; 0, or 2 on bad usage. */
export async function main(argv: string[], io: ToolIo = processIo, readmePath = README): Promise<number> {
    try {
        if (parseFlags(argv, OPTIONS).help) {
            io.out(USAGE);
            return 0;
        }
    } catch (error) {
        return refuseCaller(error, io, USAGE);
    }
    const before = await fs.promises.readFile(readmePath, "utf8");
    const after = withDiagrams(before);
    if (after === before) {
        io.out(`${path.basename(readmePath)} diagrams are up to date`);
    } else {
        await fs.promises.writeFile(readmePath, after);
        io.out(`${path.basename(readmePath)} diagrams updated`);
    }
    return 0;
}
