/**
 * npm run batch:try: tries another batch program in place of batch-container/, in a copy of the
 * project (project-copy.ts), as a maintainer replacing it would: the contract check,
 * `npm run simulate`, `npm run docs` and `npm test` there, then the files that differ from this
 * project, by why they differ.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { ContractError, readBatchContract } from "../../model/batch-contract";
import { BATCH_CONTEXT, PROJECT_ROOT } from "../../model/project";
import { parseFlags, processIo, refuseCaller, UsageError, type OptionTable, type ToolIo } from "../cli/cli";
import { defaultTryDeps, listFailing, listFiles, ProjectCopy, Steps, type TryDeps } from "./project-copy";

export type { Ran } from "./project-copy";

export const USAGE = `usage: npm run batch:try -- --batch DIR [--keep]

Copies the project (the files git tracks, and those it would) to a temporary folder, puts the
batch program in DIR in place of batch-container/, and runs there the contract check,
npm run simulate, npm run docs and npm test, each as a maintainer would. Prints each one's
outcome, then the files that differ from this project: the new program's, the old program's
(gone with it), those npm run docs rewrote, and any other.

  --batch DIR    the batch program's folder, with its contract.json (such as examples/python-batch)
  --keep         leave the copy, and print where it is
  --help         print this help

Exit codes: 0 every run passed, and nothing outside batch-container/ differs but what
npm run docs rewrote; 1 otherwise; 2 bad usage, or a folder without a readable contract.`;

export const OPTIONS = {
    batch: { type: "string" },
    keep: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
} as const satisfies OptionTable;

/** The batch program's folder put in place of batch-container/: its files, without what it installed or built. */
function swapBatch(dir: string, batch: string): void {
    const target = path.join(dir, BATCH_CONTEXT);
    fs.rmSync(target, { recursive: true, force: true });
    fs.cpSync(batch, target, { recursive: true, filter: (src) => path.basename(src) !== "node_modules" });
}

export async function batchTry(argv: string[], deps: TryDeps = defaultTryDeps): Promise<number> {
    let values;
    let batch: string;
    try {
        values = parseFlags(argv, OPTIONS);
        if (values.help) {
            deps.out(USAGE);
            return 0;
        }
        if (values.batch === undefined) {
            throw new UsageError("give --batch DIR, the batch program to try");
        }
        batch = path.resolve(values.batch);
        readBatchContract(batch);
    } catch (error) {
        if (error instanceof ContractError) {
            deps.err(error.message);
            return 2;
        }
        return refuseCaller(error, deps, USAGE);
    }
    const copy = new ProjectCopy();
    try {
        swapBatch(copy.dir, batch);
        const swapped = copy.stage("the batch program swapped");
        deps.out(`Copied the project to ${copy.dir}, with ${path.relative(PROJECT_ROOT, batch) || batch}/ in place of ${BATCH_CONTEXT}/`);

        const inBatch = (line: string) => line.split("\t")[1].startsWith(`${BATCH_CONTEXT}/`);
        const byHand = swapped.filter((line) => inBatch(line) && !line.startsWith("D"));
        const removed = swapped.filter((line) => inBatch(line) && line.startsWith("D"));
        const steps = new Steps(deps, copy.dir);
        steps.run("npm run batch:check", "npm", ["run", "--silent", "batch:check"], /^\d+ checks: /);
        steps.run("npm run simulate", "npm", ["run", "--silent", "simulate"], /^Status: /);
        steps.run("npm run docs", "npm", ["run", "--silent", "docs"], /^(rewrote|the docs were)/);
        const rewritten = copy.stage("npm run docs");
        const failing = steps.test();
        const other = [...copy.stage("what the runs left"), ...swapped.filter((line) => !inBatch(line))];

        listFiles(deps, `Changed by hand, in ${BATCH_CONTEXT}/`, byHand);
        listFiles(deps, "Removed with the old program", removed);
        listFiles(deps, "Rewritten by npm run docs", rewritten);
        listFiles(deps, "Anything else that differs", other);
        listFailing(deps, failing);
        if (values.keep) {
            deps.out(`Kept the copy: ${copy.dir}`);
        }
        return steps.failed || other.length > 0 ? 1 : 0;
    } finally {
        if (!values.keep) {
            copy.remove();
        }
    }
}

export function main(argv: string[], io: ToolIo = processIo): Promise<number> {
    return batchTry(argv, { ...defaultTryDeps, ...io });
}
