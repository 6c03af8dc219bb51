import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DIAGRAM_DOCUMENTS, diagramDefinitions, main, README, USAGE, withDiagrams } from "../scripts/docs/diagram";
import { currentDiagram, diagramBlock, diagramMarkers, renderMermaid, replaceDiagram } from "../scripts/docs/mermaid";
import type { StateMachineDefinition } from "../model/workflow";
import { runInProcess } from "./support/tool";

/** Every kind of state and rule the renderer knows, small enough to write its chart out by hand. */
const SAMPLE = {
    StartAt: "Check",
    States: {
        Check: { Type: "Task", Resource: "arn", Next: "Route", Catch: [{ ErrorEquals: ["States.TaskFailed", "States.Timeout"], Next: "Broken" }] },
        Route: {
            Type: "Choice",
            Choices: [
                { Variable: "$.price", NumericLessThanEquals: 50, Next: "Done" },
                { Variable: "$.price", NumericLessThan: 80, Next: "Done" },
                { Variable: "$.cause", StringMatches: '*"Spot"*', Next: "Broken" },
                { Variable: "$.error", IsPresent: false, Next: "Done" },
                { Not: { Variable: "$.count", IsPresent: true }, Next: "Done" },
            ],
            Default: "Broken",
        },
        Done: { Type: "Pass", End: true },
        Broken: { Type: "Fail" },
    },
} as unknown as StateMachineDefinition;

const SAMPLE_CHART = `flowchart TD
  start((start))
  s0["Check"]
  s1{"Route"}
  s2(["Done"])
  s3[["Broken (Fail)"]]
  start --> s0
  s0 --> s1
  s0 -.->|"States.TaskFailed, States.Timeout"| s3
  s1 -->|"$.price ≤ 50"| s2
  s1 -->|"$.price < 80"| s2
  s1 -->|"$.cause matches *#quot;Spot#quot;*"| s3
  s1 -->|"$.error is absent"| s2
  s1 -->|"not $.count is present"| s2
  s1 -->|otherwise| s3`;

const tempDirs: string[] = [];

function tempReadme(text: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "readme-"));
    tempDirs.push(dir);
    const file = path.join(dir, "README.md");
    fs.writeFileSync(file, text);
    return file;
}

describe("the workflow diagrams in the docs", () => {
    after(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

    it("each is shown once, in the document its markers are in, as the deployed definition draws it (run npm run diagram when this fails)", () => {
        const documents = DIAGRAM_DOCUMENTS.map((file) => fs.readFileSync(file, "utf8"));
        const definitions = diagramDefinitions();
        assert.deepEqual(Object.keys(definitions), ["default", "spot"]);
        for (const [name, definition] of Object.entries(definitions)) {
            const holding = documents.filter((text) => text.includes(diagramMarkers(name).start));
            assert.equal(holding.length, 1, `${name} is in ${holding.length} documents`);
            const { from, to } = currentDiagram(holding[0], name);
            assert.equal(holding[0].slice(from, to), diagramBlock(name, definition), name);
        }
        documents.forEach((text) => assert.equal(withDiagrams(text), text));
        assert.ok(documents[0].includes(diagramMarkers("default").start), "the README shows the default one");
    });

    it("the spot diagram shows the interruption states the default one has not", () => {
        const { default: onDemand, spot } = diagramDefinitions();
        assert.ok(!renderMermaid(onDemand).includes("interruption"));
        assert.match(renderMermaid(spot), /interruption/);
    });

    it("renders every kind of state, rule and catcher as a Mermaid flowchart", () => {
        assert.equal(renderMermaid(SAMPLE), SAMPLE_CHART);
    });

    it("replaces only the named block, between its markers", () => {
        const { start, end } = diagramMarkers("sample");
        const readme = `# Title\n\n${start}\nold chart\n${end}\n\nAfter.\n`;
        assert.equal(replaceDiagram(readme, "sample", SAMPLE), `# Title\n\n${diagramBlock("sample", SAMPLE)}\n\nAfter.\n`);
        assert.equal(diagramBlock("sample", SAMPLE), `${start}\n\`\`\`mermaid\n${SAMPLE_CHART}\n\`\`\`\n${end}`);
    });

    it("refuses a document without both markers in order, naming them", () => {
        const { start, end } = diagramMarkers("sample");
        const message = `the document must contain the markers ${start} and ${end}, in that order`;
        assert.throws(() => currentDiagram(`${end}\n`, "sample"), { message });
        assert.throws(() => currentDiagram(`${start}\n`, "sample"), { message });
        assert.throws(() => currentDiagram(`${end}\n${start}\n`, "sample"), { message });
        assert.deepEqual(currentDiagram(`${start}${end}`, "sample"), { from: 0, to: start.length + end.length });
    });

    it("npm run diagram rewrites stale diagrams and leaves current ones alone", async () => {
        const readme = fs.readFileSync(README, "utf8");
        const { from, to } = currentDiagram(readme, "default");
        const stale = tempReadme(`${readme.slice(0, from)}${diagramMarkers("default").start}\nold\n${diagramMarkers("default").end}${readme.slice(to)}`);
        const first = await runInProcess((argv, io) => main(argv, io, stale), []);
        assert.deepEqual(first, { status: 0, stdout: "README.md diagrams updated\n", stderr: "" });
        assert.equal(fs.readFileSync(stale, "utf8"), readme);
        const second = await runInProcess((argv, io) => main(argv, io, stale), []);
        assert.deepEqual(second, { status: 0, stdout: "README.md diagrams are up to date\n", stderr: "" });
    });

    it("npm run diagram takes no option but --help: exits 2 pointing at its help, and touches nothing", async () => {
        const file = tempReadme("untouched");
        const run = await runInProcess((argv, io) => main(argv, io, file), ["--fast"]);
        assert.equal(run.status, 2);
        assert.equal(run.stderr, "unknown flag --fast; npm run diagram -- --help lists what it takes");
        const help = await runInProcess((argv, io) => main(argv, io, file), ["--help"]);
        assert.deepEqual([help.status, help.stdout], [0, `${USAGE}\n`]);
        assert.equal(fs.readFileSync(file, "utf8"), "untouched");
    });
});
