/** `npm run batch:try`: runs scripts/batch-try.ts's main as this process, with its arguments and exit code. */
import { runMain } from "../scripts/cli";
import { main } from "../scripts/batch-try";

runMain(() => main(process.argv.slice(2)));
