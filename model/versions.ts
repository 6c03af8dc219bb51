/**
 * Which state machine versions to keep, and why: pure, so the pruner's decision is tested apart
 * from the calls that gather its facts. A version stays while `live` routes to it, while an
 * execution on it runs or may still be redriven, and while it is among the newest the stack
 * keeps; the rest are removed, oldest first.
 */
import { REDRIVE_WINDOW_DAYS } from "./platform-rules";

/** A version as ListStateMachineVersions lists it, its number read off its ARN. */
export interface Version {
    arn: string;
    number: number;
    created: Date;
}

/** An execution as ListExecutions lists it: its status, and when it stopped, if it has. */
export interface ExecutionOnVersion {
    status: string;
    stopDate?: Date;
}

/** What the plan weighs: every version, those an alias routes to, each version's executions, and the keep count. */
export interface VersionFacts {
    versions: readonly Version[];
    routed: ReadonlySet<string>;
    /** Each version's executions; a version missing here was not asked about, as it is kept for another reason. */
    executions: ReadonlyMap<string, readonly ExecutionOnVersion[]>;
    keep: number;
    now: Date;
}

export interface VersionDecision {
    version: Version;
    kept: boolean;
    why: string;
}

const DAY_MS = 24 * 3600 * 1000;
const REDRIVABLE = new Set(["FAILED", "TIMED_OUT", "ABORTED"]);
const UNFINISHED = new Set(["RUNNING", "PENDING_REDRIVE"]);

/** A version's number: the qualifier after the last colon of its ARN. */
export const versionNumber = (arn: string): number => Number(arn.slice(arn.lastIndexOf(":") + 1));

/** The newest versions, which the plan keeps by count: those it need not ask the executions of. */
export function newest(versions: readonly Version[], keep: number): Version[] {
    return [...versions].sort((a, b) => b.number - a.number).slice(0, keep);
}

/** Why an execution keeps its version, if it does: it has not finished, or it may still be redriven. */
function executionHold(execution: ExecutionOnVersion, now: Date): string | undefined {
    if (UNFINISHED.has(execution.status)) {
        return `an execution on it is ${execution.status}`;
    }
    if (REDRIVABLE.has(execution.status) && execution.stopDate !== undefined) {
        const until = new Date(execution.stopDate.getTime() + REDRIVE_WINDOW_DAYS * DAY_MS);
        if (until > now) {
            return `an execution on it ended ${execution.status} and may be redriven until ${until.toISOString()}`;
        }
    }
    return undefined;
}

/** The decision on every version, newest first. */
export function planVersions(facts: VersionFacts): VersionDecision[] {
    const byCount = new Set(newest(facts.versions, facts.keep).map((v) => v.arn));
    return [...facts.versions]
        .sort((a, b) => b.number - a.number)
        .map((version) => {
            if (facts.routed.has(version.arn)) {
                return { version, kept: true, why: "live routes to it" };
            }
            if (byCount.has(version.arn)) {
                return { version, kept: true, why: `one of the ${facts.keep} newest` };
            }
            const hold = (facts.executions.get(version.arn) ?? []).map((e) => executionHold(e, facts.now)).find((why) => why !== undefined);
            return hold === undefined
                ? { version, kept: false, why: "older than the kept ones, and nothing runs or may be redriven on it" }
                : { version, kept: true, why: hold };
        });
}

/** The ECR tag that holds a kept version's image against the lifecycle policy's count. */
export const versionImageTag = (version: Pick<Version, "number">): string => `${VERSION_IMAGE_TAG_PREFIX}${version.number}`;
export const VERSION_IMAGE_TAG_PREFIX = "version-";

/** A published version of a function, as ListVersionsByFunction lists it: its qualified ARN and its number. */
export interface FunctionVersion {
    arn: string;
    version: number;
}

export interface FunctionVersionDecision {
    version: FunctionVersion;
    kept: boolean;
    why: string;
}

/**
 * Which published versions of one function to keep: every version a kept workflow version invokes,
 * and every version newer than the newest of those, which a deploy under way may have published for
 * a workflow version it has not published yet. The rest no kept workflow version can invoke, so
 * they are removed. `$LATEST` is no published version and is never listed here.
 */
export function planFunctionVersions(published: readonly FunctionVersion[], invokedByKept: ReadonlySet<string>): FunctionVersionDecision[] {
    const invoked = published.filter((v) => invokedByKept.has(v.arn)).map((v) => v.version);
    const newestInvoked = Math.max(0, ...invoked);
    return [...published]
        .sort((a, b) => b.version - a.version)
        .map((version) => {
            if (invokedByKept.has(version.arn)) {
                return { version, kept: true, why: "a kept workflow version invokes it" };
            }
            if (version.version > newestInvoked) {
                return { version, kept: true, why: "newer than any kept workflow version invokes: a deploy may be publishing it" };
            }
            return { version, kept: false, why: "no kept workflow version invokes it" };
        });
}

/** The published function versions a definition invokes: each Task state's Resource that is a Lambda function's qualified ARN. */
export function invokedFunctionVersions(definition: unknown): string[] {
    const states = Object.values((definition as { States?: Record<string, { Type?: string; Resource?: unknown }> }).States ?? {});
    return states
        .map((state) => (state.Type === "Task" && typeof state.Resource === "string" ? state.Resource : ""))
        .filter((resource) => /^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[^:]+:\d+$/.test(resource));
}
