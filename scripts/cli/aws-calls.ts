/**
 * How the tools call AWS: a client in the region of what the call is about, with a timeout on
 * every call; calls refused for a passing reason tried again; a line while a call is slow; and
 * every failure classified by what really happened, with its own message and fix, one line of
 * text or one JSON document, the same in every tool.
 */
import { GetExecutionHistoryCommand, type HistoryEvent, type SFNClient } from "@aws-sdk/client-sfn";
import { REDRIVE_WINDOW_DAYS } from "../../model/platform-rules";
import { callTimeoutMs, stillRunning, TIMEOUT_VARIABLE } from "./progress";

/** A failure to report in one line (or, with --json, one JSON document), with exit code 1. */
export class ExecuteError extends Error {}

/**
 * What went wrong with a call to AWS: it never reached AWS (refused, no such host, no answer in
 * time); what answered was not the AWS API (a proxy's or a captive portal's page); there were no
 * usable credentials; AWS throttled it past the retries; or AWS refused it, with its error code.
 */
export type FailureKind = "not-reached" | "not-the-api" | "credentials" | "throttled" | "refused";

/**
 * A classified AWS call failure: its kind, the error's code, the call, what happened and what to
 * do about it; its message is the two in one line.
 */
export class AwsFailure extends ExecuteError {
    constructor(
        readonly kind: FailureKind,
        readonly code: string,
        readonly action: string,
        readonly resource: string,
        readonly what: string,
        readonly fix: string | undefined,
    ) {
        // A refusal's fix is a hint about what AWS's own words mean, in parentheses after them.
        super(fix === undefined ? what : kind === "refused" ? `${what} (${fix})` : `${what}: ${fix}`);
        this.name = "AwsFailure";
    }
}

/** The one shape of an error every tool prints with --json. */
export interface ErrorDocument {
    error: { kind: FailureKind | "failed"; code?: string; action?: string; resource?: string; message: string };
}

export function errorDocument(error: ExecuteError): ErrorDocument {
    return error instanceof AwsFailure
        ? { error: { kind: error.kind, code: error.code, action: error.action, resource: error.resource, message: error.message } }
        : { error: { kind: "failed", message: error.message } };
}

/**
 * A tool's last catch: a failure to report (an ExecuteError) is printed, as one line on standard
 * error or, with --json, as the error document on standard output, and gives exit code 1; any
 * other error is not the tool's to explain, and goes on.
 */
export function reportFailure(error: unknown, io: { out: (line: string) => void; err: (line: string) => void }, json: boolean): number {
    if (!(error instanceof ExecuteError)) {
        throw error;
    }
    if (json) {
        io.out(JSON.stringify(errorDocument(error), null, 2));
    } else {
        io.err(error.message);
    }
    return 1;
}

/** Waiting between polls; a test's stands in for the clock. */
export interface Sleeper {
    sleep: (ms: number) => Promise<void>;
}

/** What a call needs of its tool: the clock to wait on, and where to say that it is still waiting. */
export interface CallDeps extends Sleeper {
    err?: (line: string) => void;
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

/** The client settings every tool's AWS client gets: the region, and the timeout of each attempt, which fails the call rather than only warning. */
export function clientConfig(region: string) {
    const timeout = callTimeoutMs();
    return { region, requestHandler: { connectionTimeout: timeout, requestTimeout: timeout, throwOnRequestTimeout: true } };
}

/**
 * A notice when the region of what the tool works on differs from the one the SDK's settings
 * name (AWS_REGION, AWS_DEFAULT_REGION): the calls go to the ARN's region all the same, where
 * the resource is.
 */
export function regionNotice(what: string, region: string): string | undefined {
    const configured = process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION;
    return configured !== undefined && configured !== region
        ? `notice: ${what} is in ${region}, and AWS_REGION says ${configured}: the calls go to ${region}`
        : undefined;
}

export const str = (value: unknown) => (typeof value === "string" && value !== "" ? value : undefined);

/** Error codes of a request that never got an answer from AWS. */
const NOT_REACHED = new Set(["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH", "ETIMEDOUT", "ECONNABORTED", "EPIPE"]);
/** Error codes AWS gives credentials that have expired, and those it does not accept at all. */
const EXPIRED = new Set(["ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"]);
const NOT_ACCEPTED = new Set([
    "InvalidClientTokenId",
    "UnrecognizedClientException",
    "SignatureDoesNotMatch",
    "InvalidSignatureException",
    "AuthFailure",
    "IncompleteSignature",
]);
/** Error codes of a call AWS throttled. */
const THROTTLING = new Set([
    "ThrottlingException",
    "Throttling",
    "ThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "RequestThrottledException",
    "SlowDown",
    "ProvisionedThroughputExceededException",
]);

/** The hints that say what a refusal means for these tools, by its code. */
const HINTS: Readonly<Record<string, string>> = {
    AccessDeniedException: "the caller needs the stack's operator policy (output operatorPolicyArn) or that permission",
    StateMachineDoesNotExist: "no such state machine in that account and region: check the ARN and the stack",
    ExecutionDoesNotExist: "no such execution in that account and region: check the ARN",
    ExecutionNotRedrivable: `only a FAILED, TIMED_OUT or ABORTED execution of the last ${REDRIVE_WINDOW_DAYS} days can be redriven`,
};

interface SdkError extends Error {
    code?: string;
    $metadata?: { httpStatusCode?: number; attempts?: number };
    $response?: { statusCode?: number; headers?: Record<string, string> };
}

/**
 * Classifies what a call's error says happened. An error that is neither from the SDK's request
 * (no code of the network, no HTTP status) nor a missing credential is a bug of the tool's, and
 * is returned undefined so that it goes on with its stack.
 */
export function classify(action: string, resource: string, error: unknown): AwsFailure | undefined {
    const e = error as SdkError;
    const on = resource === "" ? action : `${action} on ${resource}`;
    const failure = (kind: FailureKind, code: string, what: string, fix?: string) => new AwsFailure(kind, code, action, resource, what, fix);
    const network = "check the network, any proxy (HTTPS_PROXY) and AWS_ENDPOINT_URL";
    if (e.name === "TimeoutError") {
        return failure(
            "not-reached",
            "TimeoutError",
            `AWS did not answer ${on} within ${callTimeoutMs() / 1000} s (${TIMEOUT_VARIABLE} sets the limit)`,
            network,
        );
    }
    if (e.code !== undefined && NOT_REACHED.has(e.code)) {
        return failure("not-reached", e.code, `could not reach AWS for ${on}: ${e.message} (${e.code})`, network);
    }
    if (e.name === "CredentialsProviderError" || e.constructor?.name === "CredentialsProviderError") {
        return failure(
            "credentials",
            "CredentialsProviderError",
            `no AWS credentials for ${on}, so nothing was sent`,
            "set AWS_PROFILE (aws configure sso, then aws sso login), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY",
        );
    }
    const status = e.$response?.statusCode ?? e.$metadata?.httpStatusCode;
    if (status === undefined) {
        return undefined;
    }
    const contentType = e.$response?.headers?.["content-type"] ?? e.$response?.headers?.["Content-Type"];
    if (e.name === "SyntaxError" || /Deserialization error|XML parse error/i.test(e.message) || /text\/html/i.test(contentType ?? "")) {
        return failure(
            "not-the-api",
            `HTTP ${status}`,
            `what answered ${on} is not the AWS API: HTTP ${status}${contentType ? `, ${contentType}` : ""}, which AWS never sends for it`,
            "AWS_ENDPOINT_URL, or a proxy in between, points elsewhere",
        );
    }
    if (EXPIRED.has(e.name)) {
        return failure(
            "credentials",
            e.name,
            `the AWS credentials have expired: AWS answered ${on} with ${e.name}`,
            "sign in again (aws sso login) or renew the session, then run this again",
        );
    }
    if (NOT_ACCEPTED.has(e.name)) {
        return failure(
            "credentials",
            e.name,
            `AWS does not accept the credentials for ${on} (${e.name}: ${e.message})`,
            "check AWS_PROFILE, or the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY pair",
        );
    }
    if (THROTTLING.has(e.name)) {
        return failure("throttled", e.name, `AWS throttled ${on} even after retries (${e.name}: ${e.message})`, "try again in a minute");
    }
    return failure("refused", e.name, `AWS refused ${on}: ${e.name}: ${e.message}`, HINTS[e.name]);
}

/** A failure of a check's answer rather than of its call: what answered gave no field the API always gives. */
export function notTheApi(action: string, resource: string, missing: string): AwsFailure {
    return new AwsFailure(
        "not-the-api",
        "incomplete answer",
        action,
        resource,
        `what answered ${resource === "" ? action : `${action} on ${resource}`} is not the AWS API: the answer has no ${missing}, which AWS always sends`,
        "AWS_ENDPOINT_URL, or a proxy in between, points elsewhere",
    );
}

/** The failure a call's error is, or the error itself when it is not an AWS call's. */
export function failureOf(action: string, resource: string, error: unknown): unknown {
    return classify(action, resource, error) ?? error;
}

/** Runs `send`, saying on the tool's error stream what it still waits for every progress interval. */
async function saying<T>(action: string, resource: string, send: () => Promise<T>, deps: CallDeps): Promise<T> {
    if (deps.err === undefined) {
        return send();
    }
    const stop = stillRunning(deps.err, `waiting for AWS to answer ${action}${resource ? ` on ${resource}` : ""}`);
    try {
        return await send();
    } finally {
        stop();
    }
}

/**
 * Sends a call, trying it again with back-off (1 s, 2 s, 4 s, ... at most 10 s apart) while it
 * fails with one of the errors `retryOn` names, and throws its classified failure otherwise.
 */
export async function call<T>(action: string, resource: string, send: () => Promise<T>, deps: CallDeps, retryOn: readonly string[] = []): Promise<T> {
    for (let attempt = 0; ; attempt++) {
        try {
            return await saying(action, resource, send, deps);
        } catch (error) {
            if (!(retryOn.includes((error as Error).name) && attempt < RETRIES)) {
                throw failureOf(action, resource, error);
            }
            await deps.sleep(Math.min(POLL.maxMs, POLL.firstMs * 2 ** attempt));
        }
    }
}

/** Every item of a paginator's pages, its failure classified as `call`'s is. */
export async function allPages<P>(action: string, resource: string, pages: AsyncIterable<P>): Promise<P[]> {
    const all: P[] = [];
    try {
        for await (const page of pages) {
            all.push(page);
        }
    } catch (error) {
        throw failureOf(action, resource, error);
    }
    return all;
}

/** The execution's events after `afterId`, oldest first: read newest first, page by page, only as far back as needed. */
export async function newEvents(sfn: SFNClient, executionArn: string, afterId: number, deps: CallDeps): Promise<HistoryEvent[]> {
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
