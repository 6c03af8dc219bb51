/**
 * A deploy never removes what a running, redrivable or rerunnable execution needs: two runs of
 * the program on one mocked account, before and after a change to batch-container/, read as the
 * engine reads them (resource names, which make the URNs, and the options of each registration
 * request). The engine deletes a resource whose URN is gone, and replaces one whose inputs force
 * it; what those deletes do to AWS is the providers' (see infra/batch.ts).
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import type { PolicyStatement } from "../model/policies";
import { IAM_PROPAGATION_SECONDS, REDRIVE_WINDOW_DAYS } from "../model/platform-rules";
import * as pulumi from "@pulumi/pulumi";
import { imageTransform } from "../infra/batch";
import { contextFiles } from "../model/image-context";
import { BATCH_CONTAINER_DIR, PROJECT_ROOT } from "../model/project";
import { isAllowed } from "./support/grants";
import { MockAccount, named, programSources, runProgram, type ProgramRun } from "./support/program";

const IMAGE = "awsx:ecr:Image";
const TASK = "awsx:ecs:FargateTaskDefinition";

/** A copy of what batch-container/'s build context sends, with its Dockerfile changed, as a maintainer's commit would change it. */
function changedContext(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "changed-context-"));
    for (const file of contextFiles(BATCH_CONTAINER_DIR)) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.copyFileSync(path.join(BATCH_CONTAINER_DIR, file), path.join(dir, file));
    }
    fs.appendFileSync(path.join(dir, "Dockerfile"), "\n# a change\n");
    return dir;
}

/** Runs the program with its batch image built from `dir` instead of batch-container/. */
async function runWithContext(dir: string, account: MockAccount): Promise<ProgramRun> {
    programSources.current = { batchContext: dir };
    try {
        return await runProgram({}, "test", "./program-from-sources", account);
    } finally {
        programSources.current = {};
    }
}

const policyOf = (run: ProgramRun, type: string, name: string): PolicyStatement[] => JSON.parse(named(run, type, name).inputs.policy).Statement;

describe("a deploy that changes batch-container/ keeps what earlier executions need", () => {
    let first: ProgramRun;
    let second: ProgramRun;
    let dir: string;
    const account = new MockAccount();

    // Both runs in one hook: they share the account, as two deploys of one stack do.
    before(async () => {
        dir = changedContext();
        first = await runProgram({}, "test", undefined, account);
        second = await runWithContext(dir, account);
        assert.equal(first.error, undefined, String(first.error));
        assert.equal(second.error, undefined, String(second.error));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("builds the new image under the same image resource and the same child name, an update that deletes no image", () => {
        const [old, current] = [named(first, IMAGE, "batch-image"), named(second, IMAGE, "batch-image")];
        assert.equal(old.inputs.imageName, current.inputs.imageName, "awsx names its docker-build child after imageName: the same child");
        assert.equal(old.options.urn, current.options.urn);
        assert.notEqual(first.outputs.imageUri, second.outputs.imageUri);
    });

    it("never deletes a pushed image through Pulumi: the image's transform gives its child retainOnDelete", () => {
        for (const run of [first, second]) {
            assert.equal(named(run, IMAGE, "batch-image").options.transforms, 1);
        }
        const child = imageTransform(
            new pulumi.DependencyResource("urn:pulumi:test::stock-trader::stock-trader:batch:BatchJob::batch"),
            "batch-image",
            "src-0",
        )({
            type: "docker-build:index:Image",
            name: "live",
            custom: true,
            props: { tags: ["repo:live"] },
            opts: {},
        }) as pulumi.ResourceTransformResult;
        assert.equal(child.opts.retainOnDelete, true);
    });

    it("registers the new task definition in the same family, and keeps the old revision (skipDestroy)", () => {
        const [old, current] = [named(first, TASK, "batch-task"), named(second, TASK, "batch-task")];
        assert.equal(current.inputs.family, old.inputs.family);
        assert.equal(old.inputs.skipDestroy, true);
        assert.equal(current.inputs.skipDestroy, true);
        assert.notEqual(second.outputs.taskDefinitionArn, first.outputs.taskDefinitionArn, "a new revision");
        assert.match(String(second.outputs.taskDefinitionArn), /:2$/);
    });

    it("lets the state machine role and the operator policy run the kept revision and the new one, on this cluster", async () => {
        const onCluster = { "ecs:cluster": String(second.outputs.clusterArn) };
        const policies = {
            "state machine role": policyOf(second, "aws:iam/rolePolicy:RolePolicy", "trading-workflow-policy"),
            "operator policy": policyOf(second, "aws:iam/policy:Policy", "monitoring-operator-policy"),
        };
        for (const [name, statements] of Object.entries(policies)) {
            for (const revision of [first.outputs.taskDefinitionArn, second.outputs.taskDefinitionArn]) {
                assert.ok(
                    await isAllowed(statements, { action: "ecs:RunTask", resource: String(revision), context: onCluster }),
                    `${name} must run ${String(revision)}`,
                );
            }
        }
    });

    it("leaves the task definition's other inputs alone: only the image changed", () => {
        const [old, current] = [named(first, TASK, "batch-task").inputs, named(second, TASK, "batch-task").inputs];
        assert.equal(current.container.image, second.outputs.imageUri);
        assert.equal(old.container.image, first.outputs.imageUri);
        const rest = (inputs: Record<string, any>) => ({ ...inputs, container: { ...inputs.container, image: undefined } });
        assert.deepEqual(rest(current), rest(old));
    });
});

describe("the deploying guide's deploy-time facts", () => {
    const guide = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "deploying.md"), "utf8");
    const section = guide.slice(guide.indexOf("## What a deploy changes"), guide.indexOf("## Continuous delivery"));

    it("states the pause after a policy change and the redrive window as the program has them", () => {
        assert.match(section, new RegExp(`waits ${IAM_PROPAGATION_SECONDS} s for IAM`));
        assert.match(section, new RegExp(`in ${REDRIVE_WINDOW_DAYS} days \\(the redrive window\\)`));
    });

    it("names the task definition family as the program names it", async () => {
        const run = await runProgram({}, "test");
        assert.equal(named(run, TASK, "batch-task").inputs.family, "stock-trader-test-batch");
        assert.match(section, /`<project>-<stack>-batch`/);
    });
});
