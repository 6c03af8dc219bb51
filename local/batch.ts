/**
 * The batch program on this machine, as its contract's `local` part says: what it needs
 * installed, the build it runs first, and the command that starts it from its folder, in place
 * of the image's ENTRYPOINT. Any program with a contract runs here the same way.
 */
import { spawn, spawnSync } from "node:child_process";
import { constants } from "node:os";
import * as path from "node:path";
import { readBatchContract, type BatchContract } from "../model/batch-contract";
import { execForm, lastInstruction, readBatchDockerfile } from "../model/dockerfile";
import { BATCH_CONTAINER_DIR, CACHE_DIR, shownPath } from "../model/project";

export interface BatchRun {
    exitCode: number;
    stdout: string;
    stderr: string;
    durationMs: number;
}

/** A batch program ready to run here: its folder, its contract, and how it is started. */
export interface BatchProgram {
    readonly dir: string;
    readonly contract: BatchContract;
    /** The command that starts it, `node` being the Node.js running this process. */
    readonly command: readonly string[];
    /** The Dockerfile's exec-form CMD: the arguments when no override replaces them. */
    readonly defaultCommand: readonly string[];
}

/** What a batch program needs installed and this machine lacks: the caller's to install, said in one line. */
export class MissingRuntime extends Error {
    constructor(
        readonly dir: string,
        readonly missing: readonly string[],
    ) {
        super(`the batch program in ${shownPath(dir)} cannot run here: it needs ${missing.join("; ")}`);
        this.name = "MissingRuntime";
    }
}

/** A contract's command with `node` standing for this Node.js, so the project's own runs on the project's Node. */
const resolved = (command: readonly string[]): string[] => (command[0] === "node" ? [process.execPath, ...command.slice(1)] : [...command]);

/**
 * The needs this process has found met, by folder, command and PATH: one met stays met while the
 * process runs, where one missing is checked again, as after an install.
 */
const met = new Set<string>();

/** What the contract says the program needs and this machine does not have, each with how the command that checks it failed. */
export function missingNeeds(program: Pick<BatchProgram, "dir" | "contract">): string[] {
    return program.contract.local.needs.flatMap(({ command, what }) => {
        const key = JSON.stringify([program.dir, command, process.env.PATH]);
        if (met.has(key)) {
            return [];
        }
        const [bin, ...args] = resolved(command);
        const run = spawnSync(bin, args, { cwd: program.dir, encoding: "utf8", timeout: 30_000 });
        if (run.error !== undefined) {
            return [`${what} (${command.join(" ")}: ${(run.error as NodeJS.ErrnoException).code === "ENOENT" ? `${bin} is not on PATH` : run.error.message})`];
        }
        if (run.status !== 0) {
            return [`${what} (${command.join(" ")} exited ${run.status}: ${run.stderr.trim().split("\n").at(-1) ?? ""})`];
        }
        met.add(key);
        return [];
    });
}

/** The folders whose build has run in this process: the sources do not change while a run is under way. */
const built = new Set<string>();

/**
 * The batch program in `dir`, ready to run: its contract read, what it needs checked (a
 * MissingRuntime names all that is missing), its build run once per process, and its default
 * command read from its Dockerfile.
 */
export function prepareBatch(dir = BATCH_CONTAINER_DIR): BatchProgram {
    const contract = readBatchContract(dir);
    const missing = missingNeeds({ dir, contract });
    if (missing.length > 0) {
        throw new MissingRuntime(dir, missing);
    }
    if (contract.local.build !== undefined && !built.has(dir)) {
        const [bin, ...args] = resolved(contract.local.build);
        const build = spawnSync(bin, args, { cwd: dir, encoding: "utf8" });
        if (build.status !== 0) {
            throw new Error(`the batch program's build (${contract.local.build.join(" ")}, in ${dir}) failed: ${build.error?.message ?? build.stderr.trim()}`);
        }
        built.add(dir);
    }
    let defaultCommand: string[] = [];
    try {
        defaultCommand = execForm(lastInstruction(readBatchDockerfile(dir), "CMD")) ?? [];
    } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
            throw error;
        }
    }
    return { dir, contract, command: resolved(contract.local.command), defaultCommand };
}

/**
 * Where a program run by this Node.js keeps the code V8 compiled from its files (NODE_COMPILE_CACHE),
 * so its next start does not compile its bundle again: a load test starts hundreds.
 */
export const COMPILE_CACHE_DIR = path.join(CACHE_DIR, "batch-compile-cache");

/**
 * Runs the batch program as the container would: its command from its folder, `args` in place
 * of CMD, and only the given environment (plus PATH, and for a program this Node.js runs, its
 * compile cache).
 */
export function runBatch(args: readonly string[], env: Record<string, string>, program: BatchProgram): Promise<BatchRun> {
    const [command, ...entryArgs] = program.command;
    const started = performance.now();
    const cache = command === process.execPath ? { NODE_COMPILE_CACHE: COMPILE_CACHE_DIR } : {};
    return new Promise((resolve, reject) => {
        const child = spawn(command, [...entryArgs, ...args], {
            cwd: program.dir,
            env: { PATH: process.env.PATH ?? "", ...cache, ...env },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
        child.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
        child.once("error", reject);
        child.once("close", (code, signal) =>
            resolve({ exitCode: code ?? 128 + (signal ? constants.signals[signal] : 0), stdout, stderr, durationMs: performance.now() - started }),
        );
    });
}
