import * as fs from "node:fs";
import * as path from "node:path";
import { BATCH_CONTAINER_DIR } from "./project";

export interface Instruction {
    keyword: string;
    /** The instruction's arguments as written, continuation lines joined. */
    args: string;
}

/** Splits a Dockerfile into instructions, dropping comments and joining `\` continuations. */
export function parseDockerfile(text: string): Instruction[] {
    const logical = text
        .replace(/\\\r?\n/g, " ")
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== "" && !line.startsWith("#"));
    return logical.map((line) => {
        const [, keyword, args] = /^(\S+)\s*([\s\S]*)$/.exec(line) ?? [];
        return { keyword: keyword.toUpperCase(), args };
    });
}

/** The exec-form JSON array of an instruction, or undefined when it is in shell form. */
export function execForm(instruction: Instruction | undefined): string[] | undefined {
    if (!instruction) {
        return undefined;
    }
    try {
        const value: unknown = JSON.parse(instruction.args);
        return Array.isArray(value) && value.every((v) => typeof v === "string") ? value : undefined;
    } catch {
        return undefined;
    }
}

/** The instructions of the Dockerfile in a batch program's folder (batch-container/ unless said). */
export function readBatchDockerfile(dir = BATCH_CONTAINER_DIR): Instruction[] {
    return parseDockerfile(fs.readFileSync(path.join(dir, "Dockerfile"), "utf8"));
}

/** The last instruction with this keyword, as Docker applies it. */
export function lastInstruction(instructions: Instruction[], keyword: string): Instruction | undefined {
    return instructions.filter((i) => i.keyword === keyword).at(-1);
}
