/**
 * Writes the workflow diagram into README.md between its markers, rendered from the definition
 * the program builds with the default config. Usage: npm run diagram
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { localWorkflow } from "../local/definition";
import { parseConfig } from "../model/config";
import { PROJECT_ROOT } from "../model/project";
import { replaceDiagram } from "./mermaid";

export const README = path.join(PROJECT_ROOT, "README.md");

export function diagramDefinition() {
    return localWorkflow(parseConfig({}), "TransactionTable").definition;
}

if (require.main === module) {
    const before = fs.readFileSync(README, "utf8");
    const after = replaceDiagram(before, diagramDefinition());
    fs.writeFileSync(README, after);
    console.log(after === before ? "README.md diagram is up to date" : "README.md diagram updated");
}
