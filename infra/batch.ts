import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT_ROOT } from "./bundle";
import type { CpuArchitecture } from "./config";
import { contentTag } from "./image-tag";
import { BatchNetwork } from "./network";
import { batchExecutionPolicy, batchTaskPolicy, serviceTrustPolicy } from "./policies";
import * as path from "node:path";

/** The image's build context and Dockerfile, relative to the project so previews match on every machine. */
export const BATCH_CONTEXT = "./batch-container";
export const BATCH_DOCKERFILE = "./batch-container/Dockerfile";

const DOCKER_PLATFORM: Record<CpuArchitecture, string> = { ARM64: "linux/arm64", X86_64: "linux/amd64" };

export interface BatchJobArgs {
    /** The transaction table the job updates; passed to the container as TRANSACTION_TABLE. */
    tableName: pulumi.Input<string>;
    /** Its ARN, the only resource the task role may touch. */
    tableArn: pulumi.Input<string>;
    /** The container's name in the task definition. @default "batch" */
    containerName: string;
    /** Fargate CPU units. @default 256 */
    cpu: number;
    /** Fargate memory (MiB), valid for `cpu`. @default 512 */
    memory: number;
    /** CPU architecture of the task, and the platform the image is built for. @default "ARM64" */
    architecture: CpuArchitecture;
    /** Days CloudWatch keeps the task's logs. @default 14 */
    logRetentionDays: number;
    /** CloudWatch Container Insights on the cluster. @default false */
    containerInsights: boolean;
    /** Images the ECR lifecycle policy keeps. @default 10 */
    imagesToKeep: number;
    /** Subnets for the task. @default the default VPC's public subnets */
    subnetIds?: string[];
    /** Security groups for the task. @default a new group with no ingress and egress TCP 443 only */
    securityGroupIds?: string[];
}

/**
 * The Fargate batch job the workflow runs last: its image (built from `batch-container/` and
 * pushed to a private ECR repository), the cluster, the task definition, its two roles, its log
 * group and its network.
 */
export class BatchJob extends pulumi.ComponentResource {
    readonly cluster: aws.ecs.Cluster;
    readonly taskDefinitionArn: pulumi.Output<string>;
    readonly containerName: string;
    readonly executionRole: aws.iam.Role;
    readonly taskRole: aws.iam.Role;
    readonly repositoryUrl: pulumi.Output<string>;
    /** The pushed image by digest, so a task always runs exactly the bytes that were built. */
    readonly imageUri: pulumi.Output<string>;
    readonly subnetIds: pulumi.Output<string[]>;
    readonly securityGroupIds: pulumi.Output<string[]>;

    constructor(name: string, args: BatchJobArgs, opts?: pulumi.ComponentResourceOptions) {
        super("stock-trader:batch:BatchJob", name, {}, opts);
        const parent = { parent: this };
        this.containerName = args.containerName;

        const repository = new awsx.ecr.Repository(
            `${name}-repo`,
            {
                imageScanningConfiguration: { scanOnPush: true },
                // Tasks reference the image by digest, which no tag move can change; tags stay
                // mutable so a rebuild of unchanged sources can push its tag again.
                imageTagMutability: "MUTABLE",
                lifecyclePolicy: {
                    rules: [
                        {
                            description: `Keep the last ${args.imagesToKeep} images`,
                            tagStatus: "any",
                            maximumNumberOfImages: args.imagesToKeep,
                        },
                    ],
                },
            },
            parent,
        );
        const image = new awsx.ecr.Image(
            `${name}-image`,
            {
                repositoryUrl: repository.url,
                context: BATCH_CONTEXT,
                dockerfile: BATCH_DOCKERFILE,
                platform: DOCKER_PLATFORM[args.architecture],
                imageTag: contentTag(path.join(PROJECT_ROOT, BATCH_CONTEXT)),
            },
            parent,
        );

        this.cluster = new aws.ecs.Cluster(
            `${name}-cluster`,
            { settings: [{ name: "containerInsights", value: args.containerInsights ? "enabled" : "disabled" }] },
            parent,
        );

        const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: args.logRetentionDays }, parent);

        const account = aws.getCallerIdentityOutput({}, parent).accountId;
        const region = aws.getRegionOutput({}, parent).region;
        const ecsTasksTrust = account.apply((id) => JSON.stringify(serviceTrustPolicy("ecs-tasks.amazonaws.com", id)));

        this.executionRole = new aws.iam.Role(`${name}-execution-role`, { assumeRolePolicy: ecsTasksTrust }, parent);
        const executionPolicy = new aws.iam.RolePolicy(
            `${name}-execution-policy`,
            {
                role: this.executionRole.id,
                policy: pulumi
                    .all([repository.repository.arn, logGroup.arn])
                    .apply(([repositoryArn, logGroupArn]) => JSON.stringify(batchExecutionPolicy(repositoryArn, logGroupArn))),
            },
            parent,
        );

        this.taskRole = new aws.iam.Role(`${name}-task-role`, { assumeRolePolicy: ecsTasksTrust }, parent);
        const taskPolicy = new aws.iam.RolePolicy(
            `${name}-task-policy`,
            {
                role: this.taskRole.id,
                policy: pulumi.output(args.tableArn).apply((tableArn) => JSON.stringify(batchTaskPolicy(tableArn))),
            },
            parent,
        );

        const taskDefinition = new awsx.ecs.FargateTaskDefinition(
            `${name}-task`,
            {
                cpu: String(args.cpu),
                memory: String(args.memory),
                runtimePlatform: { cpuArchitecture: args.architecture, operatingSystemFamily: "LINUX" },
                executionRole: { roleArn: this.executionRole.arn },
                taskRole: { roleArn: this.taskRole.arn },
                // The log group is created above, with retention; awsx must not add its own.
                logGroup: { skip: true },
                container: {
                    name: args.containerName,
                    image: image.imageUri,
                    cpu: args.cpu,
                    memory: args.memory,
                    essential: true,
                    environment: [{ name: "TRANSACTION_TABLE", value: args.tableName }],
                    logConfiguration: {
                        logDriver: "awslogs",
                        options: {
                            "awslogs-group": logGroup.name,
                            "awslogs-region": region,
                            "awslogs-stream-prefix": args.containerName,
                        },
                    },
                },
            },
            { parent: this, dependsOn: [executionPolicy, taskPolicy] },
        );

        const network = new BatchNetwork(`${name}-network`, { subnetIds: args.subnetIds, securityGroupIds: args.securityGroupIds }, parent);

        this.taskDefinitionArn = taskDefinition.taskDefinition.arn;
        this.repositoryUrl = repository.url;
        this.imageUri = image.imageUri;
        this.subnetIds = network.subnetIds;
        this.securityGroupIds = network.securityGroupIds;

        this.registerOutputs({
            clusterArn: this.cluster.arn,
            taskDefinitionArn: this.taskDefinitionArn,
            imageUri: this.imageUri,
            subnetIds: this.subnetIds,
            securityGroupIds: this.securityGroupIds,
        });
    }
}
