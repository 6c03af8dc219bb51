import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../model/project";
import { policies } from "../policy/policies";
import { fromProgram, violations, type Candidate } from "./support/policy-pack";
import { runStack } from "./support/program";

const byName = (name: string) => {
    const found = policies.find((p) => p.name === name);
    assert.ok(found, `no policy named ${name}`);
    return found;
};

describe("policy pack", () => {
    for (const stack of ["dev", "prod"]) {
        it(`passes the ${stack} program, every policy, every resource (under mocks)`, async () => {
            const run = await runStack(stack);
            assert.equal(run.error, undefined, String(run.error));
            const candidates = fromProgram(run.resources, stack);
            for (const policy of policies) {
                assert.deepEqual(await violations(policy, candidates), [], policy.name);
            }
        });
    }

    it("names its enforcement levels: advisory for cost and logging, mandatory for the rest", () => {
        assert.deepEqual(Object.fromEntries(policies.map((p) => [p.name, p.enforcementLevel])), {
            "iam-no-wildcard-actions": "mandatory",
            "iam-trust-service-source-account": "mandatory",
            "log-group-retention": "mandatory",
            "security-group-no-public-ingress": "mandatory",
            "ecr-scan-on-push": "mandatory",
            "lambda-supported-nodejs-runtime": "mandatory",
            "lambda-arm64": "advisory",
            "state-machine-standard": "mandatory",
            "state-machine-logging": "advisory",
            "prod-table-protected": "mandatory",
            "prod-state-machine-alarms": "mandatory",
        });
    });

    const doc = (...statements: object[]) => JSON.stringify({ Version: "2012-10-17", Statement: statements });
    const allow = (Action: string | string[], Resource: string | string[]) => ({ Effect: "Allow", Action, Resource });

    /** For each policy: resources it must pass, and resources it must catch with a message matching the pattern. */
    const cases: Record<string, { pass: Candidate[]; fail: [Candidate, RegExp][] }> = {
        "iam-no-wildcard-actions": {
            pass: [
                {
                    type: "aws:iam/rolePolicy:RolePolicy",
                    name: "ok",
                    props: { policy: doc(allow("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/t"), allow(["xray:PutTraceSegments"], "*")) },
                },
                { type: "aws:iam/policy:Policy", name: "deny", props: { policy: doc({ Effect: "Deny", Action: "*", Resource: "*" }) } },
                { type: "aws:iam/rolePolicy:RolePolicy", name: "unknown", props: { policy: undefined } },
                {
                    type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                    name: "narrow-managed",
                    props: { policyArn: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy" },
                },
                {
                    type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                    name: "own-managed",
                    props: { policyArn: "arn:aws:iam::123456789012:policy/AdministratorAccess" },
                },
            ],
            fail: [
                [{ type: "aws:iam/rolePolicy:RolePolicy", name: "star", props: { policy: doc(allow("*", "arn:aws:s3:::b")) } }, /wildcard action \*/],
                [{ type: "aws:iam/policy:Policy", name: "service-star", props: { policy: doc(allow("s3:*", "arn:aws:s3:::b")) } }, /wildcard action s3:\*/],
                [
                    { type: "aws:iam/rolePolicy:RolePolicy", name: "any-table", props: { policy: doc(allow("dynamodb:PutItem", "*")) } },
                    /allows dynamodb:PutItem on "\*"/,
                ],
                [
                    { type: "aws:iam/role:Role", name: "inline", props: { inlinePolicies: [{ name: "x", policy: doc(allow("iam:PassRole", "*")) }] } },
                    /iam:PassRole on "\*"/,
                ],
                [
                    {
                        type: "aws:iam/policy:Policy",
                        name: "not-action",
                        props: { policy: doc({ Effect: "Allow", NotAction: "iam:*", Resource: "arn:aws:s3:::b" }) },
                    },
                    /NotAction/,
                ],
                [
                    { type: "aws:iam/rolePolicy:RolePolicy", name: "mid-star", props: { policy: doc(allow("iam:*Role*", "arn:aws:iam::1:role/r")) } },
                    /wildcard action iam:\*Role\*/,
                ],
                [
                    {
                        type: "aws:iam/rolePolicy:RolePolicy",
                        name: "suffix-star",
                        props: { policy: doc(allow(["s3:GetObject", "s3:Get*"], "arn:aws:s3:::b/*")) },
                    },
                    /wildcard action s3:Get\*/,
                ],
                [
                    { type: "aws:iam/rolePolicy:RolePolicy", name: "question", props: { policy: doc(allow("s3:GetObjec?", "arn:aws:s3:::b/*")) } },
                    /wildcard action s3:GetObjec\?/,
                ],
                [
                    {
                        type: "aws:iam/rolePolicyAttachment:RolePolicyAttachment",
                        name: "admin",
                        props: { role: "r", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" },
                    },
                    /AWS-managed policy arn:aws:iam::aws:policy\/AdministratorAccess/,
                ],
                [
                    { type: "aws:iam/role:Role", name: "managed-arns", props: { managedPolicyArns: ["arn:aws:iam::aws:policy/AdministratorAccess"] } },
                    /AdministratorAccess/,
                ],
                [
                    {
                        type: "aws:iam/policyAttachment:PolicyAttachment",
                        name: "power",
                        props: { roles: ["r"], policyArn: "arn:aws:iam::aws:policy/PowerUserAccess" },
                    },
                    /PowerUserAccess/,
                ],
                [
                    {
                        type: "aws:iam/userPolicyAttachment:UserPolicyAttachment",
                        name: "s3-full",
                        props: { policyArn: "arn:aws:iam::aws:policy/AmazonS3FullAccess" },
                    },
                    /AmazonS3FullAccess/,
                ],
                [
                    {
                        type: "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
                        name: "exclusive",
                        props: { policyArns: ["arn:aws-cn:iam::aws:policy/IAMFullAccess"] },
                    },
                    /IAMFullAccess/,
                ],
                [
                    {
                        type: "aws:iam/groupPolicyAttachment:GroupPolicyAttachment",
                        name: "job",
                        props: { policyArn: "arn:aws:iam::aws:policy/job-function/SystemAdministrator" },
                    },
                    /SystemAdministrator/,
                ],
            ],
        },
        "iam-trust-service-source-account": {
            pass: [
                {
                    type: "aws:iam/role:Role",
                    name: "ok",
                    props: {
                        assumeRolePolicy: doc({
                            Effect: "Allow",
                            Principal: { Service: "ecs-tasks.amazonaws.com" },
                            Action: "sts:AssumeRole",
                            Condition: { StringEquals: { "aws:SourceAccount": "1" } },
                        }),
                    },
                },
            ],
            fail: [
                [
                    {
                        type: "aws:iam/role:Role",
                        name: "no-account",
                        props: { assumeRolePolicy: doc({ Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" }) },
                    },
                    /no aws:SourceAccount/,
                ],
                [
                    {
                        type: "aws:iam/role:Role",
                        name: "person",
                        props: {
                            assumeRolePolicy: doc({
                                Effect: "Allow",
                                Principal: { AWS: "arn:aws:iam::1:root" },
                                Action: "sts:AssumeRole",
                                Condition: { StringEquals: { "aws:SourceAccount": "1" } },
                            }),
                        },
                    },
                    /only a service principal may/,
                ],
            ],
        },
        "log-group-retention": {
            pass: [{ type: "aws:cloudwatch/logGroup:LogGroup", name: "ok", props: { retentionInDays: 14 } }],
            fail: [[{ type: "aws:cloudwatch/logGroup:LogGroup", name: "forever", props: {} }, /keeps its logs for ever/]],
        },
        "security-group-no-public-ingress": {
            pass: [
                {
                    type: "aws:ec2/securityGroup:SecurityGroup",
                    name: "ok",
                    props: { ingress: [{ cidrBlocks: ["10.0.0.0/8"] }], egress: [{ cidrBlocks: ["0.0.0.0/0"] }] },
                },
            ],
            fail: [
                [
                    {
                        type: "aws:ec2/securityGroup:SecurityGroup",
                        name: "open",
                        props: { ingress: [{ protocol: "tcp", fromPort: 22, toPort: 22, cidrBlocks: ["0.0.0.0/0"] }] },
                    },
                    /from 0\.0\.0\.0\/0/,
                ],
                [{ type: "aws:ec2/securityGroupRule:SecurityGroupRule", name: "open6", props: { type: "ingress", ipv6CidrBlocks: ["::/0"] } }, /from ::\/0/],
                [
                    { type: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule", name: "open-rule", props: { cidrIpv4: "0.0.0.0/0" } },
                    /from 0\.0\.0\.0\/0/,
                ],
            ],
        },
        "ecr-scan-on-push": {
            pass: [{ type: "aws:ecr/repository:Repository", name: "ok", props: { imageScanningConfiguration: { scanOnPush: true } } }],
            fail: [
                [{ type: "aws:ecr/repository:Repository", name: "unscanned", props: {} }, /does not scan images on push/],
                [{ type: "awsx:ecr:Repository", name: "awsx-unscanned", props: { imageScanningConfiguration: { scanOnPush: false } } }, /does not scan/],
            ],
        },
        "lambda-supported-nodejs-runtime": {
            pass: [{ type: "aws:lambda/function:Function", name: "ok", props: { runtime: "nodejs22.x" } }],
            fail: [[{ type: "aws:lambda/function:Function", name: "old", props: { runtime: "nodejs18.x" } }, /runs on nodejs18\.x/]],
        },
        "lambda-arm64": {
            pass: [{ type: "aws:lambda/function:Function", name: "ok", props: { architectures: ["arm64"] } }],
            fail: [[{ type: "aws:lambda/function:Function", name: "x86", props: { runtime: "nodejs22.x" } }, /x86_64 \(the default\)/]],
        },
        "state-machine-standard": {
            pass: [{ type: "aws:sfn/stateMachine:StateMachine", name: "ok", props: { type: "STANDARD" } }],
            fail: [[{ type: "aws:sfn/stateMachine:StateMachine", name: "express", props: { type: "EXPRESS" } }, /needs STANDARD/]],
        },
        "state-machine-logging": {
            pass: [{ type: "aws:sfn/stateMachine:StateMachine", name: "ok", props: { loggingConfiguration: { level: "ERROR" } } }],
            fail: [[{ type: "aws:sfn/stateMachine:StateMachine", name: "silent", props: { loggingConfiguration: { level: "OFF" } } }, /logs nothing/]],
        },
        "prod-table-protected": {
            pass: [
                {
                    type: "aws:dynamodb/table:Table",
                    name: "ok",
                    stack: "prod",
                    props: { deletionProtectionEnabled: true, pointInTimeRecovery: { enabled: true } },
                },
                { type: "aws:dynamodb/table:Table", name: "dev-table", stack: "dev", props: {} },
            ],
            fail: [
                [
                    { type: "aws:dynamodb/table:Table", name: "bare", stack: "prod", props: { pointInTimeRecovery: { enabled: true } } },
                    /no deletion protection/,
                ],
                [{ type: "aws:dynamodb/table:Table", name: "no-pitr", stack: "prod", props: { deletionProtectionEnabled: true } }, /no point-in-time recovery/],
            ],
        },
        "prod-state-machine-alarms": {
            pass: [{ type: "aws:sfn/stateMachine:StateMachine", name: "unwatched-dev", stack: "dev", props: {} }],
            fail: [
                [
                    {
                        type: "aws:sfn/stateMachine:StateMachine",
                        name: "unwatched",
                        stack: "prod",
                        props: { arn: "arn:aws:states:us-east-1:1:stateMachine:x" },
                    },
                    /has no ExecutionsFailed alarm/,
                ],
            ],
        },
    };

    it("has a passing and a failing case for every policy", () => {
        assert.deepEqual(Object.keys(cases).sort(), policies.map((p) => p.name).sort());
    });

    for (const [name, { pass, fail }] of Object.entries(cases)) {
        it(`${name}: passes its good resources and catches each bad one`, async () => {
            const policy = byName(name);
            assert.deepEqual(await violations(policy, pass), [], "good resources");
            for (const [bad, message] of fail) {
                const found = await violations(policy, [bad]);
                assert.ok(
                    found.some((v) => message.test(v)),
                    `${bad.name}: expected ${message}, got ${JSON.stringify(found)}`,
                );
            }
        });
    }

    it("requires prod's alarms to watch its own state machine and to notify someone", async () => {
        const policy = byName("prod-state-machine-alarms");
        const machine: Candidate = {
            type: "aws:sfn/stateMachine:StateMachine",
            name: "sm",
            stack: "prod",
            props: { arn: "arn:aws:states:us-east-1:1:stateMachine:sm" },
        };
        const alarm = (metricName: string, arn: string, alarmActions: string[]): Candidate => ({
            type: "aws:cloudwatch/metricAlarm:MetricAlarm",
            name: metricName,
            stack: "prod",
            props: { namespace: "AWS/States", metricName, dimensions: { StateMachineArn: arn }, alarmActions },
        });
        const metrics = ["ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted", "ExecutionThrottled"];
        const own = machine.props.arn;
        assert.deepEqual(await violations(policy, [machine, ...metrics.map((m) => alarm(m, own, ["arn:aws:sns:us-east-1:1:t"]))]), []);
        const elsewhere = await violations(policy, [machine, ...metrics.map((m) => alarm(m, "arn:aws:states:us-east-1:1:stateMachine:other", ["t"]))]);
        assert.equal(elsewhere.length, 4, elsewhere.join("\n"));
        const silent = await violations(policy, [machine, ...metrics.map((m) => alarm(m, own, []))]);
        assert.ok(silent.every((v) => v.includes("notifies no one")) && silent.length === 4, silent.join("\n"));
    });

    it("is a package of its own that pins the SDKs the tests run, and hands the policies module to PolicyPack", () => {
        const root = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
        const pack = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "policy", "package.json"), "utf8"));
        const lock = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, "policy", "package-lock.json"), "utf8"));
        assert.equal(pack.dependencies["@pulumi/policy"], root.devDependencies["@pulumi/policy"]);
        assert.equal(pack.dependencies["@pulumi/pulumi"], root.dependencies["@pulumi/pulumi"]);
        assert.equal(lock.packages["node_modules/@pulumi/policy"].version, pack.dependencies["@pulumi/policy"]);
        const entry = fs.readFileSync(path.join(PROJECT_ROOT, "policy", "index.ts"), "utf8");
        assert.match(entry, /import \{ policies \} from "\.\/policies";/);
        assert.match(entry, /new PolicyPack\("stock-trader", \{ policies \}\);/);
    });
});
