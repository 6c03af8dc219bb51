/**
 * npm run cost: what a stack costs per execution and per month, by service, from the stack's
 * config and the price table in model/prices.json. Run with --help.
 */
import { localWorkflow } from "../local/stand-ins";
import { CONFIG_DOMAINS, ConfigError, type ConfigDomain } from "../model/config";
import { loadStackConfig, stackNames, type Notice } from "./stack-files";
import { assumedExecutions, estimateCost, type CostEstimate } from "../model/cost";
import { alarmSpecs } from "../model/monitoring";
import prices from "../model/prices.json";
import { configOverrides, parseFlags, processIo, refuseCaller, STACK_NAME, type OptionTable, type ToolIo } from "./cli";
import { dollars, exactNumber } from "./format";

export const USAGE = `usage: npm run cost -- [options]

  --stack NAME                 the stack whose Pulumi.NAME.yaml is priced (default dev)
  --executions-per-month N     how many executions a month (default: as many as its schedule
                               starts, or 0 with the schedule off)
  --set KEY=VALUE              override one of the stack's stock-trader keys (repeatable),
                               such as --set batchCapacity=FARGATE_SPOT
  --json                       print JSON: perExecutionUsd, monthlyUsd, executionsPerMonth,
                               executionsBasis, lines, ...
  --compare                    print every stack file's cost for each architecture and capacity
                               the config accepts, as a Markdown table, and the cheapest of them
  --help                       print this help

Exit codes: 0 printed; 2 bad usage, a config the validation refuses or a missing stack file.`;

/** The estimate, and why it is priced at its number of executions. */
export type StackCostEstimate = CostEstimate & { executionsBasis: string };

/** The estimate for a stack file, with overrides, at a number of executions a month (or its schedule's). */
export function stackCost(stack: string, overrides: Record<string, string>, executionsPerMonth?: number, notice?: Notice): StackCostEstimate {
    const config = loadStackConfig(stack, overrides, notice);
    const assumed = executionsPerMonth === undefined ? assumedExecutions(config) : { executionsPerMonth, basis: "given with --executions-per-month" };
    const { definition } = localWorkflow(config, "TransactionTable");
    return {
        ...estimateCost(config, definition, alarmSpecs(config), prices, assumed.executionsPerMonth),
        executionsBasis: assumed.basis,
    };
}

/** The estimate as the tool prints it, line by line: quantities and unit prices exactly, amounts in dollars. */
export function renderCost(stack: string, estimate: StackCostEstimate): string[] {
    const rows = estimate.lines.map((l) => [l.service, l.item, exactNumber(l.quantity), l.unit, `$${exactNumber(l.unitPriceUsd)}`, dollars(l.monthlyUsd, 4)]);
    const header = ["service", "item", "quantity/month", "unit", "unit price", "per month"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const format = (row: string[]) =>
        row
            .map((cell, i) => (i >= 2 && i !== 3 ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
            .join("  ")
            .trimEnd();
    const t = estimate.transitions;
    return [
        `Cost of the ${stack} stack at ${exactNumber(estimate.executionsPerMonth)} executions a month (${estimate.region} prices)`,
        `  executions: ${estimate.executionsBasis}`,
        "",
        ...[format(header), ...rows.map(format)].map((line) => `  ${line}`),
        "",
        `  per execution          ${dollars(estimate.perExecutionUsd, 6)}`,
        `  fixed per month        ${dollars(estimate.fixedMonthlyUsd, 2)}`,
        `  per month              ${dollars(estimate.monthlyUsd, 2)}`,
        `  state transitions      ${t.success} on success, ${t.batchFailure} when the batch fails, +${t.perRetry} per retry` +
            (t.perSpotInterruption ? `, +${t.perSpotInterruption} per Spot interruption` : ""),
    ];
}

/** The monthly volumes the comparison prices: the hourly schedule, and a busy stack. */
const COMPARED_VOLUMES = [730, 100_000] as const;

/**
 * Each stack file's cost for every architecture and capacity its config accepts (a pair AWS
 * cannot run, ARM64 on Fargate Spot, is refused by the config and so is not priced), as a
 * Markdown table, then the cheapest accepted pair per execution.
 */
export function renderComparison(stacks: readonly string[]): string[] {
    const rows: { stack: string; architecture: string; capacity: string; perExecution: number; monthly: number[] }[] = [];
    const refused: string[] = [];
    const { batchArchitecture, batchCapacity } = CONFIG_DOMAINS;
    const values = (domain: ConfigDomain) => (domain.kind === "oneOf" ? domain.values.map(String) : []);
    for (const stack of stacks) {
        for (const architecture of values(batchArchitecture)) {
            for (const capacity of values(batchCapacity)) {
                const overrides = configOverrides([`batchArchitecture=${architecture}`, `batchCapacity=${capacity}`]);
                let estimates: StackCostEstimate[];
                try {
                    estimates = COMPARED_VOLUMES.map((n) => stackCost(stack, overrides, n));
                } catch (error) {
                    if (!(error instanceof ConfigError)) {
                        throw error;
                    }
                    refused.push(`${stack} ${architecture} on ${capacity}: ${error.problems.join("; ")}`);
                    continue;
                }
                rows.push({ stack, architecture, capacity, perExecution: estimates[0].perExecutionUsd, monthly: estimates.map((e) => e.monthlyUsd) });
            }
        }
    }
    const cheapest = rows.reduce((best, row) => (row.perExecution < best.perExecution ? row : best));
    return [
        `| stack | architecture | capacity | per execution | ${COMPARED_VOLUMES.map((n) => `a month at ${exactNumber(n)}`).join(" | ")} |`,
        `| --- | --- | --- | --- | ${COMPARED_VOLUMES.map(() => "---").join(" | ")} |`,
        ...rows.map(
            (r) => `| ${r.stack} | ${r.architecture} | ${r.capacity} | ${dollars(r.perExecution, 6)} | ${r.monthly.map((m) => dollars(m, 2)).join(" | ")} |`,
        ),
        "",
        `Cheapest per execution: ${cheapest.architecture} on ${cheapest.capacity} (${cheapest.stack}), ${dollars(cheapest.perExecution, 6)} a run.`,
        ...refused.map((line) => `Not priced, refused by the config: ${line}`),
    ];
}

export const OPTIONS = {
    stack: { type: "string", default: "dev", pattern: STACK_NAME },
    "executions-per-month": { type: "string", integer: { min: 0, max: 1_000_000_000 } },
    set: { type: "string", multiple: true, default: [] },
    json: { type: "boolean", default: false },
    compare: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
} as const satisfies OptionTable;

/** The tool: prints the estimate (or its JSON) and returns the exit code, 0, or 2 on bad usage or config. */
export async function main(argv: string[], io: ToolIo = processIo): Promise<number> {
    let values;
    let executions: number | undefined;
    try {
        values = parseFlags(argv, OPTIONS);
        executions = values["executions-per-month"] === undefined ? undefined : Number(values["executions-per-month"]);
        if (values.help) {
            io.out(USAGE);
            return 0;
        }
        if (values.compare) {
            io.out(renderComparison(stackNames()).join("\n"));
            return 0;
        }
        const estimate = stackCost(values.stack, configOverrides(values.set), executions, io.err);
        io.out(values.json ? JSON.stringify(estimate, null, 2) : renderCost(values.stack, estimate).join("\n"));
        return 0;
    } catch (error) {
        return refuseCaller(error, io, USAGE, values?.stack);
    }
}
