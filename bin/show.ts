/** `npm run show`: runs scripts/local/show.ts's main as this process, with its arguments and exit code. */
import { runMain } from "../scripts/cli/cli";
import { main } from "../scripts/local/show";

runMain(() => main(process.argv.slice(2)));
