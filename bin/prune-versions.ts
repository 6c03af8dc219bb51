/** `npm run prune-versions`: runs scripts/prune.ts's main as this process, with its arguments and exit code. */
import { runMain } from "../scripts/cli";
import { main } from "../scripts/prune";

runMain(() => main(process.argv.slice(2)));
