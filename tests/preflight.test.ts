import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    DescribeRouteTablesCommand,
    DescribeSecurityGroupsCommand,
    DescribeSubnetsCommand,
    DescribeVpcEndpointsCommand,
    DescribeVpcsCommand,
    EC2Client,
    type RouteTable,
    type SecurityGroup,
    type Subnet,
    type VpcEndpoint,
} from "@aws-sdk/client-ec2";
import { GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand, ServiceQuotasClient } from "@aws-sdk/client-service-quotas";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { PROJECT_ROOT } from "../model/project";
import { main, preflight, renderPreflight, type PreflightReport } from "../scripts/preflight/preflight";
import {
    allowsHttpsOut,
    defaultRoute,
    identityCheck,
    missingEndpoints,
    networkChecks,
    PREFLIGHT_ACTIONS,
    quotaCheck,
    regionCheck,
    sdkRegion,
    serviceLinkedRoleCheck,
    subnetWay,
} from "../scripts/preflight/aws";
import type { CheckResult } from "../scripts/preflight/check";
import { execForm, lastInstruction, parseDockerfile, type Instruction } from "../model/dockerfile";
import { dockerChecks, olderVersion, pulumiChecks, PULUMI_SDK_VERSION, runsForeignCommands } from "../scripts/preflight/tools";
import { closedClients } from "./support/closed-clients";
import { StandIns, type StandInReply } from "./support/stand-in";
import { withStackFile } from "./support/stack-file";
import { runInProcess, runTool } from "./support/tool";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";
const VPC = "vpc-0a1b2c3d4e5f60718";
const OTHER_VPC = "vpc-0fedcba9876543210";
const PUBLIC = "subnet-0aaaaaaaaaaaaaaa1";
const PRIVATE = "subnet-0bbbbbbbbbbbbbbb2";
const GROUP = "sg-0123456789abcdef0";

let sts: AwsClientStub<STSClient>;
let ec2: AwsClientStub<EC2Client>;
let iam: AwsClientStub<IAMClient>;
let quotas: AwsClientStub<ServiceQuotasClient>;

/** An AWS error as the SDK throws it: the service's error code as the name. */
const awsError = (name: string, message: string) => Object.assign(new Error(message), { name, $fault: "client", $metadata: { httpStatusCode: 400 } });

// Shapes as the EC2 API reference documents them (DescribeSubnets, DescribeRouteTables, ...).
const subnet = (SubnetId: string, VpcId = VPC): Subnet => ({
    SubnetId,
    VpcId,
    AvailabilityZone: "us-east-1a",
    AvailabilityZoneId: "use1-az1",
    CidrBlock: "172.31.0.0/20",
    State: "available",
    MapPublicIpOnLaunch: SubnetId === PUBLIC,
    DefaultForAz: false,
});
const routeTable = (
    id: string,
    associations: { subnet?: string; main?: boolean }[],
    defaultRoute?: { GatewayId?: string; NatGatewayId?: string; TransitGatewayId?: string; State?: "active" | "blackhole" },
): RouteTable => ({
    RouteTableId: id,
    VpcId: VPC,
    OwnerId: ACCOUNT,
    Associations: associations.map((a, i) => ({
        RouteTableAssociationId: `rtbassoc-${id.slice(4)}${i}`,
        RouteTableId: id,
        Main: a.main ?? false,
        SubnetId: a.subnet,
        AssociationState: { State: "associated" },
    })),
    Routes: [
        { DestinationCidrBlock: "172.31.0.0/16", GatewayId: "local", Origin: "CreateRouteTable", State: "active" },
        ...(defaultRoute ? [{ DestinationCidrBlock: "0.0.0.0/0", Origin: "CreateRoute" as const, State: "active" as const, ...defaultRoute }] : []),
    ],
});
const endpoint = (service: string, type: "Interface" | "Gateway" = "Interface", State = "available"): VpcEndpoint => ({
    VpcEndpointId: `vpce-0${service.replace(/\W/g, "")}`,
    VpcEndpointType: type,
    VpcId: VPC,
    ServiceName: `com.amazonaws.${REGION}.${service}`,
    State: State as VpcEndpoint["State"],
});
const ALL_ENDPOINTS = [endpoint("ecr.api"), endpoint("ecr.dkr"), endpoint("s3", "Gateway"), endpoint("logs"), endpoint("dynamodb", "Gateway")];
const group = (egress: SecurityGroup["IpPermissionsEgress"], VpcId = VPC): SecurityGroup => ({
    GroupId: GROUP,
    GroupName: "batch",
    Description: "batch task",
    OwnerId: ACCOUNT,
    VpcId,
    IpPermissions: [],
    IpPermissionsEgress: egress,
});
const HTTPS_OUT = [
    { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0" }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] },
];

/** A healthy account: credentials, the role, a quota of 6 vCPU, the default VPC with a public subnet. */
function healthyAccount(): void {
    sts.on(GetCallerIdentityCommand).resolves({ UserId: "AIDAEXAMPLE", Account: ACCOUNT, Arn: `arn:aws:iam::${ACCOUNT}:user/alice` });
    iam.on(GetRoleCommand).resolves({
        Role: {
            Path: "/aws-service-role/ecs.amazonaws.com/",
            RoleName: "AWSServiceRoleForECS",
            RoleId: "AROAEXAMPLE",
            Arn: `arn:aws:iam::${ACCOUNT}:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS`,
            CreateDate: new Date("2024-01-01T00:00:00Z"),
        },
    });
    quotas.on(GetServiceQuotaCommand).resolves({
        Quota: {
            ServiceCode: "fargate",
            ServiceName: "AWS Fargate",
            QuotaCode: "L-3032A538",
            QuotaName: "Fargate On-Demand vCPU resource count",
            Value: 6,
            Unit: "None",
            Adjustable: true,
            GlobalQuota: false,
        },
    });
    ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: VPC, IsDefault: true, CidrBlock: "172.31.0.0/16", State: "available" }] });
    ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [subnet(PUBLIC), subnet(PRIVATE)] });
    ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [routeTable("rtb-0main", [{ main: true }], { GatewayId: "igw-0123" })] });
    ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
}

const PULUMI_OK: Record<string, StandInReply> = {
    version: { out: `v${PULUMI_SDK_VERSION}\n` },
    "whoami --non-interactive": { out: "alice\n" },
    "stack ls --json --non-interactive": { out: '[{"name":"dev","current":true},{"name":"prod","current":false}]\n' },
};
const DOCKER_OK: Record<string, StandInReply> = {
    "version --format {{json .Server}}": { out: '{"Platform":{"Name":"Docker Engine - Community"},"Version":"27.3.1","Os":"linux","Arch":"arm64"}\n' },
    "buildx version": { out: "github.com/docker/buildx v0.17.1 257815a\n" },
    "buildx inspect": { out: "Name:          default\nDriver:        docker\nPlatforms: linux/arm64, linux/amd64*, linux/riscv64\n" },
};

const statuses = (results: CheckResult[]) => Object.fromEntries(results.map((r) => [r.id, r.status]));

describe("npm run preflight", () => {
    const saved = {
        PATH: process.env.PATH,
        AWS_REGION: process.env.AWS_REGION,
        AWS_DEFAULT_REGION: process.env.AWS_DEFAULT_REGION,
        AWS_PROFILE: process.env.AWS_PROFILE,
        AWS_CONFIG_FILE: process.env.AWS_CONFIG_FILE,
    };
    let tools: StandIns;
    const waitFor = (dependsOn: string) => ({
        detail: `not checked until "${dependsOn}" passes`,
        fix: `fix "${dependsOn}" above, then run the preflight again`,
    });
    // Mocked for these tests only, not for the files a parallel worker runs next.
    before(() => {
        sts = mockClient(STSClient);
        ec2 = mockClient(EC2Client);
        iam = mockClient(IAMClient);
        quotas = mockClient(ServiceQuotasClient);
    });
    after(() => [sts, ec2, iam, quotas].forEach((client) => client.restore()));
    beforeEach(() => {
        for (const mock of [sts, ec2, iam, quotas]) mock.reset();
        tools = new StandIns();
        process.env.PATH = tools.dir;
        process.env.AWS_REGION = REGION;
    });
    afterEach(() => {
        tools.remove();
        for (const [key, value] of Object.entries(saved)) {
            if (value === undefined) delete process.env[key];
            else process.env[key] = value;
        }
    });

    describe("the Pulumi CLI", () => {
        it("passes with the SDK's version or newer, a login and the stack, asking without prompts", async () => {
            tools.program("pulumi", PULUMI_OK);
            const results = await pulumiChecks("dev");
            assert.deepEqual(results, [
                { id: "pulumi-cli", title: "Pulumi CLI", status: "pass", detail: `pulumi v${PULUMI_SDK_VERSION}, at least the SDK's ${PULUMI_SDK_VERSION}` },
                { id: "pulumi-login", title: "Pulumi backend", status: "pass", detail: "logged in as alice" },
                { id: "pulumi-stack", title: "Pulumi stack", status: "pass", detail: "dev exists" },
            ]);
            assert.deepEqual(tools.calls("pulumi"), ["version", "whoami --non-interactive", "stack ls --json --non-interactive"]);
        });

        it("finds a stack listed with its organization and project", async () => {
            tools.program("pulumi", { ...PULUMI_OK, "stack ls": { out: '[{"name":"acme/stock-trader/prod"}]' } });
            assert.equal((await pulumiChecks("prod"))[2].status, "pass");
            assert.equal((await pulumiChecks("dev"))[2].status, "fail");
        });

        it("compares versions part by part", () => {
            assert.equal(olderVersion([3, 99, 0], [3, 276, 0]), true);
            assert.equal(olderVersion([3, 276, 0], [3, 276, 1]), true);
            assert.equal(olderVersion([2, 999, 999], [3, 0, 0]), true);
            assert.equal(olderVersion([3, 276, 0], [3, 276, 0]), false);
            assert.equal(olderVersion([3, 1000, 0], [3, 276, 0]), false);
            assert.equal(olderVersion([4, 0, 0], [3, 276, 9]), false);
        });

        it("fails an older CLI, saying which version the SDK needs", async () => {
            tools.program("pulumi", { ...PULUMI_OK, version: { out: "v3.99.0\n" } });
            const [cli] = await pulumiChecks("dev");
            assert.equal(cli.status, "fail");
            assert.equal(cli.detail, `pulumi v3.99.0 is older than the SDK this project uses (@pulumi/pulumi ${PULUMI_SDK_VERSION})`);
            assert.match(cli.fix!, new RegExp(`^upgrade to ${PULUMI_SDK_VERSION.replaceAll(".", "\\.")} or newer`));
        });

        it("fails without a login, naming the CLI's complaint, and leaves the stack unchecked", async () => {
            tools.program("pulumi", {
                ...PULUMI_OK,
                whoami: { err: "error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions\n", code: 255 },
            });
            const [, login, stack] = await pulumiChecks("dev");
            assert.deepEqual([login.status, stack.status], ["fail", "fail"]);
            assert.equal(login.detail, "not logged in to a backend: error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions");
            assert.match(login.fix!, /^pulumi login/);
            assert.equal(stack.detail, 'not checked until "Pulumi backend" passes');
        });

        it("fails a missing stack, saying how to create it", async () => {
            tools.program("pulumi", { ...PULUMI_OK, "stack ls": { out: "[]\n" } });
            const stack = (await pulumiChecks("dev"))[2];
            assert.deepEqual(
                [stack.status, stack.detail, stack.fix],
                ["fail", "no stack dev in this backend", "pulumi stack init dev (it reads its config from Pulumi.dev.yaml)"],
            );
        });

        it("without the CLI, fails saying how to install it and checks nothing else of Pulumi's", async () => {
            const results = await pulumiChecks("dev");
            assert.deepEqual(statuses(results), { "pulumi-cli": "fail", "pulumi-login": "fail", "pulumi-stack": "fail" });
            assert.equal(results[0].detail, "pulumi is not on PATH");
            assert.match(results[0].fix!, /^install the Pulumi CLI: curl -fsSL https:\/\/get\.pulumi\.com \| sh/);
        });
    });

    describe("Docker", () => {
        it("passes on a machine of the image's architecture", async () => {
            tools.program("docker", DOCKER_OK);
            assert.deepEqual(await dockerChecks("ARM64"), [
                { id: "docker", title: "Docker", status: "pass", detail: "Docker Engine 27.3.1 on linux/arm64" },
                { id: "buildx", title: "Docker Buildx", status: "pass", detail: "github.com/docker/buildx v0.17.1 257815a" },
                { id: "platform", title: "Build for linux/arm64", status: "pass", detail: "natively: Docker runs on linux/arm64" },
            ]);
            assert.ok(!tools.calls("docker").includes("buildx inspect"));
        });

        it("passes an image for another architecture without emulation where its commands all run on the build platform", async () => {
            tools.program("docker", DOCKER_OK);
            const crossBuilt = parseDockerfile("FROM --platform=$BUILDPLATFORM node AS build\nRUN npm ci\nFROM node\nCOPY --from=build /a /a\n");
            const platform = (await dockerChecks("X86_64", crossBuilt))[2];
            assert.deepEqual(
                [platform.status, platform.detail],
                ["pass", "without emulation: Docker runs on linux/arm64, and every RUN of the Dockerfile runs in a $BUILDPLATFORM stage"],
            );
            assert.ok(!tools.calls("docker").includes("buildx inspect"));
        });

        it("reads a Dockerfile line that holds a carriage return of its own as one instruction", () => {
            assert.deepEqual(parseDockerfile("FROM node\nRUN echo a\rb\n"), [
                { keyword: "FROM", args: "node" },
                { keyword: "RUN", args: "echo a\rb" },
            ]);
        });

        it("skips comment and blank lines inside a continuation, as BuildKit does, so an exec-form CMD split by a comment stays whole", () => {
            const instructions = parseDockerfile('FROM node\nCMD ["node", \\\n  # the job\n\n     "dist/main.js"]\n');
            assert.deepEqual(instructions, [
                { keyword: "FROM", args: "node" },
                { keyword: "CMD", args: '["node",      "dist/main.js"]' },
            ]);
            assert.deepEqual(execForm(lastInstruction(instructions, "CMD")), ["node", "dist/main.js"]);
        });

        /** Dockerfiles, and the instructions BuildKit's parser reads from each. */
        const READS: { what: string; text: string; instructions: Instruction[] }[] = [
            {
                what: "a backslash with blanks after it as a continuation, CRLF lines, and no byte-order mark or indented comment",
                text: "\uFEFFFROM node\r\n  # a comment\r\nRUN a \\ \t\r\n  b\r\n",
                instructions: [
                    { keyword: "FROM", args: "node" },
                    { keyword: "RUN", args: "a   b" },
                ],
            },
            {
                what: "an escape directive at the top: the backtick continues a line, and a backslash is plain text",
                text: "# syntax=docker/dockerfile:1\n# escape=`\nFROM node\nRUN dir c:\\ `\n  && echo done\n",
                instructions: [
                    { keyword: "FROM", args: "node" },
                    { keyword: "RUN", args: "dir c:\\   && echo done" },
                ],
            },
            {
                what: "an escape directive after an instruction as a comment",
                text: "FROM node\n# escape=`\nRUN a \\\n  b `\n",
                instructions: [
                    { keyword: "FROM", args: "node" },
                    { keyword: "RUN", args: "a   b `" },
                ],
            },
            {
                what: "an escape directive after a comment as a comment",
                text: "# a note\n# escape=`\nRUN a \\\n  b\n",
                instructions: [{ keyword: "RUN", args: "a   b" }],
            },
            {
                what: "an escape directive after a comment that names no directive it knows as a comment",
                text: "# note=mine\n# escape=`\nRUN a \\\n  b\n",
                instructions: [{ keyword: "RUN", args: "a   b" }],
            },
            {
                what: "a line through any number of continued lines, past blank ones",
                text: "RUN a \\\n  b \\\n \t \n  c\nCMD x\n",
                instructions: [
                    { keyword: "RUN", args: "a   b   c" },
                    { keyword: "CMD", args: "x" },
                ],
            },
            {
                what: "a continuation to the end of the file",
                text: "FROM node\nRUN a \\",
                instructions: [
                    { keyword: "FROM", args: "node" },
                    { keyword: "RUN", args: "a" },
                ],
            },
            {
                what: "a backslash inside a line as text, an indented instruction as ending at its line, and an instruction without arguments",
                text: "  RUN echo a\\b  \nCMD x\nSTOPSIGNAL\n",
                instructions: [
                    { keyword: "RUN", args: "echo a\\b" },
                    { keyword: "CMD", args: "x" },
                    { keyword: "STOPSIGNAL", args: "" },
                ],
            },
            {
                what: "an indented escape directive, a backtick inside a line as text, and one with blanks after it as a continuation",
                text: "  # escape=`\nRUN echo `x` y\nRUN a ` \t\n  b\nCMD a\uFEFFb\n",
                instructions: [
                    { keyword: "RUN", args: "echo `x` y" },
                    { keyword: "RUN", args: "a   b" },
                    { keyword: "CMD", args: "a\uFEFFb" },
                ],
            },
            { what: "an escape directive that names the backslash", text: "# escape=\\\nRUN a \\\n  b\n", instructions: [{ keyword: "RUN", args: "a   b" }] },
        ];
        for (const { what, text, instructions } of READS) {
            it(`reads ${what}, as BuildKit does`, () => {
                assert.deepEqual(parseDockerfile(text), instructions);
            });
        }

        it("refuses an escape directive that is neither a backslash nor a backtick, or given twice, naming the file and the line", () => {
            assert.throws(() => parseDockerfile("# escape=x\nFROM node\n", "batch/Dockerfile"), {
                name: "ContractError",
                message: "batch/Dockerfile: line 1: invalid escape token 'x' does not match ` or \\",
            });
            assert.throws(() => parseDockerfile("# escape=`\n# ESCAPE=\\\nFROM node\n"), {
                name: "ContractError",
                message: "Dockerfile: line 2: only one escape parser directive can be used",
            });
        });

        it("reads the exec form only from a JSON array of strings", () => {
            const exec = (args: string) => execForm({ keyword: "CMD", args });
            assert.deepEqual(exec('["node", "main.js"]'), ["node", "main.js"]);
            for (const args of ['["node", 1]', "[1]", '"node"', "node main.js", "{}"]) {
                assert.equal(exec(args), undefined, args);
            }
            assert.equal(execForm(undefined), undefined);
        });

        it("reads which Dockerfiles run commands of the target platform", () => {
            const stages = (text: string) => runsForeignCommands(parseDockerfile(text));
            assert.equal(stages("FROM --platform=$BUILDPLATFORM node AS build\nRUN npm ci\nFROM node\nCOPY --from=build /a /a\n"), false);
            assert.equal(stages("FROM --platform=${BUILDPLATFORM} node AS build\nRUN npm ci\nFROM node\n"), false);
            assert.equal(stages("FROM --platform=$BUILDPLATFORM node AS build\nFROM node\nRUN apk add curl\n"), true);
            assert.equal(stages("FROM node\nRUN npm ci\n"), true);
            assert.equal(stages("FROM --platform=$TARGETPLATFORM node\nRUN npm ci\n"), true);
        });

        const foreign = parseDockerfile("FROM node\nRUN apk add --no-cache curl\n");

        it("passes a Dockerfile with commands for another architecture when the builder emulates it", async () => {
            tools.program("docker", DOCKER_OK);
            const platform = (await dockerChecks("X86_64", foreign))[2];
            assert.deepEqual([platform.status, platform.detail], ["pass", "with emulation: Docker runs on linux/arm64, and the builder offers linux/amd64"]);
        });

        it("fails it without emulation, where the build would stop with exec format error", async () => {
            tools.program("docker", {
                ...DOCKER_OK,
                "version --format": { out: '{"Version":"27.3.1","Os":"linux","Arch":"x86_64"}' },
                "buildx inspect": { out: "Name: default\nPlatforms: linux/amd64, linux/amd64/v2, linux/386\n" },
            });
            const platform = (await dockerChecks("ARM64", foreign))[2];
            assert.equal(platform.status, "fail");
            assert.equal(
                platform.detail,
                "Docker runs on linux/amd64, the Dockerfile runs commands in a linux/arm64 stage, and the builder cannot run them (it offers linux/amd64, linux/amd64/v2, linux/386); the build would stop with exec format error",
            );
            assert.equal(
                platform.fix,
                "register emulation: docker run --privileged --rm tonistiigi/binfmt --install arm64; or move the RUN steps to a FROM --platform=$BUILDPLATFORM stage; or set stock-trader:batchArchitecture to the machine's",
            );
        });

        it("fails without Buildx", async () => {
            tools.program("docker", { ...DOCKER_OK, "buildx version": { err: "docker: 'buildx' is not a docker command.\n", code: 1 } });
            assert.deepEqual(statuses(await dockerChecks("ARM64")), { docker: "pass", buildx: "fail", platform: "fail" });
        });

        it("fails when the daemon does not answer, quoting Docker", async () => {
            tools.program("docker", {
                version: { err: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n", code: 1 },
            });
            const [docker] = await dockerChecks("ARM64");
            assert.equal(
                docker.detail,
                "Docker does not answer: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
            );
            assert.equal(docker.fix, "start Docker, and check that this user may use it (docker info)");
        });

        it("without Docker, fails saying how to install it and checks nothing else of Docker's", async () => {
            const results = await dockerChecks("ARM64");
            assert.deepEqual(statuses(results), { docker: "fail", buildx: "fail", platform: "fail" });
            assert.equal(results[0].detail, "docker is not on PATH");
            assert.match(results[0].fix!, /^install Docker/);
        });
    });

    describe("the ECS service-linked role", () => {
        const noRole = () => iam.on(GetRoleCommand).rejects(awsError("NoSuchEntityException", "The role with name AWSServiceRoleForECS cannot be found."));

        it("passes when it exists, and asks for exactly that role", async () => {
            healthyAccount();
            assert.equal((await serviceLinkedRoleCheck(REGION, false)).status, "pass");
            assert.deepEqual(iam.commandCalls(GetRoleCommand)[0].args[0].input, { RoleName: "AWSServiceRoleForECS" });
        });

        it("fails when it is missing, offering the new key or the one-off command", async () => {
            noRole();
            const result = await serviceLinkedRoleCheck(REGION, false);
            assert.equal(result.status, "fail");
            assert.match(result.detail, /Unable to assume the service linked role/);
            assert.equal(
                result.fix,
                "pulumi config set stock-trader:createEcsServiceLinkedRole true, or once for the account: aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com",
            );
        });

        it("passes a missing role the stack creates, and fails one the stack would create twice", async () => {
            noRole();
            assert.equal((await serviceLinkedRoleCheck(REGION, true)).status, "pass");
            iam.reset();
            healthyAccount();
            const twice = await serviceLinkedRoleCheck(REGION, true);
            assert.deepEqual([twice.status, twice.fix], ["fail", "pulumi config set stock-trader:createEcsServiceLinkedRole false"]);
        });

        it("fails with the cause when IAM refuses to say: the check could not run", async () => {
            iam.on(GetRoleCommand).rejects(awsError("AccessDenied", "User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:GetRole"));
            const result = await serviceLinkedRoleCheck(REGION, false);
            assert.equal(result.status, "fail");
            assert.equal(
                result.detail,
                "could not check: AWS refused iam:GetRole: AccessDenied: User: arn:aws:iam::123456789012:user/alice is not authorized to perform: iam:GetRole",
            );
            assert.match(result.fix!, /^allow iam:GetRole to these credentials/);
        });
    });

    describe("the Fargate vCPU quota", () => {
        it("passes when the on-demand quota covers the task, asking for that quota", async () => {
            healthyAccount();
            const result = await quotaCheck(REGION, "FARGATE", 256);
            assert.deepEqual([result.status, result.detail], ["pass", "Fargate On-Demand vCPU resource count: 6, the task needs 0.25"]);
            assert.deepEqual(quotas.commandCalls(GetServiceQuotaCommand)[0].args[0].input, { ServiceCode: "fargate", QuotaCode: "L-3032A538" });
        });

        it("reads the Spot quota for a Spot stack and fails when it is below the task's vCPU", async () => {
            quotas
                .on(GetServiceQuotaCommand, { QuotaCode: "L-36FBB829" })
                .resolves({ Quota: { QuotaCode: "L-36FBB829", QuotaName: "Fargate Spot vCPU resource count", Value: 2 } });
            const result = await quotaCheck(REGION, "FARGATE_SPOT", 4096);
            assert.equal(result.status, "fail");
            assert.equal(result.detail, "Fargate Spot vCPU resource count is 2, and the task needs 4 vCPU (batchCpu 4096)");
            assert.equal(
                result.fix,
                "aws service-quotas request-service-quota-increase --service-code fargate --quota-code L-36FBB829 --desired-value 4 --region us-east-1, or lower batchCpu",
            );
        });

        it("falls back to AWS's default where the account has no applied value", async () => {
            quotas.on(GetServiceQuotaCommand).rejects(awsError("NoSuchResourceException", "The request failed because the specified resource does not exist."));
            quotas.on(GetAWSDefaultServiceQuotaCommand).resolves({ Quota: { QuotaCode: "L-3032A538", Value: 6 } });
            assert.equal((await quotaCheck(REGION, "FARGATE", 1024)).status, "pass");
        });

        it("fails when throttled, saying to try again", async () => {
            quotas.on(GetServiceQuotaCommand).rejects(awsError("TooManyRequestsException", "Rate exceeded"));
            const result = await quotaCheck(REGION, "FARGATE", 256);
            assert.deepEqual(
                [result.status, result.detail, result.fix],
                [
                    "fail",
                    "could not check: AWS throttled servicequotas:GetServiceQuota even after retries (TooManyRequestsException: Rate exceeded)",
                    "try again in a minute",
                ],
            );
        });
    });

    describe("the network", () => {
        const own = (assignPublicIp: boolean, subnetIds = [PUBLIC]) => ({ subnetIds, securityGroupIds: [GROUP], assignPublicIp });

        it("passes the default VPC with a subnet that routes to an internet gateway", async () => {
            healthyAccount();
            const [result] = await networkChecks(REGION, { assignPublicIp: true });
            assert.deepEqual([result.status, result.detail], ["pass", `default VPC ${VPC}: 2 of its 2 subnets route to an internet gateway`]);
            assert.deepEqual(ec2.commandCalls(DescribeVpcsCommand)[0].args[0].input, { Filters: [{ Name: "isDefault", Values: ["true"] }] });
            assert.equal(ec2.commandCalls(DescribeVpcEndpointsCommand).length, 0, "the default VPC's public subnets need no endpoints");
        });

        it("fails a region without a default VPC, or one whose subnets cannot reach the internet", async () => {
            ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
            const [none] = await networkChecks(REGION, { assignPublicIp: true });
            assert.deepEqual([none.status, none.fix], ["fail", "aws ec2 create-default-vpc --region us-east-1, or set subnetIds and securityGroupIds"]);
            ec2.reset();
            healthyAccount();
            ec2.on(DescribeRouteTablesCommand).resolves({
                RouteTables: [routeTable("rtb-0main", [{ main: true }], { GatewayId: "igw-0123", State: "blackhole" })],
            });
            const [closed] = await networkChecks(REGION, { assignPublicIp: true });
            assert.equal(closed.status, "fail");
            assert.match(closed.detail, /has no subnet with a route to an internet gateway, so a task could not pull its image \(CannotPullContainerError\)/);
        });

        const network = (subnets: Subnet[], tables: RouteTable[], endpoints: VpcEndpoint[], groups: SecurityGroup[] = [group(HTTPS_OUT)]) => {
            ec2.on(DescribeSubnetsCommand).resolves({ Subnets: subnets });
            ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: tables });
            ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: endpoints });
            ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: groups });
        };
        const publicTable = routeTable("rtb-0public", [{ subnet: PUBLIC }], { GatewayId: "igw-0123" });
        const mainTable = routeTable("rtb-0main", [{ main: true }]);

        it("passes the stack's public subnet with a public IP, asking only about its VPC", async () => {
            network([subnet(PUBLIC)], [publicTable, mainTable], []);
            const results = await networkChecks(REGION, own(true));
            assert.deepEqual(statuses(results), { subnets: "pass", "security-groups": "pass" });
            assert.match(results[0].detail, /subnet-0aaaaaaaaaaaaaaa1: internet gateway igw-0123, with a public IP/);
            assert.deepEqual(ec2.commandCalls(DescribeSubnetsCommand)[0].args[0].input, { SubnetIds: [PUBLIC] });
            assert.deepEqual(ec2.commandCalls(DescribeRouteTablesCommand)[0].args[0].input.Filters, [{ Name: "vpc-id", Values: [VPC] }]);
        });

        it("fails a subnet outside the zones where Fargate runs tasks in its region, naming the zones, and passes one inside them", async () => {
            const inZone = (zone: string): Subnet => ({ ...subnet(PUBLIC), AvailabilityZone: "us-west-1x", AvailabilityZoneId: zone });
            network([inZone("usw1-az2")], [publicTable, mainTable], []);
            const [outside, groups] = await networkChecks("us-west-1", own(true));
            assert.deepEqual([outside.status, groups.status], ["fail", "fail"]);
            assert.equal(outside.detail, `${PUBLIC} is in usw1-az2; in us-west-1 Fargate runs tasks in usw1-az1, usw1-az3 only`);
            assert.match(outside.fix!, /Name=availability-zone-id,Values=usw1-az1,usw1-az3/);
            ec2.reset();
            healthyAccount();
            network([inZone("usw1-az3")], [publicTable, mainTable], []);
            assert.equal((await networkChecks("us-west-1", own(true)))[0].status, "pass");
        });

        it("fails a public subnet without a public IP or endpoints, naming what is missing", async () => {
            network([subnet(PUBLIC)], [publicTable, mainTable], [endpoint("ecr.api"), endpoint("s3", "Gateway")]);
            const [result] = await networkChecks(REGION, own(false));
            assert.equal(result.status, "fail");
            assert.equal(
                result.detail,
                "subnet-0aaaaaaaaaaaaaaa1 routes to internet gateway igw-0123, but assignPublicIp is false, and the VPC lacks the endpoints ecr.dkr, logs, dynamodb: a task there stops with CannotPullContainerError or ResourceInitializationError",
            );
            assert.match(
                result.fix!,
                /com\.amazonaws\.us-east-1\.ecr\.api, com\.amazonaws\.us-east-1\.ecr\.dkr, com\.amazonaws\.us-east-1\.s3, com\.amazonaws\.us-east-1\.logs, com\.amazonaws\.us-east-1\.dynamodb$/,
            );
        });

        it("passes a private subnet through a NAT gateway, or through the VPC's endpoints", async () => {
            network([subnet(PRIVATE)], [routeTable("rtb-0private", [{ subnet: PRIVATE }], { NatGatewayId: "nat-0456" }), mainTable], []);
            assert.match((await networkChecks(REGION, own(false, [PRIVATE])))[0].detail, /subnet-0bbbbbbbbbbbbbbb2: NAT gateway nat-0456/);
            ec2.reset();
            network([subnet(PRIVATE)], [mainTable], ALL_ENDPOINTS);
            const [viaEndpoints] = await networkChecks(REGION, own(false, [PRIVATE]));
            assert.deepEqual([viaEndpoints.status, viaEndpoints.detail.endsWith("subnet-0bbbbbbbbbbbbbbb2: the VPC's endpoints")], ["pass", true]);
        });

        it("fails a private subnet with no route out and endpoints that are not available", async () => {
            network([subnet(PRIVATE)], [mainTable], [...ALL_ENDPOINTS.slice(0, 4), endpoint("dynamodb", "Gateway", "pending")]);
            const [result] = await networkChecks(REGION, own(false, [PRIVATE]));
            assert.equal(result.status, "fail");
            assert.match(result.detail, /^subnet-0bbbbbbbbbbbbbbb2 has no route out of the VPC, and the VPC lacks the endpoints dynamodb:/);
        });

        it("fails subnets of different VPCs, and subnets that do not exist", async () => {
            network([subnet(PUBLIC), subnet(PRIVATE, OTHER_VPC)], [publicTable], []);
            const [split, groups] = await networkChecks(REGION, own(true, [PUBLIC, PRIVATE]));
            assert.equal(split.detail, `the subnets are in 2 VPCs (${PUBLIC} in ${VPC}, ${PRIVATE} in ${OTHER_VPC}); a task's subnets must share one`);
            assert.equal(groups.status, "fail");
            ec2.reset();
            ec2.on(DescribeSubnetsCommand).rejects(awsError("InvalidSubnetID.NotFound", `The subnet ID '${PRIVATE}' does not exist`));
            const [missing] = await networkChecks(REGION, own(true, [PRIVATE]));
            assert.deepEqual([missing.status, missing.detail], ["fail", `The subnet ID '${PRIVATE}' does not exist`]);
        });

        it("fails security groups of another VPC, missing ones, and ones that block outbound HTTPS", async () => {
            network([subnet(PUBLIC)], [publicTable], [], [group(HTTPS_OUT, OTHER_VPC)]);
            assert.equal((await networkChecks(REGION, own(true)))[1].detail, `${GROUP} is in ${OTHER_VPC}, not the subnets' ${VPC}`);
            ec2.reset();
            network([subnet(PUBLIC)], [publicTable], [], [group([{ IpProtocol: "tcp", FromPort: 80, ToPort: 80, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }])]);
            const closed = (await networkChecks(REGION, own(true)))[1];
            assert.deepEqual(
                [closed.status, closed.fix],
                ["fail", `aws ec2 authorize-security-group-egress --region us-east-1 --group-id ${GROUP} --protocol tcp --port 443 --cidr 0.0.0.0/0`],
            );
            ec2.reset();
            network([subnet(PUBLIC)], [publicTable], []);
            ec2.on(DescribeSecurityGroupsCommand).rejects(awsError("InvalidGroup.NotFound", `The security group '${GROUP}' does not exist`));
            assert.equal((await networkChecks(REGION, own(true)))[1].status, "fail");
        });

        it("reads which rules let HTTPS out", () => {
            assert.equal(allowsHttpsOut({ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }), true);
            assert.equal(allowsHttpsOut({ IpProtocol: "tcp", FromPort: 0, ToPort: 65535, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }), true);
            assert.equal(allowsHttpsOut({ IpProtocol: "tcp", FromPort: 443, ToPort: 443, PrefixListIds: [{ PrefixListId: "pl-63a5400a" }] }), true);
            assert.equal(allowsHttpsOut({ IpProtocol: "tcp", FromPort: 443, ToPort: 443, UserIdGroupPairs: [{ GroupId: "sg-0endpoints" }] }), true);
            assert.equal(allowsHttpsOut({ IpProtocol: "tcp", FromPort: 444, ToPort: 8443, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }), false);
            assert.equal(allowsHttpsOut({ IpProtocol: "udp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }), false);
            assert.equal(allowsHttpsOut({ IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "10.0.0.0/8" }] }), false);
        });

        it("matches endpoints by the region's service names, in any partition", () => {
            assert.deepEqual(missingEndpoints(ALL_ENDPOINTS, REGION), []);
            assert.deepEqual(missingEndpoints(ALL_ENDPOINTS, "eu-west-1"), ["ecr.api", "ecr.dkr", "s3", "logs", "dynamodb"]);
            const china = ALL_ENDPOINTS.map((e) => ({ ...e, ServiceName: e.ServiceName!.replace(`com.amazonaws.${REGION}`, "cn.com.amazonaws.cn-north-1") }));
            assert.deepEqual(missingEndpoints(china, "cn-north-1"), []);
        });

        it("fails with the cause when EC2 refuses to describe: the check could not run", async () => {
            ec2.on(DescribeVpcsCommand).rejects(awsError("UnauthorizedOperation", "You are not authorized to perform this operation."));
            const [result] = await networkChecks(REGION, { assignPublicIp: true });
            assert.equal(result.status, "fail");
            assert.match(
                result.detail,
                /^could not check: AWS refused ec2:DescribeVpcs\/DescribeSubnets\/DescribeRouteTables: UnauthorizedOperation: You are not authorized/,
            );
        });
    });

    describe("each AWS check under its own name, whatever it finds", () => {
        const named = (results: CheckResult[]) => results.map((r) => `${r.id} (${r.title}): ${r.status}`);
        const SECURITY_GROUPS_WAIT = {
            id: "security-groups",
            title: "Security groups",
            status: "fail",
            detail: 'not checked until "Subnets" passes',
            fix: 'fix "Subnets" above, then run the preflight again',
        };
        const own = (subnetIds: string[]) => ({ subnetIds, securityGroupIds: [GROUP], assignPublicIp: true });
        const publicTable = routeTable("rtb-0public", [{ subnet: PUBLIC }], { GatewayId: "igw-0123" });

        it("the region, whether the stack or the SDK names none, or they differ", () => {
            assert.deepEqual(regionCheck(undefined, undefined, "dev"), {
                id: "region",
                title: "Region",
                status: "fail",
                detail: "the dev stack sets no aws:region",
                fix: "pulumi config set aws:region us-east-1 --stack dev",
            });
            assert.deepEqual(regionCheck("eu-west-1", undefined, "dev"), {
                id: "region",
                title: "Region",
                status: "warn",
                detail: "the AWS SDK resolves no region; the preflight checks the stack's eu-west-1",
                fix: "export AWS_REGION=eu-west-1, so that the AWS CLI uses the stack's region too",
            });
            assert.deepEqual(regionCheck("eu-west-1", "us-east-2", "prod"), {
                id: "region",
                title: "Region",
                status: "fail",
                detail: "the AWS SDK resolves us-east-2, but the prod stack deploys to eu-west-1",
                fix: "export AWS_REGION=eu-west-1 (or use a profile in that region), or set aws:region if us-east-2 is meant",
            });
        });

        it("the credentials of an account the stack does not allow are not used further", async () => {
            healthyAccount();
            const { result, usable } = await identityCheck(REGION, ["111111111111", "222222222222"]);
            assert.equal(usable, false);
            assert.deepEqual(result, {
                id: "credentials",
                title: "AWS credentials",
                status: "fail",
                detail: `account ${ACCOUNT} is not one of the stack's aws:allowedAccountIds (111111111111, 222222222222)`,
                fix: "sign in to the stack's account (AWS_PROFILE), or fix aws:allowedAccountIds",
            });
        });

        it("the role and the quota, in every branch", async () => {
            const results: CheckResult[] = [];
            healthyAccount();
            results.push(await serviceLinkedRoleCheck(REGION, true), await quotaCheck(REGION, "FARGATE", 8192));
            iam.reset();
            iam.on(GetRoleCommand).rejects(awsError("NoSuchEntityException", "The role with name AWSServiceRoleForECS cannot be found."));
            results.push(await serviceLinkedRoleCheck(REGION, true), await serviceLinkedRoleCheck(REGION, false));
            iam.reset();
            iam.on(GetRoleCommand).rejects(awsError("ServiceFailure", "internal error"));
            results.push(await serviceLinkedRoleCheck(REGION, false));
            quotas.reset();
            quotas.on(GetServiceQuotaCommand).resolves({});
            results.push(await quotaCheck(REGION, "FARGATE", 256));
            quotas.reset();
            quotas.on(GetServiceQuotaCommand).rejects(awsError("AccessDeniedException", "not authorized"));
            results.push(await quotaCheck(REGION, "FARGATE", 256));
            assert.deepEqual(named(results), [
                "ecs-service-linked-role (ECS service-linked role): fail",
                "quota (Fargate vCPU quota): fail",
                "ecs-service-linked-role (ECS service-linked role): pass",
                "ecs-service-linked-role (ECS service-linked role): fail",
                "ecs-service-linked-role (ECS service-linked role): fail",
                "quota (Fargate vCPU quota): fail",
                "quota (Fargate vCPU quota): fail",
            ]);
            assert.equal(results[0].detail, "AWSServiceRoleForECS exists, and createEcsServiceLinkedRole would create it again, which fails");
            assert.equal(results[2].detail, "AWSServiceRoleForECS does not exist yet; the stack creates it (createEcsServiceLinkedRole)");
            assert.equal(results[5].detail, "Service Quotas returned no value for Fargate On-Demand vCPU resource count (L-3032A538)");
            assert.equal(results[6].detail, "could not check: AWS refused servicequotas:GetServiceQuota: AccessDeniedException: not authorized");
        });

        it("the default VPC: missing, closed, or not described", async () => {
            const results: CheckResult[] = [];
            ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [] });
            results.push(...(await networkChecks(REGION, { assignPublicIp: true })));
            ec2.reset();
            healthyAccount();
            ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [routeTable("rtb-0main", [{ main: true }])] });
            const [closed] = await networkChecks(REGION, { assignPublicIp: true });
            results.push(closed);
            ec2.reset();
            ec2.on(DescribeVpcsCommand).rejects(awsError("InternalError", "try again"));
            results.push(...(await networkChecks(REGION, { assignPublicIp: true })));
            assert.deepEqual(named(results), ["network (Network): fail", "network (Network): fail", "network (Network): fail"]);
            assert.equal(results[0].detail, "us-east-1 has no default VPC, where the stack runs the task without subnetIds");
            assert.equal(closed.fix, "restore the default VPC's internet gateway route, or set subnetIds and securityGroupIds");
        });

        it("the stack's subnets and groups: each failure names its check, and the groups wait for the subnets", async () => {
            const runs: CheckResult[][] = [];
            ec2.on(DescribeSubnetsCommand).rejects(awsError("InvalidSubnetID.NotFound", "The subnet ID 'subnet-0bbbbbbbbbbbbbbb2' does not exist"));
            runs.push(await networkChecks(REGION, own([PRIVATE])));
            ec2.reset();
            ownNetwork([subnet(PUBLIC), subnet(PRIVATE, OTHER_VPC)], [publicTable]);
            runs.push(await networkChecks(REGION, own([PUBLIC, PRIVATE])));
            ec2.reset();
            ownNetwork([{ ...subnet(PUBLIC), AvailabilityZoneId: "usw1-az2" }], [publicTable]);
            runs.push(await networkChecks("us-west-1", own([PUBLIC])));
            ec2.reset();
            ownNetwork([subnet(PRIVATE)], [routeTable("rtb-0main", [{ main: true }])]);
            runs.push(await networkChecks(REGION, own([PRIVATE])));
            for (const run of [runs[0], runs[1], runs[2]]) {
                assert.equal(run[0].id, "subnets");
                assert.equal(run[0].title, "Subnets");
                assert.equal(run[0].status, "fail");
                assert.deepEqual(run[1], SECURITY_GROUPS_WAIT);
            }
            assert.equal(runs[0][0].fix, "check subnetIds against aws ec2 describe-subnets --region us-east-1");
            assert.equal(runs[1][0].fix, "list subnets of one VPC in subnetIds");
            assert.deepEqual(named(runs[3]), ["subnets (Subnets): fail", "security-groups (Security groups): pass"]);
            assert.equal(runs[3][1].detail, `${GROUP} in ${VPC}, outbound TCP 443 allowed`);
        });

        it("the stack's groups: elsewhere, closed, missing, or not described", async () => {
            const groupsOf = async (groups: SecurityGroup[] | Error) => {
                ec2.reset();
                ownNetwork([subnet(PUBLIC)], [publicTable], groups instanceof Error ? [] : groups);
                if (groups instanceof Error) {
                    ec2.on(DescribeSecurityGroupsCommand).rejects(groups);
                }
                return (await networkChecks(REGION, own([PUBLIC])))[1];
            };
            const results = [
                await groupsOf([group(HTTPS_OUT, OTHER_VPC)]),
                await groupsOf([group([])]),
                await groupsOf(awsError("InvalidGroup.NotFound", "The security group 'sg-0123456789abcdef0' does not exist")),
                await groupsOf(awsError("InternalError", "try again")),
            ];
            assert.deepEqual(named(results), [
                "security-groups (Security groups): fail",
                "security-groups (Security groups): fail",
                "security-groups (Security groups): fail",
                "security-groups (Security groups): fail",
            ]);
            assert.equal(results[0].fix, "list groups of the subnets' VPC in securityGroupIds");
            assert.equal(results[1].detail, `none of ${GROUP} allows outbound TCP 443, which the task needs to reach ECR, CloudWatch Logs and DynamoDB`);
            assert.equal(results[2].fix, "check securityGroupIds against aws ec2 describe-security-groups --region us-east-1");
            assert.equal(results[3].detail, "could not check: AWS refused ec2:DescribeSecurityGroups: InternalError: try again");
        });
    });

    describe("the whole run", () => {
        const raw = (extra: Record<string, string> = {}) => ({ "aws:region": REGION, ...extra });

        it("passes a healthy machine and account, every check, and exits 0", async () => {
            tools.program("pulumi", PULUMI_OK).program("docker", DOCKER_OK);
            healthyAccount();
            const run = await runInProcess(main, ["--json"]);
            assert.equal(run.status, 0, run.stdout);
            const report = JSON.parse(run.stdout) as PreflightReport;
            assert.deepEqual(
                report.checks.map((c) => [c.id, c.status]),
                [
                    ["pulumi-cli", "pass"],
                    ["pulumi-login", "pass"],
                    ["pulumi-stack", "pass"],
                    ["docker", "pass"],
                    ["buildx", "pass"],
                    ["platform", "pass"],
                    ["batch-image", "pass"],
                    ["region", "pass"],
                    ["credentials", "pass"],
                    ["ecs-service-linked-role", "pass"],
                    ["quota", "pass"],
                    ["network", "pass"],
                ],
            );
            assert.deepEqual(
                { stack: report.stack, region: report.region, summary: report.summary },
                { stack: "dev", region: REGION, summary: { passed: 12, warnings: 0, failed: 0 } },
            );
        });

        it("prints each check on a line, a fix under each that did not pass, and the tally", () => {
            const report: PreflightReport = {
                stack: "dev",
                region: REGION,
                checks: [
                    { id: "docker", title: "Docker", status: "pass", detail: "Docker Engine 27.3.1 on linux/arm64" },
                    { id: "region", title: "Region", status: "warn", detail: "the AWS SDK resolves no region", fix: "export AWS_REGION=us-east-1" },
                    { id: "credentials", title: "AWS credentials", status: "fail", detail: "no AWS credentials were found", fix: "set AWS_PROFILE" },
                ],
                summary: { passed: 1, warnings: 1, failed: 1 },
            };
            assert.deepEqual(renderPreflight(report), [
                "Preflight of the dev stack in us-east-1",
                "",
                "  ok    Docker           Docker Engine 27.3.1 on linux/arm64",
                "  warn  Region           the AWS SDK resolves no region",
                "                         fix: export AWS_REGION=us-east-1",
                "  FAIL  AWS credentials  no AWS credentials were found",
                "                         fix: set AWS_PROFILE",
                "",
                "1 passed, 1 warning, 1 failed",
            ]);
            assert.equal(renderPreflight({ ...report, summary: { passed: 0, warnings: 2, failed: 0 } }).at(-1), "0 passed, 2 warnings, 0 failed");
        });

        it("on a new account: no ECS service-linked role yet; prints it as the deploying guide shows, and exits 1", async () => {
            tools.program("pulumi", PULUMI_OK).program("docker", DOCKER_OK);
            healthyAccount();
            iam.on(GetRoleCommand).rejects(awsError("NoSuchEntityException", "The role with name AWSServiceRoleForECS cannot be found."));
            const run = await runInProcess(main, ["--stack", "dev"]);
            assert.equal(run.status, 1);
            const readme = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "deploying.md"), "utf8");
            const command = "$ npm run preflight -- --stack dev\n";
            assert.ok(readme.includes(command), "the deploying guide shows the preflight");
            assert.equal(`${readme.slice(readme.indexOf(command) + command.length).split("\n```")[0]}\n`, run.stdout);
            assert.match(run.stdout, /^ {2}FAIL {2}ECS service-linked role +AWSServiceRoleForECS does not exist/m);
            assert.match(run.stdout, /^11 passed, 0 warnings, 1 failed$/m);
        });

        it("without credentials fails them and leaves every other AWS check unchecked, calling nothing else", async () => {
            sts.on(GetCallerIdentityCommand).rejects(awsError("CredentialsProviderError", "Could not load credentials from any providers"));
            const report = await preflight("dev", raw());
            const account = report.checks.slice(7);
            assert.deepEqual(
                account.map((c) => [c.id, c.status]),
                [
                    ["region", "pass"],
                    ["credentials", "fail"],
                    ["ecs-service-linked-role", "fail"],
                    ["quota", "fail"],
                    ["network", "fail"],
                ],
            );
            assert.equal(account[1].detail, "no AWS credentials for sts:GetCallerIdentity, so nothing was sent");
            assert.equal(account[1].fix, "set AWS_PROFILE (aws configure sso, then aws sso login), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
            assert.deepEqual([ec2.calls().length, iam.calls().length, quotas.calls().length], [0, 0, 0]);
        });

        it("fails expired credentials, and an account the stack does not allow", async () => {
            sts.on(GetCallerIdentityCommand).rejects(awsError("ExpiredToken", "The security token included in the request is expired"));
            const expired = (await preflight("dev", raw())).checks[8];
            assert.deepEqual(
                [expired.status, expired.detail, expired.fix],
                [
                    "fail",
                    "the AWS credentials have expired: AWS answered sts:GetCallerIdentity with ExpiredToken",
                    "sign in again (aws sso login) or renew the session, then run this again",
                ],
            );
            sts.reset();
            healthyAccount();
            const other = (await preflight("dev", raw({ "aws:allowedAccountIds": '["210987654321"]' }))).checks[8];
            assert.deepEqual([other.status, other.detail], ["fail", `account ${ACCOUNT} is not one of the stack's aws:allowedAccountIds (210987654321)`]);
        });

        it("checks the stack's own network when it names one", async () => {
            healthyAccount();
            ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [group(HTTPS_OUT)] });
            const report = await preflight("dev", raw({ "stock-trader:subnetIds": `["${PUBLIC}"]`, "stock-trader:securityGroupIds": `["${GROUP}"]` }));
            assert.deepEqual(
                report.checks.slice(-2).map((c) => [c.id, c.status]),
                [
                    ["subnets", "pass"],
                    ["security-groups", "pass"],
                ],
            );
        });

        it("fails a region the SDK resolves differently from the stack's, and a stack without one", async () => {
            healthyAccount();
            process.env.AWS_REGION = "eu-west-1";
            const region = (await preflight("dev", raw())).checks[7];
            assert.deepEqual([region.status, region.detail], ["fail", "the AWS SDK resolves eu-west-1, but the dev stack deploys to us-east-1"]);
            const unset = await preflight("dev", {});
            assert.deepEqual(
                [unset.checks[7].status, unset.checks[7].fix, unset.region],
                ["fail", "pulumi config set aws:region eu-west-1 --stack dev", "eu-west-1"],
            );
        });

        it("warns when the SDK resolves no region, and checks the stack's", async () => {
            healthyAccount();
            delete process.env.AWS_REGION;
            delete process.env.AWS_DEFAULT_REGION;
            delete process.env.AWS_PROFILE;
            process.env.AWS_CONFIG_FILE = path.join(PROJECT_ROOT, "no-such-aws-config");
            const report = await preflight("dev", raw());
            assert.deepEqual(
                [report.checks[7].status, report.checks[7].fix],
                ["warn", "export AWS_REGION=us-east-1, so that the AWS CLI uses the stack's region too"],
            );
            assert.equal(await (sts.call(0).thisValue as STSClient).config.region(), REGION);
            const nowhere = await preflight("dev", {});
            assert.deepEqual(
                nowhere.checks.slice(7).map((c) => c.status),
                ["fail", "fail", "fail", "fail", "fail"],
            );
        });

        it("exits 2 on bad usage, a missing stack file or an invalid config, and prints its help", async () => {
            assert.equal((await runInProcess(main, ["--fast"])).status, 2);
            const missing = await runInProcess(main, ["--stack", "nosuch"]);
            assert.deepEqual([missing.status, missing.stderr], [2, "no stack file Pulumi.nosuch.yaml"]);
            const help = await runInProcess(main, ["--help"]);
            assert.equal(help.status, 0);
            assert.match(help.stdout, /^usage: npm run preflight -- \[--stack NAME\] \[--json\]/);
            assert.equal(sts.calls().length, 0);
        });

        it("calls AWS only with the actions it lists", async () => {
            healthyAccount();
            quotas.on(GetServiceQuotaCommand).rejects(awsError("NoSuchResourceException", "no applied value"));
            quotas.on(GetAWSDefaultServiceQuotaCommand).resolves({ Quota: { QuotaCode: "L-3032A538", Value: 6 } });
            ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [group(HTTPS_OUT)] });
            await preflight("dev", raw());
            await preflight("dev", raw({ "stock-trader:subnetIds": `["${PUBLIC}"]`, "stock-trader:securityGroupIds": `["${GROUP}"]` }));
            const prefix: [ReturnType<typeof mockClient>, string][] = [
                [sts, "sts"],
                [ec2, "ec2"],
                [iam, "iam"],
                [quotas, "servicequotas"],
            ];
            const called = new Set(
                prefix.flatMap(([mock, service]) => mock.calls().map((c) => `${service}:${(c.args[0] as object).constructor.name.replace(/Command$/, "")}`)),
            );
            assert.deepEqual([...called].sort(), [...PREFLIGHT_ACTIONS].sort());
        });

        it("needs exactly the actions the deploying guide's policy for it allows, all of them reads", () => {
            assert.deepEqual([...PREFLIGHT_ACTIONS].sort(), [
                "ec2:DescribeRouteTables",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeSubnets",
                "ec2:DescribeVpcEndpoints",
                "ec2:DescribeVpcs",
                "iam:GetRole",
                "servicequotas:GetAWSDefaultServiceQuota",
                "servicequotas:GetServiceQuota",
                "sts:GetCallerIdentity",
            ]);
            const readme = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "deploying.md"), "utf8");
            const block = readme
                .split("```json\n")
                .find((b) => b.includes('"StockTraderPreflight"'))!
                .split("\n```")[0];
            const policy = JSON.parse(block) as { Statement: { Effect: string; Action: string[]; Resource: string }[] };
            assert.deepEqual(
                policy.Statement.map((st) => [st.Effect, [...st.Action].sort(), st.Resource]),
                [["Allow", [...PREFLIGHT_ACTIONS].sort(), "*"]],
            );
        });
    });

    it("as a command without credentials, a Pulumi CLI or Docker: says so for each and how to fix it, runs the rest, and exits 1", () => {
        const env = {
            PATH: tools.dir,
            HOME: tools.dir,
            AWS_CONFIG_FILE: path.join(tools.dir, "none"),
            AWS_SHARED_CREDENTIALS_FILE: path.join(tools.dir, "none"),
            AWS_EC2_METADATA_DISABLED: "true",
            AWS_REGION: REGION,
        };
        const run = runTool("bin/preflight.ts", [], { env });
        assert.equal(run.status, 1, run.stderr);
        assert.match(run.stdout, /^ {2}FAIL {2}Pulumi CLI +pulumi is not on PATH$/m);
        assert.match(run.stdout, /^ {2}FAIL {2}Docker +docker is not on PATH$/m);
        assert.match(run.stdout, /^ {2}FAIL {2}AWS credentials +no AWS credentials for sts:GetCallerIdentity, so nothing was sent$/m);
        assert.match(run.stdout, /fix: install the Pulumi CLI/);
        assert.match(run.stdout, /fix: install Docker/);
        assert.match(run.stdout, /fix: set AWS_PROFILE/);
        assert.match(run.stdout, /^2 passed, 0 warnings, 10 failed$/m);
    });

    describe("every result as it reads", () => {
        const INSTALL_PULUMI = "install the Pulumi CLI: curl -fsSL https://get.pulumi.com | sh (or brew install pulumi/tap/pulumi), then open a new shell";

        it("reports a Pulumi CLI that fails, prints no version, or whose login and stack list fail, each in its words", async () => {
            tools.program("pulumi", {
                version: { err: "panic: broken install\nmore\n", code: 1 },
                whoami: { code: 1 },
                "stack ls": { code: 1, err: "error: backend unreachable\n" },
            });
            assert.deepEqual(await pulumiChecks("dev"), [
                { id: "pulumi-cli", title: "Pulumi CLI", status: "fail", detail: "pulumi version failed: panic: broken install", fix: INSTALL_PULUMI },
                {
                    id: "pulumi-login",
                    title: "Pulumi backend",
                    status: "fail",
                    detail: "not logged in to a backend: exit code 1",
                    fix: "pulumi login (Pulumi Cloud, or set PULUMI_ACCESS_TOKEN), or pulumi login s3://BUCKET or --local for a self-managed backend",
                },
                { id: "pulumi-stack", title: "Pulumi stack", status: "fail", ...waitFor("Pulumi backend") },
            ]);
            tools.program("pulumi", { ...PULUMI_OK, version: { out: "development build\n" }, "stack ls": { code: 1, err: "error: backend unreachable\n" } });
            const [cli, , stack] = await pulumiChecks("dev");
            assert.equal(cli.detail, "pulumi version failed: development build");
            assert.deepEqual(stack, {
                id: "pulumi-stack",
                title: "Pulumi stack",
                status: "warn",
                detail: "could not list the stacks: error: backend unreachable",
                fix: "run pulumi stack ls to see why",
            });
            tools.program("pulumi", { ...PULUMI_OK, version: { code: 2 }, "stack ls": { out: "Current stacks: dev\n" } });
            const [silent, , unlisted] = await pulumiChecks("dev");
            assert.equal(silent.detail, "pulumi version failed: exit code 2");
            assert.equal(unlisted.detail, "could not list the stacks: pulumi stack ls printed no JSON");
        });

        it("reads every part of a version, so 10.0.0 is newer than the SDK and 3.1000.0 too", async () => {
            for (const version of ["v10.0.0", "v3.1000.0", `v${PULUMI_SDK_VERSION.replace(/\.(\d+)$/, (_, patch: string) => `.${Number(patch) + 10}`)}`]) {
                tools.program("pulumi", { ...PULUMI_OK, version: { out: `${version}\n` } });
                assert.equal((await pulumiChecks("dev"))[0].status, "pass", version);
            }
        });

        it("names Docker's engine as it reports it, aarch64 and x86_64 included, and an answer it cannot read", async () => {
            tools.program("docker", { ...DOCKER_OK, "version --format": { out: '{"Version":"26.0.0","Os":"linux","Arch":"aarch64"}' } });
            assert.deepEqual((await dockerChecks("ARM64"))[2], {
                id: "platform",
                title: "Build for linux/arm64",
                status: "pass",
                detail: "natively: Docker runs on linux/arm64",
            });
            tools.program("docker", { ...DOCKER_OK, "version --format": { out: "not json" } });
            assert.equal((await dockerChecks("ARM64"))[0].detail, "Docker Engine (version unknown) on linux/unknown");
            tools.program("docker", { version: { code: 1 } });
            assert.equal((await dockerChecks("ARM64"))[0].detail, "Docker does not answer: exit code 1");
            tools.program("docker", {
                ...DOCKER_OK,
                "version --format": { out: '{"Version":"27.3.1","Os":"linux","Arch":"x86_64"}' },
                "buildx inspect": { out: "Name: default\nDriver: docker\n" },
            });
            const platform = (await dockerChecks("ARM64", parseDockerfile("FROM node\nRUN true\n")))[2];
            assert.match(platform.detail, /\(it offers nothing it names\)/);
        });

        it("says what Docker's missing plugin and a check that waits for it read", async () => {
            tools.program("docker", { ...DOCKER_OK, "buildx version": { code: 1 } });
            assert.deepEqual((await dockerChecks("ARM64")).slice(1), [
                {
                    id: "buildx",
                    title: "Docker Buildx",
                    status: "fail",
                    detail: "the Buildx plugin is missing",
                    fix: "install it (Docker Desktop has it; on Linux, the docker-buildx-plugin package): https://docs.docker.com/build/install-buildx/",
                },
                { id: "platform", title: "Build for linux/arm64", status: "fail", ...waitFor("Docker Buildx") },
            ]);
        });

        it("gives the credentials, the role and the quota their words", async () => {
            healthyAccount();
            const run = await preflight("dev", { "aws:region": REGION, "aws:allowedAccountIds": `["${ACCOUNT}"]` });
            assert.deepEqual(run.checks.slice(7, 11), [
                { id: "region", title: "Region", status: "pass", detail: "us-east-1, as the stack's aws:region says" },
                { id: "credentials", title: "AWS credentials", status: "pass", detail: `account ${ACCOUNT} as arn:aws:iam::${ACCOUNT}:user/alice` },
                { id: "ecs-service-linked-role", title: "ECS service-linked role", status: "pass", detail: "AWSServiceRoleForECS exists" },
                { id: "quota", title: "Fargate vCPU quota", status: "pass", detail: "Fargate On-Demand vCPU resource count: 6, the task needs 0.25" },
            ]);
        });

        it("goes on after an AWS error that is not about the credentials, and stops after one that is", async () => {
            healthyAccount();
            sts.on(GetCallerIdentityCommand).rejects(awsError("InternalFailure", "We encountered an internal error"));
            const other = await preflight("dev", { "aws:region": REGION });
            assert.deepEqual(other.checks[8], {
                id: "credentials",
                title: "AWS credentials",
                status: "fail",
                detail: "could not check: AWS refused sts:GetCallerIdentity: InternalFailure: We encountered an internal error",
                fix: "run the preflight again",
            });
            assert.deepEqual(
                other.checks.slice(9).map((c) => c.status),
                ["pass", "pass", "pass"],
            );
            sts.reset();
            sts.on(GetCallerIdentityCommand).rejects(awsError("InvalidClientTokenId", "The security token included in the request is invalid."));
            const own = { "aws:region": REGION, "stock-trader:subnetIds": `["${PUBLIC}"]`, "stock-trader:securityGroupIds": `["${GROUP}"]` };
            const refused = await preflight("dev", own);
            assert.deepEqual(refused.checks.slice(8), [
                {
                    id: "credentials",
                    title: "AWS credentials",
                    status: "fail",
                    detail: "AWS does not accept the credentials for sts:GetCallerIdentity (InvalidClientTokenId: The security token included in the request is invalid.)",
                    fix: "check AWS_PROFILE, or the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY pair",
                },
                { id: "ecs-service-linked-role", title: "ECS service-linked role", status: "fail", ...waitFor("AWS credentials") },
                { id: "quota", title: "Fargate vCPU quota", status: "fail", ...waitFor("AWS credentials") },
                { id: "subnets", title: "Subnets", status: "fail", ...waitFor("AWS credentials") },
                { id: "security-groups", title: "Security groups", status: "fail", ...waitFor("AWS credentials") },
            ]);
            delete process.env.AWS_REGION;
            process.env.AWS_CONFIG_FILE = path.join(PROJECT_ROOT, "no-such-aws-config");
            delete process.env.AWS_PROFILE;
            const nowhere = await preflight("dev", {});
            assert.deepEqual(nowhere.checks.slice(7), [
                {
                    id: "region",
                    title: "Region",
                    status: "fail",
                    detail: "the dev stack sets no aws:region",
                    fix: "pulumi config set aws:region us-east-1 --stack dev",
                },
                { id: "credentials", title: "AWS credentials", status: "fail", ...waitFor("Region") },
                { id: "ecs-service-linked-role", title: "ECS service-linked role", status: "fail", ...waitFor("Region") },
                { id: "quota", title: "Fargate vCPU quota", status: "fail", ...waitFor("Region") },
                { id: "network", title: "Network", status: "fail", ...waitFor("Region") },
            ]);
            assert.equal(nowhere.region, undefined);
            assert.equal(renderPreflight(nowhere)[0], "Preflight of the dev stack");
        });

        it("fails an account not among the stack's allowed ones, and ignores an allowed list that is not a list", async () => {
            healthyAccount();
            assert.equal((await preflight("dev", { "aws:region": REGION, "aws:allowedAccountIds": "not json" })).checks[8].status, "pass");
            assert.equal((await preflight("dev", { "aws:region": REGION, "aws:allowedAccountIds": '"123456789012"' })).checks[8].status, "pass");
            // An answer without the account is not STS's, whatever answered: the credentials are not checked.
            sts.on(GetCallerIdentityCommand).resolves({ Arn: "arn:aws:iam::1:user/x" });
            const unknown = (await preflight("dev", { "aws:region": REGION, "aws:allowedAccountIds": `["${ACCOUNT}"]` })).checks[8];
            assert.deepEqual(
                [unknown.status, unknown.detail, unknown.fix],
                [
                    "fail",
                    "could not check: what answered sts:GetCallerIdentity is not the AWS API: the answer has no Account, which AWS always sends",
                    "AWS_ENDPOINT_URL, or a proxy in between, points elsewhere",
                ],
            );
        });

        it("passes a quota equal to the task's vCPU, and fails a quota without a value, which says nothing of the account", async () => {
            quotas.on(GetServiceQuotaCommand).resolves({ Quota: { QuotaCode: "L-3032A538", QuotaName: "Fargate On-Demand vCPU resource count", Value: 1 } });
            assert.equal((await quotaCheck(REGION, "FARGATE", 1024)).status, "pass");
            quotas.on(GetServiceQuotaCommand).resolves({ Quota: { QuotaCode: "L-3032A538" } });
            assert.deepEqual(await quotaCheck(REGION, "FARGATE", 1024), {
                id: "quota",
                title: "Fargate vCPU quota",
                status: "fail",
                detail: "Service Quotas returned no value for Fargate On-Demand vCPU resource count (L-3032A538)",
                fix: "look it up in the Service Quotas console",
            });
            quotas.on(GetServiceQuotaCommand).resolves({});
            assert.equal((await quotaCheck(REGION, "FARGATE", 1024)).status, "fail");
        });

        it("follows a subnet's own route table before the main one, and names a route it cannot follow", async () => {
            const own = { subnetIds: [PRIVATE], securityGroupIds: [GROUP], assignPublicIp: true };
            ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [subnet(PRIVATE)] });
            ec2.on(DescribeRouteTablesCommand).resolves({
                RouteTables: [
                    routeTable("rtb-0main", [{ main: true }], { GatewayId: "igw-0123" }),
                    routeTable("rtb-0private", [{ subnet: PRIVATE }], { TransitGatewayId: "tgw-0789" }),
                ],
            });
            ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
            ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [group([]), group(HTTPS_OUT)] });
            const [subnets, groups] = await networkChecks(REGION, own);
            assert.equal(
                subnets.detail,
                `${PRIVATE} routes 0.0.0.0/0 to tgw-0789, which the preflight cannot follow, and the VPC lacks the endpoints ecr.api, ecr.dkr, s3, logs, dynamodb: a task there stops with CannotPullContainerError or ResourceInitializationError`,
            );
            assert.deepEqual(groups, {
                id: "security-groups",
                title: "Security groups",
                status: "pass",
                detail: `${GROUP} in ${VPC}, outbound TCP 443 allowed`,
            });
            assert.deepEqual(ec2.commandCalls(DescribeSecurityGroupsCommand)[0].args[0].input, { GroupIds: [GROUP] });
            assert.deepEqual(ec2.commandCalls(DescribeVpcEndpointsCommand)[0].args[0].input.Filters, [{ Name: "vpc-id", Values: [VPC] }]);
        });

        it("counts endpoints that are available whatever the case AWS writes it in", () => {
            const upper: VpcEndpoint[] = ALL_ENDPOINTS.map((e) => ({ ...e, State: "Available" }));
            assert.deepEqual(missingEndpoints(upper, REGION), []);
            assert.deepEqual(
                missingEndpoints(
                    ALL_ENDPOINTS.map((e) => ({ ...e, State: undefined })),
                    REGION,
                ),
                ["ecr.api", "ecr.dkr", "s3", "logs", "dynamodb"],
            );
            assert.equal(
                allowsHttpsOut({ IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "10.0.0.0/8" }, { CidrIp: "0.0.0.0/0" }] }),
                true,
            );
            assert.equal(allowsHttpsOut({ IpProtocol: "tcp", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }), true);
        });

        it("fails with the cause when EC2 refuses any read, and still checks what it can", async () => {
            const denied = awsError("UnauthorizedOperation", "You are not authorized to perform this operation.");
            const own = { subnetIds: [PUBLIC], securityGroupIds: [GROUP], assignPublicIp: true };
            const fix = 'allow ec2:DescribeSubnets to these credentials (docs/deploying.md, "First deploy on a new account", has the preflight\'s policy)';
            ec2.on(DescribeSubnetsCommand).rejects(denied);
            assert.deepEqual(await networkChecks(REGION, own), [
                {
                    id: "subnets",
                    title: "Subnets",
                    status: "fail",
                    detail: `could not check: AWS refused ec2:DescribeSubnets: UnauthorizedOperation: ${denied.message}`,
                    fix,
                },
                { id: "security-groups", title: "Security groups", status: "fail", ...waitFor("Subnets") },
            ]);
            ec2.reset();
            ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [subnet(PUBLIC)] });
            ec2.on(DescribeRouteTablesCommand).rejects(denied);
            ec2.on(DescribeSecurityGroupsCommand).rejects(denied);
            const [subnets, groups] = await networkChecks(REGION, own);
            assert.equal(subnets.detail, `could not check: AWS refused ec2:DescribeRouteTables/DescribeVpcEndpoints: UnauthorizedOperation: ${denied.message}`);
            assert.equal(groups.detail, `could not check: AWS refused ec2:DescribeSecurityGroups: UnauthorizedOperation: ${denied.message}`);
            ec2.reset();
            ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: VPC, IsDefault: true }] });
            ec2.on(DescribeSubnetsCommand).resolves({ Subnets: [{ VpcId: VPC }, subnet(PUBLIC)] });
            ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [routeTable("rtb-0public", [{ subnet: PUBLIC }], { GatewayId: "igw-0123" })] });
            assert.equal(
                (await networkChecks(REGION, { assignPublicIp: true }))[0].detail,
                `default VPC ${VPC}: 1 of its 2 subnets route to an internet gateway`,
            );
        });

        it("exits 2 on an invalid stack config, printing its problems", async () => {
            await withStackFile('config:\n  aws:region: us-east-1\n  stock-trader:batchCpu: "3"\n', async (stack) => {
                const run = await runInProcess(main, ["--stack", stack]);
                assert.equal(run.status, 2);
                assert.ok(run.stderr.startsWith(`Invalid stack configuration in Pulumi.${stack}.yaml:\n  - stock-trader:batchCpu must be one of`), run.stderr);
            });
            const usage = await runInProcess(main, ["--json=yes"]);
            assert.equal(usage.stderr, "--json takes no value; npm run preflight -- --help lists what it takes");
        });
    });

    const GROUP2 = "sg-0fedcba9876543210";
    const waitingFor = (dependsOn: string) => ({ status: "fail", ...waitFor(dependsOn) });
    const own = (subnetIds: string[], assignPublicIp: boolean, securityGroupIds = [GROUP]) => ({ subnetIds, securityGroupIds, assignPublicIp });
    /** The stack's own subnets, their route tables and its security groups, as EC2 describes them. */
    const ownNetwork = (subnets: Subnet[], tables: RouteTable[], groups: SecurityGroup[] = [group(HTTPS_OUT)]) => {
        ec2.on(DescribeSubnetsCommand).resolves({ Subnets: subnets });
        ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: tables });
        ec2.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [] });
        ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: groups });
    };
    const mainToInternet = routeTable("rtb-0main", [{ main: true }], { GatewayId: "igw-0123" });

    describe("the AWS checks", () => {
        it("lets an error that is not an AWS call's go on, as every tool does, rather than calling it a failed check", async () => {
            const bug = new TypeError("Cannot read properties of undefined (reading 'Account')");
            sts.on(GetCallerIdentityCommand).rejects(bug);
            await assert.rejects(identityCheck(REGION, undefined), (error) => error === bug);
            iam.on(GetRoleCommand).rejects(bug);
            await assert.rejects(serviceLinkedRoleCheck(REGION, false), (error) => error === bug);
        });

        it("does not use credentials whose answer has no ARN or no account, naming which: what answered is not STS", async () => {
            sts.on(GetCallerIdentityCommand).resolves({ UserId: "AIDAEXAMPLE", Account: ACCOUNT });
            const { result, usable } = await identityCheck(REGION, undefined);
            assert.equal(
                result.detail,
                "could not check: what answered sts:GetCallerIdentity is not the AWS API: the answer has no Arn, which AWS always sends",
            );
            assert.equal(usable, false);
            assert.deepEqual(
                [result.id, result.title, result.status, result.fix],
                ["credentials", "AWS credentials", "fail", "AWS_ENDPOINT_URL, or a proxy in between, points elsewhere"],
            );
            sts.on(GetCallerIdentityCommand).resolves({ UserId: "AIDAEXAMPLE", Arn: `arn:aws:iam::${ACCOUNT}:user/alice` });
            const noAccount = await identityCheck(REGION, undefined);
            assert.deepEqual([noAccount.result.id, noAccount.result.status, noAccount.usable], ["credentials", "fail", false]);
            assert.match(noAccount.result.detail, /the answer has no Account, which AWS always sends$/);
        });

        it("goes on to the other checks after STS throttles or refuses the identity call, which says nothing of the credentials", async () => {
            sts.on(GetCallerIdentityCommand).rejects(awsError("Throttling", "Rate exceeded"));
            assert.deepEqual(await identityCheck(REGION, undefined), {
                result: {
                    id: "credentials",
                    title: "AWS credentials",
                    status: "fail",
                    detail: "could not check: AWS throttled sts:GetCallerIdentity even after retries (Throttling: Rate exceeded)",
                    fix: "try again in a minute",
                },
                usable: true,
            });
            sts.on(GetCallerIdentityCommand).rejects(awsError("AccessDenied", "User is not authorized to perform: sts:GetCallerIdentity"));
            assert.equal((await identityCheck(REGION, undefined)).usable, true);
        });

        it("closes every client it opens, whether its check passes, fails or could not run", async () => {
            const everyCheck = async () => {
                await sdkRegion();
                await identityCheck(REGION, undefined);
                await serviceLinkedRoleCheck(REGION, false);
                await quotaCheck(REGION, "FARGATE", 256);
                await networkChecks(REGION, { assignPublicIp: true });
            };
            healthyAccount();
            const clients = { sts: STSClient, iam: IAMClient, quotas: ServiceQuotasClient, ec2: EC2Client };
            assert.deepEqual(await closedClients(clients, everyCheck), { sts: 2, iam: 1, quotas: 1, ec2: 1 });
            const denied = awsError("AccessDenied", "not authorized");
            sts.on(GetCallerIdentityCommand).rejects(denied);
            iam.on(GetRoleCommand).rejects(denied);
            quotas.on(GetServiceQuotaCommand).rejects(denied);
            ec2.on(DescribeVpcsCommand).rejects(denied);
            assert.deepEqual(await closedClients(clients, everyCheck), { sts: 2, iam: 1, quotas: 1, ec2: 1 });
        });

        it("fails AWS's default quota without a value, as it does the account's", async () => {
            quotas.on(GetServiceQuotaCommand).rejects(awsError("NoSuchResourceException", "The request failed because the specified resource does not exist."));
            quotas.on(GetAWSDefaultServiceQuotaCommand).resolves({});
            assert.deepEqual(await quotaCheck(REGION, "FARGATE", 1024), {
                id: "quota",
                title: "Fargate vCPU quota",
                status: "fail",
                detail: "Service Quotas returned no value for Fargate On-Demand vCPU resource count (L-3032A538)",
                fix: "look it up in the Service Quotas console",
            });
        });
    });

    describe("the network", () => {
        it("follows the table a subnet shares with others, the main table of several associations, and a table without associations or routes", () => {
            const bare: RouteTable = { RouteTableId: "rtb-0bare", VpcId: VPC };
            const shared = routeTable("rtb-0shared", [{ subnet: PUBLIC }, { subnet: PRIVATE }], { NatGatewayId: "nat-0456" });
            const main = routeTable("rtb-0main", [{ main: true }, { subnet: "subnet-0ccccccccccccccc3" }], { GatewayId: "igw-0123" });
            assert.equal(defaultRoute(PRIVATE, [bare, shared, main]), "nat-0456");
            assert.equal(defaultRoute("subnet-0ddddddddddddddd4", [bare, shared, main]), "igw-0123");
            assert.equal(defaultRoute(PUBLIC, [{ RouteTableId: "rtb-0noroutes", Associations: [{ SubnetId: PUBLIC, Main: false }] }]), undefined);
        });

        it("passes a subnet behind a NAT gateway whatever endpoints the VPC lacks", () => {
            const nat = routeTable("rtb-0private", [{ subnet: PRIVATE }], { NatGatewayId: "nat-0456" });
            assert.deepEqual(subnetWay(PRIVATE, [nat], ["logs", "dynamodb"], false), { ok: true, how: `${PRIVATE}: NAT gateway nat-0456` });
        });

        it("counts only the default VPC's subnets it lists and whose route leads to an internet gateway, and fails a region that names no default VPC", async () => {
            healthyAccount();
            ec2.on(DescribeRouteTablesCommand).resolves({ RouteTables: [routeTable("rtb-0main", [{ main: true }], { NatGatewayId: "nat-0456" })] });
            const [nat] = await networkChecks(REGION, { assignPublicIp: true });
            assert.deepEqual(
                [nat.status, nat.detail],
                ["fail", `default VPC ${VPC} has no subnet with a route to an internet gateway, so a task could not pull its image (CannotPullContainerError)`],
            );
            assert.deepEqual(ec2.commandCalls(DescribeSubnetsCommand)[0].args[0].input.Filters, [{ Name: "vpc-id", Values: [VPC] }]);
            ec2.reset();
            healthyAccount();
            ec2.on(DescribeSubnetsCommand).resolves({});
            assert.equal((await networkChecks(REGION, { assignPublicIp: true }))[0].status, "fail");
            ec2.reset();
            ec2.on(DescribeVpcsCommand).resolves({});
            assert.equal(
                (await networkChecks(REGION, { assignPublicIp: true }))[0].detail,
                "us-east-1 has no default VPC, where the stack runs the task without subnetIds",
            );
        });

        it("checks the default VPC unless it is given both the subnets and the security groups", async () => {
            healthyAccount();
            for (const config of [
                { subnetIds: [PUBLIC], assignPublicIp: true },
                { securityGroupIds: [GROUP], assignPublicIp: true },
            ]) {
                const results = await networkChecks(REGION, config);
                assert.deepEqual(
                    results.map((r) => [r.id, r.status]),
                    [["network", "pass"]],
                );
            }
        });

        it("names every subnet and every group it judges, in the order given", async () => {
            const inZone = (id: string): Subnet => ({ ...subnet(id), AvailabilityZone: "us-west-1x", AvailabilityZoneId: "usw1-az2" });
            ownNetwork([inZone(PUBLIC), inZone(PRIVATE)], [mainToInternet], [group(HTTPS_OUT)]);
            assert.equal(
                (await networkChecks("us-west-1", own([PUBLIC, PRIVATE], true)))[0].detail,
                `${PUBLIC} is in usw1-az2, ${PRIVATE} is in usw1-az2; in us-west-1 Fargate runs tasks in usw1-az1, usw1-az3 only`,
            );
            ec2.reset();
            ownNetwork([subnet(PUBLIC), subnet(PRIVATE)], [mainToInternet], [group(HTTPS_OUT), { ...group([]), GroupId: GROUP2 }]);
            assert.deepEqual(await networkChecks(REGION, own([PUBLIC, PRIVATE], true, [GROUP, GROUP2])), [
                {
                    id: "subnets",
                    title: "Subnets",
                    status: "pass",
                    detail: `${VPC}, each with a way to ECR, CloudWatch Logs and DynamoDB: ${PUBLIC}: internet gateway igw-0123, with a public IP; ${PRIVATE}: internet gateway igw-0123, with a public IP`,
                },
                { id: "security-groups", title: "Security groups", status: "pass", detail: `${GROUP}, ${GROUP2} in ${VPC}, outbound TCP 443 allowed` },
            ]);
            ec2.reset();
            ownNetwork([subnet(PUBLIC), subnet(PRIVATE)], [mainToInternet], [group([]), { ...group([]), GroupId: GROUP2 }]);
            const [blocked, closed] = await networkChecks(REGION, own([PUBLIC, PRIVATE], false, [GROUP, GROUP2]));
            const lacks = "and the VPC lacks the endpoints ecr.api, ecr.dkr, s3, logs, dynamodb";
            assert.equal(
                blocked.detail,
                `${PUBLIC} routes to internet gateway igw-0123, but assignPublicIp is false, ${lacks}; ` +
                    `${PRIVATE} routes to internet gateway igw-0123, but assignPublicIp is false, ${lacks}: ` +
                    "a task there stops with CannotPullContainerError or ResourceInitializationError",
            );
            assert.equal(closed.detail, `none of ${GROUP}, ${GROUP2} allows outbound TCP 443, which the task needs to reach ECR, CloudWatch Logs and DynamoDB`);
            ec2.reset();
            ownNetwork([subnet(PUBLIC)], [mainToInternet], [group(HTTPS_OUT, OTHER_VPC), { ...group(HTTPS_OUT, OTHER_VPC), GroupId: GROUP2 }]);
            assert.equal(
                (await networkChecks(REGION, own([PUBLIC], true, [GROUP, GROUP2])))[1].detail,
                `${GROUP} is in ${OTHER_VPC}, ${GROUP2} is in ${OTHER_VPC}, not the subnets' ${VPC}`,
            );
        });

        it("names the subnets check when the route tables cannot be read", async () => {
            const denied = awsError("UnauthorizedOperation", "You are not authorized to perform this operation.");
            ownNetwork([subnet(PUBLIC)], [], [group(HTTPS_OUT)]);
            ec2.on(DescribeRouteTablesCommand).rejects(denied);
            assert.deepEqual((await networkChecks(REGION, own([PUBLIC], true)))[0], {
                id: "subnets",
                title: "Subnets",
                status: "fail",
                detail: `could not check: AWS refused ec2:DescribeRouteTables/DescribeVpcEndpoints: UnauthorizedOperation: ${denied.message}`,
                fix: 'allow ec2:DescribeRouteTables/DescribeVpcEndpoints to these credentials (docs/deploying.md, "First deploy on a new account", has the preflight\'s policy)',
            });
        });

        it("reads an answer without groups as none found, and one without each subnet asked for as not the AWS API's", async () => {
            ownNetwork([subnet(PUBLIC)], [mainToInternet], []);
            ec2.on(DescribeSecurityGroupsCommand).resolves({});
            assert.equal(
                (await networkChecks(REGION, own([PUBLIC], true)))[1].detail,
                `none of ${GROUP} allows outbound TCP 443, which the task needs to reach ECR, CloudWatch Logs and DynamoDB`,
            );
            ec2.reset();
            ownNetwork([], [mainToInternet], [group(HTTPS_OUT)]);
            ec2.on(DescribeSubnetsCommand).resolves({});
            const [subnets, groups] = await networkChecks(REGION, own([PUBLIC], true));
            assert.deepEqual(
                [subnets.status, subnets.detail, subnets.fix],
                [
                    "fail",
                    `could not check: what answered ec2:DescribeSubnets on ${PUBLIC} is not the AWS API: the answer has no Subnets, which AWS always sends`,
                    "AWS_ENDPOINT_URL, or a proxy in between, points elsewhere",
                ],
            );
            assert.deepEqual(groups, { id: "security-groups", title: "Security groups", ...waitingFor("Subnets") });
            ec2.reset();
            ownNetwork([subnet(PUBLIC)], [mainToInternet], [group(HTTPS_OUT)]);
            const [partial] = await networkChecks(REGION, own([PUBLIC, PRIVATE], true));
            assert.equal(
                partial.detail,
                `could not check: what answered ec2:DescribeSubnets on ${PRIVATE} is not the AWS API: the answer has no Subnets, which AWS always sends`,
            );
        });
    });

    describe("the Pulumi CLI", () => {
        it("without the CLI, names each check and has the stack wait for the CLI, not the login", async () => {
            assert.deepEqual(await pulumiChecks("dev"), [
                {
                    id: "pulumi-cli",
                    title: "Pulumi CLI",
                    status: "fail",
                    detail: "pulumi is not on PATH",
                    fix: "install the Pulumi CLI: curl -fsSL https://get.pulumi.com | sh (or brew install pulumi/tap/pulumi), then open a new shell",
                },
                { id: "pulumi-login", title: "Pulumi backend", ...waitingFor("Pulumi CLI") },
                { id: "pulumi-stack", title: "Pulumi stack", ...waitingFor("Pulumi CLI") },
            ]);
        });

        it("fails a CLI that prints a version but exits with an error, an older CLI, and a missing stack, each under its name", async () => {
            tools.program("pulumi", { ...PULUMI_OK, version: { out: `v${PULUMI_SDK_VERSION}\n`, code: 1 } });
            const [broken] = await pulumiChecks("dev");
            assert.deepEqual([broken.status, broken.detail], ["fail", `pulumi version failed: v${PULUMI_SDK_VERSION}`]);
            tools.program("pulumi", { ...PULUMI_OK, version: { out: "v3.99.0\n" }, "stack ls": { out: "[]\n" } });
            const [older, , stack] = await pulumiChecks("dev");
            assert.deepEqual(older, {
                id: "pulumi-cli",
                title: "Pulumi CLI",
                status: "fail",
                detail: `pulumi v3.99.0 is older than the SDK this project uses (@pulumi/pulumi ${PULUMI_SDK_VERSION})`,
                fix: `upgrade to ${PULUMI_SDK_VERSION} or newer: curl -fsSL https://get.pulumi.com | sh (or brew upgrade pulumi)`,
            });
            assert.deepEqual(stack, {
                id: "pulumi-stack",
                title: "Pulumi stack",
                status: "fail",
                detail: "no stack dev in this backend",
                fix: "pulumi stack init dev (it reads its config from Pulumi.dev.yaml)",
            });
        });

        it("quotes the first line the CLI wrote, past any blank line before it", async () => {
            tools.program("pulumi", {
                ...PULUMI_OK,
                whoami: { err: "\nerror: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions\n", code: 255 },
            });
            assert.equal(
                (await pulumiChecks("dev"))[1].detail,
                "not logged in to a backend: error: PULUMI_ACCESS_TOKEN must be set for login during non-interactive CLI sessions",
            );
        });

        it("does not trust a stack list from a CLI that exited with an error, whatever it printed", async () => {
            tools.program("pulumi", { ...PULUMI_OK, "stack ls": { out: '[{"name":"dev"}]\n', err: "error: could not read the backend's state\n", code: 1 } });
            assert.deepEqual((await pulumiChecks("dev"))[2], {
                id: "pulumi-stack",
                title: "Pulumi stack",
                status: "warn",
                detail: "could not list the stacks: error: could not read the backend's state",
                fix: "run pulumi stack ls to see why",
            });
        });
    });

    describe("Docker", () => {
        const foreign = parseDockerfile("FROM node\nRUN apk add --no-cache curl\n");
        const onAmd64 = { "version --format": { out: '{"Version":"27.3.1","Os":"linux","Arch":"x86_64"}' } };

        it("without Docker, or with a daemon that does not answer, names each check and has the others wait for Docker", async () => {
            const waiting = [
                { id: "buildx", title: "Docker Buildx", ...waitingFor("Docker") },
                { id: "platform", title: "Build for linux/arm64", ...waitingFor("Docker") },
            ];
            assert.deepEqual(await dockerChecks("ARM64"), [
                {
                    id: "docker",
                    title: "Docker",
                    status: "fail",
                    detail: "docker is not on PATH",
                    fix: "install Docker: Docker Desktop, or Docker Engine (https://docs.docker.com/engine/install/)",
                },
                ...waiting,
            ]);
            tools.program("docker", { version: { err: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock.\n", code: 1 } });
            assert.deepEqual(await dockerChecks("ARM64"), [
                {
                    id: "docker",
                    title: "Docker",
                    status: "fail",
                    detail: "Docker does not answer: Cannot connect to the Docker daemon at unix:///var/run/docker.sock.",
                    fix: "start Docker, and check that this user may use it (docker info)",
                },
                ...waiting,
            ]);
        });

        it("names the platform check whether it builds without emulation, with it, or cannot", async () => {
            tools.program("docker", DOCKER_OK);
            const crossBuilt = parseDockerfile("FROM --platform=$BUILDPLATFORM node AS build\nRUN npm ci\nFROM node\nCOPY --from=build /a /a\n");
            assert.deepEqual((await dockerChecks("X86_64", crossBuilt))[2], {
                id: "platform",
                title: "Build for linux/amd64",
                status: "pass",
                detail: "without emulation: Docker runs on linux/arm64, and every RUN of the Dockerfile runs in a $BUILDPLATFORM stage",
            });
            assert.deepEqual((await dockerChecks("X86_64", foreign))[2], {
                id: "platform",
                title: "Build for linux/amd64",
                status: "pass",
                detail: "with emulation: Docker runs on linux/arm64, and the builder offers linux/amd64",
            });
            tools.program("docker", { ...DOCKER_OK, ...onAmd64, "buildx inspect": { out: "Name: default\nPlatforms: linux/amd64\n" } });
            const cannot = (await dockerChecks("ARM64", foreign))[2];
            assert.deepEqual([cannot.id, cannot.title, cannot.status], ["platform", "Build for linux/arm64", "fail"]);
        });

        it("reads the builder's platforms by their names alone, however they are spaced, marked or left empty", async () => {
            tools.program("docker", { ...DOCKER_OK, ...onAmd64, "buildx inspect": { out: "Name: default\nPlatforms:linux/amd64*,  , linux/386\n" } });
            const platform = (await dockerChecks("ARM64", foreign))[2];
            assert.match(platform.detail, /\(it offers linux\/amd64, linux\/386\);/);
        });

        it("says the builder offers nothing when Docker disappears before it is asked", async () => {
            const script = [
                "#!/bin/sh",
                'case "$*" in',
                `  "version --format"*) echo '{"Version":"27.3.1","Os":"linux","Arch":"x86_64"}';;`,
                '  "buildx version") rm -f "$0"; echo "github.com/docker/buildx v0.17.1 257815a";;',
                "esac",
                "",
            ].join("\n");
            fs.writeFileSync(path.join(tools.dir, "docker"), script, { mode: 0o755 });
            const platform = (await dockerChecks("ARM64", foreign))[2];
            assert.equal(platform.status, "fail");
            assert.match(platform.detail, /\(it offers nothing it names\)/);
        });
    });
});
