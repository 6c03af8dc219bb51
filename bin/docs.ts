/** `npm run docs`: runs scripts/docs.ts's main as this process, with its arguments and exit code. */
import { runMain } from "../scripts/cli";
import { main } from "../scripts/docs";

runMain(() => main(process.argv.slice(2)));
