import * as fs from "node:fs";
import * as path from "node:path";
import { ContractError } from "./batch-contract";
import { BATCH_CONTAINER_DIR, shownPath } from "./project";

export interface Instruction {
    keyword: string;
    /** The instruction's arguments as written, continuation lines joined. */
    args: string;
}

/** A parser directive (`# escape=\``): read only from the lines before anything else, as BuildKit reads one. */
const DIRECTIVE = /^#[ \t]*([a-z0-9]+)[ \t]*=[ \t]*(.+?)[ \t]*$/i;
const DIRECTIVES = new Set(["escape", "syntax", "check"]);

/** The end of a line that continues on the next: the escape character, blanks after it allowed. */
const CONTINUATIONS: Record<string, RegExp> = { "\\": /\\[ \t]*$/, "`": /`[ \t]*$/ };

/**
 * Splits a Dockerfile into instructions as BuildKit's parser does (moby/buildkit,
 * frontend/dockerfile/parser): a line whose first non-blank is `#` is a comment, inside a
 * continuation too; a line ending in the escape character (`\`, or the one an `escape`
 * directive names), blanks after it allowed, continues on the next line, which joins it as
 * written; blank lines inside a continuation are skipped. A Dockerfile BuildKit would refuse to
 * read is the batch program's contract broken: a ContractError naming `file` and the line.
 */
export function parseDockerfile(text: string, file = "Dockerfile"): Instruction[] {
    const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
    let continues = CONTINUATIONS["\\"];
    let directivesOpen = true;
    const seen = new Set<string>();
    const instructions: Instruction[] = [];
    for (let i = 0; i < lines.length; i++) {
        const start = lines[i].trimStart();
        const directive = directivesOpen ? DIRECTIVE.exec(start) : null;
        const name = directive?.[1].toLowerCase() ?? "";
        if (directive && DIRECTIVES.has(name)) {
            if (seen.has(name)) {
                throw new ContractError(file, `line ${i + 1}: only one ${name} parser directive can be used`);
            }
            seen.add(name);
            if (name === "escape") {
                if (!Object.hasOwn(CONTINUATIONS, directive[2])) {
                    throw new ContractError(file, `line ${i + 1}: invalid escape token '${directive[2]}' does not match \` or \\`);
                }
                continues = CONTINUATIONS[directive[2]];
            }
            continue;
        }
        // Anything else ends the directives: after it, a directive's line is a comment.
        directivesOpen = false;
        if (start.startsWith("#")) {
            continue;
        }
        let line = start.replace(continues, "");
        let ended = line === start;
        while (!ended && i + 1 < lines.length) {
            const next = lines[++i];
            const trimmed = next.trimStart();
            if (trimmed === "" || trimmed.startsWith("#")) {
                continue;
            }
            const joined = next.replace(continues, "");
            ended = joined === next;
            line += joined;
        }
        const [, keyword, args] = /^(\S+)\s*([\s\S]*)$/.exec(line.trim()) ?? [];
        if (keyword !== undefined) {
            instructions.push({ keyword: keyword.toUpperCase(), args });
        }
    }
    return instructions;
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
    const file = path.join(dir, "Dockerfile");
    return parseDockerfile(fs.readFileSync(file, "utf8"), shownPath(file));
}

/** The last instruction with this keyword, as Docker applies it. */
export function lastInstruction(instructions: Instruction[], keyword: string): Instruction | undefined {
    return instructions.filter((i) => i.keyword === keyword).at(-1);
}
