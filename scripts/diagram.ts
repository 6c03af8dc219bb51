/**
 * Writes the workflow diagrams into README.md between their markers, rendered from the
 * definitions the program builds: with the default config, and with Fargate Spot.
 * Usage: npm run diagram
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { localWorkflow } from "../local/definition";
import { parseConfig } from "../model/config";
import { PROJECT_ROOT } from "../model/project";
import type { StateMachineDefinition } from "../model/workflow";
import { replaceDiagram } from "./mermaid";

export const README = path.join(PROJECT_ROOT, "README.md");

/** Each README diagram by name, from the config it shows. */
export function diagramDefinitions(): Record<string, StateMachineDefinition> {
    const definition = (raw: Record<string, string>) => localWorkflow(parseConfig(raw), "TransactionTable").definition;
    return { default: definition({}), spot: definition({ batchCapacity: "FARGATE_SPOT" }) };
}

if (require.main === module) {
    const before = fs.readFileSync(README, "utf8");
    const after = Object.entries(diagramDefinitions()).reduce((readme, [name, definition]) => replaceDiagram(readme, name, definition), before);
    fs.writeFileSync(README, after);
    console.log(after === before ? "README.md diagrams are up to date" : "README.md diagrams updated");
}
