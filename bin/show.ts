/** `npm run show`: runs scripts/show.ts's main as this process, with its arguments and exit code. */
import { runMain } from "../scripts/cli";
import { main } from "../scripts/show";

runMain(() => main(process.argv.slice(2)));
