import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

/** Text as one single-quoted shell word: each `'` closed, escaped and reopened. */
const quoted = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;

/** What a stand-in program does when its arguments start with a given prefix. */
export interface StandInReply {
    out?: string;
    err?: string;
    code?: number;
}

/**
 * A folder of stand-in programs to put on PATH in place of real ones (pulumi, docker): each
 * records its arguments, one call per line, and answers by the last-given reply whose key starts them.
 */
export class StandIns {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "stand-ins-"));

    /** Writes the program `name`; arguments that match no prefix exit 64. Its replies are in the script, printed by the shell itself. */
    program(name: string, replies: Record<string, StandInReply>): this {
        const prefixes = Object.keys(replies).reverse();
        const cases = prefixes.map((prefix) => {
            const reply = replies[prefix];
            return `  "${prefix}"*) printf '%s' ${quoted(reply.out ?? "")}; printf '%s' ${quoted(reply.err ?? "")} >&2; exit ${reply.code ?? 0};;`;
        });
        const script = ["#!/bin/sh", `echo "$*" >> "${this.dir}/${name}.calls"`, 'case "$*" in', ...cases, "esac", "exit 64", ""].join("\n");
        fs.writeFileSync(path.join(this.dir, name), script, { mode: 0o755 });
        return this;
    }

    /** The argument lines `name` was called with, in order. */
    calls(name: string): string[] {
        const file = path.join(this.dir, `${name}.calls`);
        return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n") : [];
    }

    remove(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
