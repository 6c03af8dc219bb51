/**
 * npm run cost: what a stack costs per execution and per month, by service, from the stack's
 * config and the price table in model/prices.json. Run with --help.
 */
import { localWorkflow } from "../../local/stand-ins";
import { CONFIG_DOMAINS, CONFIG_NAMESPACE, ConfigError, type ConfigDomain } from "../../model/config";
import { loadStackConfig, readStackFile, StackFileError, stackNames, type Notice } from "../cli/stack-files";
import { assumedExecutions, estimateCost, type CostEstimate } from "../../model/cost";
import { alarmSpecs } from "../../model/monitoring";
import prices from "../../model/prices.json";
import { configOverrides, parseFlags, processIo, refuseCaller, STACK_NAME, type OptionTable, type ToolIo, UsageError } from "../cli/cli";
import { dollars, exactNumber } from "../cli/format";

export const USAGE = `usage: npm run cost -- [options]

  --stack NAME                 the stack whose Pulumi.NAME.yaml is priced (default dev); with
                               --compare, each stack to compare (repeatable; default: every stack file)
  --executions-per-month N     how many executions a month (default: as many as its schedule
                               starts, or 0 with the schedule off; with --compare, 730 and 100,000)
  --set KEY=VALUE              override one of the stack's stock-trader keys (repeatable),
                               such as --set batchCapacity=FARGATE_SPOT; with --compare, of every
                               stack compared
  --json                       print JSON: perExecutionUsd, monthlyUsd, executionsPerMonth,
                               executionsBasis, lines, ...; with --compare, the rows
  --compare                    print the stacks' cost for each architecture and capacity the
                               config accepts, as a Markdown table, and the cheapest of them
  --help                       print this help

The prices are model/prices.json's, us-east-1's; the output says so where a stack deploys elsewhere.

Exit codes: 0 printed; 1 --compare found no stack it could price; 2 bad usage, a config the
validation refuses or a missing stack file.`;

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

/** The line that says a stack's prices are another region's, where its aws:region is not the price table's. */
export function priceRegionNote(stack: string, estimate: Pick<CostEstimate, "region">): string | undefined {
    const region = readStackFile(stack)["aws:region"];
    return region !== undefined && region !== estimate.region
        ? `  note: these are ${estimate.region}'s prices (model/prices.json); the ${stack} stack deploys to ${region}, whose prices may differ`
        : undefined;
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
        ...estimate.unpriced.map(({ state, calls }) => `  not priced             ${state}, which calls ${calls}: the price table has no price for it`),
    ];
}

/** The monthly volumes the comparison prices by default: the hourly schedule, and a busy stack. */
const COMPARED_VOLUMES = [730, 100_000] as const;

/** One priced row of the comparison. */
export interface ComparisonRow {
    stack: string;
    architecture: string;
    capacity: string;
    perExecution: number;
    monthly: { executionsPerMonth: number; usd: number }[];
}

/** The comparison: every priced row, and what could not be priced, and why. */
export interface Comparison {
    rows: ComparisonRow[];
    /** A stack whose file or config is refused whatever its architecture and capacity. */
    refusedStacks: string[];
    /** A pair of architecture and capacity a stack's config refuses, such as ARM64 on Fargate Spot. */
    refusedPairs: string[];
    /** The Task states a row's execution enters whose service no row prices, once each. */
    unpriced: string[];
}

/**
 * Each stack's cost for every architecture and capacity its config accepts, with `overrides` laid
 * over each stack's file and priced at `volumes` executions a month. A stack refused as it is (a
 * typo in its file) is said once, as the stack's problem; a pair AWS cannot run, ARM64 on Fargate
 * Spot, is refused by the config, and so not priced, as the pair's.
 */
export function compareStacks(stacks: readonly string[], overrides: Record<string, string>, volumes: readonly number[]): Comparison {
    const comparison: Comparison = { rows: [], refusedStacks: [], refusedPairs: [], unpriced: [] };
    const { batchArchitecture, batchCapacity } = CONFIG_DOMAINS;
    const values = (domain: ConfigDomain) => (domain.kind === "oneOf" ? domain.values.map(String) : []);
    const problem = (error: unknown) => {
        if (error instanceof ConfigError) {
            return error.problems.join("; ");
        }
        if (error instanceof StackFileError || (error as NodeJS.ErrnoException).code === "ENOENT") {
            return (error as Error).message;
        }
        throw error;
    };
    for (const stack of stacks) {
        try {
            loadStackConfig(stack, overrides);
        } catch (error) {
            comparison.refusedStacks.push(`${stack}: ${problem(error)}`);
            continue;
        }
        for (const architecture of values(batchArchitecture)) {
            for (const capacity of values(batchCapacity)) {
                const pair = { ...overrides, ...configOverrides([`batchArchitecture=${architecture}`, `batchCapacity=${capacity}`]) };
                let estimates: StackCostEstimate[];
                try {
                    estimates = volumes.map((n) => stackCost(stack, pair, n));
                } catch (error) {
                    comparison.refusedPairs.push(`${stack} ${architecture} on ${capacity}: ${problem(error)}`);
                    continue;
                }
                for (const { state, calls } of estimates[0].unpriced) {
                    const line = `${state}, which calls ${calls}: the price table has no price for it`;
                    if (!comparison.unpriced.includes(line)) {
                        comparison.unpriced.push(line);
                    }
                }
                comparison.rows.push({
                    stack,
                    architecture,
                    capacity,
                    perExecution: estimates[0].perExecutionUsd,
                    monthly: estimates.map((e) => ({ executionsPerMonth: e.executionsPerMonth, usd: e.monthlyUsd })),
                });
            }
        }
    }
    return comparison;
}

/** The comparison as a Markdown table, the cheapest accepted pair per execution, and what was not priced. */
export function renderComparison(comparison: Comparison, volumes: readonly number[]): string[] {
    const { rows } = comparison;
    const cheapest = rows.reduce<ComparisonRow | undefined>(
        (best, row) => (best === undefined || row.perExecution < best.perExecution ? row : best),
        undefined,
    );
    return [
        `| stack | architecture | capacity | per execution | ${volumes.map((n) => `a month at ${exactNumber(n)}`).join(" | ")} |`,
        `| --- | --- | --- | --- | ${volumes.map(() => "---").join(" | ")} |`,
        ...rows.map(
            (r) =>
                `| ${r.stack} | ${r.architecture} | ${r.capacity} | ${dollars(r.perExecution, 6)} | ${r.monthly.map((m) => dollars(m.usd, 2)).join(" | ")} |`,
        ),
        "",
        ...(cheapest === undefined
            ? []
            : [`Cheapest per execution: ${cheapest.architecture} on ${cheapest.capacity} (${cheapest.stack}), ${dollars(cheapest.perExecution, 6)} a run.`]),
        ...comparison.refusedStacks.map((line) => `Not priced, the stack refused as it is: ${line}`),
        ...comparison.refusedPairs.map((line) => `Not priced, refused by the config: ${line}`),
        ...comparison.unpriced.map((line) => `Not priced in any row: ${line}`),
    ];
}

export const OPTIONS = {
    stack: { type: "string", multiple: true, default: [], pattern: STACK_NAME },
    "executions-per-month": { type: "string", integer: { min: 0, max: 1_000_000_000 } },
    set: { type: "string", multiple: true, default: [] },
    json: { type: "boolean", default: false },
    compare: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
} as const satisfies OptionTable;

/** The tool: prints the estimate, or the comparison (or its JSON), and returns the exit code: 0, 1 when nothing could be compared, or 2 on bad usage or config. */
export async function main(argv: string[], io: ToolIo = processIo): Promise<number> {
    let values;
    let stack: string | undefined;
    try {
        values = parseFlags(argv, OPTIONS);
        if (values.help) {
            io.out(USAGE);
            return 0;
        }
        const stacks = values.stack;
        const overrides = configOverrides(values.set);
        const executions = values["executions-per-month"] === undefined ? undefined : Number(values["executions-per-month"]);
        if (values.compare) {
            const varied = ["batchArchitecture", "batchCapacity"].filter((key) => Object.hasOwn(overrides, `${CONFIG_NAMESPACE}:${key}`));
            if (varied.length > 0) {
                throw new UsageError(`--compare prices every batchArchitecture and batchCapacity itself: leave ${varied.join(" and ")} out of --set`);
            }
            const volumes = executions === undefined ? COMPARED_VOLUMES : [executions];
            const comparison = compareStacks(stacks.length > 0 ? stacks : stackNames(), overrides, volumes);
            io.out(values.json ? JSON.stringify(comparison, null, 2) : renderComparison(comparison, volumes).join("\n"));
            if (comparison.rows.length === 0) {
                io.err("no stack could be priced: each is refused above");
                return 1;
            }
            return 0;
        }
        if (stacks.length > 1) {
            throw new UsageError(`give one --stack to price (got ${stacks.length}), or --compare to compare several`);
        }
        stack = stacks[0] ?? "dev";
        const estimate = stackCost(stack, overrides, executions, io.err);
        const note = priceRegionNote(stack, estimate);
        io.out(values.json ? JSON.stringify(estimate, null, 2) : [...renderCost(stack, estimate), ...(note === undefined ? [] : [note])].join("\n"));
        return 0;
    } catch (error) {
        return refuseCaller(error, io, USAGE, stack);
    }
}
