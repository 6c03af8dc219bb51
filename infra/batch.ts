import * as path from "node:path";
import * as aws from "@pulumi/aws";
import awsPackage from "@pulumi/aws/package.json";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import { contentTag } from "../model/image-context";
import { componentSettings, DOCKER_PLATFORM, type BatchCapacity, type CpuArchitecture, type StackConfig } from "../model/config";
import { MAX_STATE_MACHINE_VERSIONS } from "../model/limits";
import { stackScopedName } from "../model/names";
import { batchExecutionPolicy, batchTaskPolicy, serviceTrustPolicy } from "../model/policies";
import { BATCH_CONTEXT, PROJECT_ROOT } from "../model/project";
import { BATCH_ENV } from "../model/transaction";
import { VERSION_IMAGE_TAG_PREFIX } from "../model/versions";
import { BatchNetwork, batchNetworkArgs, type BatchNetworkArgs } from "./network";
import type { TransactionTable } from "./table";

/** The tag of the image in service, moved by each deploy; the lifecycle policy never expires it. */
export const LIVE_IMAGE_TAG = "live";

/** The version of the AWS provider this program runs, which awsx's children are moved onto. */
const AWS_PROVIDER_VERSION: string = awsPackage.version;

/**
 * What awsx's ecr.Image registers, made safe for the stacks deployed before it: its docker-build
 * child also carries the build's content tag and builds on preview; it keeps the URN it had as
 * this component's own child (named `formerName`); and it is never deleted through Pulumi, as
 * docker-build's Delete removes the pushed manifest, which a running or redrivable execution's
 * task definition may still name by digest.
 */
export function imageTransform(batchJob: pulumi.Resource, formerName: string, tag: string): pulumi.ResourceTransform {
    return (args) => {
        if (args.type !== "docker-build:index:Image") {
            return undefined;
        }
        const tags = (args.props.tags as string[] | undefined) ?? [];
        const contentRef = tags[0]?.replace(/:[^:/]+$/, `:${tag}`);
        return {
            props: { ...args.props, tags: contentRef === undefined ? tags : [contentRef, ...tags], buildOnPreview: true },
            opts: pulumi.mergeOptions(args.opts, { retainOnDelete: true, aliases: [{ name: formerName, parent: batchJob }] }),
        };
    };
}

/**
 * What awsx's FargateTaskDefinition registers, made safe for the stacks deployed before it: its
 * task definition keeps the URN it had as this component's own child (the same name), and runs on
 * the program's AWS provider rather than the one awsx pins, so neither change replaces it.
 */
export function taskDefinitionTransform(batchJob: pulumi.Resource): pulumi.ResourceTransform {
    return (args) => {
        if (!args.type.startsWith("aws:")) {
            return undefined;
        }
        const moved = args.type === "aws:ecs/taskDefinition:TaskDefinition" ? { aliases: [{ name: args.name, parent: batchJob }] } : {};
        return { props: args.props, opts: pulumi.mergeOptions(args.opts, { version: AWS_PROVIDER_VERSION, ...moved }) };
    };
}

export interface BatchJobArgs {
    /** The transaction table the job marks items processed in; the task role may touch nothing else. */
    readonly table: TransactionTable;
    /**
     * The batch program's folder, its image's build context, holding its Dockerfile and
     * contract.json; named relative to the project, so previews match on every machine.
     * @default "./batch-container"
     */
    readonly context?: string;
    /** The container's name in the task definition, which the workflow's override names. @default "batch" */
    readonly containerName?: string;
    /** Fargate task CPU units: 256, 512, 1024, 2048, 4096, 8192 or 16384. @default 256 */
    readonly cpu?: number;
    /** Fargate task memory in MiB, one of the values Fargate allows with `cpu`. @default 512 */
    readonly memory?: number;
    /** The task's CPU architecture, and the platform the image is built for. @default "X86_64" on Fargate Spot, which runs nothing else; "ARM64" otherwise */
    readonly architecture?: CpuArchitecture;
    /** On-demand Fargate, or Fargate Spot, whose cluster then offers both capacity providers. @default "FARGATE" */
    readonly capacity?: BatchCapacity;
    /** How many images the ECR lifecycle policy keeps, at least 2 (the image in service and the one before). @default 10 */
    readonly imagesToKeep?: number;
    /** Days CloudWatch keeps the container's log group: one of the retention periods it accepts. @default 14 */
    readonly logRetentionDays?: number;
    /** CloudWatch Container Insights on the cluster. @default false */
    readonly containerInsights?: boolean;
    /** Create the account's ECS service-linked role, which is account-wide and kept on destroy. @default false */
    readonly createEcsServiceLinkedRole?: boolean;
    /** Where the task runs. @default the default VPC's public subnets, with a new egress-only group */
    readonly network?: BatchNetworkArgs;
}

/** The batch job's arguments, but its table, from a stack's validated config. */
export const batchJobArgs = (
    config: Pick<
        StackConfig,
        | "batchContainerName"
        | "batchCpu"
        | "batchMemory"
        | "batchArchitecture"
        | "batchImagesToKeep"
        | "batchCapacity"
        | "logRetentionDays"
        | "containerInsights"
        | "subnetIds"
        | "securityGroupIds"
        | "assignPublicIp"
        | "createEcsServiceLinkedRole"
    >,
): Omit<BatchJobArgs, "table"> => ({
    containerName: config.batchContainerName,
    cpu: config.batchCpu,
    memory: config.batchMemory,
    architecture: config.batchArchitecture,
    capacity: config.batchCapacity,
    imagesToKeep: config.batchImagesToKeep,
    logRetentionDays: config.logRetentionDays,
    containerInsights: config.containerInsights,
    createEcsServiceLinkedRole: config.createEcsServiceLinkedRole,
    network: batchNetworkArgs(config),
});

/**
 * The Fargate batch job the workflow runs last: its image (built from `batch-container/` and
 * pushed to a private ECR repository), the cluster, the task definition, its two roles, its log
 * group and its network.
 */
export class BatchJob extends pulumi.ComponentResource {
    readonly cluster: aws.ecs.Cluster;
    readonly taskDefinitionArn: pulumi.Output<string>;
    readonly containerName: string;
    /** Where the task runs: the RunTask network configuration. */
    readonly network: BatchNetwork;
    /** Where the batch container's log lines go. */
    readonly logGroup: aws.cloudwatch.LogGroup;
    readonly executionRole: aws.iam.Role;
    readonly taskRole: aws.iam.Role;
    readonly repositoryUrl: pulumi.Output<string>;
    /** The pushed image by digest, so a task always runs exactly the bytes that were built. */
    readonly imageUri: pulumi.Output<string>;

    constructor(name: string, args: BatchJobArgs, opts?: pulumi.ComponentResourceOptions) {
        const config = componentSettings("BatchJob", {
            containerName: ["batchContainerName", args.containerName],
            cpu: ["batchCpu", args.cpu],
            memory: ["batchMemory", args.memory],
            architecture: ["batchArchitecture", args.architecture],
            capacity: ["batchCapacity", args.capacity],
            imagesToKeep: ["batchImagesToKeep", args.imagesToKeep],
            logRetentionDays: ["logRetentionDays", args.logRetentionDays],
            containerInsights: ["containerInsights", args.containerInsights],
            createEcsServiceLinkedRole: ["createEcsServiceLinkedRole", args.createEcsServiceLinkedRole],
        });
        super("stock-trader:batch:BatchJob", name, {}, opts);
        const parent = { parent: this };
        const { table } = args;
        this.containerName = config.batchContainerName;

        const repository = new awsx.ecr.Repository(
            `${name}-repo`,
            {
                imageScanningConfiguration: { scanOnPush: true },
                // Tasks reference the image by digest, which no tag move can change; tags stay
                // mutable so a rebuild of unchanged sources can push its tag again.
                imageTagMutability: "MUTABLE",
                // The images are build outputs, rebuilt from batch-container/ by any `pulumi up`:
                // `pulumi destroy` deletes them with the repository instead of stopping at
                // RepositoryNotEmptyException (awsx defaults this to false).
                forceDelete: true,
                // Every build is tagged with its content tag, and the one in service also with
                // `live`, which moves with each deploy. The `live` rule comes first, and an image
                // that matches a higher priority rule's tags cannot be expired by a lower one (ECR
                // user guide, "Lifecycle policy evaluation rules"): the count never prunes the
                // image in service, even after a rollback re-pushes an old build whose push time
                // is older than the rest.
                lifecyclePolicy: {
                    rules: [
                        { description: "Keep the image in service", tagStatus: "tagged", tagPrefixList: [LIVE_IMAGE_TAG], maximumNumberOfImages: 1 },
                        // npm run prune-versions tags the image of each state machine version it
                        // keeps; a state machine has at most that many versions, so none expires.
                        {
                            description: "Keep the images of kept state machine versions",
                            tagStatus: "tagged",
                            tagPrefixList: [VERSION_IMAGE_TAG_PREFIX],
                            maximumNumberOfImages: MAX_STATE_MACHINE_VERSIONS,
                        },
                        {
                            description: `Keep the last ${config.batchImagesToKeep} images`,
                            tagStatus: "any",
                            maximumNumberOfImages: config.batchImagesToKeep,
                        },
                    ],
                },
            },
            parent,
        );
        // The image goes through awsx's ecr.Image, whose docker-build child builds and pushes it.
        // Its child is named after `imageName`, which is fixed (`live`, the tag of the image in
        // service), so a new build is an update of that one child: it pushes and deletes nothing.
        // The transform tags the build with its content tag too, builds it on preview, keeps the
        // child at the URN stacks deployed before hold, and never deletes a pushed image through
        // Pulumi (retainOnDelete): docker-build's Delete removes the manifest from ECR, while the
        // lifecycle policy above prunes old images and `pulumi destroy` removes them with the
        // repository.
        const context = args.context ?? `./${BATCH_CONTEXT}`;
        const liveRef = pulumi.interpolate`${repository.url}:${LIVE_IMAGE_TAG}`;
        const image = new awsx.ecr.Image(
            `${name}-image`,
            {
                repositoryUrl: repository.url,
                context,
                dockerfile: `${context}/Dockerfile`,
                platform: DOCKER_PLATFORM[config.batchArchitecture],
                imageName: LIVE_IMAGE_TAG,
                // The layers of the image in service; the pushed image carries its own cache (inline).
                cacheFrom: [liveRef],
            },
            { parent: this, transforms: [imageTransform(this, `${name}-image`, contentTag(path.resolve(PROJECT_ROOT, context)))] },
        );
        const imageUri = image.imageUri;

        // ECS creates its service-linked role the first time an account uses it through the
        // console or some APIs, but not always through CreateCluster and RunTask alone. The role is
        // account-wide, so `pulumi destroy` leaves it for whatever else uses ECS.
        const serviceLinkedRole = config.createEcsServiceLinkedRole
            ? [
                  new aws.iam.ServiceLinkedRole(
                      `${name}-ecs-service-linked-role`,
                      { awsServiceName: "ecs.amazonaws.com" },
                      { parent: this, retainOnDelete: true },
                  ),
              ]
            : [];
        this.cluster = new aws.ecs.Cluster(
            `${name}-cluster`,
            { settings: [{ name: "containerInsights", value: config.containerInsights ? "enabled" : "disabled" }] },
            { parent: this, dependsOn: serviceLinkedRole },
        );
        if (config.batchCapacity === "FARGATE_SPOT") {
            // RunTask's capacity provider strategy names FARGATE_SPOT, which the cluster must offer;
            // FARGATE stays available for tasks started by hand.
            new aws.ecs.ClusterCapacityProviders(
                `${name}-capacity-providers`,
                { clusterName: this.cluster.name, capacityProviders: ["FARGATE", "FARGATE_SPOT"] },
                parent,
            );
        }

        const logGroup = (this.logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: config.logRetentionDays }, parent));

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
                policy: table.table.arn.apply((tableArn) => JSON.stringify(batchTaskPolicy(tableArn))),
            },
            parent,
        );

        // awsx's FargateTaskDefinition, with one family for the life of the stack, and a change
        // registers a new revision without deregistering the old one (skipDestroy): an execution
        // started before a deploy, or redriven after it, runs the revision its definition names,
        // and both roles may run every revision of the family. The roles and the log group are
        // this component's, so awsx creates none; the transform keeps the task definition at the
        // URN stacks deployed before hold, on the program's own AWS provider.
        const taskDefinition = new awsx.ecs.FargateTaskDefinition(
            `${name}-task`,
            {
                family: stackScopedName(pulumi.getProject(), pulumi.getStack(), name),
                cpu: String(config.batchCpu),
                memory: String(config.batchMemory),
                runtimePlatform: { cpuArchitecture: config.batchArchitecture, operatingSystemFamily: "LINUX" },
                executionRole: { roleArn: this.executionRole.arn },
                taskRole: { roleArn: this.taskRole.arn },
                logGroup: { existing: { arn: logGroup.arn } },
                skipDestroy: true,
                container: {
                    name: config.batchContainerName,
                    image: imageUri,
                    cpu: config.batchCpu,
                    memory: config.batchMemory,
                    essential: true,
                    environment: [{ name: BATCH_ENV.tableName, value: table.table.name }],
                    logConfiguration: {
                        logDriver: "awslogs",
                        options: {
                            "awslogs-group": logGroup.name,
                            "awslogs-region": region,
                            "awslogs-stream-prefix": config.batchContainerName,
                        },
                    },
                },
            },
            { parent: this, dependsOn: [executionPolicy, taskPolicy], transforms: [taskDefinitionTransform(this)] },
        );

        this.network = new BatchNetwork(`${name}-network`, args.network ?? {}, parent);

        this.taskDefinitionArn = taskDefinition.taskDefinition.apply((definition) => definition.arn);
        this.repositoryUrl = repository.url;
        this.imageUri = imageUri;

        this.registerOutputs({
            clusterArn: this.cluster.arn,
            taskDefinitionArn: this.taskDefinitionArn,
            imageUri: this.imageUri,
            subnetIds: this.network.subnetIds,
            securityGroupIds: this.network.securityGroupIds,
        });
    }
}
