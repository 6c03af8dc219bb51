/**
 * A copy of the project to try a change in, as a maintainer would make it, without touching the
 * project: the files git knows, in a temporary git repository of its own, on the project's
 * installed packages. Each stage is committed, so git lists what each one changed. batch:try and
 * change:try run their steps in one.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../model/project";
import { processIo, type ToolIo } from "../cli/cli";

/** How a command ran: its exit code and what it printed. */
export interface Ran {
    status: number;
    output: string;
}

/** What a try runs in the copy; a test stands in for the npm runs. */
export interface TryDeps extends ToolIo {
    run: (command: string, args: readonly string[], cwd: string) => Ran;
}

const spawn = (command: string, args: readonly string[], cwd: string): Ran => {
    const ran = spawnSync(command, args, { cwd, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    return { status: ran.status ?? 1, output: `${ran.stdout ?? ""}${ran.stderr ?? ""}` };
};

export const defaultTryDeps: TryDeps = { ...processIo, run: spawn };

/** Git in `cwd`, as no particular person; throws with git's own words when it fails. */
export function git(cwd: string, ...args: string[]): string {
    const ran = spawnSync("git", ["-c", "user.name=project-copy", "-c", "user.email=project-copy@localhost", "-c", "commit.gpgsign=false", ...args], {
        cwd,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
    });
    if (ran.status !== 0) {
        throw new Error(`git ${args.join(" ")} failed in ${cwd}: ${ran.stderr.trim()}`);
    }
    return ran.stdout;
}

/** The project copied to a temporary folder, committed as it was. */
export class ProjectCopy {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "stock-trader-try-"));
    /** Whether the copy has its first commit yet. */
    private committed = false;

    constructor() {
        const files = git(PROJECT_ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
            .split("\0")
            .filter((file) => file !== "" && fs.existsSync(path.join(PROJECT_ROOT, file)) && fs.lstatSync(path.join(PROJECT_ROOT, file)).isFile());
        for (const file of files) {
            fs.mkdirSync(path.dirname(path.join(this.dir, file)), { recursive: true });
            fs.copyFileSync(path.join(PROJECT_ROOT, file), path.join(this.dir, file));
            fs.chmodSync(path.join(this.dir, file), fs.statSync(path.join(PROJECT_ROOT, file)).mode);
        }
        // The installed packages are shared, not copied: the copy runs on exactly this project's.
        fs.symlinkSync(path.join(PROJECT_ROOT, "node_modules"), path.join(this.dir, "node_modules"), "dir");
        git(this.dir, "init", "-q");
        // The shared packages are a link, which git would otherwise hold as a file of the copy.
        fs.appendFileSync(path.join(this.dir, ".git", "info", "exclude"), "/node_modules\n");
        this.stage("the project");
    }

    /** Commits everything in the copy, a stage that changed nothing as an empty commit, and lists what changed since the last commit (none for the first), as `git diff --name-status` does. */
    stage(message: string): string[] {
        git(this.dir, "add", "-A");
        const changed = this.committed ? git(this.dir, "diff", "--cached", "--name-status", "--no-renames", "HEAD").trim().split("\n").filter(Boolean) : [];
        git(this.dir, "commit", "-q", "--allow-empty", "-m", message);
        this.committed = true;
        return changed;
    }

    remove(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

/** The lines of a run worth showing: its tally; or, where it prints none, `quiet` when it passed, and its last line otherwise. */
function outcome(ran: Ran, pattern: RegExp, quiet?: string): string {
    const lines = ran.output.trimEnd().split("\n");
    return lines.filter((line) => pattern.test(line)).join("; ") || (ran.status === 0 && quiet !== undefined ? quiet : (lines.at(-1) ?? ""));
}

/** Runs the steps of a try in the copy, one line before and one after each, and remembers whether any failed. */
export class Steps {
    failed = false;

    constructor(
        private readonly deps: TryDeps,
        private readonly dir: string,
    ) {}

    /** Runs one step; `quiet` is what a passing run that prints no tally is said to have done. */
    run(label: string, command: string, args: readonly string[], pattern: RegExp, quiet?: string): Ran {
        this.deps.out(`… ${label}`);
        const ran = this.deps.run(command, args, this.dir);
        this.failed ||= ran.status !== 0;
        this.deps.out(`${ran.status === 0 ? "✔" : "✖"} ${label}: ${outcome(ran, pattern, quiet)}${ran.status === 0 ? "" : ` (exit ${ran.status})`}`);
        return ran;
    }

    /** npm test, and the title of each test it failed: mocha's "  1) <suite>", then the test's title ending with a colon. */
    test(): string[] {
        const tested = this.run("npm test", "npm", ["test"], /^\s*\d+ (passing|failing|pending)/);
        return [...tested.output.matchAll(/^ {2}\d+\) (.+)\n((?:\s{5,}.+\n)*?)\s{5,}(.+):$/gm)].map((m) => `${m[1].trim()}: ${m[3].trim()}`);
    }
}

/** A list of files by why they differ, as `git diff --name-status` gave them. */
export function listFiles(io: ToolIo, title: string, lines: readonly string[]): void {
    io.out(`${title}: ${lines.length === 0 ? "none" : `${lines.length} file(s)`}`);
    lines.forEach((line) => io.out(`  ${line.replace("\t", " ")}`));
}

/** The failing tests a try found, if any. */
export function listFailing(io: ToolIo, failing: readonly string[]): void {
    if (failing.length > 0) {
        io.out(`Failing tests: ${failing.length}`);
        failing.forEach((title) => io.out(`  ${title}`));
    }
}
