/** `npm run snapshots`: writes tests/snapshots/workflow.json again, and names the cases that changed. */
import { processIo, runMain, toolFlags, type OptionTable, type ToolIo } from "../../scripts/cli/cli";
import { writeSnapshots } from "./snapshots";

export const USAGE = `usage: npm run snapshots -- [options]

Writes tests/snapshots/workflow.json again: the documents (the definition, the policies) of each
case the model's tests compare against, built by the model as it is now. Names the cases that
changed, so that the diff can be read before it is committed.

  --help     print this help

Exit codes: 0 written; 2 bad usage.`;

export const OPTIONS = { help: { type: "boolean", default: false } } as const satisfies OptionTable;

/** The tool: writes the snapshots and gives 0, or 2 on bad flags. */
export async function main(argv: string[], io: ToolIo = processIo, write: () => Promise<string[]> = writeSnapshots): Promise<number> {
    const flags = toolFlags(argv, OPTIONS, io, USAGE);
    if (typeof flags === "number") {
        return flags;
    }
    const changed = await write();
    io.out(changed.length === 0 ? "no snapshot changed" : `changed, read them in the diff:\n${changed.map((name) => `  ${name}`).join("\n")}`);
    return 0;
}

if (require.main === module) {
    runMain(() => main(process.argv.slice(2)));
}
