/** `npm run live`: runs scripts/live.ts's main as this process, with its arguments and exit code. */
import { runMain } from "../scripts/cli";
import { main } from "../scripts/live";

runMain(() => main(process.argv.slice(2)));
