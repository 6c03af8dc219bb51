/** `npm run cost`: runs scripts/cost.ts's main as this process, with its arguments and exit code. */
import { runMain } from "../scripts/cli";
import { main } from "../scripts/cost";

runMain(() => main(process.argv.slice(2)));
