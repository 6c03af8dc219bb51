import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import { diagramDefinitions, README } from "../scripts/diagram";
import { currentDiagram, diagramBlock } from "../scripts/mermaid";

describe("README diagrams", () => {
    for (const [name, definition] of Object.entries(diagramDefinitions())) {
        it(`${name}: matches the deployed definition (run npm run diagram when this fails)`, () => {
            const readme = fs.readFileSync(README, "utf8");
            const { from, to } = currentDiagram(readme, name);
            assert.equal(readme.slice(from, to), diagramBlock(name, definition));
        });
    }
});
