/**
 * npm run cost: what a stack costs per execution and per month, by service, from the stack's
 * config and the price table in model/prices.json. Run with --help.
 */
import { localWorkflow } from "../local/definition";
import { loadStackConfig } from "../local/stack-files";
import { ConfigError } from "../model/config";
import { estimateCost, scheduledExecutionsPerMonth, type CostEstimate, type PriceTable } from "../model/cost";
import { alarmSpecs } from "../model/monitoring";
import prices from "../model/prices.json";
import { configOverrides, integerFlag, parseFlags, runMain, UsageError } from "./cli";

export const USAGE = `usage: npm run cost -- [options]

  --stack NAME                 the stack whose Pulumi.NAME.yaml is priced (default dev)
  --executions-per-month N     how many executions a month (default: as many as its rate() schedule starts)
  --set KEY=VALUE              override one of the stack's stock-trader keys (repeatable),
                               such as --set batchCapacity=FARGATE_SPOT
  --json                       print JSON: perExecutionUsd, monthlyUsd, executionsPerMonth, lines, ...
  --help                       print this help`;

/** The estimate for a stack file, with overrides, at a number of executions a month (or its schedule's). */
export function stackCost(stack: string, overrides: Record<string, string>, executionsPerMonth?: number): CostEstimate {
    const config = loadStackConfig(stack, overrides);
    const executions = executionsPerMonth ?? scheduledExecutionsPerMonth(config.scheduleExpression);
    if (executions === undefined) {
        throw new UsageError(`the ${stack} schedule is ${config.scheduleExpression}: give --executions-per-month N`);
    }
    const { definition } = localWorkflow(config, "TransactionTable");
    return estimateCost(config, definition, alarmSpecs(config), prices as PriceTable, executions);
}

const usd = (value: number, digits = 4) => `$${value.toFixed(digits)}`;

function table(estimate: CostEstimate): string[] {
    const rows = estimate.lines.map((l) => [
        l.service,
        l.item,
        l.quantity.toPrecision(4).replace(/\.?0+$/, ""),
        l.unit,
        `$${l.unitPriceUsd.toLocaleString("en-US", { maximumFractionDigits: 10, useGrouping: false })}`,
        usd(l.monthlyUsd),
    ]);
    const header = ["service", "item", "quantity/month", "unit", "unit price", "per month"];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    const format = (row: string[]) => row.map((cell, i) => (i >= 2 && i !== 3 ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join("  ");
    return [format(header), ...rows.map(format)];
}

async function main(argv: string[]): Promise<number> {
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
            process.stdout.write(`${USAGE}\n`);
            return 0;
        }
        const estimate = stackCost(values.stack, configOverrides(values.set), executions);
        if (values.json) {
            process.stdout.write(`${JSON.stringify(estimate, null, 2)}\n`);
            return 0;
        }
        const out = (line = "") => process.stdout.write(`${line}\n`);
        out(`Cost of the ${values.stack} stack at ${estimate.executionsPerMonth} executions a month (${estimate.region} prices)`);
        out();
        table(estimate).forEach((line) => out(`  ${line}`));
        out();
        out(`  per execution          ${usd(estimate.perExecutionUsd, 6)}`);
        out(`  fixed per month        ${usd(estimate.fixedMonthlyUsd, 2)}`);
        out(`  per month              ${usd(estimate.monthlyUsd, 2)}`);
        out(
            `  state transitions      ${estimate.transitions.success} on success, ${estimate.transitions.batchFailure} when the batch fails, ` +
                `+${estimate.transitions.perRetry} per retry${estimate.transitions.perSpotInterruption ? `, +${estimate.transitions.perSpotInterruption} per Spot interruption` : ""}`,
        );
        return 0;
    } catch (error) {
        if (error instanceof UsageError || error instanceof ConfigError) {
            process.stderr.write(`${error.message}\n${error instanceof UsageError ? `${USAGE}\n` : ""}`);
            return 2;
        }
        if ((error as NodeJS.ErrnoException).code === "ENOENT") {
            process.stderr.write(`no stack file Pulumi.${values?.stack}.yaml\n`);
            return 2;
        }
        throw error;
    }
}

if (require.main === module) {
    runMain(() => main(process.argv.slice(2)));
}
