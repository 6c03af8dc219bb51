/**
 * The project's own guarantees, checked on every pull request's `pulumi preview` (CrossGuard).
 * A module of its own, so tests call each policy without the Pulumi CLI; `index.ts` hands the
 * array to `new PolicyPack(...)`. Mandatory policies fail the preview; advisory ones annotate it.
 *
 * Resources are matched by type token, and props may be unknown during a preview (a value that
 * depends on a resource not yet created): a policy checks only what is known.
 */
import type { EnforcementLevel, PolicyResource, ReportViolation, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

/** Actions AWS gives no resource type, so `"Resource": "*"` is the only form they take; each named for why this program uses it. */
export const ACTIONS_WITHOUT_RESOURCE_TYPES: ReadonlySet<string> = new Set([
    // Step Functions' execution logs to CloudWatch Logs (vended log delivery).
    "logs:CreateLogDelivery",
    "logs:DeleteLogDelivery",
    "logs:DescribeLogGroups",
    "logs:DescribeResourcePolicies",
    "logs:GetLogDelivery",
    "logs:ListLogDeliveries",
    "logs:PutResourcePolicy",
    "logs:UpdateLogDelivery",
    // Step Functions' X-Ray tracing.
    "xray:GetSamplingRules",
    "xray:GetSamplingTargets",
    "xray:PutTelemetryRecords",
    "xray:PutTraceSegments",
    // The batch task's execution role signing in to ECR.
    "ecr:GetAuthorizationToken",
    // The operator reading the dashboard's graphs (Service Authorization Reference: GetMetricData has no resource type).
    "cloudwatch:GetMetricData",
]);

/** The Node.js runtimes Lambda supports for new and updated functions (nodejs20.x was deprecated on 2026-04-30). */
export const SUPPORTED_NODEJS_RUNTIMES: ReadonlySet<string> = new Set(["nodejs22.x", "nodejs24.x"]);

/** The metrics a production state machine must alarm on (the operations layer's). */
export const PRODUCTION_STATE_MACHINE_ALARMS = ["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted", "ExecutionThrottled"];

interface Statement {
    Effect?: string;
    Action?: string | string[];
    NotAction?: string | string[];
    Resource?: string | string[];
    Principal?: string | { Service?: string | string[]; [key: string]: unknown };
    Condition?: Record<string, Record<string, unknown>>;
}

const list = <T>(value: T | T[] | undefined): T[] => (value === undefined ? [] : Array.isArray(value) ? value : [value]);

/** A policy document from a prop: a JSON string or an object; undefined while it is unknown. */
function statements(document: unknown): Statement[] | undefined {
    let parsed = document;
    if (typeof document === "string") {
        try {
            parsed = JSON.parse(document);
        } catch {
            return undefined;
        }
    }
    const value = (parsed as { Statement?: Statement | Statement[] } | undefined)?.Statement;
    return value === undefined ? undefined : list(value);
}

/** The stack a resource belongs to, from its URN: urn:pulumi:<stack>::<project>::<type>::<name>. */
export function stackOf(urn: string): string {
    return urn.split("::")[0].replace(/^urn:pulumi:/, "");
}

/** The policy documents a resource carries: a role's inline policies, a role policy's or a managed policy's document. */
function permissionDocuments(type: string, props: Record<string, any>): unknown[] {
    switch (type) {
        case "aws:iam/rolePolicy:RolePolicy":
        case "aws:iam/policy:Policy":
        case "aws:iam/userPolicy:UserPolicy":
        case "aws:iam/groupPolicy:GroupPolicy":
            return [props.policy];
        case "aws:iam/role:Role":
            return list(props.inlinePolicies).map((p: { policy?: unknown }) => p?.policy);
        default:
            return [];
    }
}

/**
 * AWS-managed policies that grant whole services or the whole account (their statements hold
 * wildcard actions the pack cannot see from the ARN): administrator and power-user access, every
 * `...FullAccess`, read-only access to everything, and the job-function policies.
 */
export const BROAD_MANAGED_POLICY =
    /^arn:aws[a-z-]*:iam::aws:policy\/(?:job-function\/.+|(?:[\w+=,.@-]+\/)*(?:AdministratorAccess[\w-]*|PowerUserAccess|IAMFullAccess|[\w-]*FullAccess[\w-]*|ReadOnlyAccess|ViewOnlyAccess))$/;

/** The managed policy ARNs a resource attaches: an attachment's one, or a role's or an exclusive attachment's list. */
function attachedPolicyArns(type: string, props: Record<string, any>): unknown[] {
    switch (type) {
        case "aws:iam/rolePolicyAttachment:RolePolicyAttachment":
        case "aws:iam/policyAttachment:PolicyAttachment":
        case "aws:iam/userPolicyAttachment:UserPolicyAttachment":
        case "aws:iam/groupPolicyAttachment:GroupPolicyAttachment":
            return [props.policyArn];
        case "aws:iam/role:Role":
            return list(props.managedPolicyArns);
        case "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive":
        case "aws:iam/userPolicyAttachmentsExclusive:UserPolicyAttachmentsExclusive":
        case "aws:iam/groupPolicyAttachmentsExclusive:GroupPolicyAttachmentsExclusive":
            return list(props.policyArns);
        default:
            return [];
    }
}

const resourcePolicy = (
    name: string,
    description: string,
    enforcementLevel: EnforcementLevel,
    check: (args: { type: string; props: Record<string, any>; urn: string }, report: ReportViolation) => void,
): ResourceValidationPolicy => ({ name, description, enforcementLevel, validateResource: (args, report) => check(args, report) });

export const iamNoWildcards = resourcePolicy(
    "iam-no-wildcard-actions",
    "IAM statements never allow an action with a wildcard ('*', 'service:*', 'iam:*Role*', '?'), nor attach a broad AWS-managed policy, and allow '*' resources only for the actions AWS gives no resource type.",
    "mandatory",
    ({ type, props }, report) => {
        for (const arn of attachedPolicyArns(type, props).filter((a): a is string => typeof a === "string" && BROAD_MANAGED_POLICY.test(a))) {
            report(`attaches the AWS-managed policy ${arn}, which allows whole services; grant the actions the role needs instead`);
        }
        for (const document of permissionDocuments(type, props)) {
            for (const statement of statements(document) ?? []) {
                if (statement.Effect !== "Allow") {
                    continue;
                }
                if (statement.NotAction !== undefined) {
                    report("an Allow statement with NotAction allows everything it does not name; list the actions instead");
                }
                const actions = list(statement.Action);
                for (const action of actions.filter((a) => /[*?]/.test(a))) {
                    report(`allows the wildcard action ${action}; name each action`);
                }
                if (list(statement.Resource).includes("*")) {
                    const scoped = actions.filter((a) => !ACTIONS_WITHOUT_RESOURCE_TYPES.has(a));
                    if (scoped.length > 0) {
                        report(`allows ${scoped.join(", ")} on "*"; these actions take resource ARNs`);
                    }
                }
            }
        }
    },
);

export const trustServiceWithSourceAccount = resourcePolicy(
    "iam-trust-service-source-account",
    "Every role is assumed by a service principal, on behalf of this account only (aws:SourceAccount), against the confused deputy.",
    "mandatory",
    ({ type, props }, report) => {
        if (type !== "aws:iam/role:Role") {
            return;
        }
        const trust = statements(props.assumeRolePolicy);
        if (trust === undefined) {
            return;
        }
        for (const statement of trust.filter((s) => s.Effect === "Allow")) {
            const principal = statement.Principal;
            const services = typeof principal === "object" ? list(principal.Service) : [];
            if (services.length === 0 || (typeof principal === "object" && Object.keys(principal).some((k) => k !== "Service"))) {
                report(`the trust policy lets ${JSON.stringify(principal)} assume the role; only a service principal may`);
            }
            const sourceAccount = Object.values(statement.Condition ?? {}).some((operands) => operands && "aws:SourceAccount" in operands);
            if (!sourceAccount) {
                report("the trust policy has no aws:SourceAccount condition; add this account's ID");
            }
        }
    },
);

export const logGroupRetention = resourcePolicy(
    "log-group-retention",
    "Every log group has a retention, so logs do not pile up for ever.",
    "mandatory",
    ({ type, props }, report) => {
        if (type === "aws:cloudwatch/logGroup:LogGroup" && !(Number(props.retentionInDays) > 0)) {
            report("the log group keeps its logs for ever; set retentionInDays");
        }
    },
);

const OPEN = new Set(["0.0.0.0/0", "::/0"]);

export const noPublicIngress = resourcePolicy(
    "security-group-no-public-ingress",
    "No security group admits traffic from 0.0.0.0/0 or ::/0.",
    "mandatory",
    ({ type, props }, report) => {
        const rules: { cidrBlocks?: string[]; ipv6CidrBlocks?: string[]; cidrIpv4?: string; cidrIpv6?: string }[] =
            type === "aws:ec2/securityGroup:SecurityGroup"
                ? list(props.ingress)
                : type === "aws:ec2/securityGroupRule:SecurityGroupRule" && props.type === "ingress"
                  ? [props]
                  : type === "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule"
                    ? [props]
                    : [];
        for (const rule of rules) {
            const sources = [...list(rule.cidrBlocks), ...list(rule.ipv6CidrBlocks), ...list(rule.cidrIpv4), ...list(rule.cidrIpv6)];
            for (const source of sources.filter((s) => OPEN.has(s))) {
                report(`admits inbound traffic from ${source}`);
            }
        }
    },
);

export const ecrScanOnPush = resourcePolicy("ecr-scan-on-push", "ECR repositories scan each image on push.", "mandatory", ({ type, props }, report) => {
    if ((type === "aws:ecr/repository:Repository" || type === "awsx:ecr:Repository") && props.imageScanningConfiguration?.scanOnPush !== true) {
        report("the repository does not scan images on push; set imageScanningConfiguration.scanOnPush");
    }
});

export const lambdaSupportedRuntime = resourcePolicy(
    "lambda-supported-nodejs-runtime",
    "Lambda functions run on a Node.js runtime Lambda still supports.",
    "mandatory",
    ({ type, props }, report) => {
        if (type === "aws:lambda/function:Function" && typeof props.runtime === "string" && !SUPPORTED_NODEJS_RUNTIMES.has(props.runtime)) {
            report(`runs on ${props.runtime}; use one of ${[...SUPPORTED_NODEJS_RUNTIMES].join(", ")}`);
        }
    },
);

export const lambdaArm64 = resourcePolicy(
    "lambda-arm64",
    "Lambda functions run on arm64 (Graviton), which costs 20% less per GB-second than x86_64.",
    "advisory",
    ({ type, props }, report) => {
        if (type === "aws:lambda/function:Function" && JSON.stringify(list(props.architectures)) !== JSON.stringify(["arm64"])) {
            report(`runs on ${list(props.architectures).join(", ") || "x86_64 (the default)"}; set architectures to ["arm64"]`);
        }
    },
);

export const stateMachineStandard = resourcePolicy(
    "state-machine-standard",
    "State machines are STANDARD: the workflow waits for its batch task (.sync), which EXPRESS cannot.",
    "mandatory",
    ({ type, props }, report) => {
        if (type === "aws:sfn/stateMachine:StateMachine" && (props.type ?? "STANDARD") !== "STANDARD") {
            report(`is ${props.type}; the workflow's .sync task needs STANDARD`);
        }
    },
);

export const stateMachineLogging = resourcePolicy(
    "state-machine-logging",
    "State machines log their executions (level not OFF).",
    "advisory",
    ({ type, props }, report) => {
        if (type === "aws:sfn/stateMachine:StateMachine" && (props.loggingConfiguration?.level ?? "OFF") === "OFF") {
            report("logs nothing; set logLevel to ERROR or ALL");
        }
    },
);

const stackPolicy = (name: string, description: string, check: (resources: PolicyResource[], report: ReportViolation) => void): StackValidationPolicy => ({
    name,
    description,
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const prod = args.resources.filter((r) => stackOf(r.urn) === "prod");
        if (prod.length > 0) {
            check(prod, report);
        }
    },
});

export const prodTableProtected = stackPolicy(
    "prod-table-protected",
    "In the prod stack, every DynamoDB table has deletion protection and point-in-time recovery.",
    (resources, report) => {
        for (const table of resources.filter((r) => r.type === "aws:dynamodb/table:Table")) {
            if (table.props.deletionProtectionEnabled !== true) {
                report(`table ${table.name} has no deletion protection`, table.urn);
            }
            if (table.props.pointInTimeRecovery?.enabled !== true) {
                report(`table ${table.name} has no point-in-time recovery`, table.urn);
            }
        }
    },
);

export const prodStateMachineAlarms = stackPolicy(
    "prod-state-machine-alarms",
    "In the prod stack, every state machine has the alarms of the operations layer, each notifying someone.",
    (resources, report) => {
        const machines = resources.filter((r) => r.type === "aws:sfn/stateMachine:StateMachine");
        const alarms = resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && r.props.namespace === "AWS/States");
        for (const machine of machines) {
            for (const metric of PRODUCTION_STATE_MACHINE_ALARMS) {
                // Before the state machine exists its ARN is unknown: an alarm on the metric then counts.
                const watching = alarms.filter(
                    (a) =>
                        a.props.metricName === metric &&
                        (machine.props.arn === undefined ||
                            a.props.dimensions?.StateMachineArn === undefined ||
                            a.props.dimensions.StateMachineArn === machine.props.arn),
                );
                if (watching.length === 0) {
                    report(`state machine ${machine.name} has no ${metric} alarm`, machine.urn);
                } else if (!watching.some((a) => list(a.props.alarmActions).length > 0)) {
                    report(`state machine ${machine.name}'s ${metric} alarm notifies no one`, machine.urn);
                }
            }
        }
    },
);

/** Every policy of the pack, in the order the preview reports them. */
export const policies: (ResourceValidationPolicy | StackValidationPolicy)[] = [
    iamNoWildcards,
    trustServiceWithSourceAccount,
    logGroupRetention,
    noPublicIngress,
    ecrScanOnPush,
    lambdaSupportedRuntime,
    lambdaArm64,
    stateMachineStandard,
    stateMachineLogging,
    prodTableProtected,
    prodStateMachineAlarms,
];
