/** `npm run cost`: runs scripts/local/cost.ts's main as this process, with its arguments and exit code. */
import { runMain } from "../scripts/cli/cli";
import { main } from "../scripts/local/cost";

runMain(() => main(process.argv.slice(2)));
