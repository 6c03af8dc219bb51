import { execFileSync, spawn } from "node:child_process";
import { constants } from "node:os";
import { BATCH_CONTAINER_DIR } from "../model/project";
import { execForm, lastInstruction, readBatchDockerfile, type Instruction } from "../batch-container/dockerfile";

export interface BatchRun {
    exitCode: number;
    stdout: string;
    stderr: string;
    durationMs: number;
}

let built = false;

/**
 * Builds `dist/` with the same build script the image's build stage runs, once per process: the
 * sources do not change while a run or a test suite is under way.
 */
export function buildBatchProgram(): void {
    if (!built) {
        execFileSync(process.execPath, ["build.mjs"], { cwd: BATCH_CONTAINER_DIR, stdio: "inherit" });
        built = true;
    }
}

/** How the image starts the program, as its Dockerfile says. */
export interface BatchImage {
    /** The ENTRYPOINT, with `node` meaning the Node.js running this process. */
    entrypoint: string[];
    /** The CMD: the arguments used when no override replaces them. */
    defaultCommand: string[];
}

/** Reads ENTRYPOINT and CMD from the Dockerfile's instructions, once per caller rather than once per run. */
export function readBatchImage(instructions: Instruction[] = readBatchDockerfile()): BatchImage {
    const entrypoint = execForm(lastInstruction(instructions, "ENTRYPOINT"));
    if (!entrypoint || entrypoint.length === 0) {
        throw new Error("batch-container/Dockerfile must have an exec-form ENTRYPOINT");
    }
    return {
        entrypoint: entrypoint[0] === "node" ? [process.execPath, ...entrypoint.slice(1)] : entrypoint,
        defaultCommand: execForm(lastInstruction(instructions, "CMD")) ?? [],
    };
}

/** The image of the batch program, built first. */
export function builtBatchImage(): BatchImage {
    buildBatchProgram();
    return readBatchImage();
}

/**
 * Runs the batch program as the container would: the ENTRYPOINT from the image's working
 * directory, `args` in place of CMD, and only the given environment (plus PATH).
 */
export function runBatch(args: readonly string[], env: Record<string, string>, image: BatchImage = readBatchImage()): Promise<BatchRun> {
    const [command, ...entryArgs] = image.entrypoint;
    const started = performance.now();
    return new Promise((resolve, reject) => {
        const child = spawn(command, [...entryArgs, ...args], {
            cwd: BATCH_CONTAINER_DIR,
            env: { PATH: process.env.PATH ?? "", ...env },
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
