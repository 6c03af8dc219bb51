import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { contentTag } from "../model/image-context";
import { expectedTrust } from "./support/expected-iam";
import * as pulumi from "@pulumi/pulumi";
import { imageTransform, taskDefinitionTransform } from "../infra/batch";
import { ACCOUNT, DEFAULT_VPC, imageDigest, mockArn, named, ofType, PROJECT, runProgram, urnOf, type ProgramRun } from "./support/program";
import { PROJECT_ROOT as ROOT } from "../model/project";

const REPO_URL = `${ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/batch-repo`;

const ecsTasksTrust = expectedTrust("ecs-tasks.amazonaws.com", ACCOUNT);

describe("batch job under Pulumi mocks (defaults)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram();
        assert.equal(run.error, undefined, String(run.error));
    });

    it("creates a scanned ECR repository that keeps the image in service, those of kept workflow versions and the last 10, which pulumi destroy empties", () => {
        assert.deepEqual(named(run, "awsx:ecr:Repository", "batch-repo").inputs, {
            imageScanningConfiguration: { scanOnPush: true },
            imageTagMutability: "MUTABLE",
            forceDelete: true,
            // awsx gives the tagged rule priority 1 and the `any` rule the last: ECR never lets a
            // lower priority rule expire an image whose tags a higher one matches.
            lifecyclePolicy: {
                rules: [
                    { description: "Keep the image in service", tagStatus: "tagged", tagPrefixList: ["live"], maximumNumberOfImages: 1 },
                    // The pruner tags each kept version's image version-<number>; at most 1,000 versions exist.
                    {
                        description: "Keep the images of kept state machine versions",
                        tagStatus: "tagged",
                        tagPrefixList: ["version-"],
                        maximumNumberOfImages: 1000,
                    },
                    { description: "Keep the last 10 images", tagStatus: "any", maximumNumberOfImages: 10 },
                ],
            },
        });
    });

    it("builds the image through awsx's ecr.Image from batch-container/ for linux/arm64, into the repository, as `live`", () => {
        const image = named(run, "awsx:ecr:Image", "batch-image");
        const { inputs } = image;
        assert.deepEqual([inputs.repositoryUrl, inputs.platform, inputs.imageName], [REPO_URL, "linux/arm64", "live"]);
        assert.ok(fs.statSync(path.join(ROOT, inputs.context)).isDirectory(), `context ${inputs.context}`);
        assert.equal(path.resolve(ROOT, inputs.dockerfile), path.join(ROOT, "batch-container", "Dockerfile"));
        assert.ok(!path.isAbsolute(inputs.context) && !path.isAbsolute(inputs.dockerfile), "paths must not depend on the checkout");
        // The layers of the image in service: the new build's own tag exists only once it pushes it.
        assert.deepEqual(inputs.cacheFrom, [`${REPO_URL}:live`]);
        assert.equal(image.options.transforms, 1, "the transform that makes its child safe (tested below as a function)");
    });

    it("creates the cluster with Container Insights off", () => {
        assert.deepEqual(named(run, "aws:ecs/cluster:Cluster", "batch-cluster").inputs.settings, [{ name: "containerInsights", value: "disabled" }]);
    });

    it("leaves the account's ECS service-linked role alone", () => {
        assert.deepEqual(ofType(run, "aws:iam/serviceLinkedRole:ServiceLinkedRole"), []);
    });

    it("creates the task's log group with the configured retention", () => {
        assert.equal(named(run, "aws:cloudwatch/logGroup:LogGroup", "batch-logs").inputs.retentionInDays, 14);
    });

    it("defines a Fargate task through awsx in the stack's own family, with this component's roles and log group, ARM64 and 256/512, never deregistered", () => {
        const definition = named(run, "awsx:ecs:FargateTaskDefinition", "batch-task");
        const { inputs } = definition;
        assert.equal(inputs.family, "stock-trader-test-batch");
        assert.deepEqual([inputs.cpu, inputs.memory, inputs.skipDestroy], ["256", "512", true]);
        assert.deepEqual(inputs.runtimePlatform, { cpuArchitecture: "ARM64", operatingSystemFamily: "LINUX" });
        assert.deepEqual(inputs.executionRole, { roleArn: `arn:aws:iam::${ACCOUNT}:role/batch-execution-role` });
        assert.deepEqual(inputs.taskRole, { roleArn: `arn:aws:iam::${ACCOUNT}:role/batch-task-role` });
        assert.deepEqual(inputs.logGroup, { existing: { arn: mockArn("logs", "log-group:batch-logs") } }, "awsx creates no log group and no role");
        assert.equal(definition.options.transforms, 1);
    });

    it("defines the container: image by digest, name, size, table in its environment, logs to its group", () => {
        assert.deepEqual(named(run, "awsx:ecs:FargateTaskDefinition", "batch-task").inputs.container, {
            name: "batch",
            image: `${REPO_URL}@${imageDigest(`${REPO_URL}:${contentTag(ROOT + "/batch-container")}`)}`,
            cpu: 256,
            memory: 512,
            essential: true,
            environment: [{ name: "TRANSACTION_TABLE", value: "transactions-table" }],
            logConfiguration: {
                logDriver: "awslogs",
                options: { "awslogs-group": "batch-logs", "awslogs-region": "us-east-1", "awslogs-stream-prefix": "batch" },
            },
        });
    });

    for (const role of ["batch-execution-role", "batch-task-role"]) {
        it(`lets only ECS tasks of this account assume ${role}`, () => {
            assert.deepEqual(JSON.parse(named(run, "aws:iam/role:Role", role).inputs.assumeRolePolicy), ecsTasksTrust);
        });
    }

    it("lets the task role update items in the transaction table and nothing else", () => {
        const policy = named(run, "aws:iam/rolePolicy:RolePolicy", "batch-task-policy");
        assert.equal(policy.inputs.role, "batch-task-role-id");
        assert.deepEqual(JSON.parse(policy.inputs.policy), {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "MarkTransactionProcessed",
                    Effect: "Allow",
                    Action: "dynamodb:UpdateItem",
                    Resource: mockArn("dynamodb", "table/transactions-table"),
                },
            ],
        });
    });

    it("lets the execution role pull from this repository and write this log group; only the token is on *", () => {
        const policy = named(run, "aws:iam/rolePolicy:RolePolicy", "batch-execution-policy");
        assert.equal(policy.inputs.role, "batch-execution-role-id");
        assert.deepEqual(JSON.parse(policy.inputs.policy), {
            Version: "2012-10-17",
            Statement: [
                { Sid: "AuthenticateToRegistry", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
                {
                    Sid: "PullBatchImage",
                    Effect: "Allow",
                    Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                    Resource: mockArn("ecr", "repository/batch-repo"),
                },
                {
                    Sid: "WriteBatchLogs",
                    Effect: "Allow",
                    Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
                    Resource: `${mockArn("logs", "log-group:batch-logs")}:*`,
                },
            ],
        });
    });

    it("runs in the default VPC's public subnets behind a group with no ingress and egress TCP 443 only", () => {
        assert.equal(ofType(run, "awsx:ec2:DefaultVpc").length, 1);
        const groups = ofType(run, "aws:ec2/securityGroup:SecurityGroup");
        assert.equal(groups.length, 1);
        const { inputs } = groups[0];
        assert.equal(inputs.vpcId, DEFAULT_VPC.vpcId);
        assert.deepEqual(inputs.ingress, []);
        assert.deepEqual(inputs.egress, [{ description: "HTTPS to AWS APIs", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["0.0.0.0/0"] }]);
        assert.deepEqual(ofType(run, "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"), []);
    });

    it("exports the batch job's outputs", () => {
        assert.deepEqual(
            {
                clusterArn: run.outputs.clusterArn,
                taskDefinitionArn: run.outputs.taskDefinitionArn,
                containerName: run.outputs.containerName,
                taskExecutionRoleArn: run.outputs.taskExecutionRoleArn,
                taskRoleArn: run.outputs.taskRoleArn,
                repositoryUrl: run.outputs.repositoryUrl,
                imageUri: run.outputs.imageUri,
                subnetIds: run.outputs.subnetIds,
                securityGroupIds: run.outputs.securityGroupIds,
            },
            {
                clusterArn: mockArn("ecs", "cluster/batch-cluster"),
                taskDefinitionArn: mockArn("ecs", "task-definition/stock-trader-test-batch:1"),
                containerName: "batch",
                taskExecutionRoleArn: `arn:aws:iam::${ACCOUNT}:role/batch-execution-role`,
                taskRoleArn: `arn:aws:iam::${ACCOUNT}:role/batch-task-role`,
                repositoryUrl: REPO_URL,
                imageUri: `${REPO_URL}@${imageDigest(`${REPO_URL}:${contentTag(ROOT + "/batch-container")}`)}`,
                subnetIds: DEFAULT_VPC.publicSubnetIds,
                securityGroupIds: ["sg-batch-network-egress-https"],
            },
        );
    });
});

describe("batch job under Pulumi mocks (non-default config)", () => {
    const subnets = ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"];
    const groups = ["sg-0123456789abcdef0"];
    let run: ProgramRun;
    before(async () => {
        run = await runProgram({
            batchCpu: "1024",
            batchMemory: "4096",
            batchArchitecture: "X86_64",
            batchContainerName: "trade-batch",
            containerInsights: "true",
            batchImagesToKeep: "3",
            logRetentionDays: "30",
            subnetIds: subnets,
            securityGroupIds: groups,
            createEcsServiceLinkedRole: "true",
        });
        assert.equal(run.error, undefined, String(run.error));
    });

    it("with createEcsServiceLinkedRole, creates the ECS service-linked role", () => {
        assert.deepEqual(
            ofType(run, "aws:iam/serviceLinkedRole:ServiceLinkedRole").map((r) => [r.name, r.inputs]),
            [["batch-ecs-service-linked-role", { awsServiceName: "ecs.amazonaws.com" }]],
        );
    });

    it("builds for linux/amd64 and runs on X86_64 with the configured size and container name", () => {
        assert.equal(named(run, "awsx:ecr:Image", "batch-image").inputs.platform, "linux/amd64");
        const { inputs } = named(run, "awsx:ecs:FargateTaskDefinition", "batch-task");
        assert.deepEqual([inputs.cpu, inputs.memory], ["1024", "4096"]);
        assert.deepEqual(inputs.runtimePlatform, { cpuArchitecture: "X86_64", operatingSystemFamily: "LINUX" });
        const { container } = inputs;
        assert.equal(container.name, "trade-batch");
        assert.deepEqual([container.cpu, container.memory], [1024, 4096]);
        assert.equal(container.logConfiguration.options["awslogs-stream-prefix"], "trade-batch");
        assert.equal(run.outputs.containerName, "trade-batch");
    });

    it("turns on Container Insights, keeps 3 images and applies 30-day retention", () => {
        assert.deepEqual(named(run, "aws:ecs/cluster:Cluster", "batch-cluster").inputs.settings, [{ name: "containerInsights", value: "enabled" }]);
        assert.equal(named(run, "awsx:ecr:Repository", "batch-repo").inputs.lifecyclePolicy.rules[2].maximumNumberOfImages, 3);
        assert.equal(named(run, "aws:cloudwatch/logGroup:LogGroup", "batch-logs").inputs.retentionInDays, 30);
    });

    it("uses the configured subnets and groups, creating no VPC lookup and no group", () => {
        assert.deepEqual(ofType(run, "awsx:ec2:DefaultVpc"), []);
        assert.deepEqual(ofType(run, "aws:ec2/securityGroup:SecurityGroup"), []);
        assert.deepEqual(run.outputs.subnetIds, subnets);
        assert.deepEqual(run.outputs.securityGroupIds, groups);
    });
});

describe("the default VPC where Fargate runs in some availability zones only, under Pulumi mocks", () => {
    const taskSubnets = (run: ProgramRun) =>
        JSON.parse(named(run, "aws:sfn/stateMachine:StateMachine", "trading-workflow-state-machine").inputs.definition).States["Run ECS task"].Parameters
            .NetworkConfiguration.AwsvpcConfiguration.Subnets;

    it("runs the task only in the subnets of Fargate's zones", async () => {
        // In us-west-1 Fargate runs in usw1-az1 and usw1-az3; the mocked default VPC's second subnet is in usw1-az2.
        const run = await runProgram({ "aws:region": "us-west-1" });
        assert.equal(run.error, undefined, String(run.error));
        assert.deepEqual(run.outputs.subnetIds, [DEFAULT_VPC.publicSubnetIds[0]]);
        assert.deepEqual(taskSubnets(run), [DEFAULT_VPC.publicSubnetIds[0]]);
    });

    it("keeps every default subnet where all of them are in Fargate's zones, and in a region without restrictions", async () => {
        for (const region of ["ap-northeast-1", "eu-west-1"]) {
            const run = await runProgram({ "aws:region": region });
            assert.deepEqual(run.outputs.subnetIds, DEFAULT_VPC.publicSubnetIds, region);
        }
    });

    it("fails, saying which zones and what to set, where no default subnet is in Fargate's zones", async () => {
        const run = await runProgram({ "aws:region": "cn-north-1" });
        assert.match(
            String(run.error),
            /the default VPC in cn-north-1 has no subnet in the availability zones where Fargate runs tasks \(cnn1-az1, cnn1-az2\); set stock-trader:subnetIds/,
        );
    });
});

describe("the transforms awsx's children get, as functions (awsx registers them, which the mocks do not)", () => {
    const batchJob = new pulumi.DependencyResource("urn:pulumi:dev::stock-trader::stock-trader:batch:BatchJob::batch");
    const released = (require("./fixtures/released-urns.json") as Record<string, string[]>).dev;
    const aliasUrns = async (result: pulumi.ResourceTransformResult, type: string, name: string) =>
        Promise.all(
            ((result.opts.aliases ?? []) as (string | { name?: string; parent: pulumi.Resource })[]).map(async (alias) =>
                typeof alias === "string"
                    ? alias
                    : urnOf("dev", PROJECT, await new Promise<string>((resolve) => alias.parent.urn.apply(resolve)), type, alias.name ?? name),
            ),
        );

    it("the image's child: tagged with the content tag before live, built on preview, never deleted, at the URN released stacks hold", async () => {
        const registry = { address: "123456789012.dkr.ecr.us-east-1.amazonaws.com", username: "AWS", password: "token" };
        const given = { tags: [`${REPO_URL}:live`], cacheFrom: [{ registry: { ref: `${REPO_URL}:live` } }], registries: [registry], push: true };
        const result = (await imageTransform(
            batchJob,
            "batch-image",
            "src-0123456789abcdef",
        )({
            type: "docker-build:index:Image",
            name: "live",
            custom: true,
            props: given,
            opts: { version: "0.0.14", aliases: ["urn:pulumi:dev::stock-trader::other"] },
        }))!;
        assert.deepEqual(result.props, { ...given, tags: [`${REPO_URL}:src-0123456789abcdef`, `${REPO_URL}:live`], buildOnPreview: true });
        assert.equal(result.opts.retainOnDelete, true);
        assert.equal(result.opts.version, "0.0.14", "the child's other options are kept");
        const urns = await aliasUrns(result, "docker-build:index:Image", "live");
        assert.ok(urns.includes("urn:pulumi:dev::stock-trader::stock-trader:batch:BatchJob$docker-build:index:Image::batch-image"), urns.join("\n"));
        assert.ok(released.includes("urn:pulumi:dev::stock-trader::stock-trader:batch:BatchJob$docker-build:index:Image::batch-image"));
        assert.equal(
            await imageTransform(batchJob, "batch-image", "src-0")({ type: "aws:iam/role:Role", name: "x", custom: true, props: {}, opts: {} }),
            undefined,
        );
    });

    it("the task definition: on the program's AWS provider, at the URN released stacks hold; awsx's other AWS children on the same provider", async () => {
        const transform = taskDefinitionTransform(batchJob);
        const result = (await transform({
            type: "aws:ecs/taskDefinition:TaskDefinition",
            name: "batch-task",
            custom: true,
            props: { family: "stock-trader-dev-batch", skipDestroy: true },
            opts: { version: "7.43.0" },
        }))!;
        assert.deepEqual(result.props, { family: "stock-trader-dev-batch", skipDestroy: true });
        assert.equal(result.opts.version, require("@pulumi/aws/package.json").version);
        const urn = "urn:pulumi:dev::stock-trader::stock-trader:batch:BatchJob$aws:ecs/taskDefinition:TaskDefinition::batch-task";
        assert.deepEqual(await aliasUrns(result, "aws:ecs/taskDefinition:TaskDefinition", "batch-task"), [urn]);
        assert.ok(released.includes(urn));
        const role = (await transform({
            type: "aws:iam/role:Role",
            name: "batch-task-task",
            custom: true,
            props: {},
            opts: {},
        }))!;
        assert.deepEqual([role.opts.version, role.opts.aliases ?? []], [require("@pulumi/aws/package.json").version, []]);
        assert.equal(await transform({ type: "awsx:ecs:FargateTaskDefinition", name: "batch-task", custom: false, props: {}, opts: {} }), undefined);
    });
});
