/** `npm run batch:check`: runs scripts/batch-check.ts's main as this process, with its arguments and exit code. */
import { runMain } from "../scripts/cli";
import { main } from "../scripts/batch-check";

runMain(() => main(process.argv.slice(2)));
