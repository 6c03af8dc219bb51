/**
 * Writes the workflow diagrams into the documents that show them, between their markers,
 * rendered from the definitions the program builds: with the default config (README.md), and
 * with Fargate Spot (docs/architecture.md). Usage: npm run diagram
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { localWorkflow } from "../../local/stand-ins";
import { parseConfig } from "../../model/config";
import { PROJECT_ROOT } from "../../model/project";
import type { StateMachineDefinition } from "../../model/workflow";
import { parseFlags, processIo, refuseCaller, type OptionTable, type ToolIo } from "../cli/cli";
import { diagramMarkers, replaceDiagram } from "./mermaid";

export const README = path.join(PROJECT_ROOT, "README.md");

/** The documents that show a workflow diagram. */
export const DIAGRAM_DOCUMENTS = [README, path.join(PROJECT_ROOT, "docs", "architecture.md")];

export const USAGE = `usage: npm run diagram -- [options]

Redraws the workflow diagrams in README.md and docs/architecture.md from the definitions the
program builds (the default config, and Fargate Spot), and says whether they changed.

  --help     print this help

Exit codes: 0 written or up to date; 2 bad usage.`;

/** Each README diagram by name, from the config it shows. */
export function diagramDefinitions(): Record<string, StateMachineDefinition> {
    const definition = (raw: Record<string, string>) => localWorkflow(parseConfig(raw), "TransactionTable").definition;
    return { default: definition({}), spot: definition({ batchCapacity: "FARGATE_SPOT" }) };
}

/** A document's text with every diagram it has a marker for rendered afresh. */
export function withDiagrams(document: string): string {
    return Object.entries(diagramDefinitions()).reduce(
        (text, [name, definition]) => (text.includes(diagramMarkers(name).start) ? replaceDiagram(text, name, definition) : text),
        document,
    );
}

export const OPTIONS = { help: { type: "boolean", default: false } } as const satisfies OptionTable;

/** The tool: rewrites the diagrams in each of `files` and says whether they changed; 0, or 2 on bad usage. */
export async function main(argv: string[], io: ToolIo = processIo, files: string | readonly string[] = DIAGRAM_DOCUMENTS): Promise<number> {
    try {
        if (parseFlags(argv, OPTIONS).help) {
            io.out(USAGE);
            return 0;
        }
    } catch (error) {
        return refuseCaller(error, io, USAGE);
    }
    for (const file of typeof files === "string" ? [files] : files) {
        const before = await fs.promises.readFile(file, "utf8");
        const after = withDiagrams(before);
        if (after === before) {
            io.out(`${path.basename(file)} diagrams are up to date`);
        } else {
            await fs.promises.writeFile(file, after);
            io.out(`${path.basename(file)} diagrams updated`);
        }
    }
    return 0;
}
