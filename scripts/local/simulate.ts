/**
 * npm run simulate: runs the workflow end to end on this machine, no AWS account needed.
 * Run with --help for the options.
 */
import { MAX_STOCK_PRICE } from "../../contracts/functions";
import { BATCH_ATTRIBUTES } from "../../model/transaction";
import * as path from "node:path";
import { ContractError } from "../../model/batch-contract";
import { BATCH_CONTAINER_DIR } from "../../model/project";
import { MissingRuntime, prepareBatch, type BatchProgram } from "../../local/batch";
import { runWorkflow, type ExecutionEvent, type ExecutionResult, type RunReport } from "../../local/runner";
import { configOverrides, jsonFlag, parseFlags, processIo, refuseCaller, STACK_NAME, type OptionTable, type ToolIo } from "../cli/cli";
import { batchTask, stateTracer, type TraceEvent } from "../cli/trace";
import { loadStackConfig } from "../cli/stack-files";
import { everyInterval } from "../cli/progress";
import { median } from "../cli/stats";

export const USAGE = `usage: npm run simulate -- [options]

  --executions N    how many executions to run (default 1); above 1, a progress bar on a
                    terminal, then a summary: the counts, the table's items, the rate, the
                    median latency
  --concurrency C   how many run at once (default 1; at most N)
  --input JSON      the execution input (default {})
  --price P         force the checker's price, 0-${MAX_STOCK_PRICE}, to take the buy or the sell path
  --fail-batch      make the batch program fail, to exercise Catch and Error
  --interrupt-batch N
                    end the first N batch runs of each execution as Fargate Spot
                    interruptions (needs batchCapacity FARGATE_SPOT)
  --stack NAME      build the definition from Pulumi.NAME.yaml (default dev)
  --batch DIR       run the batch program in DIR, as its contract.json says to run it here
                    (default batch-container/)
  --set KEY=VALUE   override one of the stack's stock-trader keys (repeatable),
                    such as --set batchCapacity=FARGATE_SPOT
  --json            print machine-readable JSON instead of text
  --help            print this help

Exit codes: 0 every execution succeeded; 1 one did not; 2 bad usage, a config the validation
refuses, a missing stack file or a batch contract that cannot be read; 3 this machine lacks what
the batch program needs to run (said in one line, and nothing is run).`;

interface Options {
    executions: number;
    concurrency: number;
    input: unknown;
    price?: number;
    failBatch: boolean;
    interruptBatch: number;
    stack: string;
    /** The batch program's folder. */
    batch: string;
    /** Overrides of the stack file's stock-trader keys. */
    set: Record<string, string>;
    json: boolean;
    help: boolean;
}

export const OPTIONS = {
    executions: { type: "string", default: "1", integer: { min: 1, max: 100000 } },
    concurrency: { type: "string", default: "1", integer: { min: 1, max: 1000 } },
    input: { type: "string" },
    price: { type: "string", integer: { min: 0, max: MAX_STOCK_PRICE } },
    "fail-batch": { type: "boolean", default: false },
    "interrupt-batch": { type: "string", default: "0", integer: { min: 0, max: 100 } },
    stack: { type: "string", default: "dev", pattern: STACK_NAME },
    batch: { type: "string" },
    set: { type: "string", multiple: true, default: [] },
    json: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
} as const satisfies OptionTable;

export function parseOptions(argv: string[]): Options {
    const values = parseFlags(argv, OPTIONS);
    const input = values.input === undefined ? {} : jsonFlag("input", values.input);
    return {
        executions: Number(values.executions),
        concurrency: Number(values.concurrency),
        input,
        price: values.price === undefined ? undefined : Number(values.price),
        failBatch: values["fail-batch"],
        interruptBatch: Number(values["interrupt-batch"]),
        stack: values.stack,
        batch: values.batch === undefined ? BATCH_CONTAINER_DIR : path.resolve(values.batch),
        set: configOverrides(values.set),
        json: values.json,
        help: values.help,
    };
}

const traceTo = (trace: (event: TraceEvent) => void) => (_execution: number, event: ExecutionEvent) => {
    const traced = traceEvent(event);
    if (traced) {
        trace(traced);
    }
};

/** Turns the local engine's events into the shared trace's. */
export function traceEvent(event: ExecutionEvent): TraceEvent | undefined {
    const state = event.state?.name;
    if (state === undefined) {
        return undefined;
    }
    const at = event.timestamp;
    switch (event.type) {
        case "StateEntered":
            return { kind: "entered", state, at };
        case "StateExited":
            return { kind: "exited", state, at, task: batchTask(state, event.state?.output) };
        case "StateFailed":
            return { kind: "failed", state, at, error: event.Error ?? "unknown error", task: batchTask(state, event.Cause) };
        case "StateRetried":
            return { kind: "retried", state, at };
        case "StateCaught":
            return { kind: "caught", state, at };
        default:
            return undefined;
    }
}

/**
 * The progress of a long run on `stream` (stderr): on a terminal a bar drawn over itself; on a pipe
 * or a file, where a bar would be noise, a line at most once a progress interval
 * (STOCK_TRADER_PROGRESS_SECONDS) and one when all are done, so that a log shows the run is alive.
 */
export function progressBar(
    total: number,
    stream: Pick<NodeJS.WriteStream, "isTTY" | "write"> = process.stderr,
    now: () => number = Date.now,
): (done: number) => void {
    if (!stream.isTTY) {
        const say = everyInterval((line) => stream.write(`${line}\n`), now);
        return (done) => say(`  ${done} of ${total} executions done`, done === total);
    }
    return (done) => {
        const width = 30;
        const filled = Math.round((done / total) * width);
        stream.write(`\r  [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${done}/${total}${done === total ? "\n" : ""}`);
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

function printResult(write: (line?: string) => void, result: ExecutionResult): void {
    write();
    write(`Status: ${result.status} (${result.durationMs.toFixed(0)} ms)`);
    if (result.status === "SUCCEEDED") {
        write(`Output: ${JSON.stringify(result.output, null, 2)}`);
    } else {
        write(`Error: ${result.error}`);
        write(`Cause: ${result.cause}`);
    }
}

/** The tool: runs the executions, prints their trace or summary, and returns the exit code: 0, 1 when any failed, 2 on bad usage. */
export async function main(argv: string[], io: ToolIo = processIo): Promise<number> {
    const write = (line = "") => io.out(line);
    let options: Options | undefined;
    let config;
    let batchProgram: BatchProgram;
    try {
        options = parseOptions(argv);
        if (options.help) {
            write(USAGE);
            return 0;
        }
        config = loadStackConfig(options.stack, options.set, io.err);
        // What the batch program needs is checked before anything runs: a machine without it
        // is told so in one line, not shown executions that failed for it.
        batchProgram = prepareBatch(options.batch);
    } catch (error) {
        if (error instanceof MissingRuntime) {
            io.err(error.message);
            return 3;
        }
        if (error instanceof ContractError) {
            io.err(error.message);
            return 2;
        }
        return refuseCaller(error, io, USAGE, options?.stack);
    }

    if (options.interruptBatch > 0 && config.batchCapacity !== "FARGATE_SPOT") {
        io.err(
            `--interrupt-batch needs batchCapacity FARGATE_SPOT: on-demand Fargate tasks are never interrupted ` +
                `(the ${options.stack} stack uses ${config.batchCapacity}; add --set batchCapacity=FARGATE_SPOT)`,
        );
        return 2;
    }

    const single = options.executions === 1;
    if (!options.json) {
        write(
            `Simulating ${options.executions} execution(s) of the ${options.stack} definition, ${Math.min(options.concurrency, options.executions)} at a time`,
        );
    }
    let done = 0;
    // The bar goes to this process's standard error only where the tool runs as the process.
    const progress = progressBar(
        options.executions,
        io === processIo ? process.stderr : { isTTY: false, write: (chunk: string) => (io.err(chunk.trimEnd()), true) },
    );
    const report = await runWorkflow({
        config,
        batchProgram,
        executions: options.executions,
        concurrency: options.concurrency,
        input: options.input as never,
        price: options.price,
        failBatch: options.failBatch,
        interruptBatch: options.interruptBatch,
        onEvent: single && !options.json ? traceTo(stateTracer(write)) : undefined,
        onExecutionEnd: single ? undefined : () => progress(++done),
    });
    const summary = summarize(report);

    if (options.json) {
        write(JSON.stringify(single ? { ...report.results[0], summary } : { summary, results: report.results }, null, 2));
    } else if (single) {
        printResult(write, report.results[0]);
    } else {
        write();
        for (const [key, value] of Object.entries(summary)) {
            write(`  ${SUMMARY_LABELS[key as keyof typeof summary].padEnd(24)} ${value}`);
        }
    }
    return summary.failed === 0 ? 0 : 1;
}
