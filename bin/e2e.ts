/** `npm run test:e2e`: runs the end-to-end suite as this process, with its arguments and exit code. */
import { runMain } from "../scripts/cli/cli";
import { main } from "../scripts/e2e/main";

runMain(() => main(process.argv.slice(2)));
