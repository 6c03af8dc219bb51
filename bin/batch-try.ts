/** `npm run batch:try`: runs scripts/local/batch-try.ts's main as this process, with its arguments and exit code. */
import { runMain } from "../scripts/cli/cli";
import { main } from "../scripts/local/batch-try";

runMain(() => main(process.argv.slice(2)));
