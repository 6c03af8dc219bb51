/**
 * The batch job's logic: marks one recorded transaction as processed. `main.ts` runs it with the
 * process's arguments, environment and streams; tests run it in-process with their own.
 *
 * Reads TRANSACTION_ID (set by the workflow's container override) and TRANSACTION_TABLE (set
 * by the task definition). Writes one JSON log line per step to stdout, and each error as one
 * JSON line to stderr. Exit codes: 0 done, 1 the work failed (missing item, AWS error), 2 bad
 * arguments or environment.
 */
import { ConditionalCheckFailedException, UpdateItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { BATCH_ATTRIBUTES, BATCH_ENV, BATCH_USAGE, EXIT_CODES, parseBatchArguments } from "./contract";

export const USAGE = `usage: batch ${BATCH_USAGE} (environment: ${BATCH_ENV.transactionId}, ${BATCH_ENV.tableName})`;

export const EXIT_DONE = EXIT_CODES.done;
export const EXIT_FAILED = EXIT_CODES.failed;
export const EXIT_USAGE = EXIT_CODES.usage;

/** Where the job reads its settings and writes its lines, and the DynamoDB client it uses. */
export interface JobIo {
    env: Readonly<Record<string, string | undefined>>;
    /** Writes one line (without its newline) to standard output. */
    stdout: (line: string) => void;
    /** Writes one line (without its newline) to standard error. */
    stderr: (line: string) => void;
    /** Creates the client; the job destroys it when done. */
    createClient: () => Pick<DynamoDBClient, "send" | "destroy">;
    now: () => Date;
}

interface Job {
    arg1: number;
    arg2: number;
    transactionId: string;
    tableName: string;
}

type ReadJob = { ok: true; job: Job } | { ok: false; reason: string };

function readJob(argv: readonly string[], env: JobIo["env"]): ReadJob {
    const parsed = parseBatchArguments(argv);
    if (!parsed.ok) {
        return { ok: false, reason: parsed.problem };
    }
    const transactionId = env[BATCH_ENV.transactionId];
    const tableName = env[BATCH_ENV.tableName];
    for (const [name, value] of [
        [BATCH_ENV.transactionId, transactionId],
        [BATCH_ENV.tableName, tableName],
    ]) {
        if (!value) {
            return { ok: false, reason: `environment variable ${name} must be set` };
        }
    }
    return { ok: true, job: { ...parsed.value, transactionId: transactionId!, tableName: tableName! } };
}

/**
 * Sets ProcessedAt and the arguments on an existing item. The condition keeps a stray run from
 * creating a half-empty item; a re-run with the same arguments changes only ProcessedAt.
 */
function markProcessed(job: Job, processedAt: string): UpdateItemCommand {
    return new UpdateItemCommand({
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
    });
}

/** Runs the job to its exit code; it never throws: an unexpected error is logged as a crash and exits 1. */
export async function runJob(argv: readonly string[], io: JobIo): Promise<number> {
    const line = (level: "info" | "error", step: string, fields: Record<string, unknown>) =>
        JSON.stringify({ time: io.now().toISOString(), level, step, ...fields });
    const log = (step: string, fields: Record<string, unknown> = {}) => io.stdout(line("info", step, fields));
    // Every error is one JSON line on stderr, as every step is on stdout, so the log driver keeps it whole.
    const logError = (step: string, fields: Record<string, unknown>) => io.stderr(line("error", step, fields));
    try {
        const started = io.now().getTime();
        const read = readJob(argv, io.env);
        if (!read.ok) {
            logError("usage", { reason: read.reason, usage: USAGE });
            return EXIT_USAGE;
        }
        const { job } = read;
        log("start", { transactionId: job.transactionId, table: job.tableName, arg1: job.arg1, arg2: job.arg2 });
        const client = io.createClient();
        try {
            const processedAt = io.now().toISOString();
            await client.send(markProcessed(job, processedAt));
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
        log("done", { transactionId: job.transactionId, durationMs: io.now().getTime() - started });
        return EXIT_DONE;
    } catch (error) {
        logError("crashed", { cause: String((error as Error)?.stack ?? error) });
        return EXIT_FAILED;
    }
}
