/**
 * npm run prune-versions: removes the state machine versions no one needs any more, and holds the
 * batch image of every version it keeps. Run after each `pulumi up` (deploy.yml does).
 */
import { BatchDeleteImageCommand, BatchGetImageCommand, ECRClient, PutImageCommand } from "@aws-sdk/client-ecr";
import { DescribeTaskDefinitionCommand, ECSClient } from "@aws-sdk/client-ecs";
import { DeleteFunctionCommand, LambdaClient, paginateListVersionsByFunction } from "@aws-sdk/client-lambda";
import {
    DeleteStateMachineVersionCommand,
    DescribeStateMachineAliasCommand,
    DescribeStateMachineCommand,
    ListStateMachineAliasesCommand,
    ListStateMachineVersionsCommand,
    ListTagsForResourceCommand,
    paginateListExecutions,
    SFNClient,
} from "@aws-sdk/client-sfn";
import { parseArn, STATE_MACHINE_ARN, unqualifiedFunction } from "../../model/arn";
import { VERSIONS_TO_KEEP_TAG } from "../../model/deployment";
import { CONFIG_DOMAINS } from "../../model/config";
import { REDRIVE_WINDOW_DAYS } from "../../model/platform-rules";
import {
    invokedFunctionVersions,
    newest,
    planFunctionVersions,
    planVersions,
    versionImageTag,
    versionNumber,
    type ExecutionOnVersion,
    type FunctionVersionDecision,
    type Version,
    type VersionDecision,
} from "../../model/versions";
import {
    allPages,
    call,
    clientConfig,
    ExecuteError,
    failureOf,
    regionNotice,
    reportFailure,
    str,
    THROTTLED,
    THROTTLED_OR_CONFLICTING,
    type Sleeper,
} from "../cli/aws-calls";
import { parseFlags, processIo, QUALIFIED_STACK_NAME, refuseCaller, type OptionTable, type ToolIo, UsageError } from "../cli/cli";
import { everyInterval } from "../cli/progress";
import { pulumiStackOutputs } from "./execute";

const KEEP = CONFIG_DOMAINS.stateMachineVersionsToKeep as { kind: "integer"; min: number; max: number };

export const USAGE = `usage: npm run prune-versions -- (--stack NAME | --state-machine-arn ARN) [options]

Removes the versions of the stack's state machine that nothing needs: it keeps every version an
alias routes to, every version an execution runs on or may still be redriven on (${REDRIVE_WINDOW_DAYS} days after
it ends), and the newest ones up to the keep count; then it tags the batch image of each kept
version version-<number>, which the ECR lifecycle policy never expires, and untags the removed
ones (an image whose last tag that was goes with it: nothing kept runs it). Last, it removes the
trading functions' published versions that no kept version invokes, but for those newer than any
kept version invokes, which a deploy under way may have published.

  --stack NAME               the stack's state machine, from its outputs (pulumi stack output --json)
  --state-machine-arn ARN    the state machine, without the Pulumi CLI
  --keep N                   how many of the newest versions to keep (${KEEP.min}-${KEEP.max}; default: the state
                             machine's ${VERSIONS_TO_KEEP_TAG} tag, the stack's stateMachineVersionsToKeep)
  --dry-run                  print what would be kept and removed, and change nothing
  --json                     print one JSON document instead of lines
  --help                     print this help

Exit codes: 0 done (or, with --dry-run, planned); 1 AWS refused a call; 2 bad usage.`;

export const OPTIONS = {
    stack: { type: "string", pattern: QUALIFIED_STACK_NAME },
    "state-machine-arn": { type: "string" },
    keep: { type: "string", integer: { min: KEEP.min, max: KEEP.max } },
    "dry-run": { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
} as const satisfies OptionTable;

export interface PruneDeps extends ToolIo, Sleeper {
    stackOutputs: (stack: string) => Promise<Record<string, unknown>>;
    now: () => Date;
}

const defaultDeps: PruneDeps = {
    stackOutputs: pulumiStackOutputs,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    now: () => new Date(),
    ...processIo,
};

/** Every value of key TaskDefinition anywhere in a definition: the task definitions its Run ECS task states run. */
function taskDefinitionsOf(definition: unknown): string[] {
    if (Array.isArray(definition)) {
        return definition.flatMap(taskDefinitionsOf);
    }
    if (definition === null || typeof definition !== "object") {
        return [];
    }
    return Object.entries(definition).flatMap(([key, value]) => (key === "TaskDefinition" && typeof value === "string" ? [value] : taskDefinitionsOf(value)));
}

/** An ECR image reference by digest, `<registry>.dkr.ecr.<region>.amazonaws.com/<repository>@sha256:<hex>`, in its parts. */
function ecrImage(image: string): { registryId: string; repositoryName: string; imageDigest: string } | undefined {
    const match = /^(\d{12})\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?\/([^@:]+)@(sha256:[0-9a-f]{64})$/.exec(image);
    return match === null ? undefined : { registryId: match[1], repositoryName: match[2], imageDigest: match[3] };
}

interface Clients {
    sfn: SFNClient;
    ecs: ECSClient;
    ecr: ECRClient;
    lambda: LambdaClient;
    /** Each version's definition, read once a run. */
    definitions: Map<string, unknown>;
}

/**
 * Every page of a listing whose SDK command has no paginator (ListStateMachineVersions and
 * ListStateMachineAliases; ListExecutions has one), following nextToken.
 */
async function* pages<T extends { nextToken?: string }>(list: (nextToken: string | undefined) => Promise<T>): AsyncGenerator<T> {
    let nextToken: string | undefined;
    do {
        const page = await list(nextToken);
        yield page;
        nextToken = page.nextToken;
    } while (nextToken);
}

/** The facts the plan needs: every version, what the aliases route to, and the executions of the versions the count does not keep. */
async function gather(clients: Clients, stateMachineArn: string, keep: number, deps: PruneDeps) {
    const { sfn } = clients;
    const versions: Version[] = [];
    for await (const page of pages((nextToken) =>
        call(
            "states:ListStateMachineVersions",
            stateMachineArn,
            () => sfn.send(new ListStateMachineVersionsCommand({ stateMachineArn, nextToken })),
            deps,
            THROTTLED,
        ),
    )) {
        versions.push(
            ...(page.stateMachineVersions ?? []).map((v) => ({
                arn: v.stateMachineVersionArn!,
                number: versionNumber(v.stateMachineVersionArn!),
                created: v.creationDate!,
            })),
        );
    }
    const routed = new Set<string>();
    for await (const page of pages((nextToken) =>
        call(
            "states:ListStateMachineAliases",
            stateMachineArn,
            () => sfn.send(new ListStateMachineAliasesCommand({ stateMachineArn, nextToken })),
            deps,
            THROTTLED,
        ),
    )) {
        for (const item of page.stateMachineAliases ?? []) {
            const alias = await call(
                "states:DescribeStateMachineAlias",
                item.stateMachineAliasArn!,
                () => sfn.send(new DescribeStateMachineAliasCommand({ stateMachineAliasArn: item.stateMachineAliasArn })),
                deps,
                THROTTLED,
            );
            (alias.routingConfiguration ?? []).forEach((route) => routed.add(route.stateMachineVersionArn!));
        }
    }
    const counted = new Set(newest(versions, keep).map((v) => v.arn));
    const executions = new Map<string, ExecutionOnVersion[]>();
    for (const version of versions.filter((v) => !routed.has(v.arn) && !counted.has(v.arn))) {
        const pages = await allPages("states:ListExecutions", version.arn, paginateListExecutions({ client: sfn }, { stateMachineArn: version.arn }));
        executions.set(
            version.arn,
            pages.flatMap((page) => (page.executions ?? []).map((e) => ({ status: e.status!, stopDate: e.stopDate }))),
        );
    }
    return { versions, routed, executions };
}

/** A version's definition, as DescribeStateMachine returns it for the version's ARN. */
async function definitionOf(clients: Clients, version: Version, deps: PruneDeps): Promise<unknown> {
    if (!clients.definitions.has(version.arn)) {
        const described = await call(
            "states:DescribeStateMachine",
            version.arn,
            () => clients.sfn.send(new DescribeStateMachineCommand({ stateMachineArn: version.arn })),
            deps,
            THROTTLED,
        );
        clients.definitions.set(version.arn, JSON.parse(described.definition ?? "{}"));
    }
    return clients.definitions.get(version.arn);
}

/** The batch images a version's definition runs, by digest. */
async function imagesOf(clients: Clients, version: Version, deps: PruneDeps) {
    const images = [];
    for (const taskDefinition of taskDefinitionsOf(await definitionOf(clients, version, deps))) {
        const task = await call(
            "ecs:DescribeTaskDefinition",
            taskDefinition,
            () => clients.ecs.send(new DescribeTaskDefinitionCommand({ taskDefinition })),
            deps,
        );
        images.push(...(task.taskDefinition?.containerDefinitions ?? []).map((c) => ecrImage(c.image ?? "")).filter((i) => i !== undefined));
    }
    return images;
}

/** Tags a kept version's images version-<number>, so that the lifecycle policy's count cannot expire them. */
async function holdImages(clients: Clients, version: Version, deps: PruneDeps): Promise<void> {
    for (const image of await imagesOf(clients, version, deps)) {
        const { registryId, repositoryName, imageDigest } = image;
        const found = await call(
            "ecr:BatchGetImage",
            repositoryName,
            () => clients.ecr.send(new BatchGetImageCommand({ registryId, repositoryName, imageIds: [{ imageDigest }] })),
            deps,
        );
        const manifest = found.images?.[0];
        if (manifest?.imageManifest === undefined) {
            continue;
        }
        const imageTag = versionImageTag(version);
        try {
            await clients.ecr.send(
                new PutImageCommand({
                    registryId,
                    repositoryName,
                    imageManifest: manifest.imageManifest,
                    imageManifestMediaType: manifest.imageManifestMediaType,
                    imageDigest,
                    imageTag,
                }),
            );
        } catch (error) {
            // The tag is on this image already: what a run before this one did.
            if ((error as Error).name !== "ImageAlreadyExistsException") {
                throw failureOf("ecr:PutImage", `${repositoryName}:${imageTag}`, error);
            }
        }
    }
}

/**
 * Removes a version, then its image's version tag. ECR cannot remove only a tag: BatchDeleteImage
 * by tag removes the tag, and when it is the image's last one, the image with it (API reference,
 * "BatchDeleteImage"). An image whose last tag is this version's is needed by no one: each kept
 * version's image carries that version's own tag, the image in service carries `live`, and a
 * newer build of the same sources has taken its content tag. Only a `--rerun-batch` of a SUCCEEDED
 * execution of the removed version, which no version keeps, finds it gone. An image with another
 * tag stays, and the lifecycle policy's count decides when it goes.
 *
 * A deploy running at the same time may publish a version meanwhile: DeleteStateMachineVersion
 * then refuses with ConflictException, and is tried again.
 */
async function removeVersion(clients: Clients, version: Version, deps: PruneDeps): Promise<void> {
    const images = await imagesOf(clients, version, deps);
    await call(
        "states:DeleteStateMachineVersion",
        version.arn,
        () => clients.sfn.send(new DeleteStateMachineVersionCommand({ stateMachineVersionArn: version.arn })),
        deps,
        THROTTLED_OR_CONFLICTING,
    );
    for (const { registryId, repositoryName } of images) {
        await call(
            "ecr:BatchDeleteImage",
            repositoryName,
            () => clients.ecr.send(new BatchDeleteImageCommand({ registryId, repositoryName, imageIds: [{ imageTag: versionImageTag(version) }] })),
            deps,
        );
    }
}

/** One function's published versions and what the plan does with each. */
interface FunctionPlan {
    functionArn: string;
    decisions: FunctionVersionDecision[];
}

/**
 * The trading functions' published versions that no kept workflow version invokes: read after the
 * workflow versions are decided, from the kept versions' definitions, for each function they invoke.
 */
async function planFunctions(clients: Clients, kept: readonly Version[], deps: PruneDeps): Promise<FunctionPlan[]> {
    const invoked = new Set<string>();
    for (const version of kept) {
        invokedFunctionVersions(await definitionOf(clients, version, deps)).forEach((arn) => invoked.add(arn));
    }
    const plans: FunctionPlan[] = [];
    for (const functionArn of [...new Set([...invoked].map(unqualifiedFunction))].sort()) {
        const pages = await allPages(
            "lambda:ListVersionsByFunction",
            functionArn,
            paginateListVersionsByFunction({ client: clients.lambda }, { FunctionName: functionArn }),
        );
        const published = pages.flatMap((page) =>
            (page.Versions ?? []).filter((v) => v.Version !== "$LATEST").map((v) => ({ arn: `${functionArn}:${v.Version}`, version: Number(v.Version) })),
        );
        plans.push({ functionArn, decisions: planFunctionVersions(published, invoked) });
    }
    return plans;
}

/** Removes one published version of a function (DeleteFunction with its qualifier). */
async function removeFunctionVersion(clients: Clients, functionArn: string, version: number, deps: PruneDeps): Promise<void> {
    await call(
        "lambda:DeleteFunction",
        `${functionArn}:${version}`,
        () => clients.lambda.send(new DeleteFunctionCommand({ FunctionName: functionArn, Qualifier: String(version) })),
        deps,
        THROTTLED,
    );
}

/** The keep count: --keep, or the state machine's tag. */
async function keepCount(sfn: SFNClient, stateMachineArn: string, given: string | undefined, deps: PruneDeps): Promise<{ keep: number; from: string }> {
    if (given !== undefined) {
        return { keep: Number(given), from: "--keep" };
    }
    const tags = await call(
        "states:ListTagsForResource",
        stateMachineArn,
        () => sfn.send(new ListTagsForResourceCommand({ resourceArn: stateMachineArn })),
        deps,
        THROTTLED,
    );
    const tagged = Number(tags.tags?.find((tag) => tag.key === VERSIONS_TO_KEEP_TAG)?.value);
    if (!Number.isInteger(tagged) || tagged < KEEP.min || tagged > KEEP.max) {
        throw new ExecuteError(
            `${stateMachineArn} has no ${VERSIONS_TO_KEEP_TAG} tag of ${KEEP.min} to ${KEEP.max}: deploy it with this program (pulumi up), or give --keep N`,
        );
    }
    return { keep: tagged, from: `the ${VERSIONS_TO_KEEP_TAG} tag` };
}

function render(
    stateMachineArn: string,
    keep: { keep: number; from: string },
    plan: VersionDecision[],
    functions: FunctionPlan[],
    dryRun: boolean,
    out: (line: string) => void,
): void {
    const section = (what: string, decisions: { number: number; kept: boolean; why: string }[], note = "") => {
        const removed = decisions.filter((d) => !d.kept).length;
        out(
            `${decisions.length} ${what}: ${dryRun ? "would keep" : "kept"} ${decisions.length - removed}, ${dryRun ? "would remove" : "removed"} ${removed}${note}`,
        );
        const width = Math.max(1, ...decisions.map((d) => String(d.number).length));
        for (const { number, kept, why } of decisions) {
            out(`  ${String(number).padStart(width)}  ${(kept ? "kept" : dryRun ? "remove" : "removed").padEnd(7)}  ${why}`);
        }
    };
    section(
        `versions of ${stateMachineArn}`,
        plan.map(({ version, kept, why }) => ({ number: version.number, kept, why })),
        ` (the ${keep.keep} newest kept, from ${keep.from})`,
    );
    for (const { functionArn, decisions } of functions) {
        section(
            `published versions of ${functionArn}`,
            decisions.map(({ version, kept, why }) => ({ number: version.version, kept, why })),
        );
    }
}

export async function prune(argv: string[], deps: PruneDeps = defaultDeps): Promise<number> {
    let values;
    try {
        values = parseFlags(argv, OPTIONS);
        if (!values.help && (values.stack === undefined) === (values["state-machine-arn"] === undefined)) {
            throw new UsageError("give exactly one of --stack NAME and --state-machine-arn ARN");
        }
        const arn = values["state-machine-arn"];
        if (arn !== undefined && (!STATE_MACHINE_ARN.test(arn) || arn.split(":").length !== 7)) {
            throw new UsageError(
                `--state-machine-arn must be an unqualified state machine ARN, arn:<partition>:states:<region>:<account>:stateMachine:<name> (got ${arn})`,
            );
        }
    } catch (error) {
        return refuseCaller(error, deps, USAGE);
    }
    if (values.help) {
        deps.out(USAGE);
        return 0;
    }
    try {
        const stateMachineArn = values["state-machine-arn"] ?? str((await deps.stackOutputs(values.stack!)).stateMachineArn);
        if (stateMachineArn === undefined) {
            throw new ExecuteError(`stack ${values.stack} has no stateMachineArn output: is it deployed?`);
        }
        const region = parseArn(stateMachineArn).region;
        const notice = regionNotice(stateMachineArn, region);
        if (notice !== undefined) {
            deps.err(notice);
        }
        const clients: Clients = {
            sfn: new SFNClient(clientConfig(region)),
            ecs: new ECSClient(clientConfig(region)),
            ecr: new ECRClient(clientConfig(region)),
            lambda: new LambdaClient(clientConfig(region)),
            definitions: new Map(),
        };
        try {
            const keep = await keepCount(clients.sfn, stateMachineArn, values.keep, deps);
            const facts = await gather(clients, stateMachineArn, keep.keep, deps);
            const plan = planVersions({ ...facts, keep: keep.keep, now: deps.now() });
            const dryRun = values["dry-run"];
            if (!dryRun) {
                // A line on standard error every progress interval of the tool's clock, and one at the end.
                const say = everyInterval(deps.err, () => deps.now().getTime());
                for (const [i, decision] of plan.entries()) {
                    await (decision.kept ? holdImages : removeVersion)(clients, decision.version, deps);
                    const last = i + 1 === plan.length;
                    say(`… ${i + 1} of ${plan.length} versions ${last ? "done" : "done so far"}`, last);
                }
            }
            const functions = await planFunctions(
                clients,
                plan.filter((d) => d.kept).map((d) => d.version),
                deps,
            );
            if (!dryRun) {
                for (const { functionArn, decisions } of functions) {
                    for (const decision of decisions.filter((d) => !d.kept)) {
                        await removeFunctionVersion(clients, functionArn, decision.version.version, deps);
                    }
                }
            }
            if (values.json) {
                deps.out(
                    JSON.stringify(
                        {
                            stateMachineArn,
                            keep: keep.keep,
                            dryRun,
                            versions: plan.map(({ version, kept, why }) => ({ ...version, kept, why })),
                            functions: functions.map(({ functionArn, decisions }) => ({
                                functionArn,
                                versions: decisions.map(({ version, kept, why }) => ({ ...version, kept, why })),
                            })),
                        },
                        null,
                        2,
                    ),
                );
            } else {
                render(stateMachineArn, keep, plan, functions, dryRun, deps.out);
            }
            return 0;
        } finally {
            clients.sfn.destroy();
            clients.ecs.destroy();
            clients.ecr.destroy();
            clients.lambda.destroy();
        }
    } catch (error) {
        return reportFailure(error, deps, values.json);
    }
}

/** The tool with the machine's own Pulumi CLI, clock and AWS credentials; `io` for where its lines go. */
export function main(argv: string[], io: ToolIo = processIo): Promise<number> {
    return prune(argv, { ...defaultDeps, ...io });
}
