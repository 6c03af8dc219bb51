import { createHash } from "node:crypto";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { StackSources } from "../../infra/stack";
import { LIVE_ALIAS_OUTPUT, LIVE_PARAMETERS } from "../../model/deployment";
import { contentTag } from "../../model/image-context";
import { PROJECT_ROOT } from "../../model/project";
import { readStackFile } from "../../scripts/cli/stack-files";

/**
 * Waits until every resource registration the program started has reached the mocks, so that
 * resources no output depends on (policies, targets) are recorded too. Internal to the SDK,
 * hence untyped; it is what the SDK itself awaits before a real program exits.
 */
const { waitForRPCs, getMonitor } = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs: () => Promise<void>; getMonitor: () => unknown };

/** The parts of a registration request (the engine's RegisterResourceRequest) that the tests read. */
interface RegisterResourceRequest {
    getType(): string;
    getName(): string;
    getCustom(): boolean;
    getRemote(): boolean;
    getRetainondelete(): boolean;
    getDeletebeforereplace(): boolean;
    getProtect(): boolean;
    getParent(): string;
    getDependenciesList(): string[];
    getIgnorechangesList(): string[];
    getReplaceonchangesList(): string[];
    getAliasesList(): AliasRequest[];
    getCustomtimeouts(): { getCreate(): string; getUpdate(): string; getDelete(): string } | undefined;
    getProvider(): string;
    getVersion(): string;
    getTransformsList(): unknown[];
}

/** An alias in a registration request: a URN, or a spec whose unset parts default to the resource's own. */
interface AliasRequest {
    getUrn(): string;
    getSpec(): { getName(): string; getType(): string; getStack(): string; getProject(): string; getParenturn(): string; getNoparent(): boolean } | undefined;
}

/**
 * A resource's URN as the engine forms it (pulumi sdk/go/common/resource/urn.go, NewURN): a
 * parent's qualified type, unless the parent is the stack itself, prefixes the type with `$`.
 */
export function urnOf(stack: string, project: string, parentUrn: string, type: string, name: string): string {
    const parentType = parentUrn ? parentUrn.split("::")[2] : "";
    const qualified = parentType && parentType !== "pulumi:pulumi:Stack" ? `${parentType}$${type}` : type;
    return `urn:pulumi:${stack}::${project}::${qualified}::${name}`;
}

export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";
export const PROJECT = "stock-trader";

/** The resource options a registration carried, as the engine receives them. */
export interface RegisteredOptions {
    /** A custom resource, rather than a component. */
    custom: boolean;
    /** A component another language's plugin constructs (awsx's), rather than one of this program's. */
    remote: boolean;
    retainOnDelete: boolean;
    deleteBeforeReplace: boolean;
    protect: boolean;
    /** The parent's URN, empty for the stack's own children. */
    parent: string;
    /** The URNs of the resources it depends on. */
    dependencies: string[];
    ignoreChanges: string[];
    replaceOnChanges: string[];
    /** How many transforms the registration carries, which the engine applies to the resource and its children. */
    transforms: number;
    /** Its URN, as the engine forms it. */
    urn: string;
    /** The URNs its aliases name: those the engine matches against a stack's existing resources. */
    aliases: string[];
    /** How long the engine waits on each operation, as Pulumi's durations ("" where unset). */
    customTimeouts: { create: string; update: string; delete: string };
    /** The explicit provider's reference (its URN and ID), empty for the default provider. */
    provider: string;
    /** The provider plugin's version the registration asks for, as an SDK's class sets it ("" where none is named). */
    version: string;
}

/** One resource as the program registered it. */
export interface Registered {
    type: string;
    name: string;
    inputs: Record<string, any>;
    state: Record<string, any>;
    /** The resource options of its registration request, which Pulumi's mocks do not pass to newResource. */
    options: RegisteredOptions;
}

export interface ProgramRun {
    resources: Registered[];
    /** The provider functions the program invoked (getRegion, getSubnets, ...), with their arguments, in order. */
    calls: { token: string; inputs: Record<string, any> }[];
    /** Stack outputs, resolved. Empty when the program threw. */
    outputs: Record<string, unknown>;
    /** What the program threw while it ran, if anything. */
    error?: unknown;
}

/**
 * The zone IDs of the mocked default VPC's two subnets, in the regions where Fargate runs in
 * some zones only: in us-west-1 one of them is in a zone Fargate skips, in cn-north-1 both are.
 */
export const DEFAULT_SUBNET_ZONE_IDS: Readonly<Record<string, readonly [string, string]>> = {
    "us-west-1": ["usw1-az1", "usw1-az2"],
    "ap-northeast-1": ["apne1-az1", "apne1-az4"],
    "cn-north-1": ["cnn1-az3", "cnn1-az4"],
};

/** The mock's subnet and VPC IDs, as the mocked default VPC returns them. */
export const DEFAULT_VPC = {
    vpcId: "vpc-0a1b2c3d4e5f60718",
    publicSubnetIds: ["subnet-0aaaaaaaaaaaaaaa1", "subnet-0aaaaaaaaaaaaaaa2"],
    privateSubnetIds: [],
};

/** The stand-in digest of a mocked image push: a digest of the pushed tag, so a new build has a new digest, as in a registry. */
export const imageDigest = (tag: string): string => "sha256:" + createHash("sha256").update(tag).digest("hex");

/**
 * What the account remembers between deploys, as far as the mocks model it: task definition
 * revisions as ECS numbers them, a family's first registration revision 1 and each registration
 * with other inputs the next. Each program run has a fresh one unless a test passes the same one
 * to two runs, as two deploys of one stack.
 */
export class MockAccount {
    private readonly revisions = new Map<string, { inputs: string; revision: number }>();

    /** The revision a family's registration with these inputs gets. */
    registerRevision(family: string, inputs: Record<string, unknown>): number {
        return this.next(family, inputs);
    }

    /**
     * The version a state machine's or a function's create or update with publish gets: the next
     * number when anything but its tags changed, the newest one otherwise (UpdateStateMachine
     * publishes nothing new for an unchanged revision, and the AWS provider publishes a function's
     * version only for a change to its code or configuration).
     */
    publishVersion(resource: string, inputs: Record<string, unknown>): number {
        const { tags: _tags, ...revision } = inputs;
        return this.next(`published:${resource}`, revision);
    }

    private next(key: string, inputs: Record<string, unknown>): number {
        const seen = this.revisions.get(key);
        const serialized = JSON.stringify(inputs);
        const revision = seen === undefined ? 1 : seen.inputs === serialized ? seen.revision : seen.revision + 1;
        this.revisions.set(key, { inputs: serialized, revision });
        return revision;
    }
}

/** Where the stack's sources come from for the entry point program-from-sources.ts. */
export const programSources: { current: StackSources } = { current: {} };

/** The account of the program run under way. */
let runAccount = new MockAccount();

/** The region of the program run under way, its config's aws:region, and the partition AWS puts it in. */
let runRegion = REGION;
const partitionOf = (region: string) => (region.startsWith("cn-") ? "aws-cn" : region.startsWith("us-gov-") ? "aws-us-gov" : "aws");

const arn = (service: string, resource: string, region: string = runRegion) => `arn:${partitionOf(runRegion)}:${service}:${region}:${ACCOUNT}:${resource}`;

/**
 * What each mocked resource returns on top of its inputs. Only the outputs the program reads
 * are mocked: an output the program needs but the mock forgets resolves to undefined, and the
 * tests that check every output and every definition field catch that.
 */
function mockState(type: string, name: string, inputs: Record<string, any>): Record<string, unknown> {
    switch (type) {
        case "aws:dynamodb/table:Table":
            return { name, arn: arn("dynamodb", `table/${name}`) };
        case "aws:lambda/function:Function": {
            // With publish, each create and each change to the code or the configuration publishes a
            // version (the AWS provider's PublishVersion), and qualifiedArn names the newest.
            const functionArn = arn("lambda", `function:${name}`);
            const version = inputs.publish === true ? String(runAccount.publishVersion(functionArn, inputs)) : "$LATEST";
            return { name, arn: functionArn, version, qualifiedArn: `${functionArn}:${version}` };
        }
        case "aws:iam/role:Role":
            return { name, arn: arn("iam", `role/${name}`, "") };
        case "aws:cloudwatch/logGroup:LogGroup":
            return { name, arn: arn("logs", `log-group:${name}`) };
        case "aws:ecs/cluster:Cluster":
            return { name, arn: arn("ecs", `cluster/${name}`) };
        case "aws:ec2/securityGroup:SecurityGroup":
            return { name, arn: arn("ec2", `security-group/sg-${name}`) };
        case "aws:sfn/stateMachine:StateMachine": {
            const stateMachineArn = arn("states", `stateMachine:${name}`);
            return { name, arn: stateMachineArn, stateMachineVersionArn: `${stateMachineArn}:${runAccount.publishVersion(stateMachineArn, inputs)}` };
        }
        case "aws:cloudformation/stack:Stack": {
            // The live stack's alias belongs to the state machine of the version it routes to.
            const template = JSON.parse(String(inputs.templateBody)) as { Resources: Record<string, { Properties: { Name: string } }> };
            const versionArn = String(inputs.parameters?.[LIVE_PARAMETERS.version]);
            const alias = Object.values(template.Resources)[0].Properties.Name;
            return { outputs: { [LIVE_ALIAS_OUTPUT]: `${versionArn.replace(/:\d+$/, "")}:${alias}` } };
        }
        case "aws:cloudwatch/eventRule:EventRule":
            return { name, arn: arn("events", `rule/${name}`) };
        case "aws:sns/topic:Topic":
            return { name, arn: arn("sns", name) };
        case "aws:sqs/queue:Queue":
            return { name, arn: arn("sqs", name), url: `https://sqs.${runRegion}.amazonaws.com/${ACCOUNT}/${name}` };
        case "aws:scheduler/schedule:Schedule":
            return { name, arn: arn("scheduler", `schedule/default/${name}`) };
        case "aws:cloudwatch/metricAlarm:MetricAlarm":
            return { name, arn: arn("cloudwatch", `alarm:${name}`) };
        case "aws:cloudwatch/dashboard:Dashboard":
            return { dashboardArn: arn("cloudwatch", `dashboard/${String(inputs.dashboardName)}`, "") };
        case "aws:iam/policy:Policy":
            return { name, arn: arn("iam", `policy/${name}`, "") };
        case "awsx:ecr:Repository":
            return {
                url: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/${name}`,
                repository: { name, arn: arn("ecr", `repository/${name}`) },
            };
        case "awsx:ecr:Image": {
            // awsx's docker-build child is not registered under mocks; the image's digest follows what its build context sends.
            const digest = imageDigest(`${String(inputs.repositoryUrl)}:${contentTag(path.resolve(PROJECT_ROOT, String(inputs.context)))}`);
            return { imageUri: `${String(inputs.repositoryUrl)}@${digest}` };
        }
        case "awsx:ecs:FargateTaskDefinition": {
            // awsx's task definition child is not registered under mocks; a registration with other inputs is a new revision.
            const family = String(inputs.family);
            const revision = runAccount.registerRevision(family, inputs);
            return {
                taskDefinition: {
                    family,
                    revision,
                    arn: arn("ecs", `task-definition/${family}:${revision}`),
                    arnWithoutRevision: arn("ecs", `task-definition/${family}`),
                },
            };
        }
        case "awsx:ec2:DefaultVpc":
            return DEFAULT_VPC;
        default:
            return {};
    }
}

/** Physical IDs: security groups get the `sg-` form AWS gives them, a CloudFormation stack its ARN; others their name. */
function mockId(type: string, name: string, inputs: Record<string, any>): string {
    switch (type) {
        case "aws:ec2/securityGroup:SecurityGroup":
            return `sg-${name}`;
        case "aws:cloudformation/stack:Stack":
            return arn("cloudformation", `stack/${String(inputs.name)}/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0`);
        default:
            return `${name}-id`;
    }
}

function mockCall(token: string, inputs: Record<string, any>): Record<string, unknown> {
    switch (token) {
        case "aws:ec2/getSubnets:getSubnets": {
            const filter = (name: string): string[] | undefined => inputs.filters?.find((f: { name: string }) => f.name === name)?.values;
            const zones = DEFAULT_SUBNET_ZONE_IDS[runRegion] ?? ["az-1", "az-2"];
            const ids = DEFAULT_VPC.publicSubnetIds.filter(
                (id, i) => (filter("subnet-id")?.includes(id) ?? true) && (filter("availability-zone-id")?.includes(zones[i]) ?? true),
            );
            return { ids, id: runRegion };
        }
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: ACCOUNT, arn: arn("iam", "user/test", ""), userId: "AIDATEST" };
        case "aws:index/getRegion:getRegion":
            return { name: runRegion, region: runRegion, id: runRegion };
        case "aws:ecr/getAuthorizationToken:getAuthorizationToken":
            return { userName: "AWS", password: "mock-token", proxyEndpoint: `https://${ACCOUNT}.dkr.ecr.${runRegion}.amazonaws.com`, authorizationToken: "" };
        case "aws:index/getPartition:getPartition":
            return { partition: partitionOf(runRegion), dnsSuffix: "amazonaws.com", id: partitionOf(runRegion) };
        default:
            throw new Error(`unmocked call ${token}`);
    }
}

/**
 * Runs `index.ts` under Pulumi mocks with the given stack config (keys with a namespace, as a
 * stack file has them, or without, meaning this project's; arrays are passed as JSON, as the
 * Pulumi CLI passes lists) and returns every registered resource and every resolved stack output.
 */
export async function runProgram(
    config: Record<string, unknown> = {},
    stack = "test",
    entryPoint = "../../index",
    account = new MockAccount(),
): Promise<ProgramRun> {
    runAccount = account;
    const resources: Registered[] = [];
    const calls: ProgramRun["calls"] = [];
    const raw: Record<string, string> = { "aws:region": REGION };
    for (const [key, value] of Object.entries(config)) {
        raw[key.includes(":") ? key : `${PROJECT}:${key}`] = typeof value === "string" ? value : JSON.stringify(value);
    }
    runRegion = raw["aws:region"];
    // Each registration's options, by type and name, read off the request before the mocks see it.
    const options = new Map<string, RegisteredOptions>();
    await pulumi.runtime.setMocks(
        {
            newResource: ({ type, name, inputs }) => {
                const state = { ...inputs, ...mockState(type, name, inputs) };
                resources.push({ type, name, inputs, state, options: options.get(`${type}::${name}`)! });
                return { id: mockId(type, name, inputs), state };
            },
            call: ({ token, inputs }) => {
                calls.push({ token, inputs });
                return mockCall(token, inputs);
            },
        },
        PROJECT,
        stack,
        false,
    );
    const monitor = getMonitor() as {
        registerResource: (req: RegisterResourceRequest, callback: unknown) => Promise<void>;
        newUrn: (parent: string, type: string, name: string) => string;
    };
    // The mocks' own URNs keep only a parent's last type; the engine's keep its whole chain.
    monitor.newUrn = (parent, type, name) => urnOf(stack, PROJECT, parent, type, name);
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, callback) => {
        options.set(`${req.getType()}::${req.getName()}`, {
            custom: req.getCustom(),
            remote: req.getRemote(),
            retainOnDelete: req.getRetainondelete(),
            deleteBeforeReplace: req.getDeletebeforereplace(),
            protect: req.getProtect(),
            parent: req.getParent(),
            dependencies: req.getDependenciesList(),
            ignoreChanges: req.getIgnorechangesList(),
            replaceOnChanges: req.getReplaceonchangesList(),
            transforms: req.getTransformsList().length,
            customTimeouts: {
                create: req.getCustomtimeouts()?.getCreate() ?? "",
                update: req.getCustomtimeouts()?.getUpdate() ?? "",
                delete: req.getCustomtimeouts()?.getDelete() ?? "",
            },
            provider: req.getProvider(),
            version: req.getVersion(),
            urn: urnOf(stack, PROJECT, req.getParent(), req.getType(), req.getName()),
            aliases: req.getAliasesList().map((alias) => {
                const spec = alias.getSpec();
                if (spec === undefined) {
                    return alias.getUrn();
                }
                const parent = spec.getNoparent() ? "" : spec.getParenturn() || req.getParent();
                return urnOf(spec.getStack() || stack, spec.getProject() || PROJECT, parent, spec.getType() || req.getType(), spec.getName() || req.getName());
            }),
        });
        return register(req, callback);
    };
    pulumi.runtime.setAllConfig(raw);

    const entry = require.resolve(entryPoint);
    delete require.cache[entry];
    let program: Record<string, unknown>;
    try {
        // A program may export its outputs' object, or a promise of it, as Pulumi's runtime awaits it.
        program = await (require(entry) as Record<string, unknown> | Promise<Record<string, unknown>>);
    } catch (error) {
        await waitForRPCs();
        return { resources, calls, outputs: {}, error };
    }
    const outputs: Record<string, unknown> = {};
    try {
        for (const [key, value] of Object.entries(program)) {
            outputs[key] = await resolve(value);
        }
    } catch (error) {
        // An output whose apply threw: the program fails as it would under the engine.
        await waitForRPCs().catch(() => undefined);
        return { resources, calls, outputs: {}, error };
    }
    await waitForRPCs();
    return { resources, calls, outputs };
}

const stackRuns = new Map<string, Promise<ProgramRun>>();

/**
 * The program run under mocks with a stack file's config, once per stack for the whole suite:
 * the tests that share it only read it. A test that needs its own evaluation calls runProgram.
 */
export function runStack(stack: string): Promise<ProgramRun> {
    let run = stackRuns.get(stack);
    if (!run) {
        run = runProgram(readStackFile(stack), stack);
        stackRuns.set(stack, run);
    }
    return run;
}

/**
 * Resolves an Output (or plain value) to its value, or rejects with its failure; never asserts
 * inside an apply. It reads the promise every Output carries (internal to the SDK, hence
 * untyped), which rejects when an apply upstream threw, where waiting on an apply would wait for ever.
 */
export function resolve<T>(value: pulumi.Input<T>): Promise<T> {
    return (pulumi.output(value) as unknown as { promise(): Promise<T> }).promise();
}

export function ofType(run: ProgramRun, type: string): Registered[] {
    return run.resources.filter((r) => r.type === type);
}

/** The one resource of this type and name; fails loudly when there is none or several. */
export function named(run: ProgramRun, type: string, name: string): Registered {
    const found = run.resources.filter((r) => r.type === type && r.name === name);
    if (found.length !== 1) {
        const all =
            ofType(run, type)
                .map((r) => r.name)
                .join(", ") || "none";
        throw new Error(`expected one ${type} named ${name}, found ${found.length} (registered: ${all})`);
    }
    return found[0];
}

/** An ARN as the mocks give it in the default region (us-east-1, partition aws). */
export const mockArn = (service: string, resource: string, region = REGION) => `arn:aws:${service}:${region}:${ACCOUNT}:${resource}`;
