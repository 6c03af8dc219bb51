/**
 * npm run cost: what a stack costs per execution and per month, by service, from the stack's
 * config and the price table in model/prices.json. Run with --help.
 */
import { localWorkflow } from "../local/definition";
import { loadStackConfig } from "./stack-files";
import { assumedExecutions, estimateCost, type CostEstimate } from "../model/cost";
import { alarmSpecs } from "../model/monitoring";
import prices from "../model/prices.json";
import { configOverrides, integerFlag, parseFlags, processIo, refuseCaller, type ToolIo } from "./cli";
import { dollars, exactNumber } from "./format";

export const USAGE = `usage: npm run cost -- [options]

  --stack NAME                 the stack whose Pulumi.NAME.yaml is priced (default dev)
  --executions-per-month N     how many executions a month (default: as many as its schedule
                               starts, or 0 with the schedule off)
  --set KEY=VALUE              override one of the stack's stock-trader keys (repeatable),
                               such as --set batchCapacity=FARGATE_SPOT
  --json                       print JSON: perExecutionUsd, monthlyUsd, executionsPerMonth,
                               executionsBasis, lines, ...
  --help                       print this help`;

/** The estimate, and why it is priced at its number of executions. */
export type StackCostEstimate = CostEstimate & { executionsBasis: string };

/** The estimate for a stack file, with overrides, at a number of executions a month (or its schedule's). */
export function stackCost(stack: string, overrides: Record<string, string>, executionsPerMonth?: number): StackCostEstimate {
    const config = loadStackConfig(stack, overrides);
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

/** The tool: prints the estimate (or its JSON) and returns the exit code, 0, or 2 on bad usage or config. */
export async function main(argv: string[], io: ToolIo = processIo): Promise<number> {
    let values;
    let executions: number | undefined;
    try {
        values = parseFlags(argv, {
            stack: { type: "string", default: "dev" },
            "executions-per-month": { type: "string" },
            set: { type: "string", multiple: true, default: [] },
            json: { type: "boolean", default: false },
            help: { type: "boolean", default: false },
        });
        executions = integerFlag("executions-per-month", values["executions-per-month"], 0, 1_000_000_000);
        if (values.help) {
            io.out(USAGE);
            return 0;
        }
        const estimate = stackCost(values.stack, configOverrides(values.set), executions);
        io.out(values.json ? JSON.stringify(estimate, null, 2) : renderCost(values.stack, estimate).join("\n"));
        return 0;
    } catch (error) {
        return refuseCaller(error, io, USAGE, values?.stack);
    }
}
