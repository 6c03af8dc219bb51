/**
 * npm run batch:try: tries another batch program in place of batch-container/, in a copy of the
 * project, as a maintainer replacing it would: the contract check, `npm run simulate`,
 * `npm run docs` and `npm test` there, then the files that differ from this project, by why they
 * differ. The copy is a git repository of its own, so each stage's changes are git's to list.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ContractError, readBatchContract } from "../../model/batch-contract";
import { BATCH_CONTEXT, PROJECT_ROOT } from "../../model/project";
import { parseFlags, processIo, refuseCaller, UsageError, type OptionTable, type ToolIo } from "../cli/cli";

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

/** How a command ran: its exit code and what it printed. */
export interface Ran {
    status: number;
    output: string;
}

/** What the tool runs in the copy; a test stands in for the npm runs. */
export interface TryDeps extends ToolIo {
    run: (command: string, args: readonly string[], cwd: string) => Ran;
}

const spawn = (command: string, args: readonly string[], cwd: string): Ran => {
    const ran = spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    return { status: ran.status ?? 1, output: `${ran.stdout ?? ""}${ran.stderr ?? ""}` };
};

const defaultDeps: TryDeps = { ...processIo, run: spawn };

/** Git in the copy, as no particular person. */
const git = (cwd: string, ...args: string[]): string => {
    const ran = spawnSync("git", ["-c", "user.name=batch-try", "-c", "user.email=batch-try@localhost", "-c", "commit.gpgsign=false", ...args], {
        cwd,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    if (ran.status !== 0) {
        throw new Error(`git ${args.join(" ")} failed in ${cwd}: ${ran.stderr}`);
    }
    return ran.stdout;
};

/** Commits everything in the copy, and lists what changed since the last commit (none for the first), as `git diff --name-status` does. */
function stage(dir: string, message: string): string[] {
    git(dir, "add", "-A");
    if (git(dir, "status", "--porcelain").trim() === "") {
        return [];
    }
    const first = spawnSync("git", ["rev-parse", "--verify", "-q", "HEAD"], { cwd: dir }).status !== 0;
    git(dir, "commit", "-q", "-m", message);
    return first ? [] : git(dir, "diff", "--name-status", "--no-renames", "HEAD~1", "HEAD").trim().split("\n").filter(Boolean);
}

/** The project's files, as git knows them (tracked, and untracked but not ignored), copied to `dir`. */
function copyProject(dir: string): void {
    const files = spawnSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
        cwd: PROJECT_ROOT,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    })
        .stdout.split("\0")
        .filter((file) => file !== "" && fs.existsSync(path.join(PROJECT_ROOT, file)) && fs.lstatSync(path.join(PROJECT_ROOT, file)).isFile());
    for (const file of files) {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.copyFileSync(path.join(PROJECT_ROOT, file), path.join(dir, file));
        fs.chmodSync(path.join(dir, file), fs.statSync(path.join(PROJECT_ROOT, file)).mode);
    }
    // The installed packages are shared, not copied: the copy runs on exactly this project's.
    fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(dir, "node_modules"), "dir");
}

/** The batch program's folder put in place of batch-container/: its files, without what it installed or built. */
function swapBatch(dir: string, batch: string): void {
    const target = path.join(dir, BATCH_CONTEXT);
    fs.rmSync(target, { recursive: true, force: true });
    fs.cpSync(batch, target, { recursive: true, filter: (src) => path.basename(src) !== "node_modules" });
}

/** The lines of a run worth showing: its tally, or its last line. */
function outcome(ran: Ran, pattern: RegExp): string {
    const lines = ran.output.trimEnd().split("\n");
    return lines.filter((line) => pattern.test(line)).join("; ") || (lines.at(-1) ?? "");
}

export async function batchTry(argv: string[], deps: TryDeps = defaultDeps): Promise<number> {
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
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stock-trader-batch-try-"));
    try {
        copyProject(dir);
        git(dir, "init", "-q");
        // The shared packages are a link, which git would otherwise hold as a file of the copy.
        fs.appendFileSync(path.join(dir, ".git", "info", "exclude"), "/node_modules\n");
        stage(dir, "the project");
        swapBatch(dir, batch);
        const swapped = stage(dir, "the batch program swapped");
        deps.out(`Copied the project to ${dir}, with ${path.relative(PROJECT_ROOT, batch) || batch}/ in place of ${BATCH_CONTEXT}/`);

        const inBatch = (line: string) => line.split("\t")[1].startsWith(`${BATCH_CONTEXT}/`);
        const byHand = swapped.filter((line) => inBatch(line) && !line.startsWith("D"));
        const removed = swapped.filter((line) => inBatch(line) && line.startsWith("D"));
        let failed = false;
        const step = (label: string, command: string, args: readonly string[], pattern: RegExp) => {
            deps.out(`… ${label}`);
            const ran = deps.run(command, args, dir);
            failed ||= ran.status !== 0;
            deps.out(`${ran.status === 0 ? "✔" : "✖"} ${label}: ${outcome(ran, pattern)}${ran.status === 0 ? "" : ` (exit ${ran.status})`}`);
            return ran;
        };
        step("npm run batch:check", "npm", ["run", "--silent", "batch:check"], /^\d+ checks: /);
        step("npm run simulate", "npm", ["run", "--silent", "simulate"], /^Status: /);
        step("npm run docs", "npm", ["run", "--silent", "docs"], /^(rewrote|the docs were)/);
        const rewritten = stage(dir, "npm run docs");
        const tested = step("npm test", "npm", ["test"], /^\s*\d+ (passing|failing|pending)/);
        // mocha's list of failures: "  1) <suite>" then the test's title, ending with a colon.
        const failing = [...tested.output.matchAll(/^ {2}\d+\) (.+)\n((?:\s{5,}.+\n)*?)\s{5,}(.+):$/gm)].map((m) => `${m[1].trim()}: ${m[3].trim()}`);
        const other = [...stage(dir, "what the runs left"), ...swapped.filter((line) => !inBatch(line))];

        const list = (title: string, lines: readonly string[]) => {
            deps.out(`${title}: ${lines.length === 0 ? "none" : `${lines.length} file(s)`}`);
            lines.forEach((line) => deps.out(`  ${line.replace("\t", " ")}`));
        };
        list(`Changed by hand, in ${BATCH_CONTEXT}/`, byHand);
        list("Removed with the old program", removed);
        list("Rewritten by npm run docs", rewritten);
        list("Anything else that differs", other);
        if (failing.length > 0) {
            deps.out(`Failing tests: ${failing.length}`);
            failing.forEach((title) => deps.out(`  ${title}`));
        }
        if (values.keep) {
            deps.out(`Kept the copy: ${dir}`);
        }
        return failed || other.length > 0 ? 1 : 0;
    } finally {
        if (!values.keep) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    }
}

export function main(argv: string[], io: ToolIo = processIo): Promise<number> {
    return batchTry(argv, { ...defaultDeps, ...io });
}
