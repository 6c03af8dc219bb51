/** `npm run execute`: runs scripts/operate/execute.ts's execute as this process, with its arguments and exit code. */
import { runMain } from "../scripts/cli/cli";
import { execute } from "../scripts/operate/execute";

runMain(() => execute(process.argv.slice(2)));
