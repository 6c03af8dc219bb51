/** `npm run live`: runs scripts/operate/live.ts's main as this process, with its arguments and exit code. */
import { runMain } from "../scripts/cli/cli";
import { main } from "../scripts/operate/live";

runMain(() => main(process.argv.slice(2)));
