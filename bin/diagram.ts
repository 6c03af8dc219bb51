/** `npm run diagram`: runs scripts/diagram.ts's main as this process, with its arguments and exit code. */
import { runMain } from "../scripts/cli";
import { main } from "../scripts/diagram";

runMain(() => main(process.argv.slice(2)));
