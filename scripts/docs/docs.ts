/**
 * npm run docs: writes every figure the docs show that a tool prints. A block in README.md, a
 * `docs/` page or CONTRIBUTING.md between `<!-- npm run TOOL -- ARGS -->` and `<!-- end of npm run TOOL -- ARGS -->`
 * holds what `npm run TOOL -- ARGS` prints, run in this process: as a transcript in a fence, or
 * as it is where the tool prints Markdown (a table, a diagram). The workflow diagrams are
 * redrawn with them. `--check` writes nothing and exits 1 where a block differs from what the
 * tool prints now, naming the file and the line.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../model/project";
import { parseFlags, processIo, refuseCaller, UsageError, type OptionTable, type ToolIo } from "../cli/cli";
import { main as batchCheck } from "../local/batch-check";
import { main as counts } from "../bench/test";
import { main as cost } from "../local/cost";
import { main as e2e } from "../e2e/main";
import { withDiagrams } from "./diagram";
import { main as simulate } from "../local/simulate";
import { main as show } from "../local/show";

export const USAGE = `usage: npm run docs -- [options]

Rewrites each block of README.md, docs/*.md and CONTRIBUTING.md that shows what a tool prints,
and the workflow diagrams, from what the tools print now.

  --check    write nothing; exit 1 if any block differs from what its tool prints, naming it
  --help     print this help

Exit codes: 0 written (with --check, nothing stale); 1 a block is stale or its command fails; 2 bad usage or a block without its end.`;

/** A block its tool refuses to run: the docs name a command that does not work. */
class BlockError extends Error {}

type Tool = (argv: string[], io: ToolIo) => Promise<number>;

/** The tools a block may run, by their npm script name. */
const TOOLS: Readonly<Record<string, Tool>> = { cost, simulate, show, "test:e2e": e2e, "bench:test": counts, "batch:check": batchCheck };

/** A generated block: its opening marker's command, and where its body starts and ends. */
interface Block {
    command: string;
    tool: string;
    args: string[];
    from: number;
    to: number;
    line: number;
}

const OPENING = /^<!-- npm run ([a-z0-9:-]+)(?: -- (.+?))? -->$/gm;

/** Every generated block in a document, in order; throws on a block without its end marker. */
export function findBlocks(text: string, file: string): Block[] {
    return [...text.matchAll(OPENING)].map((match) => {
        const command = `npm run ${match[1]}${match[2] === undefined ? "" : ` -- ${match[2]}`}`;
        const end = `<!-- end of ${command} -->`;
        const from = match.index + match[0].length + 1;
        const to = text.indexOf(end, from);
        const line = text.slice(0, match.index).split("\n").length;
        if (to < 0) {
            throw new UsageError(`${file}:${line}: ${command} has no ${end}`);
        }
        if (!Object.hasOwn(TOOLS, match[1])) {
            throw new UsageError(`${file}:${line}: npm run ${match[1]} is not a tool the docs run (${Object.keys(TOOLS).join(", ")})`);
        }
        return { command, tool: match[1], args: match[2]?.split(" ") ?? [], from, to, line };
    });
}

/** What a block holds for what its tool printed: Markdown as printed, anything else as a transcript. */
export function blockBody(command: string, stdout: string): string {
    const printed = stdout.replace(/\n+$/, "");
    return /^(\||```)/.test(printed) ? `${printed}\n` : `\`\`\`text\n$ ${command}\n${printed}\n\`\`\`\n`;
}

/**
 * What changes from one run of a tool to the next without the code changing: durations, rates,
 * latencies, random IDs, quantities and times. A check compares blocks with these masked, and a
 * write leaves a block that differs only in these as it was.
 */
export function withoutVolatile(text: string): string {
    return (
        text
            .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, "<uuid>")
            .replace(/\/[0-9a-f]{32}\b/g, "/<task-id>")
            .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z/g, "<time>")
            // With the spaces that align it, as their number depends on the number's digits.
            .replace(/ *\b\d+ ms\b/g, " <n> ms")
            // A trade's quantity is drawn at random, as the SAM sample's functions draw it.
            .replace(/"qty": "\d+"/g, '"qty": "<n>"')
            .replace(/^( +\S[^\n]*?(?:per second|latency \(ms\)) +)[\d.]+$/gm, "$1<n>")
    );
}

/** Runs a block's tool and gives the block's new body; a tool that fails names the block. */
async function render(block: Block, file: string): Promise<string> {
    const out: string[] = [];
    const err: string[] = [];
    const code = await TOOLS[block.tool](block.args, { out: (line) => out.push(line), err: (line) => err.push(line) });
    // A tool may end 1 on purpose (an example of a failing execution); 2 is a block the tool refuses.
    if (code === 2) {
        throw new BlockError(`${file}:${block.line}: ${block.command} exited 2: ${err.join("\n")}`);
    }
    return blockBody(block.command, out.join("\n"));
}

/** The documents the blocks are in: README.md, every page of docs/, and CONTRIBUTING.md where there is one. */
export function documents(root = PROJECT_ROOT): string[] {
    const pages = path.join(root, "docs");
    const inDocs = fs.existsSync(pages) ? fs.readdirSync(pages).filter((name) => name.endsWith(".md")) : [];
    const contributing = path.join(root, "CONTRIBUTING.md");
    return [path.join(root, "README.md"), ...inDocs.sort().map((name) => path.join(pages, name)), ...(fs.existsSync(contributing) ? [contributing] : [])];
}

/** A document's text with its workflow diagrams, where it has their markers, redrawn. */
const diagrams = (text: string): string => (text.includes("<!-- diagram:") ? withDiagrams(text) : text);

/** A document's text with every block and its diagrams rendered afresh, and what differs (volatile parts aside). */
export async function regenerate(text: string, file: string): Promise<{ text: string; stale: string[] }> {
    const stale: string[] = [];
    let result = "";
    let at = 0;
    for (const block of findBlocks(text, file)) {
        const fresh = await render(block, file);
        const old = text.slice(block.from, block.to);
        // A block whose tool prints what it held, but for what differs on every run (durations,
        // IDs, times), keeps its bytes: a write changes only what changed.
        const body = withoutVolatile(fresh) === withoutVolatile(old) ? old : fresh;
        if (body !== old) {
            stale.push(`${file}:${block.line}: ${block.command}`);
        }
        result += text.slice(at, block.from) + body;
        at = block.to;
    }
    result += text.slice(at);
    const redrawn = diagrams(result);
    return { text: redrawn, stale: redrawn === result ? stale : [...stale, `${file}: the workflow diagrams`] };
}

export const OPTIONS = { check: { type: "boolean", default: false }, help: { type: "boolean", default: false } } as const satisfies OptionTable;

/** The tool: 0 when written (or, with --check, when nothing is stale), 1 when --check finds a stale block or a block's command fails, 2 on bad usage. */
export async function main(argv: string[], io: ToolIo = processIo, files = documents()): Promise<number> {
    try {
        const flags = parseFlags(argv, OPTIONS);
        if (flags.help) {
            io.out(USAGE);
            return 0;
        }
        const stale: string[] = [];
        for (const file of files) {
            const before = await fs.promises.readFile(file, "utf8");
            const after = await regenerate(before, path.relative(PROJECT_ROOT, file));
            stale.push(...after.stale);
            if (!flags.check && after.text !== before) {
                await fs.promises.writeFile(file, after.text);
            }
        }
        if (flags.check) {
            stale.forEach((block) => io.err(`stale: ${block} (run npm run docs)`));
            return stale.length === 0 ? 0 : 1;
        }
        io.out(stale.length === 0 ? "the docs were up to date" : `rewrote ${stale.length} block(s):\n${stale.map((b) => `  ${b}`).join("\n")}`);
        return 0;
    } catch (error) {
        if (error instanceof BlockError) {
            io.err(error.message);
            return 1;
        }
        return refuseCaller(error, io, USAGE);
    }
}
