import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import { componentSettings, type StackConfig } from "../model/config";
import { FARGATE_AVAILABILITY_ZONE_IDS } from "../model/platform-rules";

/**
 * Where to run: `subnetIds` and `securityGroupIds` together, or neither for the default VPC's
 * public subnets and a new group with no ingress and egress TCP 443 only. Plain values: they
 * decide which resources exist, and RunTask's limits apply to them.
 */
export interface BatchNetworkArgs {
    /** At most 16 subnets, in the zones where Fargate runs tasks. @default the default VPC's public subnets there */
    readonly subnetIds?: readonly string[];
    /** At most 5 security groups of the subnets' VPC. @default a new group: no inbound, outbound TCP 443 */
    readonly securityGroupIds?: readonly string[];
    /** Give the task a public IP, which a public subnet needs to reach ECR. @default true */
    readonly assignPublicIp?: boolean;
}

/** The network's arguments from a stack's validated config. */
export const batchNetworkArgs = (config: Pick<StackConfig, "subnetIds" | "securityGroupIds" | "assignPublicIp">): BatchNetworkArgs => ({
    subnetIds: config.subnetIds,
    securityGroupIds: config.securityGroupIds,
    assignPublicIp: config.assignPublicIp,
});

/**
 * The default VPC's subnets in which Fargate runs tasks: all of them, but in a region where
 * Fargate runs in some zones only, those in its zones; none left is an error that says why.
 */
async function fargateSubnets(region: string, vpcId: string, subnets: string[], opts: pulumi.InvokeOptions): Promise<string[]> {
    const zones = FARGATE_AVAILABILITY_ZONE_IDS[region];
    if (zones === undefined) {
        return subnets;
    }
    const inZones = await aws.ec2.getSubnets(
        {
            filters: [
                { name: "vpc-id", values: [vpcId] },
                { name: "subnet-id", values: subnets },
                { name: "availability-zone-id", values: [...zones] },
            ],
        },
        opts,
    );
    if (inZones.ids.length === 0) {
        throw new Error(
            `the default VPC in ${region} has no subnet in the availability zones where Fargate runs tasks (${zones.join(", ")}); ` +
                "set stock-trader:subnetIds and stock-trader:securityGroupIds to subnets in those zones",
        );
    }
    return [...inZones.ids].sort();
}

/**
 * Where the batch task runs. Either the subnets and groups the stack names, or the default
 * VPC's public subnets with a group that lets the task reach AWS APIs over HTTPS and nothing else.
 */
export class BatchNetwork extends pulumi.ComponentResource {
    readonly subnetIds: pulumi.Output<string[]>;
    readonly securityGroupIds: pulumi.Output<string[]>;
    /** Whether the task gets a public IP. */
    readonly assignPublicIp: boolean;

    constructor(name: string, args: BatchNetworkArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        const { subnetIds, securityGroupIds, assignPublicIp } = componentSettings("BatchNetwork", {
            subnetIds: ["subnetIds", args.subnetIds],
            securityGroupIds: ["securityGroupIds", args.securityGroupIds],
            assignPublicIp: ["assignPublicIp", args.assignPublicIp],
        });
        super("stock-trader:batch:BatchNetwork", name, {}, opts);

        this.assignPublicIp = assignPublicIp;
        if (subnetIds && securityGroupIds) {
            this.subnetIds = pulumi.output([...subnetIds]);
            this.securityGroupIds = pulumi.output([...securityGroupIds]);
        } else {
            const vpc = new awsx.ec2.DefaultVpc(`${name}-default-vpc`, {}, { parent: this });
            const group = new aws.ec2.SecurityGroup(
                `${name}-egress-https`,
                {
                    vpcId: vpc.vpcId,
                    description: "Batch task: no inbound; outbound HTTPS to AWS APIs (ECR, DynamoDB, CloudWatch Logs)",
                    ingress: [],
                    egress: [
                        {
                            description: "HTTPS to AWS APIs",
                            protocol: "tcp",
                            fromPort: 443,
                            toPort: 443,
                            cidrBlocks: ["0.0.0.0/0"],
                        },
                    ],
                },
                { parent: this },
            );
            this.subnetIds = pulumi
                .all([aws.getRegionOutput({}, { parent: this }).region, vpc.vpcId, vpc.publicSubnetIds])
                .apply(([region, vpcId, subnets]) => fargateSubnets(region, vpcId, subnets, { parent: this }));
            this.securityGroupIds = pulumi.output([group.id]);
        }

        this.registerOutputs({ subnetIds: this.subnetIds, securityGroupIds: this.securityGroupIds });
    }
}
