/**
 * The batch job's entry point, as the image's ENTRYPOINT runs it:
 *
 *   node dist/main.js --arg1 <integer> --arg2 <integer>
 *
 * The job itself is `job.ts`; this file hands it the process's arguments, environment and
 * streams. The SDK reads AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_DYNAMODB itself, so an emulator
 * needs no code here.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { runJob } from "./job";

void runJob(process.argv.slice(2), {
    env: process.env,
    stdout: (line) => process.stdout.write(`${line}\n`),
    stderr: (line) => process.stderr.write(`${line}\n`),
    createClient: () => new DynamoDBClient({}),
    now: () => new Date(),
}).then((code) => {
    process.exitCode = code;
});
