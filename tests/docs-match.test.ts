/**
 * The docs say what the tools do: each statement a newcomer acts on, checked against the code or
 * the lock file it describes, so that a change to either shows here.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as semver from "semver";
import { PROJECT_ROOT } from "../model/project";
import prices from "../model/prices.json";
import { BUILDX_VERSION, PULUMI_SDK_VERSION } from "../scripts/preflight/tools";
import { DEFAULT_PROGRESS_SECONDS, DEFAULT_TIMEOUT_SECONDS, PROGRESS_VARIABLE, TIMEOUT_VARIABLE } from "../scripts/cli/progress";

const read = (file: string) => fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");
/** A document's section: from its heading to the next heading of the same or a higher level. */
function section(text: string, heading: string): string {
    const start = text.indexOf(`\n${heading}\n`);
    assert.ok(start >= 0, `no section ${heading}`);
    const level = heading.split(" ")[0];
    const next = text.slice(start + heading.length + 2).search(new RegExp(`^#{1,${level.length}} `, "m"));
    return text.slice(start, next < 0 ? undefined : start + heading.length + 2 + next);
}
/** The lines of a document's shell blocks, comments dropped. */
const shellLines = (text: string) =>
    [...text.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1].split("\n").map((line) => line.replace(/\s+#.*$/, "").trim())).filter(Boolean);

describe("the docs match the tools", () => {
    const readme = read("README.md");
    const prerequisites = section(readme, "### Prerequisites");

    it("the README creates the stack with pulumi stack init before its first preflight, which checks that the stack exists", () => {
        const lines = shellLines(readme);
        const init = lines.findIndex((line) => /^pulumi stack init \S+/.test(line));
        const preflight = lines.findIndex((line) => line.startsWith("npm run preflight"));
        assert.ok(init >= 0 && preflight >= 0, lines.join("\n"));
        assert.ok(init < preflight, `pulumi stack init (line ${init}) before npm run preflight (line ${preflight})`);
    });

    it("the prerequisites state Buildx as the preflight checks it", () => {
        assert.ok(prerequisites.includes(`\`docker ${BUILDX_VERSION.join(" ")}\``), prerequisites);
        assert.match(prerequisites, /The preflight checks each of them\./);
    });

    it("the prerequisites' oldest Pulumi CLI is the version the preflight enforces, the SDK's", () => {
        assert.ok(prerequisites.includes(`v${PULUMI_SDK_VERSION} or newer`), prerequisites);
    });

    it("states PULUMI_CONFIG_PASSPHRASE for a self-managed backend", () => {
        assert.match(prerequisites, /self-managed one\s+\(`pulumi login s3:\/\/<bucket>`\), whose secrets need `PULUMI_CONFIG_PASSPHRASE`/);
    });

    it("says npm scripts run on the project's Node, and pulumi on the node on PATH, which must be the one @pulumi/pulumi needs", () => {
        const pkg = JSON.parse(read("package.json")) as { devDependencies: Record<string, string>; engines: { node: string } };
        const lock = JSON.parse(read("package-lock.json")) as { packages: Record<string, { engines?: { node?: string } }> };
        const projectNode = semver.major(pkg.devDependencies.node);
        const sdkNeeds = semver.minVersion(lock.packages["node_modules/@pulumi/pulumi"].engines!.node!)!.major;
        assert.ok(readme.includes(`every npm script runs on the Node.js ${projectNode} that`), "Requirements");
        assert.ok(prerequisites.includes(`Node.js ${sdkNeeds} as the \`node\` on \`PATH\``));
        assert.ok(prerequisites.includes(`\`pulumi preview\` start the program with the \`node\` they find, and @pulumi/pulumi needs ${sdkNeeds}`));
        assert.ok(prerequisites.includes('`export PATH="$PWD/node_modules/.bin:$PATH"`'));
        assert.ok(semver.satisfies(pkg.devDependencies.node, `>=${sdkNeeds}`), "the project's Node runs the program");
    });

    it("explains the EBADENGINE warnings npm ci prints on Node 20, as many as the lock file gives", () => {
        const lock = JSON.parse(read("package-lock.json")) as { packages: Record<string, { engines?: { node?: string } }> };
        const refusing = Object.entries(lock.packages).filter(([, p]) => p.engines?.node !== undefined && !semver.satisfies("20.19.0", p.engines.node));
        const packages = refusing.filter(([key]) => key !== "").length;
        const project = refusing.length - packages;
        assert.equal(project, 1, "the project itself declares the Node it runs on");
        assert.ok(readme.includes(`\`npm ci\` warns \`EBADENGINE\` ${refusing.length} times: this project and ${packages} of\n  its packages`), "Requirements");
    });

    it("says cost's prices are the price table's region's, which the tool notes for a stack elsewhere", () => {
        const regions = new Set(Object.values(prices.prices).map((p) => p.region));
        assert.deepEqual([...regions], ["us-east-1"]);
        assert.match(section(readme, "## Cost"), /`model\/prices\.json`, whose prices are us-east-1's: for\na stack elsewhere, it says so under the bill/);
    });

    it("keeps CONTRIBUTING's counts in its generated block, and dates each timing with the machine it was measured on", () => {
        const performance = section(read("CONTRIBUTING.md"), "## Performance");
        assert.match(performance, /<!-- npm run bench:test -- --counts -->\n```text\n\$ npm run bench:test -- --counts\n[\d,]+ tests in \d+ files/);
        const prose = performance.replace(/<!-- (npm run .+?) -->[\s\S]*?<!-- end of \1 -->/g, "");
        assert.doesNotMatch(prose, /\b\d[\d,]* (tests|resources)\b/, "a count outside the generated block goes stale");
        const benchmarks = prose.split(/\n(?=\*\*)/).slice(1);
        assert.ok(benchmarks.length >= 4);
        for (const paragraph of benchmarks.filter((p) => /\d(\.\d+)? (ms|s|min)\b/.test(p))) {
            assert.match(paragraph, /measured \d{4}-\d{2}-\d{2}\s+on\s+the\s+2-core\s+machine/, paragraph.slice(0, 80));
        }
    });

    it("documents each tool's call timeout and progress interval, with their defaults", () => {
        const operations = read("docs/operations.md");
        assert.ok(operations.includes(`Each attempt of a call may take ${DEFAULT_TIMEOUT_SECONDS} s (\`${TIMEOUT_VARIABLE}\` sets it)`));
        assert.ok(operations.includes(`every ${DEFAULT_PROGRESS_SECONDS} s (\`${PROGRESS_VARIABLE}\`)`));
    });
});
