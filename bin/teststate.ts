/** `npm run test:teststate`: runs scripts/teststate/teststate.ts's main as this process, with its arguments and exit code. */
import { runMain } from "../scripts/cli/cli";
import { main } from "../scripts/teststate/teststate";

runMain(() => main(process.argv.slice(2)));
