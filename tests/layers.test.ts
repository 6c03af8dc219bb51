/**
 * The folders are the layers: each imports only the layers it builds on, so the contracts and
 * the runtime parts (the functions, the batch program) never depend on the model, the model never
 * on a runtime part or on Pulumi's components, and nothing below the tools on a tool.
 */
import * as assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../model/project";

/** The folders a folder's modules may import, besides their own. */
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
    contracts: [],
    functions: ["contracts"],
    // The program reads its own contract.json, which the model reads from outside.
    "batch-container/src": ["batch-container"],
    "batch-container/test": ["batch-container/src", "batch-container", "local", "tests"],
    model: ["contracts"],
    infra: ["contracts", "model"],
    local: ["contracts", "model", "functions"],
    policy: ["contracts", "model"],
    scripts: ["contracts", "model", "infra", "local", "functions", "policy"],
    // The benchmarks measure the program under the test mocks.
    "scripts/bench": ["contracts", "model", "infra", "local", "functions", "policy", "scripts", "tests"],
    bin: ["scripts"],
    ".": ["infra", "model"],
};

/** The layer a project file belongs to: its first folder; batch-container's and the benchmarks' own folders. */
function layerOf(file: string): string {
    const parts = file.split("/");
    if (parts.length === 1) {
        return ".";
    }
    const two = `${parts[0]}/${parts[1]}`;
    return (parts[0] === "batch-container" && parts.length > 2) || two === "scripts/bench" ? two : parts[0];
}

describe("the layers", () => {
    const files = execFileSync("git", ["ls-files", "-co", "--exclude-standard", "*.ts"], { cwd: PROJECT_ROOT, encoding: "utf8" })
        .trim()
        .split("\n")
        .filter((file) => !file.startsWith("tests/") && fs.existsSync(path.join(PROJECT_ROOT, file)));

    it("import only the layers below them", () => {
        assert.ok(files.length > 50);
        const crossings = files.flatMap((file) => {
            const from = layerOf(file);
            const allowed = MAY_IMPORT[from];
            assert.ok(allowed !== undefined, `${file} is in no layer the test knows (${from})`);
            const source = fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");
            const specifiers = [...source.matchAll(/(?:from|import|require)\s*\(?\s*"(\.{1,2}\/[^"]+)"/g)].map((m) => m[1]);
            return specifiers
                .map((specifier) => path.relative(PROJECT_ROOT, path.resolve(PROJECT_ROOT, path.dirname(file), specifier)))
                .filter((target) => {
                    const to = layerOf(target);
                    // The tools' folders are one layer: the benchmarks' own rule is only wider.
                    const tools = (layer: string) => layer === "scripts" || layer.startsWith("scripts/");
                    return to !== from && !allowed.includes(to) && !(tools(from) && tools(to));
                })
                .map((target) => `${file} imports ${target}`);
        });
        assert.deepEqual(crossings, []);
    });
});
