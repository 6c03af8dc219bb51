/**
 * Writes the workflow diagram into README.md between its markers, rendered from the definition
 * the program builds with the default config. Usage: npm run diagram
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseConfig } from "../infra/config";
import { replaceDiagram } from "../infra/diagram";
import { localDefinition } from "../local/definition";

export const README = path.resolve(__dirname, "..", "README.md");

export function diagramDefinition() {
    return localDefinition(parseConfig({}), "TransactionTable");
}

if (require.main === module) {
    const before = fs.readFileSync(README, "utf8");
    const after = replaceDiagram(before, diagramDefinition());
    fs.writeFileSync(README, after);
    console.log(after === before ? "README.md diagram is up to date" : "README.md diagram updated");
}
