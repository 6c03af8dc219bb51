import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";

export interface BatchNetworkArgs {
    /** Subnets to run in. Set together with `securityGroupIds`. @default the default VPC's public subnets */
    subnetIds?: string[];
    /** Security groups to attach. @default a new group with no ingress and egress TCP 443 only */
    securityGroupIds?: string[];
}

/**
 * Where the batch task runs. Either the subnets and groups the stack names, or the default
 * VPC's public subnets with a group that lets the task reach AWS APIs over HTTPS and nothing else.
 */
export class BatchNetwork extends pulumi.ComponentResource {
    readonly subnetIds: pulumi.Output<string[]>;
    readonly securityGroupIds: pulumi.Output<string[]>;

    constructor(name: string, args: BatchNetworkArgs, opts?: pulumi.ComponentResourceOptions) {
        super("stock-trader:batch:BatchNetwork", name, {}, opts);

        if (args.subnetIds && args.securityGroupIds) {
            this.subnetIds = pulumi.output(args.subnetIds);
            this.securityGroupIds = pulumi.output(args.securityGroupIds);
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
            this.subnetIds = vpc.publicSubnetIds;
            this.securityGroupIds = pulumi.output([group.id]);
        }

        this.registerOutputs({ subnetIds: this.subnetIds, securityGroupIds: this.securityGroupIds });
    }
}
