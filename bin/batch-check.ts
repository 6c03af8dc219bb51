/** `npm run batch:check`: runs scripts/local/batch-check.ts's main as this process, with its arguments and exit code. */
import { runMain } from "../scripts/cli/cli";
import { main } from "../scripts/local/batch-check";

runMain(() => main(process.argv.slice(2)));
