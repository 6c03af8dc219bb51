/**
 * An oracle for the longest successful execution, computed from a definition as the States
 * Language defines it, independently of the model's own arithmetic (`longestRunSeconds`): it
 * walks every path from StartAt that ends in success and adds up each Task state's worst case
 * from its own `Retry` and `TimeoutSeconds`. A state or a retrier the model's sum forgets is
 * still in the definition, so the two disagree.
 */
import type { Retrier, State, StateMachineDefinition, TaskState } from "../../model/asl";
import { FUNCTION_TIMEOUT_SECONDS } from "../../model/functions";

/** The States Language's defaults for a retrier's fields. */
const ASL_RETRY_DEFAULTS = { IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 };

/** Errors after which a retried attempt may have run its whole time: a failure or a timeout of the work itself. */
const FULL_ATTEMPT_ERRORS = new Set(["States.ALL", "States.TaskFailed", "States.Timeout"]);

export interface AttemptTimes {
    /** How long one attempt of a Task state may run: its TimeoutSeconds, or what its resource allows. */
    attemptSeconds: (name: string, state: State) => number;
}

/**
 * How long one attempt of each Task may run, from what the stack deploys: a Lambda task its
 * function's timeout, a task with TimeoutSeconds that, and a request-response API call (the
 * DynamoDB put) no time worth counting.
 */
export const DEPLOYED_ATTEMPTS: AttemptTimes = {
    attemptSeconds: (_name, state) => {
        const task = state as TaskState<string>;
        if (task.TimeoutSeconds !== undefined) {
            return task.TimeoutSeconds;
        }
        return /^arn:aws[a-z-]*:lambda:/.test(String(task.Resource)) ? FUNCTION_TIMEOUT_SECONDS : 0;
    },
};

/** The execution timeout a stack gets by default for a definition's states: its longest successful run rounded up to the minute. */
export function defaultExecutionTimeout(definition: Pick<StateMachineDefinition, "StartAt" | "States">): number {
    return Math.ceil(longestSuccessSeconds(definition as StateMachineDefinition, DEPLOYED_ATTEMPTS) / 60) * 60;
}

/** The seconds a retrier waits when every retry happens: each interval times the backoff to its power, capped by MaxDelaySeconds. */
function waits(retrier: Retrier & { MaxDelaySeconds?: number }): number {
    const r = { ...ASL_RETRY_DEFAULTS, ...retrier };
    let total = 0;
    for (let k = 0; k < r.MaxAttempts; k++) {
        total += Math.min(r.IntervalSeconds * r.BackoffRate ** k, retrier.MaxDelaySeconds ?? Infinity);
    }
    return total;
}

/** A Task state's worst case: every retry of every retrier, each retried attempt at its full time where the error allows, then one attempt that ends it. */
function taskWorstSeconds(name: string, state: State, times: AttemptTimes): number {
    const attempt = times.attemptSeconds(name, state);
    const retriers = (state as { Retry?: Retrier[] }).Retry ?? [];
    return (
        attempt +
        retriers.reduce((sum, r) => {
            const attempts = r.MaxAttempts ?? ASL_RETRY_DEFAULTS.MaxAttempts;
            const full = r.ErrorEquals.some((e) => FULL_ATTEMPT_ERRORS.has(e));
            return sum + waits(r) + (full ? attempts * attempt : 0);
        }, 0)
    );
}

/** Every state a state may go to next: Next, a Choice's branches and Default, and each Catch. */
function successors(state: State): string[] {
    return [...onwards(state), ...((state as { Catch?: { Next: string }[] }).Catch ?? []).map((c) => c.Next)];
}

/** Every transition but a Catch: where a state goes when it does not fail. */
function onwards(state: State): string[] {
    const s = state as { Next?: string; Default?: string; Choices?: { Next: string }[] };
    return [s.Next, s.Default, ...(s.Choices ?? []).map((c) => c.Next)].filter((n): n is string => n !== undefined);
}

/** Whether a state can reach itself again: it is on a loop. */
function onLoop(states: Record<string, State>, start: string): boolean {
    const seen = new Set<string>();
    const stack = successors(states[start]);
    while (stack.length > 0) {
        const name = stack.pop()!;
        if (name === start) {
            return true;
        }
        if (!seen.has(name) && states[name] !== undefined) {
            seen.add(name);
            stack.push(...successors(states[name]));
        }
    }
    return false;
}

/**
 * How often a loop may go round: the numbers that the Choice states on loops compare a counter
 * with. A definition with a loop and no such Choice on it has no bound, which throws.
 */
function loopBound(states: Record<string, State>): number {
    const looping = Object.keys(states).filter((name) => onLoop(states, name));
    if (looping.length === 0) {
        return 0;
    }
    const bounds: number[] = [];
    const visit = (rule: unknown) => {
        for (const [key, value] of Object.entries(rule as Record<string, unknown>)) {
            if ((key === "NumericLessThan" || key === "NumericLessThanEquals") && typeof value === "number") {
                bounds.push(key === "NumericLessThan" ? value : value + 1);
            } else if (typeof value === "object" && value !== null) {
                visit(value);
            }
        }
    };
    for (const name of looping) {
        ((states[name] as { Choices?: unknown[] }).Choices ?? []).forEach(visit);
    }
    if (bounds.length === 0) {
        throw new Error(`the loop through ${looping.join(", ")} has no Choice that bounds it`);
    }
    return Math.max(...bounds);
}

/**
 * The longest successful execution: the most seconds on any path from StartAt to a Succeed
 * state or an End, no state entered more often than once plus the definition's loop bound.
 * Throws on a path that would enter a state more often, which would be a loop nothing bounds.
 */
export function longestSuccessSeconds(definition: StateMachineDefinition, times: AttemptTimes): number {
    const states = definition.States as Record<string, State>;
    const maxVisits = 1 + loopBound(states);
    const looping = Object.keys(states).filter((name) => onLoop(states, name));
    // What is left of a path depends only on where it is and how often it entered the loop's
    // states: any other state is entered at most once on any path.
    const memo = new Map<string, number>();
    const walk = (name: string, visits: Map<string, number>): number => {
        const key = `${name}|${looping.map((n) => visits.get(n) ?? 0).join(",")}`;
        const known = memo.get(key);
        if (known !== undefined) {
            return known;
        }
        const result = step(name, visits);
        memo.set(key, result);
        return result;
    };
    const step = (name: string, visits: Map<string, number>): number => {
        const state = states[name];
        if (state === undefined) {
            throw new Error(`a transition to ${name}, which the definition lacks`);
        }
        const seen = (visits.get(name) ?? 0) + 1;
        if (seen > maxVisits) {
            return -Infinity;
        }
        const next = new Map(visits).set(name, seen);
        const here = state.Type === "Task" ? taskWorstSeconds(name, state, times) : 0;
        if (state.Type === "Fail") {
            return -Infinity;
        }
        const ends = (state as { Type: string }).Type === "Succeed" || (state as { End?: boolean }).End === true ? here : -Infinity;
        return Math.max(ends, ...successors(state).map((n) => here + walk(n, next)));
    };
    const longest = walk(definition.StartAt, new Map());
    if (!Number.isFinite(longest)) {
        throw new Error("no path from StartAt ends in success");
    }
    return longest;
}

/** The fewest states entered from one state to one that `done` accepts, taking only the edges `edges` gives (Infinity if none). */
function fewestStates(states: Record<string, State>, from: string, done: (name: string, state: State) => boolean, edges: (state: State) => string[]): number {
    const seen = new Set([from]);
    let frontier = [from];
    for (let entered = 1; frontier.length > 0; entered++) {
        if (frontier.some((name) => done(name, states[name]))) {
            return entered;
        }
        frontier = frontier.flatMap((name) => edges(states[name])).filter((name) => !seen.has(name) && seen.add(name));
    }
    return Infinity;
}

/**
 * The state transitions Step Functions bills, read off a definition (each state entered is one):
 * an execution that succeeds with no retry; one whose batch task fails (and, where it has a
 * Catch, is caught into a Fail state); and what one more run of the batch after a Spot interruption adds (0 without that loop).
 * `batchState` names the Task that runs the batch.
 */
export function transitionCounts(definition: StateMachineDefinition, batchState: string) {
    const states = definition.States as Record<string, State>;
    const succeeds = (_: string, state: State) => (state as { Type: string }).Type === "Succeed" || (state as { End?: boolean }).End === true;
    const caughtInto = ((states[batchState] as { Catch?: { Next: string }[] }).Catch ?? [])[0]?.Next;
    const toBatch = fewestStates(states, definition.StartAt, (name) => name === batchState, onwards);
    const toFail = caughtInto === undefined ? Infinity : fewestStates(states, caughtInto, (_, state) => state.Type === "Fail", onwards);
    const loop = caughtInto === undefined ? Infinity : fewestStates(states, caughtInto, (name) => name === batchState, onwards);
    return {
        success: fewestStates(states, definition.StartAt, succeeds, onwards),
        // Uncaught, a failed batch ends the execution where it fails.
        batchFailure: toBatch + (caughtInto === undefined ? 0 : toFail),
        perRetry: 1,
        perSpotInterruption: Number.isFinite(loop) ? loop : 0,
    };
}
