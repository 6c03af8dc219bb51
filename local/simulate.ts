/**
 * npm run simulate: runs the workflow end to end on this machine, no AWS account needed.
 * Run with --help for the options.
 */
import { parseArgs } from "node:util";
import { ConfigError } from "../model/config";
import { MAX_STOCK_PRICE } from "../functions/trade";
import { BATCH_ATTRIBUTES } from "../model/transaction";
import { runWorkflow, type ExecutionEvent, type ExecutionResult, type RunReport } from "./runner";
import { loadStackConfig } from "./stack-files";
import { median } from "./stats";

const USAGE = `usage: npm run simulate -- [options]

  --executions N    how many executions to run (default 1)
  --concurrency C   how many run at once (default 1; at most N)
  --input JSON      the execution input (default {})
  --price P         force the checker's price, 0-99, to take the buy or the sell path
  --fail-batch      make the batch program fail, to exercise Catch and Error
  --stack NAME      build the definition from Pulumi.NAME.yaml (default dev)
  --json            print machine-readable JSON instead of text
  --help            print this help`;

class UsageError extends Error {}

interface Options {
    executions: number;
    concurrency: number;
    input: unknown;
    price?: number;
    failBatch: boolean;
    stack: string;
    json: boolean;
    help: boolean;
}

function integerOption(name: string, value: string | undefined, min: number, max: number): number | undefined {
    if (value === undefined) {
        return undefined;
    }
    const number = Number(value);
    if (!/^\d+$/.test(value) || number < min || number > max) {
        throw new UsageError(`--${name} must be an integer from ${min} to ${max} (got ${value})`);
    }
    return number;
}

export function parseOptions(argv: string[]): Options {
    let values;
    try {
        ({ values } = parseArgs({
            args: argv,
            strict: true,
            allowPositionals: false,
            options: {
                executions: { type: "string" },
                concurrency: { type: "string" },
                input: { type: "string" },
                price: { type: "string" },
                "fail-batch": { type: "boolean", default: false },
                stack: { type: "string", default: "dev" },
                json: { type: "boolean", default: false },
                help: { type: "boolean", default: false },
            },
        }));
    } catch (error) {
        throw new UsageError((error as Error).message);
    }
    const executions = integerOption("executions", values.executions, 1, 100000) ?? 1;
    const concurrency = integerOption("concurrency", values.concurrency, 1, 1000) ?? 1;
    let input: unknown = {};
    if (values.input !== undefined) {
        try {
            input = JSON.parse(values.input);
        } catch {
            throw new UsageError(`--input must be JSON (got ${values.input})`);
        }
    }
    return {
        executions,
        concurrency,
        input,
        price: integerOption("price", values.price, 0, MAX_STOCK_PRICE),
        failBatch: values["fail-batch"],
        stack: values.stack,
        json: values.json,
        help: values.help,
    };
}

const write = (line = "") => process.stdout.write(`${line}\n`);

/** Prints each state as it is entered and left, with its duration. */
function stateTracer(): (execution: number, event: ExecutionEvent) => void {
    const entered = new Map<string, number>();
    return (_execution, event) => {
        const name = event.state?.name ?? "";
        const since = () => `${String(event.timestamp - (entered.get(name) ?? event.timestamp)).padStart(6)} ms`;
        switch (event.type) {
            case "StateEntered":
                entered.set(name, event.timestamp);
                write(`  → ${name}`);
                break;
            case "StateExited":
                write(`  ← ${name.padEnd(20)} ${since()}`);
                break;
            case "StateFailed":
                write(`  ✗ ${name.padEnd(20)} ${since()}  ${event.Error}`);
                break;
            case "StateRetried":
                entered.set(name, event.timestamp);
                write(`  ↻ ${name} (retry)`);
                break;
            case "StateCaught":
                write(`  ⤷ ${name} caught the error`);
                break;
        }
    };
}

/** A progress bar on stderr, drawn only where a person is watching. */
function progressBar(total: number): (done: number) => void {
    if (!process.stderr.isTTY) {
        return () => undefined;
    }
    return (done) => {
        const width = 30;
        const filled = Math.round((done / total) * width);
        process.stderr.write(`\r  [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total}${done === total ? "\n" : ""}`);
    };
}

const SUMMARY_LABELS = {
    executions: "executions",
    succeeded: "succeeded",
    failed: "failed",
    buy: "buy",
    sell: "sell",
    itemsInTable: "items in the table",
    itemsProcessed: "items marked processed",
    executionsPerSecond: "executions per second",
    medianExecutionMs: "median latency (ms)",
} as const;

export function summarize(report: RunReport) {
    const succeeded = report.results.filter((r) => r.status === "SUCCEEDED").length;
    const types = report.items.map((item) => item.Type?.S);
    return {
        executions: report.results.length,
        succeeded,
        failed: report.results.length - succeeded,
        buy: types.filter((t) => t === "buy").length,
        sell: types.filter((t) => t === "sell").length,
        itemsInTable: report.items.length,
        itemsProcessed: report.items.filter((item) => item[BATCH_ATTRIBUTES.processedAt] !== undefined).length,
        executionsPerSecond: Number((report.results.length / (report.durationMs / 1000)).toFixed(2)),
        medianExecutionMs: Number(median(report.results.map((r) => r.durationMs)).toFixed(1)),
    };
}

function printResult(result: ExecutionResult): void {
    write();
    write(`Status: ${result.status} (${result.durationMs.toFixed(0)} ms)`);
    if (result.status === "SUCCEEDED") {
        write(`Output: ${JSON.stringify(result.output, null, 2)}`);
    } else {
        write(`Error: ${result.error}`);
        write(`Cause: ${result.cause}`);
    }
}

async function main(argv: string[]): Promise<number> {
    let options: Options;
    try {
        options = parseOptions(argv);
    } catch (error) {
        if (error instanceof UsageError) {
            process.stderr.write(`${error.message}\n${USAGE}\n`);
            return 2;
        }
        throw error;
    }
    if (options.help) {
        write(USAGE);
        return 0;
    }
    let config;
    try {
        config = loadStackConfig(options.stack);
    } catch (error) {
        const reason = error instanceof ConfigError ? error.message : `cannot read Pulumi.${options.stack}.yaml: ${(error as Error).message}`;
        process.stderr.write(`${reason}\n`);
        return 2;
    }

    const single = options.executions === 1;
    if (!options.json) {
        write(`Simulating ${options.executions} execution(s) of the ${options.stack} definition, ${Math.min(options.concurrency, options.executions)} at a time`);
    }
    let done = 0;
    const progress = progressBar(options.executions);
    const report = await runWorkflow({
        config,
        executions: options.executions,
        concurrency: options.concurrency,
        input: options.input as never,
        price: options.price,
        failBatch: options.failBatch,
        onEvent: single && !options.json ? stateTracer() : undefined,
        onExecutionEnd: single ? undefined : () => progress(++done),
    });
    const summary = summarize(report);

    if (options.json) {
        write(JSON.stringify(single ? { ...report.results[0], summary } : { summary, results: report.results }, null, 2));
    } else if (single) {
        printResult(report.results[0]);
    } else {
        write();
        for (const [key, value] of Object.entries(summary)) {
            write(`  ${SUMMARY_LABELS[key as keyof typeof summary].padEnd(24)} ${value}`);
        }
    }
    return summary.failed === 0 ? 0 : 1;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => {
            process.exitCode = code;
        },
        (error: unknown) => {
            console.error(error);
            process.exitCode = 1;
        },
    );
}
