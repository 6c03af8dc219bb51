/** `npm run diagram`: runs scripts/docs/diagram.ts's main as this process, with its arguments and exit code. */
import { runMain } from "../scripts/cli/cli";
import { main } from "../scripts/docs/diagram";

runMain(() => main(process.argv.slice(2)));
