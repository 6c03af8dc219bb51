/** `npm run simulate`: runs local/simulate.ts's main as this process, with its arguments and exit code. */
import { runMain } from "../scripts/cli";
import { main } from "../local/simulate";

runMain(() => main(process.argv.slice(2)));
