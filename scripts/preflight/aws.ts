/**
 * The preflight's checks of the AWS account, read-only: who the credentials are, the region, the
 * network the batch task runs in, the ECS service-linked role, and the Fargate vCPU quota.
 */
import {
    DescribeSecurityGroupsCommand,
    DescribeSubnetsCommand,
    DescribeVpcsCommand,
    EC2Client,
    paginateDescribeRouteTables,
    paginateDescribeSubnets,
    paginateDescribeVpcEndpoints,
    type IpPermission,
    type RouteTable,
    type Subnet,
    type VpcEndpoint,
} from "@aws-sdk/client-ec2";
import { GetRoleCommand, IAMClient } from "@aws-sdk/client-iam";
import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand, ServiceQuotasClient } from "@aws-sdk/client-service-quotas";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import type { BatchCapacity, StackConfig } from "../../model/config";
import { AwsFailure, classify, clientConfig, notTheApi } from "../cli/aws-calls";
import { fail, notChecked, pass, warn, type CheckResult } from "./check";
import { FARGATE_AVAILABILITY_ZONE_IDS } from "../../model/platform-rules";

/** Every AWS action the preflight calls, for the IAM policy docs/deploying.md gives it. */
export const PREFLIGHT_ACTIONS = [
    "sts:GetCallerIdentity",
    "ec2:DescribeVpcs",
    "ec2:DescribeSubnets",
    "ec2:DescribeRouteTables",
    "ec2:DescribeVpcEndpoints",
    "ec2:DescribeSecurityGroups",
    "iam:GetRole",
    "servicequotas:GetServiceQuota",
    "servicequotas:GetAWSDefaultServiceQuota",
] as const;

const errorName = (error: unknown) => (error as Error).name;

/**
 * An AWS call's failure during a check: the check could not run, which fails it (nothing says the
 * account is ready), with what happened and what to do, as every tool classifies it. An error
 * that is not an AWS call's goes on.
 */
export function couldNotCheck(id: string, title: string, action: string, error: unknown): CheckResult {
    const failure = error instanceof AwsFailure ? error : classify(action, "", error);
    if (failure === undefined) {
        throw error;
    }
    const fix =
        failure.kind === "refused" && /AccessDenied|UnauthorizedOperation|NotAuthorized/.test(failure.code)
            ? `allow ${action} to these credentials (docs/deploying.md, "First deploy on a new account", has the preflight's policy)`
            : (failure.fix ?? "run the preflight again");
    return fail(id, title, `could not check: ${failure.what}`, fix);
}

/** The client settings of a check's calls: the region and the tools' timeout. */
const inRegion = (region: string) => clientConfig(region);

/** The region the AWS SDK resolves from its own settings (AWS_REGION, the profile), if any. */
export async function sdkRegion(): Promise<string | undefined> {
    const client = new STSClient({});
    try {
        return await client.config.region();
    } catch {
        return undefined;
    } finally {
        client.destroy();
    }
}

export function regionCheck(stackRegion: string | undefined, resolved: string | undefined, stack: string): CheckResult {
    const title = "Region";
    if (stackRegion === undefined) {
        return fail("region", title, `the ${stack} stack sets no aws:region`, `pulumi config set aws:region ${resolved ?? "us-east-1"} --stack ${stack}`);
    }
    if (resolved === undefined) {
        return warn(
            "region",
            title,
            `the AWS SDK resolves no region; the preflight checks the stack's ${stackRegion}`,
            `export AWS_REGION=${stackRegion}, so that the AWS CLI uses the stack's region too`,
        );
    }
    if (resolved !== stackRegion) {
        return fail(
            "region",
            title,
            `the AWS SDK resolves ${resolved}, but the ${stack} stack deploys to ${stackRegion}`,
            `export AWS_REGION=${stackRegion} (or use a profile in that region), or set aws:region if ${resolved} is meant`,
        );
    }
    return pass("region", title, `${stackRegion}, as the stack's aws:region says`);
}

/** Who the credentials are; unusable when they cannot be used at all, or what answered was not STS. */
export async function identityCheck(region: string, allowedAccounts: readonly string[] | undefined): Promise<{ result: CheckResult; usable: boolean }> {
    const title = "AWS credentials";
    const sts = new STSClient(inRegion(region));
    try {
        const identity = await sts.send(new GetCallerIdentityCommand({}));
        if (identity.Account === undefined || identity.Arn === undefined) {
            const missing = identity.Account === undefined ? "Account" : "Arn";
            return { result: couldNotCheck("credentials", title, "sts:GetCallerIdentity", notTheApi("sts:GetCallerIdentity", "", missing)), usable: false };
        }
        if (allowedAccounts && !allowedAccounts.includes(identity.Account)) {
            return {
                result: fail(
                    "credentials",
                    title,
                    `account ${identity.Account} is not one of the stack's aws:allowedAccountIds (${allowedAccounts.join(", ")})`,
                    "sign in to the stack's account (AWS_PROFILE), or fix aws:allowedAccountIds",
                ),
                usable: false,
            };
        }
        return { result: pass("credentials", title, `account ${identity.Account} as ${identity.Arn}`), usable: true };
    } catch (error) {
        const failure = classify("sts:GetCallerIdentity", "", error);
        // Credentials that are missing, expired or refused are what this check finds, not why it
        // could not run. Other checks are worth running after a refusal or a throttle, but not
        // where AWS is not reached or something else answers.
        return {
            result:
                failure?.kind === "credentials"
                    ? fail("credentials", title, failure.what, failure.fix!)
                    : couldNotCheck("credentials", title, "sts:GetCallerIdentity", error),
            usable: failure?.kind === "refused" || failure?.kind === "throttled",
        };
    } finally {
        sts.destroy();
    }
}

const SERVICE_LINKED_ROLE = "AWSServiceRoleForECS";

export async function serviceLinkedRoleCheck(region: string, createRole: boolean): Promise<CheckResult> {
    const title = "ECS service-linked role";
    const iam = new IAMClient(inRegion(region));
    try {
        await iam.send(new GetRoleCommand({ RoleName: SERVICE_LINKED_ROLE }));
        return createRole
            ? fail(
                  "ecs-service-linked-role",
                  title,
                  `${SERVICE_LINKED_ROLE} exists, and createEcsServiceLinkedRole would create it again, which fails`,
                  "pulumi config set stock-trader:createEcsServiceLinkedRole false",
              )
            : pass("ecs-service-linked-role", title, `${SERVICE_LINKED_ROLE} exists`);
    } catch (error) {
        if (!errorName(error).startsWith("NoSuchEntity")) {
            return couldNotCheck("ecs-service-linked-role", title, "iam:GetRole", error);
        }
        return createRole
            ? pass("ecs-service-linked-role", title, `${SERVICE_LINKED_ROLE} does not exist yet; the stack creates it (createEcsServiceLinkedRole)`)
            : fail(
                  "ecs-service-linked-role",
                  title,
                  `${SERVICE_LINKED_ROLE} does not exist, so ECS cannot run the task ("Unable to assume the service linked role")`,
                  "pulumi config set stock-trader:createEcsServiceLinkedRole true, or once for the account: aws iam create-service-linked-role --aws-service-name ecs.amazonaws.com",
              );
    } finally {
        iam.destroy();
    }
}

/** Fargate's vCPU quotas (Service Quotas, service code fargate). */
export const FARGATE_VCPU_QUOTA: Readonly<Record<BatchCapacity, { code: string; name: string }>> = {
    FARGATE: { code: "L-3032A538", name: "Fargate On-Demand vCPU resource count" },
    FARGATE_SPOT: { code: "L-36FBB829", name: "Fargate Spot vCPU resource count" },
};

export async function quotaCheck(region: string, capacity: BatchCapacity, cpuUnits: number): Promise<CheckResult> {
    const quota = FARGATE_VCPU_QUOTA[capacity];
    const title = "Fargate vCPU quota";
    const needed = cpuUnits / 1024;
    const client = new ServiceQuotasClient(inRegion(region));
    const request = { ServiceCode: "fargate", QuotaCode: quota.code };
    try {
        let value: number | undefined;
        try {
            value = (await client.send(new GetServiceQuotaCommand(request))).Quota?.Value;
        } catch (error) {
            if (errorName(error) !== "NoSuchResourceException") {
                throw error;
            }
            value = (await client.send(new GetAWSDefaultServiceQuotaCommand(request))).Quota?.Value;
        }
        if (value === undefined) {
            return fail("quota", title, `Service Quotas returned no value for ${quota.name} (${quota.code})`, "look it up in the Service Quotas console");
        }
        return value >= needed
            ? pass("quota", title, `${quota.name}: ${value}, the task needs ${needed}`)
            : fail(
                  "quota",
                  title,
                  `${quota.name} is ${value}, and the task needs ${needed} vCPU (batchCpu ${cpuUnits})`,
                  `aws service-quotas request-service-quota-increase --service-code fargate --quota-code ${quota.code} --desired-value ${Math.ceil(needed)} --region ${region}, or lower batchCpu`,
              );
    } catch (error) {
        return couldNotCheck("quota", title, "servicequotas:GetServiceQuota", error);
    } finally {
        client.destroy();
    }
}

/** The VPC endpoints a task needs in a subnet without a way to the internet, by service suffix. */
export const REQUIRED_ENDPOINTS: readonly (readonly [string, string])[] = [
    ["ecr.api", "ECR API"],
    ["ecr.dkr", "ECR Docker registry"],
    ["s3", "S3 gateway (the image's layers)"],
    ["logs", "CloudWatch Logs"],
    ["dynamodb", "DynamoDB"],
];

/** How a subnet's traffic leaves the VPC: the target of its route table's active 0.0.0.0/0 route. */
export function defaultRoute(subnetId: string, tables: readonly RouteTable[]): string | undefined {
    const table = tables.find((t) => t.Associations?.some((a) => a.SubnetId === subnetId)) ?? tables.find((t) => t.Associations?.some((a) => a.Main));
    const route = table?.Routes?.find((r) => r.DestinationCidrBlock === "0.0.0.0/0" && r.State !== "blackhole");
    return (
        route &&
        (route.GatewayId ?? route.NatGatewayId ?? route.TransitGatewayId ?? route.NetworkInterfaceId ?? route.InstanceId ?? route.VpcPeeringConnectionId)
    );
}

/** The endpoint services of REQUIRED_ENDPOINTS the VPC lacks (available ones count). */
export function missingEndpoints(endpoints: readonly VpcEndpoint[], region: string): string[] {
    const present = endpoints.filter((e) => e.State?.toLowerCase() === "available").map((e) => e.ServiceName ?? "");
    return REQUIRED_ENDPOINTS.filter(([suffix]) => !present.some((name) => name.endsWith(`.${region}.${suffix}`))).map(([suffix]) => suffix);
}

/** One subnet's way to ECR, CloudWatch Logs and DynamoDB, or the problem. */
export function subnetWay(subnetId: string, tables: readonly RouteTable[], missing: readonly string[], assignPublicIp: boolean): { ok: boolean; how: string } {
    const target = defaultRoute(subnetId, tables);
    if (target?.startsWith("igw-") && assignPublicIp) {
        return { ok: true, how: `${subnetId}: internet gateway ${target}, with a public IP` };
    }
    if (target?.startsWith("nat-")) {
        return { ok: true, how: `${subnetId}: NAT gateway ${target}` };
    }
    if (missing.length === 0) {
        return { ok: true, how: `${subnetId}: the VPC's endpoints` };
    }
    const route =
        target === undefined
            ? "has no route out of the VPC"
            : target.startsWith("igw-")
              ? `routes to internet gateway ${target}, but assignPublicIp is false`
              : `routes 0.0.0.0/0 to ${target}, which the preflight cannot follow`;
    return { ok: false, how: `${subnetId} ${route}, and the VPC lacks the endpoints ${missing.join(", ")}` };
}

/** Whether a security group rule lets a task open HTTPS connections out (to anywhere, a prefix list or a group). */
export function allowsHttpsOut(rule: IpPermission): boolean {
    const port = rule.IpProtocol === "-1" || (rule.IpProtocol === "tcp" && (rule.FromPort ?? 0) <= 443 && 443 <= (rule.ToPort ?? 65535));
    const anywhere =
        (rule.IpRanges ?? []).some((r) => r.CidrIp === "0.0.0.0/0") || (rule.PrefixListIds ?? []).length > 0 || (rule.UserIdGroupPairs ?? []).length > 0;
    return port && anywhere;
}

async function all<T>(pages: AsyncIterable<T>): Promise<T[]> {
    const items: T[] = [];
    for await (const page of pages) {
        items.push(page);
    }
    return items;
}

const inVpc = (vpcId: string) => [{ Name: "vpc-id", Values: [vpcId] }];

/** Every route table of the VPC, page by page. */
async function routeTables(ec2: EC2Client, vpcId: string): Promise<RouteTable[]> {
    return (await all(paginateDescribeRouteTables({ client: ec2 }, { Filters: inVpc(vpcId) }))).flatMap((p) => p.RouteTables ?? []);
}

/** The endpoint services the VPC lacks, of those a task without a way to the internet needs. */
async function vpcMissingEndpoints(ec2: EC2Client, vpcId: string, region: string): Promise<string[]> {
    const endpoints = (await all(paginateDescribeVpcEndpoints({ client: ec2 }, { Filters: inVpc(vpcId) }))).flatMap((p) => p.VpcEndpoints ?? []);
    return missingEndpoints(endpoints, region);
}

/** Where the batch task runs: the default VPC's public subnets, or the stack's subnets and security groups. */
export async function networkChecks(region: string, config: Pick<StackConfig, "subnetIds" | "securityGroupIds" | "assignPublicIp">): Promise<CheckResult[]> {
    const ec2 = new EC2Client(inRegion(region));
    try {
        if (config.subnetIds === undefined || config.securityGroupIds === undefined) {
            return [await defaultVpcCheck(ec2, region)];
        }
        return await ownNetworkChecks(ec2, region, config.subnetIds, config.securityGroupIds, config.assignPublicIp);
    } finally {
        ec2.destroy();
    }
}

async function defaultVpcCheck(ec2: EC2Client, region: string): Promise<CheckResult> {
    const title = "Network";
    try {
        const vpc = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "isDefault", Values: ["true"] }] }))).Vpcs?.[0];
        if (!vpc?.VpcId) {
            return fail(
                "network",
                title,
                `${region} has no default VPC, where the stack runs the task without subnetIds`,
                `aws ec2 create-default-vpc --region ${region}, or set subnetIds and securityGroupIds`,
            );
        }
        const subnets = (await all(paginateDescribeSubnets({ client: ec2 }, { Filters: inVpc(vpc.VpcId) }))).flatMap((p) => p.Subnets ?? []);
        const tables = await routeTables(ec2, vpc.VpcId);
        const publicSubnets = subnets.filter((s) => defaultRoute(s.SubnetId ?? "", tables)?.startsWith("igw-"));
        return publicSubnets.length > 0
            ? pass("network", title, `default VPC ${vpc.VpcId}: ${publicSubnets.length} of its ${subnets.length} subnets route to an internet gateway`)
            : fail(
                  "network",
                  title,
                  `default VPC ${vpc.VpcId} has no subnet with a route to an internet gateway, so a task could not pull its image (CannotPullContainerError)`,
                  "restore the default VPC's internet gateway route, or set subnetIds and securityGroupIds",
              );
    } catch (error) {
        return couldNotCheck("network", title, "ec2:DescribeVpcs/DescribeSubnets/DescribeRouteTables", error);
    }
}

async function ownNetworkChecks(
    ec2: EC2Client,
    region: string,
    subnetIds: readonly string[],
    groupIds: readonly string[],
    assignPublicIp: boolean,
): Promise<CheckResult[]> {
    const title = "Subnets";
    let subnets: Subnet[];
    try {
        subnets = (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [...subnetIds] }))).Subnets ?? [];
    } catch (error) {
        if (errorName(error) === "InvalidSubnetID.NotFound") {
            return [
                fail("subnets", title, `${(error as Error).message}`, `check subnetIds against aws ec2 describe-subnets --region ${region}`),
                notChecked("security-groups", "Security groups", "Subnets"),
            ];
        }
        return [couldNotCheck("subnets", title, "ec2:DescribeSubnets", error), notChecked("security-groups", "Security groups", "Subnets")];
    }
    // AWS answers each subnet it is asked for, or refuses with InvalidSubnetID.NotFound.
    const unanswered = subnetIds.filter((id) => !subnets.some((s) => s.SubnetId === id));
    if (unanswered.length > 0) {
        const missing = notTheApi("ec2:DescribeSubnets", unanswered.join(", "), "Subnets");
        return [couldNotCheck("subnets", title, "ec2:DescribeSubnets", missing), notChecked("security-groups", "Security groups", "Subnets")];
    }
    const vpcs = [...new Set(subnets.map((s) => s.VpcId))];
    if (vpcs.length !== 1) {
        const where = subnets.map((s) => `${s.SubnetId} in ${s.VpcId}`).join(", ");
        return [
            fail(
                "subnets",
                title,
                `the subnets are in ${vpcs.length} VPCs (${where}); a task's subnets must share one`,
                "list subnets of one VPC in subnetIds",
            ),
            notChecked("security-groups", "Security groups", "Subnets"),
        ];
    }
    const zones = FARGATE_AVAILABILITY_ZONE_IDS[region];
    const outside = zones === undefined ? [] : subnets.filter((s) => !zones.includes(s.AvailabilityZoneId ?? ""));
    if (zones !== undefined && outside.length > 0) {
        return [
            fail(
                "subnets",
                title,
                `${outside.map((s) => `${s.SubnetId} is in ${s.AvailabilityZoneId}`).join(", ")}; in ${region} Fargate runs tasks in ${zones.join(", ")} only`,
                `list subnets of those availability zones in subnetIds (aws ec2 describe-subnets --region ${region} --filters Name=availability-zone-id,Values=${zones.join(",")})`,
            ),
            notChecked("security-groups", "Security groups", "Subnets"),
        ];
    }
    const vpcId = vpcs[0]!;
    let subnetResult: CheckResult;
    try {
        const [tables, missing] = await Promise.all([routeTables(ec2, vpcId), vpcMissingEndpoints(ec2, vpcId, region)]);
        const ways = subnetIds.map((id) => subnetWay(id, tables, missing, assignPublicIp));
        const blocked = ways.filter((w) => !w.ok);
        subnetResult =
            blocked.length === 0
                ? pass("subnets", title, `${vpcId}, each with a way to ECR, CloudWatch Logs and DynamoDB: ${ways.map((w) => w.how).join("; ")}`)
                : fail(
                      "subnets",
                      title,
                      `${blocked.map((w) => w.how).join("; ")}: a task there stops with CannotPullContainerError or ResourceInitializationError`,
                      `give each subnet a NAT gateway route, or use public subnets with assignPublicIp true, or add the VPC endpoints ${REQUIRED_ENDPOINTS.map(([s]) => `com.amazonaws.${region}.${s}`).join(", ")}`,
                  );
    } catch (error) {
        subnetResult = couldNotCheck("subnets", title, "ec2:DescribeRouteTables/DescribeVpcEndpoints", error);
    }
    return [subnetResult, await securityGroupCheck(ec2, region, vpcId, groupIds)];
}

async function securityGroupCheck(ec2: EC2Client, region: string, vpcId: string, groupIds: readonly string[]): Promise<CheckResult> {
    const title = "Security groups";
    try {
        const groups = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [...groupIds] }))).SecurityGroups ?? [];
        const elsewhere = groups.filter((g) => g.VpcId !== vpcId);
        if (elsewhere.length > 0) {
            return fail(
                "security-groups",
                title,
                `${elsewhere.map((g) => `${g.GroupId} is in ${g.VpcId}`).join(", ")}, not the subnets' ${vpcId}`,
                "list groups of the subnets' VPC in securityGroupIds",
            );
        }
        if (!groups.some((g) => (g.IpPermissionsEgress ?? []).some(allowsHttpsOut))) {
            return fail(
                "security-groups",
                title,
                `none of ${groupIds.join(", ")} allows outbound TCP 443, which the task needs to reach ECR, CloudWatch Logs and DynamoDB`,
                `aws ec2 authorize-security-group-egress --region ${region} --group-id ${groupIds[0]} --protocol tcp --port 443 --cidr 0.0.0.0/0`,
            );
        }
        return pass("security-groups", title, `${groupIds.join(", ")} in ${vpcId}, outbound TCP 443 allowed`);
    } catch (error) {
        if (errorName(error) === "InvalidGroup.NotFound") {
            return fail(
                "security-groups",
                title,
                (error as Error).message,
                `check securityGroupIds against aws ec2 describe-security-groups --region ${region}`,
            );
        }
        return couldNotCheck("security-groups", title, "ec2:DescribeSecurityGroups", error);
    }
}
