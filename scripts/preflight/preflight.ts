/**
 * npm run preflight: read-only checks of this machine and the AWS account against a stack's
 * config, before a first `pulumi up`. Run with --help.
 */
import type { StackConfig } from "../../model/config";
import { parseStackFileConfig } from "../../model/stack-file";
import { readStackFile } from "../cli/stack-files";
import { parseFlags, processIo, refuseCaller, STACK_NAME, type OptionTable, type ToolIo } from "../cli/cli";
import { identityCheck, networkChecks, quotaCheck, regionCheck, sdkRegion, serviceLinkedRoleCheck } from "./aws";
import { notChecked, type CheckResult, type CheckStatus } from "./check";
import { batchImageCheck, dockerChecks, pulumiChecks } from "./tools";

export const USAGE = `usage: npm run preflight -- [--stack NAME] [--json]

  --stack NAME   check against Pulumi.NAME.yaml (default dev)
  --json         print one JSON document instead of lines
  --help         print this help

Checks the Pulumi CLI, Docker, the batch image against its contract, the AWS credentials and
region, the network the batch task runs in, the ECS service-linked role and the Fargate vCPU
quota. Every AWS call only reads.
Exit codes: 0 nothing failed (warnings allowed); 1 a check failed; 2 bad usage or config.`;

export interface PreflightReport {
    stack: string;
    region?: string;
    checks: CheckResult[];
    summary: { passed: number; warnings: number; failed: number };
}

/** The stack's aws:allowedAccountIds, a list the CLI hands over as JSON; anything else means none. */
function allowedAccounts(value: string | undefined): string[] | undefined {
    try {
        const parsed: unknown = JSON.parse(value ?? "null");
        return Array.isArray(parsed) ? parsed.map(String) : undefined;
    } catch {
        return undefined;
    }
}

/** The account's checks, in the stack's region: nothing past the credentials runs without them. */
async function accountChecks(stack: string, raw: Record<string, string>, config: StackConfig): Promise<{ region?: string; checks: CheckResult[] }> {
    const stackRegion = raw["aws:region"];
    const resolved = await sdkRegion();
    const region = stackRegion ?? resolved;
    const regionResult = regionCheck(stackRegion, resolved, stack);
    const later = ["ecs-service-linked-role", "quota", ...(config.subnetIds ? ["subnets", "security-groups"] : ["network"])];
    const titles: Record<string, string> = {
        credentials: "AWS credentials",
        "ecs-service-linked-role": "ECS service-linked role",
        quota: "Fargate vCPU quota",
        network: "Network",
        subnets: "Subnets",
        "security-groups": "Security groups",
    };
    if (region === undefined) {
        return { checks: [regionResult, ...["credentials", ...later].map((id) => notChecked(id, titles[id], "Region"))] };
    }
    const identity = await identityCheck(region, allowedAccounts(raw["aws:allowedAccountIds"]));
    if (!identity.usable) {
        return { region, checks: [regionResult, identity.result, ...later.map((id) => notChecked(id, titles[id], "AWS credentials"))] };
    }
    const [role, quota, network] = await Promise.all([
        serviceLinkedRoleCheck(region, config.createEcsServiceLinkedRole),
        quotaCheck(region, config.batchCapacity, config.batchCpu),
        networkChecks(region, config),
    ]);
    return { region, checks: [regionResult, identity.result, role, quota, ...network] };
}

/** Runs every check; the machine's and the account's at once. */
export async function preflight(
    stack: string,
    raw: Record<string, string>,
    config: StackConfig = parseStackFileConfig(raw, `Pulumi.${stack}.yaml`),
): Promise<PreflightReport> {
    const [pulumi, docker, account] = await Promise.all([pulumiChecks(stack), dockerChecks(config.batchArchitecture), accountChecks(stack, raw, config)]);
    const checks = [...pulumi, ...docker, batchImageCheck(), ...account.checks];
    const count = (status: CheckStatus) => checks.filter((c) => c.status === status).length;
    return { stack, region: account.region, checks, summary: { passed: count("pass"), warnings: count("warn"), failed: count("fail") } };
}

const LABEL: Record<CheckStatus, string> = { pass: "ok  ", warn: "warn", fail: "FAIL" };

/** The report as the tool prints it: one line per check, a fix under each that did not pass, and the tally. */
export function renderPreflight(report: PreflightReport): string[] {
    const width = Math.max(...report.checks.map((c) => c.title.length));
    const lines = [`Preflight of the ${report.stack} stack${report.region ? ` in ${report.region}` : ""}`, ""];
    for (const check of report.checks) {
        lines.push(`  ${LABEL[check.status]}  ${check.title.padEnd(width)}  ${check.detail}`);
        if (check.fix) {
            lines.push(`        ${" ".repeat(width)}  fix: ${check.fix}`);
        }
    }
    const { passed, warnings, failed } = report.summary;
    lines.push("", `${passed} passed, ${warnings} ${warnings === 1 ? "warning" : "warnings"}, ${failed} failed`);
    return lines;
}

export const OPTIONS = {
    stack: { type: "string", default: "dev", pattern: STACK_NAME },
    json: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
} as const satisfies OptionTable;

/** The tool: prints the report (or its JSON) and returns 0, 1 when a check failed, or 2 on bad usage or config. */
export async function main(argv: string[], io: ToolIo = processIo): Promise<number> {
    let values;
    let raw: Record<string, string>;
    let config: StackConfig;
    try {
        values = parseFlags(argv, OPTIONS);
        if (values.help) {
            io.out(USAGE);
            return 0;
        }
        raw = readStackFile(values.stack, io.err);
        config = parseStackFileConfig(raw, `Pulumi.${values.stack}.yaml`);
    } catch (error) {
        return refuseCaller(error, io, USAGE, values?.stack);
    }
    const report = await preflight(values.stack, raw, config);
    io.out(values.json ? JSON.stringify(report, null, 2) : renderPreflight(report).join("\n"));
    return report.summary.failed === 0 ? 0 : 1;
}
