/** `npm run preflight`: runs scripts/preflight/preflight.ts's main as this process, with its arguments and exit code. */
import { runMain } from "../scripts/cli/cli";
import { main } from "../scripts/preflight/preflight";

runMain(() => main(process.argv.slice(2)));
