/**
 * The docs say what the tools do: each statement a newcomer acts on, checked against the code or
 * the lock file it describes, so that a change to either shows here.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import * as semver from "semver";
import { parse } from "yaml";
import { PROJECT_ROOT } from "../model/project";
import prices from "../model/prices.json";
import { BUILDX_VERSION, PULUMI_SDK_VERSION } from "../scripts/preflight/tools";
import { DEFAULT_PROGRESS_SECONDS, DEFAULT_TIMEOUT_SECONDS, PROGRESS_VARIABLE, TIMEOUT_VARIABLE } from "../scripts/cli/progress";
import { localWorkflow } from "../local/stand-ins";
import { parseConfig } from "../model/config";
import { estimateCost } from "../model/cost";
import { FUNCTION_ARCHITECTURE, FUNCTION_MEMORY_MB, FUNCTION_TIMEOUT_SECONDS, TRADING_FUNCTIONS } from "../model/functions";
import { GITHUB_JOB_LIMIT_MINUTES, MAX_ALARM_EVALUATION_SECONDS, MAX_SHIFT_AND_BAKE_MINUTES, MAX_STALE_AFTER_HOURS } from "../model/limits";
import { alarmSpecs } from "../model/monitoring";
import { MAX_ALARM_WARM_UP_MINUTES } from "../model/platform-rules";
import { LAMBDA_RUNTIME } from "../model/project";
import { scheduleCadence } from "../model/schedule";
import { OPTIONS as e2eOptions } from "../scripts/e2e/driver";
import { STEPS } from "../scripts/e2e/scenarios";
import { loadStackConfig } from "../scripts/cli/stack-files";

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

    it("CONTRIBUTING's layout names every module of the model, the components, the contracts, the local engine and the tools", () => {
        const layout = section(read("CONTRIBUTING.md"), "## Layout");
        const row = (folder: string) => layout.split("\n").find((line) => line.startsWith(`| \`${folder}/\` |`)) ?? "";
        const modules = (folder: string, deep = false): string[] =>
            fs
                .readdirSync(path.join(PROJECT_ROOT, folder), { withFileTypes: true, recursive: deep })
                .filter((entry) => entry.isFile() && /\.(ts|js)$/.test(entry.name) && !entry.parentPath.includes(`${path.sep}bench`))
                .map((entry) => entry.name);
        for (const folder of ["model", "infra", "contracts", "local"]) {
            assert.deepEqual(
                modules(folder).filter((file) => !row(folder).includes(`\`${file}\``)),
                [],
                `${folder}/ modules CONTRIBUTING's layout does not name`,
            );
        }
        assert.deepEqual(
            modules("scripts", true).filter((file) => !row("scripts").includes(`\`${file}\``)),
            [],
            "scripts/ modules CONTRIBUTING's layout does not name",
        );
    });

    describe("the figures the prose quotes from the model", () => {
        /** A document with its line breaks and runs of spaces as one space, so a figure may wrap. */
        const flat = (file: string) => read(file).replace(/\s+/g, " ");
        const has = (file: string, phrase: string) => assert.ok(flat(file).includes(phrase), `${file} says: ${phrase}`);
        const dev = loadStackConfig("dev");
        const prod = loadStackConfig("prod");
        const words = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"];

        it("the deploy job's limits and the bake of each stack", () => {
            has("README.md", `\`bakeMinutes\` (dev ${dev.bakeMinutes}, prod ${prod.bakeMinutes})`);
            has(
                "README.md",
                `which GitHub ends after ${GITHUB_JOB_LIMIT_MINUTES / 60} hours: the config refuses more than ${MAX_SHIFT_AND_BAKE_MINUTES} minutes`,
            );
        });

        it("each job's session and timeout, as the workflows set them", () => {
            const minutes = (file: string, job: string) =>
                (parse(read(`.github/workflows/${file}`)) as { jobs: Record<string, { "timeout-minutes": number }> }).jobs[job]["timeout-minutes"];
            const span = (m: number) => `${Math.floor(m / 60)} hour${m >= 120 ? "s" : ""}${m % 60 === 0 ? "" : ` ${m % 60} minutes`}`;
            assert.equal(minutes("e2e.yml", "e2e"), minutes("deploy.yml", "up"), "both jobs run as long as GitHub lets a job run");
            has("docs/deploying.md", `the deploy job and the e2e job ${span(minutes("deploy.yml", "up"))}, GitHub's limit for a job on its runners,`);
            has("docs/deploying.md", `a preview ${span(minutes("pull-request.yml", "preview"))}.`);
            assert.equal(minutes("deploy.yml", "up"), GITHUB_JOB_LIMIT_MINUTES);
        });

        it("the end-to-end sweep's default age outlasts a run", () => {
            const hours = Number(e2eOptions["older-than-hours"].default);
            has("docs/deploying.md", `(older than ${hours} hours by default, longer than a run may take)`);
            assert.ok(hours * 3600 > STEPS.reduce((sum, step) => sum + step.budgetSeconds, 0));
        });

        it("the alarms' windows and warm-up, and the schedule gaps they are worked out from", () => {
            has(
                "docs/operations.md",
                `periods at most ${MAX_ALARM_EVALUATION_SECONDS.toLocaleString("en-US")} s), so a schedule whose runs can be more than ${MAX_STALE_AFTER_HOURS - 1} hours apart`,
            );
            has(
                "docs/operations.md",
                `CloudWatch warms up for at most ${MAX_ALARM_WARM_UP_MINUTES / 1440} days, so a schedule whose runs can be more than ${MAX_ALARM_WARM_UP_MINUTES / 60 - 1} hours apart`,
            );
            const gap = (expression: string) => scheduleCadence(expression).longestGapSeconds / 3600;
            has(
                "docs/operations.md",
                `a weekday-only cron leaves ${gap("cron(0 14 ? * MON-FRI *)")} hours over the weekend, \`cron(0 12 L * ? *)\` ${gap("cron(0 12 L * ? *)") / 24} days`,
            );
        });

        it("the functions' runtime and size, and how many there are", () => {
            has(
                "docs/architecture.md",
                `Each function runs on \`${LAMBDA_RUNTIME}\` on ${FUNCTION_ARCHITECTURE}, with ${FUNCTION_MEMORY_MB} MB and a ${FUNCTION_TIMEOUT_SECONDS} s timeout`,
            );
            has("README.md", `${words[TRADING_FUNCTIONS.length]} Lambda functions`);
        });

        it("the transitions a retry and a Spot interruption add, and the Lambda requests of a run", () => {
            const config = parseConfig({ batchCapacity: "FARGATE_SPOT" });
            const estimate = estimateCost(config, localWorkflow(config, "T").definition, alarmSpecs(config), prices, 1);
            const requests = estimate.lines.find((l) => l.service === "Lambda" && l.item === "requests")!.quantity;
            has(
                "docs/cost.md",
                `each retry is ${words[estimate.transitions.perRetry]} more, each Spot interruption ${words[estimate.transitions.perSpotInterruption]} more`,
            );
            has("docs/cost.md", `${words[requests]} Lambda requests`);
        });

        it("where prod differs from dev: a row for each key the two stacks set apart, with each stack's value", () => {
            const table = section(read("docs/deploying.md"), "## The stacks");
            const rows = new Map(
                [...table.matchAll(/^\| `(\w+)` \| `([^`]*)` \| `([^`]*)` \|(.*)\|$/gm)].map((m) => [m[1], { dev: m[2], prod: m[3], why: m[4] }]),
            );
            const differ = (Object.keys(dev) as (keyof typeof dev)[]).filter((key) => JSON.stringify(dev[key]) !== JSON.stringify(prod[key]));
            // A value as the table writes it: a map as JSON, anything else as text.
            const text = (value: unknown) => (typeof value === "object" && value !== null && !Array.isArray(value) ? JSON.stringify(value) : String(value));
            for (const key of differ) {
                const row = rows.get(key);
                if (row === undefined) {
                    assert.ok(
                        [...rows.values()].some((r) => r.why.includes(`\`${key}\` ${text(prod[key])}`)),
                        `${key} differs (${text(dev[key])} / ${text(prod[key])}) and the table says nothing of it`,
                    );
                    continue;
                }
                assert.deepEqual([row.dev, row.prod], [text(dev[key]), text(prod[key])], key);
            }
            assert.deepEqual(
                [...rows.keys()].filter((key) => !differ.includes(key as keyof typeof dev)),
                [],
                "a row for a key the stacks do not set apart",
            );
        });
    });
});
