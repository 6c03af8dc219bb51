/**
 * npm run prune-versions: which versions it keeps (the plan, over generated histories) and what
 * it calls, against mocked AWS clients whose responses are shaped as the Step Functions, ECS and
 * ECR API references document them.
 */
import * as assert from "node:assert/strict";
import { BatchDeleteImageCommand, BatchGetImageCommand, ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";
import { DescribeTaskDefinitionCommand, ECSClient } from "@aws-sdk/client-ecs";
import { DeleteFunctionCommand, LambdaClient, ListVersionsByFunctionCommand } from "@aws-sdk/client-lambda";
import {
    DeleteStateMachineVersionCommand,
    type ExecutionStatus,
    DescribeStateMachineAliasCommand,
    DescribeStateMachineCommand,
    ListExecutionsCommand,
    ListStateMachineAliasesCommand,
    ListStateMachineVersionsCommand,
    ListTagsForResourceCommand,
    SFNClient,
} from "@aws-sdk/client-sfn";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import fc from "fast-check";
import { invokedFunctionVersions, planFunctionVersions, planVersions, type ExecutionOnVersion, type Version } from "../model/versions";
import { main, prune, USAGE, type PruneDeps } from "../scripts/operate/prune";
import { notAuthorized, serviceError } from "./support/aws-errors";
import { withEnvironment } from "./support/loopback";
import { closedClients } from "./support/closed-clients";
import { runInProcess } from "./support/tool";

let sfn: AwsClientStub<SFNClient>;
let ecs: AwsClientStub<ECSClient>;
let ecr: AwsClientStub<ECRClient>;
let lambda: AwsClientStub<LambdaClient>;

const MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:trading-workflow-state-machine";
const NOW = new Date("2026-12-02T12:00:00Z");
const DAY = 24 * 3600 * 1000;
const daysAgo = (n: number) => new Date(NOW.getTime() - n * DAY);
const version = (n: number): Version => ({ arn: `${MACHINE}:${n}`, number: n, created: daysAgo(60 - n) });
const digest = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
const REPOSITORY = "batch-repo-1a2b3c4";
/** The checker function; workflow version n invokes its version n. */
const CHECKER = "arn:aws:lambda:us-east-1:123456789012:function:trading-stock-checker-1a2b3c4";

async function run(argv: string[], outputs: Record<string, unknown> = { stateMachineArn: MACHINE }, now: () => Date = () => NOW) {
    const out: string[] = [];
    const err: string[] = [];
    const slept: number[] = [];
    const deps: PruneDeps = {
        stackOutputs: async () => outputs,
        sleep: async (ms) => void slept.push(ms),
        now,
        out: (l) => out.push(...l.split("\n")),
        err: (l) => err.push(l),
    };
    return { code: await prune(argv, deps), out, err, slept };
}

/** Six versions; live routes to 6; an execution runs on 4, one failed on 3 three days ago and one on 2 twenty days ago. */
function account(keepTag = "2") {
    sfn.on(ListTagsForResourceCommand, { resourceArn: MACHINE }).resolves({ tags: [{ key: "stock-trader:versions-to-keep", value: keepTag }] });
    // Newest first, in pages, as ListStateMachineVersions returns them.
    sfn.on(ListStateMachineVersionsCommand, { stateMachineArn: MACHINE })
        .resolvesOnce({
            stateMachineVersions: [6, 5, 4].map((n) => ({ stateMachineVersionArn: `${MACHINE}:${n}`, creationDate: version(n).created })),
            nextToken: "p2",
        })
        .resolves({ stateMachineVersions: [3, 2, 1].map((n) => ({ stateMachineVersionArn: `${MACHINE}:${n}`, creationDate: version(n).created })) });
    sfn.on(ListStateMachineAliasesCommand).resolves({ stateMachineAliases: [{ stateMachineAliasArn: `${MACHINE}:live`, creationDate: daysAgo(60) }] });
    sfn.on(DescribeStateMachineAliasCommand).resolves({
        stateMachineAliasArn: `${MACHINE}:live`,
        name: "live",
        routingConfiguration: [{ stateMachineVersionArn: `${MACHINE}:6`, weight: 100 }],
        creationDate: daysAgo(60),
        updateDate: daysAgo(1),
    });
    const execution = (n: number, status: ExecutionStatus, stopDate?: Date) => ({
        executionArn: `arn:aws:states:us-east-1:123456789012:execution:trading-workflow-state-machine:e${n}`,
        stateMachineArn: `${MACHINE}:${n}`,
        name: `e${n}`,
        status,
        startDate: daysAgo(40),
        ...(stopDate ? { stopDate } : {}),
        stateMachineVersionArn: `${MACHINE}:${n}`,
    });
    sfn.on(ListExecutionsCommand).resolves({ executions: [] });
    sfn.on(ListExecutionsCommand, { stateMachineArn: `${MACHINE}:4` }).resolves({ executions: [execution(4, "RUNNING")] });
    sfn.on(ListExecutionsCommand, { stateMachineArn: `${MACHINE}:3` }).resolves({
        executions: [execution(3, "SUCCEEDED", daysAgo(1)), execution(3, "FAILED", daysAgo(3))],
    });
    sfn.on(ListExecutionsCommand, { stateMachineArn: `${MACHINE}:2` }).resolves({ executions: [execution(2, "FAILED", daysAgo(20))] });
    for (let n = 1; n <= 6; n++) {
        sfn.on(DescribeStateMachineCommand, { stateMachineArn: `${MACHINE}:${n}` }).resolves({
            stateMachineArn: `${MACHINE}:${n}`,
            name: "trading-workflow-state-machine",
            definition: JSON.stringify({
                StartAt: "Check Stock Value",
                States: {
                    "Check Stock Value": { Type: "Task", Resource: `${CHECKER}:${n}`, Next: "Run ECS task" },
                    "Run ECS task": { Type: "Task", Resource: "arn:aws:states:::ecs:runTask.sync", Parameters: { TaskDefinition: `fam:${n}` }, End: true },
                },
            }),
            roleArn: "arn:aws:iam::123456789012:role/r",
            type: "STANDARD",
            creationDate: version(n).created,
        });
        ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: `fam:${n}` }).resolves({
            taskDefinition: { containerDefinitions: [{ name: "batch", image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${REPOSITORY}@${digest(n)}` }] },
        });
        ecr.on(BatchGetImageCommand, { imageIds: [{ imageDigest: digest(n) }] }).resolves({
            images: [
                {
                    registryId: "123456789012",
                    repositoryName: REPOSITORY,
                    imageId: { imageDigest: digest(n) },
                    imageManifest: `{"n":${n}}`,
                    imageManifestMediaType: "application/vnd.oci.image.index.v1+json",
                },
            ],
            failures: [],
        });
    }
    // The checker's published versions, two pages, oldest first as Lambda lists them: 7 and 8 are newer
    // than any workflow version invokes, as a deploy under way would have published them.
    const published = (from: number, to: number) =>
        Array.from({ length: to - from + 1 }, (_, i) => ({
            FunctionName: "trading-stock-checker-1a2b3c4",
            FunctionArn: `${CHECKER}:${from + i}`,
            Version: String(from + i),
        }));
    lambda
        .on(ListVersionsByFunctionCommand, { FunctionName: CHECKER })
        .resolvesOnce({
            Versions: [{ FunctionName: "trading-stock-checker-1a2b3c4", FunctionArn: `${CHECKER}:$LATEST`, Version: "$LATEST" }, ...published(1, 4)],
            NextMarker: "m2",
        })
        .resolves({ Versions: published(5, 8) });
    lambda.on(DeleteFunctionCommand).resolves({});
    sfn.on(DeleteStateMachineVersionCommand).resolves({});
    ecr.on(PutImageCommand).resolves({});
    ecr.on(BatchDeleteImageCommand).resolves({ imageIds: [], failures: [] });
}

/** Mocks the clients for the tests of the describe it is called in only, not for the files a parallel worker runs next. */
function mockedClients(): void {
    before(() => {
        sfn = mockClient(SFNClient);
        ecs = mockClient(ECSClient);
        ecr = mockClient(ECRClient);
        lambda = mockClient(LambdaClient);
    });
    beforeEach(() => [sfn, ecs, ecr, lambda].forEach((client) => client.reset()));
    after(() => [sfn, ecs, ecr, lambda].forEach((client) => client.restore()));
}

describe("npm run prune-versions (against mocked AWS clients)", () => {
    mockedClients();

    it("says on standard error how many versions it has done, every progress interval of its clock and at the end", async () => {
        account();
        // Each reading of the clock is 10 s after the last; a line every 25 s.
        let ticks = 0;
        const clock = () => new Date(NOW.getTime() + 10_000 * ticks++);
        const result = await withEnvironment({ STOCK_TRADER_PROGRESS_SECONDS: "25" }, () => run(["--stack", "prod"], { stateMachineArn: MACHINE }, clock));
        assert.equal(result.code, 0, result.err.join("\n"));
        assert.ok(result.err.length >= 2 && result.err.length < 6, result.err.join("\n"));
        result.err.slice(0, -1).forEach((line) => assert.match(line, /^… [1-5] of 6 versions done so far$/));
        assert.equal(result.err.at(-1), "… 6 of 6 versions done");
        [sfn, ecs, ecr, lambda].forEach((client) => client.reset());
        account();
        const still = await run(["--stack", "prod"]);
        assert.deepEqual(still.err, ["… 6 of 6 versions done"], "a clock that stands still gives the last line only");
    });

    it("keeps what live routes to, the newest, and what an execution runs or may be redriven on; removes the rest and frees their images", async () => {
        account();
        const result = await run(["--stack", "prod"]);
        assert.equal(result.code, 0, result.err.join("\n"));
        assert.deepEqual(result.out, [
            `6 versions of ${MACHINE}: kept 4, removed 2 (the 2 newest kept, from the stock-trader:versions-to-keep tag)`,
            "  6  kept     live routes to it",
            "  5  kept     one of the 2 newest",
            "  4  kept     an execution on it is RUNNING",
            `  3  kept     an execution on it ended FAILED and may be redriven until ${new Date(daysAgo(3).getTime() + 14 * DAY).toISOString()}`,
            "  2  removed  older than the kept ones, and nothing runs or may be redriven on it",
            "  1  removed  older than the kept ones, and nothing runs or may be redriven on it",
            `8 published versions of ${CHECKER}: kept 6, removed 2`,
            "  8  kept     newer than any kept workflow version invokes: a deploy may be publishing it",
            "  7  kept     newer than any kept workflow version invokes: a deploy may be publishing it",
            "  6  kept     a kept workflow version invokes it",
            "  5  kept     a kept workflow version invokes it",
            "  4  kept     a kept workflow version invokes it",
            "  3  kept     a kept workflow version invokes it",
            "  2  removed  no kept workflow version invokes it",
            "  1  removed  no kept workflow version invokes it",
        ]);
        assert.deepEqual(
            lambda.commandCalls(DeleteFunctionCommand).map((c) => c.args[0].input),
            [2, 1].map((n) => ({ FunctionName: CHECKER, Qualifier: String(n) })),
        );
        assert.equal(sfn.commandCalls(DescribeStateMachineCommand).length, 6, "each version's definition is read once");
        assert.deepEqual(
            sfn.commandCalls(DeleteStateMachineVersionCommand).map((c) => c.args[0].input.stateMachineVersionArn),
            [`${MACHINE}:2`, `${MACHINE}:1`],
        );
        assert.deepEqual(
            ecr.commandCalls(PutImageCommand).map((c) => [c.args[0].input.imageTag, c.args[0].input.imageDigest, c.args[0].input.imageManifest]),
            [6, 5, 4, 3].map((n) => [`version-${n}`, digest(n), `{"n":${n}}`]),
        );
        assert.deepEqual(
            ecr.commandCalls(BatchDeleteImageCommand).map((c) => c.args[0].input),
            [2, 1].map((n) => ({ registryId: "123456789012", repositoryName: REPOSITORY, imageIds: [{ imageTag: `version-${n}` }] })),
        );
        // The executions of the versions kept anyway are never listed.
        assert.deepEqual(
            sfn.commandCalls(ListExecutionsCommand).map((c) => c.args[0].input.stateMachineArn),
            [4, 3, 2, 1].map((n) => `${MACHINE}:${n}`),
        );
    });

    it("with --dry-run changes nothing, and --keep overrides the tag", async () => {
        account();
        const result = await run(["--state-machine-arn", MACHINE, "--dry-run", "--keep", "5"]);
        assert.equal(result.code, 0, result.err.join("\n"));
        assert.equal(result.out[0], `6 versions of ${MACHINE}: would keep 5, would remove 1 (the 5 newest kept, from --keep)`);
        assert.equal(result.out[6], "  1  remove   older than the kept ones, and nothing runs or may be redriven on it");
        assert.equal(
            sfn.commandCalls(DeleteStateMachineVersionCommand).length +
                ecr.commandCalls(PutImageCommand).length +
                ecr.commandCalls(BatchDeleteImageCommand).length +
                lambda.commandCalls(DeleteFunctionCommand).length,
            0,
        );
        assert.equal(result.out.at(-1), "  1  remove   no kept workflow version invokes it");
        assert.equal(sfn.commandCalls(ListTagsForResourceCommand).length, 0);
    });

    it("prints the plan as JSON with --json", async () => {
        account();
        const result = await run(["--stack", "prod", "--json", "--dry-run"]);
        const printed = JSON.parse(result.out.join("\n"));
        assert.deepEqual(
            printed.versions.map((v: { number: number; kept: boolean }) => [v.number, v.kept]),
            [
                [6, true],
                [5, true],
                [4, true],
                [3, true],
                [2, false],
                [1, false],
            ],
        );
        assert.equal(printed.keep, 2);
        assert.deepEqual(
            printed.functions.map((f: { functionArn: string; versions: { version: number; kept: boolean }[] }) => [
                f.functionArn,
                f.versions.filter((v) => !v.kept).map((v) => v.version),
            ]),
            [[CHECKER, [2, 1]]],
        );
    });

    it("exits 1 naming the tag when the state machine has none to read the keep count from", async () => {
        account();
        sfn.on(ListTagsForResourceCommand, { resourceArn: MACHINE }).resolves({ tags: [] });
        const result = await run(["--stack", "prod"]);
        assert.equal(result.code, 1);
        assert.deepEqual(result.err, [
            `${MACHINE} has no stock-trader:versions-to-keep tag of 2 to 999: deploy it with this program (pulumi up), or give --keep N`,
        ]);
        assert.equal(sfn.commandCalls(DeleteStateMachineVersionCommand).length, 0);
    });

    it("exits 1 with AWS's refusal when a version cannot be removed, and removes nothing after it", async () => {
        account();
        sfn.on(DeleteStateMachineVersionCommand).rejects(
            serviceError("AccessDeniedException", "User is not authorized to perform: states:DeleteStateMachineVersion"),
        );
        const result = await run(["--stack", "prod"]);
        assert.equal(result.code, 1);
        assert.match(result.err[0], /^AWS refused states:DeleteStateMachineVersion on .*:2: AccessDeniedException: User is not authorized/);
        assert.equal(sfn.commandCalls(DeleteStateMachineVersionCommand).length, 1, "a refusal is not tried again");
        assert.equal(ecr.commandCalls(BatchDeleteImageCommand).length, 0, "an image stays held while its version stays");
    });

    it("tries a removal again with back-off while a deploy running at the same time makes it conflict, then goes on", async () => {
        account();
        const conflict = serviceError("ConflictException", "Updating or deleting a resource can cause an inconsistent state.");
        sfn.on(DeleteStateMachineVersionCommand).rejectsOnce(conflict).rejectsOnce(conflict).resolves({});
        const result = await run(["--stack", "prod"]);
        assert.equal(result.code, 0, result.err.join("\n"));
        assert.deepEqual(result.slept, [1000, 2000]);
        assert.deepEqual(
            sfn.commandCalls(DeleteStateMachineVersionCommand).map((c) => c.args[0].input.stateMachineVersionArn),
            [`${MACHINE}:2`, `${MACHINE}:2`, `${MACHINE}:2`, `${MACHINE}:1`],
        );
    });

    it("gives up on a conflict that outlasts five tries, with AWS's refusal and exit 1", async () => {
        account();
        sfn.on(DeleteStateMachineVersionCommand).rejects(serviceError("ConflictException", "Updating or deleting a resource can cause an inconsistent state."));
        const result = await run(["--stack", "prod"]);
        assert.equal(result.code, 1);
        assert.match(result.err[0], /^AWS refused states:DeleteStateMachineVersion on .*:2: ConflictException/);
        assert.equal(sfn.commandCalls(DeleteStateMachineVersionCommand).length, 6);
    });

    it("refuses bad usage with exit 2: no target, both targets, a version's ARN, a keep count out of range", async () => {
        for (const argv of [
            [],
            ["--stack", "prod", "--state-machine-arn", MACHINE],
            ["--state-machine-arn", `${MACHINE}:3`],
            ["--stack", "prod", "--keep", "1000"],
        ]) {
            const result = await run(argv);
            assert.equal(result.code, 2, argv.join(" "));
            assert.match(result.err[0], /--stack|--state-machine-arn|--keep/);
        }
        assert.equal(sfn.calls().length, 0);
    });
});

describe("the version plan (generated histories)", () => {
    const history = fc.record({
        count: fc.integer({ min: 1, max: 40 }),
        keep: fc.integer({ min: 2, max: 20 }),
        routed: fc.array(fc.integer({ min: 1, max: 40 }), { maxLength: 2 }),
        executions: fc.dictionary(
            fc.integer({ min: 1, max: 40 }).map(String),
            fc.array(
                fc.record({
                    status: fc.constantFrom("RUNNING", "PENDING_REDRIVE", "SUCCEEDED", "FAILED", "TIMED_OUT", "ABORTED"),
                    stoppedDaysAgo: fc.integer({ min: 0, max: 30 }),
                }),
                { maxLength: 3 },
            ),
        ),
    });

    it("keeps exactly the versions live routes to, the newest up to the count, and those an execution runs or may be redriven on", () => {
        fc.assert(
            fc.property(history, ({ count, keep, routed, executions }) => {
                const versions = Array.from({ length: count }, (_, i) => version(i + 1));
                const byVersion = new Map<string, ExecutionOnVersion[]>(
                    Object.entries(executions).map(([n, list]) => [
                        `${MACHINE}:${n}`,
                        list.map(({ status, stoppedDaysAgo }) => ({ status, stopDate: status === "RUNNING" ? undefined : daysAgo(stoppedDaysAgo) })),
                    ]),
                );
                const routedArns = new Set(routed.map((n) => `${MACHINE}:${n}`));
                const plan = planVersions({ versions, routed: routedArns, executions: byVersion, keep, now: NOW });
                assert.deepEqual(
                    plan.map((d) => d.version.number),
                    versions.map((v) => v.number).reverse(),
                    "every version once, newest first",
                );
                for (const { version: v, kept } of plan) {
                    const holds = (byVersion.get(v.arn) ?? []).some(
                        (e) =>
                            e.status === "RUNNING" ||
                            e.status === "PENDING_REDRIVE" ||
                            (["FAILED", "TIMED_OUT", "ABORTED"].includes(e.status) && NOW.getTime() - e.stopDate!.getTime() < 14 * DAY),
                    );
                    assert.equal(kept, routedArns.has(v.arn) || v.number > count - keep || holds, `version ${v.number}`);
                }
            }),
        );
    });

    it("keeps exactly the function versions a kept workflow version invokes and those newer than all of them, and lists each once, newest first", () => {
        fc.assert(
            fc.property(fc.integer({ min: 1, max: 30 }), fc.uniqueArray(fc.integer({ min: 1, max: 30 }), { maxLength: 6 }), (count, invokedNumbers) => {
                const published = Array.from({ length: count }, (_, i) => ({ arn: `${CHECKER}:${i + 1}`, version: i + 1 }));
                const invoked = new Set(invokedNumbers.map((n) => `${CHECKER}:${n}`));
                const plan = planFunctionVersions(published, invoked);
                assert.deepEqual(
                    plan.map((d) => d.version.version),
                    published.map((v) => v.version).reverse(),
                );
                const newestInvoked = Math.max(0, ...invokedNumbers.filter((n) => n <= count));
                for (const { version, kept } of plan) {
                    assert.equal(kept, invokedNumbers.includes(version.version) || version.version > newestInvoked, `version ${version.version}`);
                }
            }),
        );
    });
});

describe("npm run prune-versions: its usage, its refusals, and the edges of AWS's answers (against mocked AWS clients)", () => {
    mockedClients();

    /** Version 6's definition, as DescribeStateMachine returns it for the version's ARN. */
    const definitionOfSix = (definition: unknown) =>
        sfn.on(DescribeStateMachineCommand, { stateMachineArn: `${MACHINE}:6` }).resolves({
            stateMachineArn: `${MACHINE}:6`,
            name: "trading-workflow-state-machine",
            definition: JSON.stringify(definition),
            roleArn: "arn:aws:iam::123456789012:role/r",
            type: "STANDARD",
            creationDate: version(6).created,
        });

    it("prints its usage with --help, as the CLI runs it, and calls nothing", async () => {
        const help = await run(["--help"]);
        assert.equal(help.code, 0);
        assert.deepEqual(help.out, USAGE.split("\n"));
        const cli = await runInProcess(main, ["--help"]);
        assert.equal(cli.status, 0);
        assert.equal(cli.stdout, `${USAGE}\n`);
        assert.equal(sfn.calls().length, 0);
    });

    it("works on --state-machine-arn without reading any stack's outputs, and says where its calls go when AWS_REGION names another region", async () => {
        account();
        const result = await withEnvironment({ AWS_REGION: "eu-west-1", AWS_DEFAULT_REGION: undefined }, () =>
            run(["--state-machine-arn", MACHINE, "--dry-run"], {}),
        );
        assert.equal(result.code, 0, result.err.join("\n"));
        assert.deepEqual(result.err, [`notice: ${MACHINE} is in us-east-1, and AWS_REGION says eu-west-1: the calls go to us-east-1`]);
        assert.equal(result.out[0], `6 versions of ${MACHINE}: would keep 4, would remove 2 (the 2 newest kept, from the stock-trader:versions-to-keep tag)`);
    });

    it("exits 1 naming the output when the stack has no stateMachineArn, as before its first deploy", async () => {
        const result = await run(["--stack", "prod"], {});
        assert.equal(result.code, 1);
        assert.deepEqual(result.err, ["stack prod has no stateMachineArn output: is it deployed?"]);
        assert.equal(sfn.calls().length, 0);
    });

    it("exits 1 naming each call AWS refused and what it was about", async () => {
        const cases: [string, string, () => unknown][] = [
            ["states:ListTagsForResource", MACHINE, () => sfn.on(ListTagsForResourceCommand, { resourceArn: MACHINE }).rejectsOnce(notAuthorized())],
            [
                "states:ListStateMachineVersions",
                MACHINE,
                () => sfn.on(ListStateMachineVersionsCommand, { stateMachineArn: MACHINE }).rejectsOnce(notAuthorized()),
            ],
            ["states:ListStateMachineAliases", MACHINE, () => sfn.on(ListStateMachineAliasesCommand).rejectsOnce(notAuthorized())],
            ["states:DescribeStateMachineAlias", `${MACHINE}:live`, () => sfn.on(DescribeStateMachineAliasCommand).rejectsOnce(notAuthorized())],
            ["states:ListExecutions", `${MACHINE}:4`, () => sfn.on(ListExecutionsCommand, { stateMachineArn: `${MACHINE}:4` }).rejectsOnce(notAuthorized())],
            [
                "states:DescribeStateMachine",
                `${MACHINE}:6`,
                () => sfn.on(DescribeStateMachineCommand, { stateMachineArn: `${MACHINE}:6` }).rejectsOnce(notAuthorized()),
            ],
            ["ecs:DescribeTaskDefinition", "fam:6", () => ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: "fam:6" }).rejectsOnce(notAuthorized())],
            ["ecr:BatchGetImage", REPOSITORY, () => ecr.on(BatchGetImageCommand, { imageIds: [{ imageDigest: digest(6) }] }).rejectsOnce(notAuthorized())],
            ["ecr:BatchDeleteImage", REPOSITORY, () => ecr.on(BatchDeleteImageCommand).rejectsOnce(notAuthorized())],
            ["lambda:ListVersionsByFunction", CHECKER, () => lambda.on(ListVersionsByFunctionCommand, { FunctionName: CHECKER }).rejectsOnce(notAuthorized())],
            ["lambda:DeleteFunction", `${CHECKER}:2`, () => lambda.on(DeleteFunctionCommand).rejectsOnce(notAuthorized())],
        ];
        for (const [action, resource, refuse] of cases) {
            [sfn, ecs, ecr, lambda].forEach((client) => client.reset());
            account();
            refuse();
            const result = await run(["--stack", "prod"]);
            assert.equal(result.code, 1, action);
            // The progress line "… 6 of 6 versions done" comes first when the refusal follows the versions.
            const refusal = result.err.filter((line) => !line.startsWith("…"));
            assert.equal(refusal.length, 1, result.err.join("\n"));
            assert.ok(refusal[0].startsWith(`AWS refused ${action} on ${resource}: AccessDeniedException: `), refusal[0]);
        }
    });

    it("reads the keep count from its tag among the state machine's others, takes up to 999, and refuses 1, 1000 or no tags at all", async () => {
        account();
        sfn.on(ListTagsForResourceCommand, { resourceArn: MACHINE }).resolves({
            tags: [
                { key: "stock-trader:stack", value: "prod" },
                { key: "stock-trader:versions-to-keep", value: "999" },
            ],
        });
        const all = await run(["--stack", "prod", "--dry-run"]);
        assert.equal(all.code, 0, all.err.join("\n"));
        assert.equal(all.out[0], `6 versions of ${MACHINE}: would keep 6, would remove 0 (the 999 newest kept, from the stock-trader:versions-to-keep tag)`);
        for (const answer of [
            { tags: [{ key: "stock-trader:versions-to-keep", value: "1" }] },
            { tags: [{ key: "stock-trader:versions-to-keep", value: "1000" }] },
            {},
        ]) {
            sfn.on(ListTagsForResourceCommand, { resourceArn: MACHINE }).resolves(answer);
            const refused = await run(["--stack", "prod", "--dry-run"]);
            assert.equal(refused.code, 1, JSON.stringify(answer));
            assert.deepEqual(refused.err, [
                `${MACHINE} has no stock-trader:versions-to-keep tag of 2 to 999: deploy it with this program (pulumi up), or give --keep N`,
            ]);
        }
    });

    it("holds an image that a run before this one tagged already, and exits 1 naming the image's tag when ECR refuses the tag otherwise", async () => {
        account();
        ecr.on(PutImageCommand).rejects(
            serviceError(
                "ImageAlreadyExistsException",
                `Image with digest '${digest(6)}' and tag 'version-6' already exists in the repository with name '${REPOSITORY}' in registry with id '123456789012'`,
            ),
        );
        const again = await run(["--stack", "prod"]);
        assert.equal(again.code, 0, again.err.join("\n"));
        assert.equal(ecr.commandCalls(PutImageCommand).length, 4);
        assert.deepEqual(
            sfn.commandCalls(DeleteStateMachineVersionCommand).map((c) => c.args[0].input.stateMachineVersionArn),
            [`${MACHINE}:2`, `${MACHINE}:1`],
        );

        [sfn, ecs, ecr, lambda].forEach((client) => client.reset());
        account();
        ecr.on(PutImageCommand).rejects(notAuthorized());
        const refused = await run(["--stack", "prod"]);
        assert.equal(refused.code, 1);
        assert.equal(refused.err.length, 1, refused.err.join("\n"));
        assert.ok(refused.err[0].startsWith(`AWS refused ecr:PutImage on ${REPOSITORY}:version-6: AccessDeniedException: `), refused.err[0]);
        assert.equal(sfn.commandCalls(DeleteStateMachineVersionCommand).length, 0, "nothing is removed after the refusal");
    });

    it("skips a kept version's image that ECR no longer has, and holds only the images an ECR repository serves by digest", async () => {
        account();
        const notFound = (n: number) => ({
            imageId: { imageDigest: digest(n) },
            failureCode: "ImageNotFound" as const,
            failureReason: "Requested image not found",
        });
        ecr.on(BatchGetImageCommand, { imageIds: [{ imageDigest: digest(6) }] }).resolves({ images: [], failures: [notFound(6)] });
        ecr.on(BatchGetImageCommand, { imageIds: [{ imageDigest: digest(5) }] }).resolves({ failures: [notFound(5)] });
        ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: "fam:4" }).resolves({
            taskDefinition: {
                containerDefinitions: [
                    { name: "batch", image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${REPOSITORY}@${digest(4)}` },
                    { name: "log-router", image: "public.ecr.aws/aws-observability/aws-for-fluent-bit:stable" },
                    { name: "by-tag", image: `123456789012.dkr.ecr.us-east-1.amazonaws.com/${REPOSITORY}:latest` },
                ],
            },
        });
        const result = await run(["--stack", "prod"]);
        assert.equal(result.code, 0, result.err.join("\n"));
        assert.deepEqual(
            ecr.commandCalls(BatchGetImageCommand).map((c) => c.args[0].input.imageIds),
            [6, 5, 4, 3].map((n) => [{ imageDigest: digest(n) }]),
        );
        assert.deepEqual(
            ecr.commandCalls(PutImageCommand).map((c) => [c.args[0].input.imageTag, c.args[0].input.imageDigest]),
            [4, 3].map((n) => [`version-${n}`, digest(n)]),
        );
    });

    it("finds the task definitions a definition runs wherever they are: in a Parallel state's branches, past a null ResultPath, and only where TaskDefinition names one", async () => {
        account();
        definitionOfSix({
            StartAt: "Check Stock Value",
            States: {
                "Check Stock Value": { Type: "Task", Resource: `${CHECKER}:6`, ResultPath: null, Next: "Choose task definition" },
                "Choose task definition": { Type: "Pass", Result: { TaskDefinition: { Family: "fam", Revision: 6 } }, ResultPath: "$.chosen", Next: "Fan out" },
                "Fan out": {
                    Type: "Parallel",
                    Branches: [
                        {
                            StartAt: "Run ECS task",
                            States: {
                                "Run ECS task": {
                                    Type: "Task",
                                    Resource: "arn:aws:states:::ecs:runTask.sync",
                                    Parameters: { TaskDefinition: "fam:6" },
                                    End: true,
                                },
                            },
                        },
                    ],
                    End: true,
                },
            },
        });
        const result = await run(["--stack", "prod"]);
        assert.equal(result.code, 0, result.err.join("\n"));
        assert.deepEqual(
            ecs.commandCalls(DescribeTaskDefinitionCommand).map((c) => c.args[0].input.taskDefinition),
            [6, 5, 4, 3, 2, 1].map((n) => `fam:${n}`),
        );
        assert.deepEqual(
            ecr.commandCalls(PutImageCommand).map((c) => c.args[0].input.imageTag),
            [6, 5, 4, 3].map((n) => `version-${n}`),
        );
    });

    it("plans the functions the kept versions invoke in the order of their ARNs, and asks about each alias of the state machine by its ARN", async () => {
        const SELLER = "arn:aws:lambda:us-east-1:123456789012:function:trading-stock-seller-1a2b3c4";
        account();
        definitionOfSix({
            StartAt: "Sell Stock",
            States: {
                "Sell Stock": { Type: "Task", Resource: `${SELLER}:6`, Next: "Check Stock Value" },
                "Check Stock Value": { Type: "Task", Resource: `${CHECKER}:6`, End: true },
            },
        });
        lambda.on(ListVersionsByFunctionCommand, { FunctionName: SELLER }).resolves({
            Versions: [
                { FunctionName: "trading-stock-seller-1a2b3c4", FunctionArn: `${SELLER}:$LATEST`, Version: "$LATEST" },
                { FunctionName: "trading-stock-seller-1a2b3c4", FunctionArn: `${SELLER}:6`, Version: "6" },
            ],
        });
        const result = await run(["--stack", "prod", "--dry-run", "--json"]);
        assert.equal(result.code, 0, result.err.join("\n"));
        assert.deepEqual(
            JSON.parse(result.out.join("\n")).functions.map((f: { functionArn: string }) => f.functionArn),
            [CHECKER, SELLER],
        );
        assert.deepEqual(
            sfn.commandCalls(ListStateMachineAliasesCommand).map((c) => c.args[0].input.stateMachineArn),
            [MACHINE],
        );
        assert.deepEqual(
            sfn.commandCalls(DescribeStateMachineAliasCommand).map((c) => c.args[0].input.stateMachineAliasArn),
            [`${MACHINE}:live`],
        );
    });

    it("aligns the version numbers of its lines when they have different widths", async () => {
        account();
        lambda.reset();
        lambda.on(ListVersionsByFunctionCommand, { FunctionName: CHECKER }).resolves({
            Versions: Array.from({ length: 12 }, (_, i) => ({
                FunctionName: "trading-stock-checker-1a2b3c4",
                FunctionArn: `${CHECKER}:${i + 1}`,
                Version: String(i + 1),
            })),
        });
        const result = await run(["--stack", "prod", "--dry-run"]);
        assert.equal(result.code, 0, result.err.join("\n"));
        const heading = `12 published versions of ${CHECKER}: would keep 10, would remove 2`;
        assert.deepEqual(result.out.slice(result.out.indexOf(heading)), [
            heading,
            "  12  kept     newer than any kept workflow version invokes: a deploy may be publishing it",
            "  11  kept     newer than any kept workflow version invokes: a deploy may be publishing it",
            "  10  kept     newer than any kept workflow version invokes: a deploy may be publishing it",
            "   9  kept     newer than any kept workflow version invokes: a deploy may be publishing it",
            "   8  kept     newer than any kept workflow version invokes: a deploy may be publishing it",
            "   7  kept     newer than any kept workflow version invokes: a deploy may be publishing it",
            "   6  kept     a kept workflow version invokes it",
            "   5  kept     a kept workflow version invokes it",
            "   4  kept     a kept workflow version invokes it",
            "   3  kept     a kept workflow version invokes it",
            "   2  remove   no kept workflow version invokes it",
            "   1  remove   no kept workflow version invokes it",
        ]);
    });

    it("releases each of its AWS clients when it ends, also when a call fails", async () => {
        const clients = { sfn: SFNClient, ecs: ECSClient, ecr: ECRClient, lambda: LambdaClient };
        const eachOnce = { sfn: 1, ecs: 1, ecr: 1, lambda: 1 };
        account();
        sfn.on(ListTagsForResourceCommand, { resourceArn: MACHINE }).rejectsOnce(notAuthorized());
        let result = { code: -1, err: [] as string[] };
        assert.deepEqual(await closedClients(clients, async () => (result = await run(["--stack", "prod"]))), eachOnce);
        assert.equal(result.code, 1);
        [sfn, ecs, ecr, lambda].forEach((client) => client.reset());
        account();
        assert.deepEqual(await closedClients(clients, async () => (result = await run(["--stack", "prod", "--dry-run"]))), eachOnce);
        assert.equal(result.code, 0, result.err.join("\n"));
    });
});

describe("the version plan at the edge of the redrive window", () => {
    it("holds a version while an ended execution on it may still be redriven, up to 14 days after it stopped and not at that instant, and not for one with no stop time", () => {
        const executions = new Map<string, ExecutionOnVersion[]>([
            [`${MACHINE}:1`, [{ status: "FAILED", stopDate: daysAgo(14) }]],
            [`${MACHINE}:2`, [{ status: "ABORTED", stopDate: new Date(daysAgo(14).getTime() + 1) }]],
            [`${MACHINE}:3`, [{ status: "TIMED_OUT" }]],
        ]);
        const plan = planVersions({ versions: [1, 2, 3, 4, 5].map(version), routed: new Set<string>(), executions, keep: 2, now: NOW });
        assert.deepEqual(
            plan.map((d) => [d.version.number, d.kept]),
            [
                [5, true],
                [4, true],
                [3, false],
                [2, true],
                [1, false],
            ],
        );
        assert.equal(plan[3].why, `an execution on it ended ABORTED and may be redriven until ${new Date(NOW.getTime() + 1).toISOString()}`);
    });
});

describe("the function versions a definition invokes", () => {
    const checker = (partition: string, region: string, qualifier: string) =>
        `arn:${partition}:lambda:${region}:123456789012:function:trading-stock-checker-1a2b3c4:${qualifier}`;

    it("takes a Task state's Resource that is a published version's ARN, in any partition, and nothing else", () => {
        const definition = {
            StartAt: "Version",
            States: {
                Version: { Type: "Task", Resource: checker("aws-us-gov", "us-gov-west-1", "12"), Next: "Alias" },
                // An alias may begin with digits; it is no published version.
                Alias: { Type: "Task", Resource: checker("aws", "us-east-1", "3beta"), Next: "Not a Task" },
                "Not a Task": { Type: "Pass", Resource: checker("aws", "us-east-1", "4"), Next: "Not a string" },
                "Not a string": { Type: "Task", Resource: [checker("aws", "us-east-1", "5")], Next: "Not an ARN" },
                "Not an ARN": { Type: "Task", Resource: ` ${checker("aws", "us-east-1", "6")}`, Next: "Run ECS task" },
                "Run ECS task": { Type: "Task", Resource: "arn:aws:states:::ecs:runTask.sync", End: true },
            },
        };
        assert.deepEqual(invokedFunctionVersions(definition), [checker("aws-us-gov", "us-gov-west-1", "12")]);
        assert.deepEqual(invokedFunctionVersions({}), [], "a definition without states invokes nothing");
    });
});
