/** `npm run change:try`: runs scripts/local/change-try.ts's main as this process, with its arguments and exit code. */
import { runMain } from "../scripts/cli/cli";
import { main } from "../scripts/local/change-try";

runMain(() => main(process.argv.slice(2)));
