/** `npm run execute`: runs scripts/execute.ts's execute as this process, with its arguments and exit code. */
import { runMain } from "../scripts/cli";
import { execute } from "../scripts/execute";

runMain(() => execute(process.argv.slice(2)));
