/**
 * How the tools call AWS: a client in the right region, throttled polls tried again, and every
 * refusal turned into one line that says what was refused and what to do.
 */
import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from "@aws-sdk/client-sfn";
import { REDRIVE_WINDOW_DAYS } from "../model/platform-rules";

/** A failure to report in one line, with exit code 1. */
export class ExecuteError extends Error {}

/** Waiting between polls; a test's stands in for the clock. */
export interface Sleeper {
    sleep: (ms: number) => Promise<void>;
}

/** First poll after 1 s, then 1.5 times longer while nothing happens, at most 10 s apart. */
export const POLL = { firstMs: 1000, factor: 1.5, maxMs: 10000 };
/** Calls refused for a passing reason wait and try again this many times on top of the SDK's own retries. */
const RETRIES = 5;

/** A call Step Functions throttled: worth trying again after a pause. */
export const THROTTLED: readonly string[] = ["ThrottlingException"];
/**
 * Also a change that met another one under way: DeleteStateMachineVersion refuses with
 * ConflictException while a deploy publishes a version (API reference, "DeleteStateMachineVersion").
 */
export const THROTTLED_OR_CONFLICTING: readonly string[] = [...THROTTLED, "ConflictException"];

/** A client in the region the SDK's settings name (AWS_REGION, the profile), or else in `fallbackRegion`. */
export async function regionalClient<C extends { config: { region: () => Promise<string> }; destroy(): void }>(
    make: (region?: string) => C,
    fallbackRegion: string,
): Promise<C> {
    const client = make();
    try {
        await client.config.region();
        return client;
    } catch {
        client.destroy();
        return make(fallbackRegion);
    }
}

export const str = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);

/** Turns an AWS refusal into a message saying what was refused and what is missing. */
export function refusal(action: string, resource: string, error: unknown): ExecuteError {
    const e = error as Error & { name: string };
    const hints: Record<string, string> = {
        AccessDeniedException: "the caller needs the stack's operator policy (output operatorPolicyArn) or that permission",
        UnrecognizedClientException: "the credentials are not valid for this endpoint: check AWS_PROFILE or the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY pair",
        CredentialsProviderError:
            "no AWS credentials were found: set AWS_PROFILE, or sign in (aws sso login), or set the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY pair",
        StateMachineDoesNotExist: "no such state machine in that account and region: check the ARN, the stack and AWS_REGION",
        ExecutionDoesNotExist: "no such execution in that account and region: check the ARN and AWS_REGION",
        ExecutionNotRedrivable: `only a FAILED, TIMED_OUT or ABORTED execution of the last ${REDRIVE_WINDOW_DAYS} days can be redriven`,
        ThrottlingException: "Step Functions throttled the call even after retries: try again in a minute",
    };
    const hint = hints[e.name] ?? hints[e.constructor?.name] ?? "";
    return new ExecuteError(`AWS refused ${action} on ${resource}: ${e.name}: ${e.message}${hint ? ` (${hint})` : ""}`);
}

/** Sends a call, trying it again with back-off (1 s, 2 s, 4 s, ... at most 10 s apart) while it fails with one of the errors `retryOn` names. */
export async function call<T>(action: string, resource: string, send: () => Promise<T>, deps: Sleeper, retryOn: readonly string[] = []): Promise<T> {
    for (let attempt = 0; ; attempt++) {
        try {
            return await send();
        } catch (error) {
            if (!(retryOn.includes((error as Error).name) && attempt < RETRIES)) {
                throw refusal(action, resource, error);
            }
            await deps.sleep(Math.min(POLL.maxMs, POLL.firstMs * 2 ** attempt));
        }
    }
}

/** The execution's events after `afterId`, oldest first: read newest first, page by page, only as far back as needed. */
export async function newEvents(sfn: SFNClient, executionArn: string, afterId: number, deps: Sleeper): Promise<HistoryEvent[]> {
    const events: HistoryEvent[] = [];
    let nextToken: string | undefined;
    do {
        const page = await call(
            "states:GetExecutionHistory",
            executionArn,
            () => sfn.send(new GetExecutionHistoryCommand({ executionArn, reverseOrder: true, maxResults: 100, nextToken, includeExecutionData: true })),
            deps,
            THROTTLED,
        );
        for (const event of page.events ?? []) {
            if ((event.id ?? 0) <= afterId) {
                return events.reverse();
            }
            events.push(event);
        }
        nextToken = page.nextToken;
    } while (nextToken);
    return events.reverse();
}
