/** `npm run docs`: runs scripts/docs/docs.ts's main as this process, with its arguments and exit code. */
import { runMain } from "../scripts/cli/cli";
import { main } from "../scripts/docs/docs";

runMain(() => main(process.argv.slice(2)));
