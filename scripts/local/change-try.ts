/**
 * npm run change:try: applies a change, kept as a patch, to a copy of the project
 * (project-copy.ts), and makes there what CONTRIBUTING says follows from it: the snapshots, the
 * docs, the lint and the tests. Prints the change's diffstat, then the files each step rewrote,
 * anything else that differs, and the tests that failed. The changes in `docs/changes/`
 * are the recipes of CONTRIBUTING, made by the book.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../model/project";
import { parseFlags, processIo, refuseCaller, UsageError, type OptionTable, type ToolIo } from "../cli/cli";
import { defaultTryDeps, git, listFailing, listFiles, ProjectCopy, Steps, type TryDeps } from "./project-copy";

export const USAGE = `usage: npm run change:try -- --patch FILE [--keep]

Copies the project (the files git tracks, and those it would) to a temporary folder, applies the
patch there (git apply), and runs npm run snapshots, npm run docs, npm run lint and npm test, as
a maintainer making the change would. Prints the patch's diffstat (the files it edits by hand),
each run's outcome, the files npm run snapshots and npm run docs rewrote, anything else that
differs, and each failing test.

  --patch FILE   the change, as git diff writes it (such as docs/changes/publish-trade.patch)
  --keep         leave the copy, and print where it is
  --help         print this help

Exit codes: 0 every run passed and nothing differs but the patch's files and what the runs
rewrote; 1 otherwise; 2 bad usage, or a patch that does not apply to the project as it is.`;

export const OPTIONS = {
    patch: { type: "string" },
    keep: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
} as const satisfies OptionTable;

/** Thrown when a patch does not apply to the project as it is. */
class PatchError extends Error {}

export async function changeTry(argv: string[], deps: TryDeps = defaultTryDeps): Promise<number> {
    let values;
    let patch: string;
    try {
        values = parseFlags(argv, OPTIONS);
        if (values.help) {
            deps.out(USAGE);
            return 0;
        }
        if (values.patch === undefined) {
            throw new UsageError("give --patch FILE, the change to try");
        }
        patch = path.resolve(values.patch);
        if (!fs.existsSync(patch) || !fs.statSync(patch).isFile()) {
            throw new UsageError(`--patch ${values.patch} is not a file`);
        }
    } catch (error) {
        return refuseCaller(error, deps, USAGE);
    }
    const copy = new ProjectCopy();
    try {
        try {
            git(copy.dir, "apply", "--whitespace=nowarn", patch);
        } catch (error) {
            throw new PatchError(
                `${path.relative(PROJECT_ROOT, patch) || patch} does not apply to the project as it is: ${(error as Error).message.split(": ").slice(1).join(": ")}`,
            );
        }
        const byHand = copy.stage("the change");
        const stat = git(copy.dir, "diff", "--stat=160", "HEAD~1", "HEAD").trimEnd().split("\n");
        deps.out(`Copied the project to ${copy.dir}, and applied ${path.relative(PROJECT_ROOT, patch) || patch}: ${byHand.length} file(s) by hand`);
        stat.forEach((line) => deps.out(line));

        const steps = new Steps(deps, copy.dir);
        steps.run("npm run snapshots", "npm", ["run", "--silent", "snapshots"], /^(no snapshot changed|changed)/);
        const snapshots = copy.stage("npm run snapshots");
        steps.run("npm run docs", "npm", ["run", "--silent", "docs"], /^(rewrote|the docs were)/);
        const rewritten = copy.stage("npm run docs");
        steps.run(
            "npm run lint",
            "npm",
            ["run", "--silent", "lint"],
            /^✖ \d+ problems?|error TS\d+/,
            "no problem: the type check, the import cycles and ESLint",
        );
        const failing = steps.test();
        const other = copy.stage("what the runs left");

        listFiles(deps, "Changed by hand", byHand);
        listFiles(deps, "Written again by npm run snapshots", snapshots);
        listFiles(deps, "Rewritten by npm run docs", rewritten);
        listFiles(deps, "Anything else that differs", other);
        listFailing(deps, failing);
        if (values.keep) {
            deps.out(`Kept the copy: ${copy.dir}`);
        }
        return steps.failed || other.length > 0 ? 1 : 0;
    } catch (error) {
        if (error instanceof PatchError) {
            deps.err(error.message);
            return 2;
        }
        throw error;
    } finally {
        if (!values.keep) {
            copy.remove();
        }
    }
}

export function main(argv: string[], io: ToolIo = processIo): Promise<number> {
    return changeTry(argv, { ...defaultTryDeps, ...io });
}
