/** `npm run prune-versions`: runs scripts/operate/prune.ts's main as this process, with its arguments and exit code. */
import { runMain } from "../scripts/cli/cli";
import { main } from "../scripts/operate/prune";

runMain(() => main(process.argv.slice(2)));
