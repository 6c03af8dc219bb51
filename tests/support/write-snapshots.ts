/** `npm run snapshots`: writes tests/snapshots/workflow.json again, and names the cases that changed. */
import { processIo, runMain } from "../../scripts/cli/cli";
import { writeSnapshots } from "./snapshots";

runMain(async () => {
    const changed = await writeSnapshots();
    processIo.out(changed.length === 0 ? "no snapshot changed" : `changed, read them in the diff:\n${changed.map((name) => `  ${name}`).join("\n")}`);
    return 0;
});
