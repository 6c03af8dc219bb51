/** `npm run simulate`: runs scripts/simulate.ts's main as this process, with its arguments and exit code. */
import { runMain } from "../scripts/cli";
import { main } from "../scripts/simulate";

runMain(() => main(process.argv.slice(2)));
