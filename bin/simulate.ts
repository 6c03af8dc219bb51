/** `npm run simulate`: runs scripts/local/simulate.ts's main as this process, with its arguments and exit code. */
import { runMain } from "../scripts/cli/cli";
import { main } from "../scripts/local/simulate";

runMain(() => main(process.argv.slice(2)));
