/**
 * The batch job: marks one recorded transaction as processed.
 *
 *   node dist/main.js --arg1 <integer> --arg2 <integer>
 *
 * Reads TRANSACTION_ID (set by the workflow's container override) and TRANSACTION_TABLE (set
 * by the task definition). Writes one JSON log line per step to stdout, and each error as one
 * JSON line to stderr. Exit codes: 0 done, 1 the work failed (missing item, AWS error), 2 bad
 * arguments or environment.
 */
import { ConditionalCheckFailedException, DynamoDBClient, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { BATCH_ATTRIBUTES, BATCH_ENV, BATCH_USAGE, parseBatchArguments } from "./contract";

const USAGE = `usage: batch ${BATCH_USAGE} (environment: ${BATCH_ENV.transactionId}, ${BATCH_ENV.tableName})`;

const EXIT_FAILED = 1;
const EXIT_USAGE = 2;

class UsageError extends Error {}

interface Job {
    arg1: number;
    arg2: number;
    transactionId: string;
    tableName: string;
}

function log(step: string, fields: Record<string, unknown> = {}): void {
    process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), level: "info", step, ...fields })}\n`);
}

/** Every error is one JSON line on stderr, as every step is on stdout, so the log driver keeps it whole. */
function logError(step: string, fields: Record<string, unknown>): void {
    process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: "error", step, ...fields })}\n`);
}

function requireEnv(name: string): string {
    const value = process.env[name];
    if (!value) {
        throw new UsageError(`environment variable ${name} must be set`);
    }
    return value;
}

function readJob(argv: string[]): Job {
    const parsed = parseBatchArguments(argv);
    if (!parsed.ok) {
        throw new UsageError(parsed.problem);
    }
    return {
        ...parsed.value,
        transactionId: requireEnv(BATCH_ENV.transactionId),
        tableName: requireEnv(BATCH_ENV.tableName),
    };
}

/**
 * Sets ProcessedAt and the arguments on an existing item. The condition keeps a stray run from
 * creating a half-empty item; a re-run with the same arguments changes only ProcessedAt.
 */
async function markProcessed(client: DynamoDBClient, job: Job): Promise<string> {
    const processedAt = new Date().toISOString();
    await client.send(
        new UpdateItemCommand({
            TableName: job.tableName,
            Key: { [BATCH_ATTRIBUTES.key]: { S: job.transactionId } },
            ConditionExpression: "attribute_exists(#key)",
            UpdateExpression: "SET #processedAt = :processedAt, #arg1 = :arg1, #arg2 = :arg2",
            ExpressionAttributeNames: {
                "#key": BATCH_ATTRIBUTES.key,
                "#processedAt": BATCH_ATTRIBUTES.processedAt,
                "#arg1": BATCH_ATTRIBUTES.arg1,
                "#arg2": BATCH_ATTRIBUTES.arg2,
            },
            ExpressionAttributeValues: {
                ":processedAt": { S: processedAt },
                ":arg1": { N: String(job.arg1) },
                ":arg2": { N: String(job.arg2) },
            },
        }),
    );
    return processedAt;
}

async function main(argv: string[]): Promise<number> {
    const started = Date.now();
    let job: Job;
    try {
        job = readJob(argv);
    } catch (error) {
        if (error instanceof UsageError) {
            logError("usage", { reason: error.message, usage: USAGE });
            return EXIT_USAGE;
        }
        throw error;
    }
    log("start", { transactionId: job.transactionId, table: job.tableName, arg1: job.arg1, arg2: job.arg2 });

    // The SDK reads AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_DYNAMODB itself, so an emulator needs no code here.
    const client = new DynamoDBClient({});
    try {
        const processedAt = await markProcessed(client, job);
        log("marked-processed", { transactionId: job.transactionId, processedAt });
    } catch (error) {
        const reason =
            error instanceof ConditionalCheckFailedException
                ? `transaction ${job.transactionId} does not exist in table ${job.tableName}`
                : `updating transaction ${job.transactionId} failed`;
        const cause = error as Error;
        logError("failed", { reason, cause: `${cause.name}: ${cause.message}` });
        return EXIT_FAILED;
    } finally {
        client.destroy();
    }
    log("done", { transactionId: job.transactionId, durationMs: Date.now() - started });
    return 0;
}

main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (error: unknown) => {
        logError("crashed", { cause: String((error as Error)?.stack ?? error) });
        process.exitCode = EXIT_FAILED;
    },
);
