/**
 * npm run batch:check: the contract check of a batch program (batch-container/ unless --batch
 * says another folder), run against the local DynamoDB emulator, one line per case; or, with
 * --describe, the contract in words, as the README shows it. Run with --help.
 */
import * as path from "node:path";
import { batchUsage, ContractError, readBatchContract, type BatchContract } from "../../model/batch-contract";
import { BATCH_CONTAINER_DIR, PROJECT_ROOT } from "../../model/project";
import { MissingRuntime, prepareBatch } from "../../local/batch";
import { checkContract } from "../../local/contract-check";
import { processIo, toolFlags, type OptionTable, type ToolIo } from "../cli/cli";

export const USAGE = `usage: npm run batch:check -- [--batch DIR] [--json | --describe]

Runs the batch program in DIR (default batch-container/) as its contract.json says to run it
here, against the local DynamoDB emulator, and checks what the workflow relies on: the trade's
item marked processed with the command's values and nothing else, the exit codes, the refusal
of every command and environment the contract does not allow, and the error line that ends each
failed run.

  --batch DIR    the batch program's folder, holding its contract.json
  --json         print one JSON document: the program, each check, the tally
  --describe     print the contract in words, as a Markdown table, and run nothing
  --help         print this help

Exit codes: 0 every check passed; 1 a check failed; 2 bad usage or a contract that cannot be
read; 3 this machine lacks what the program needs to run (said in one line).`;

export const OPTIONS = {
    batch: { type: "string" },
    json: { type: "boolean", default: false },
    describe: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
} as const satisfies OptionTable;

/** A folder as the tools name it: relative to the project where it is inside. */
const shown = (dir: string) => (path.relative(PROJECT_ROOT, dir).startsWith("..") ? dir : `${path.relative(PROJECT_ROOT, dir) || "."}/`);
const code = (text: string) => `\`${text}\``;

/** The contract in words: one row per part the workflow and the program agree on. */
export function describeContract(contract: BatchContract, dir: string): string[] {
    const { arguments: args, environment, exitCodes, errorLine, table, local } = contract;
    const fields = (map: Readonly<Record<string, string>>) => Object.entries(map).map(([k, v]) => code(`${JSON.stringify(k)}:${JSON.stringify(v)}`));
    const rows: [string, string][] = [
        ["what it does", contract.description],
        [
            "its command",
            `${code(batchUsage(contract))}, as ${code("--NAME VALUE")} or ${code("--NAME=VALUE")} in any order, integers from ${args.minimum} to ${args.maximum}; the stack's ${code("batchCommand")} (default ${code(JSON.stringify(args.example))})`,
        ],
        [
            "its environment",
            `${code(environment.transactionId)}, the trade's id (the workflow's); ${code(environment.tableName)}, the table (the task definition's)`,
        ],
        [
            "its exit codes",
            `${exitCodes.done} done; ${exitCodes.failed} failed (no such trade, an AWS error); ${exitCodes.usage} refused its command or environment`,
        ],
        [
            "its error line",
            `a failed run's last line on stderr: a JSON object with ${fields(errorLine.fields).join(", ")}, and ${fields(errorLine.usageFields).join(", ")} for a refusal`,
        ],
        [
            "the table",
            `on the existing item keyed ${code(table.key)}, sets ${code(table.processedAt)} (ISO 8601 UTC) and ${args.flags.map((f) => code(f.attribute)).join(", ")} (the values), nothing else`,
        ],
        [
            "run here",
            `${code(local.command.join(" "))} in ${code(shown(dir))}${local.build ? `, after ${code(local.build.join(" "))}` : ""}; it needs ${local.needs.map((n) => n.what.replace(/ \(.*$/, "")).join(", ") || "nothing installed"}`,
        ],
    ];
    return [`| ${shown(path.join(dir, "contract.json")).replace(/\/$/, "")} | |`, "| --- | --- |", ...rows.map(([part, text]) => `| ${part} | ${text} |`)];
}

/** The tool: 0 every check passed, 1 one failed, 2 bad usage or contract, 3 a runtime the program needs is missing. */
export async function main(argv: string[], io: ToolIo = processIo): Promise<number> {
    const values = toolFlags(argv, OPTIONS, io, USAGE);
    if (typeof values === "number") {
        return values;
    }
    const dir = values.batch === undefined ? BATCH_CONTAINER_DIR : path.resolve(values.batch);
    try {
        if (values.describe) {
            io.out(describeContract(readBatchContract(dir), dir).join("\n"));
            return 0;
        }
        const program = prepareBatch(dir);
        const checks = await checkContract(program);
        const failed = checks.filter((c) => !c.passed).length;
        const summary = `${checks.length} checks: ${checks.length - failed} passed, ${failed} failed`;
        if (values.json) {
            io.out(
                JSON.stringify(
                    { batch: shown(dir), command: program.contract.local.command, checks, summary: { passed: checks.length - failed, failed } },
                    null,
                    2,
                ),
            );
        } else {
            io.out(
                `Contract check of ${shown(dir)}: ${program.contract.local.command.join(" ")}, as ${shown(path.join(dir, "contract.json")).replace(/\/$/, "")} describes it`,
            );
            checks.forEach((c) => io.out(c.passed ? `  ✔ ${c.name}` : `  ✖ ${c.name}: ${c.problem}`));
            io.out(summary);
        }
        return failed === 0 ? 0 : 1;
    } catch (error) {
        if (error instanceof ContractError) {
            io.err(error.message);
            return 2;
        }
        if (error instanceof MissingRuntime) {
            io.err(error.message);
            return 3;
        }
        throw error;
    }
}
