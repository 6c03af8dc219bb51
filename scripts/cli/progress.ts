/**
 * How long the tools wait and how often they say so: each AWS call's timeout (30 s, or
 * STOCK_TRADER_AWS_TIMEOUT_SECONDS) and the interval at which a long-running tool says it is
 * still at work, on a terminal or not (15 s, or STOCK_TRADER_PROGRESS_SECONDS). A test sets both
 * short to see the lines and the timeouts without waiting.
 */

/** The variable that sets how long one attempt of an AWS call may take, in seconds. */
export const TIMEOUT_VARIABLE = "STOCK_TRADER_AWS_TIMEOUT_SECONDS";
/** The variable that sets how often a long-running tool prints a progress line, in seconds. */
export const PROGRESS_VARIABLE = "STOCK_TRADER_PROGRESS_SECONDS";

/** How long an attempt of an AWS call may take, and how often a tool says it is still at work, unless the variables say otherwise. */
export const DEFAULT_TIMEOUT_SECONDS = 30;
export const DEFAULT_PROGRESS_SECONDS = 15;

/** A variable's value that is not a positive number of seconds: the caller's to fix, as a bad flag is. */
export class VariableError extends Error {}

/** A positive number of seconds from a variable, in milliseconds, or the default where it is unset. */
export function secondsFrom(variable: string, fallback: number): number {
    const raw = process.env[variable];
    if (raw === undefined || raw === "") {
        return fallback * 1000;
    }
    const value = Number(raw);
    if (!Number.isFinite(value) || value <= 0) {
        throw new VariableError(`${variable} must be a number of seconds above 0, such as ${fallback} (got ${raw})`);
    }
    return value * 1000;
}

/** How long one attempt of an AWS call may take before it counts as not answered. */
export const callTimeoutMs = (): number => secondsFrom(TIMEOUT_VARIABLE, DEFAULT_TIMEOUT_SECONDS);

/** How often a tool says what it is still doing, in milliseconds. */
export const progressMs = (): number => secondsFrom(PROGRESS_VARIABLE, DEFAULT_PROGRESS_SECONDS);

/** Reads both variables, so that a tool refuses a bad value before it starts, not midway. */
export function checkWaitVariables(): void {
    callTimeoutMs();
    progressMs();
}

/** A wait in seconds as a line says it: tenths below ten seconds, whole seconds above. */
export const seconds = (ms: number): string => `${ms < 10_000 ? (ms / 1000).toFixed(1) : Math.round(ms / 1000)} s`;

/**
 * A writer of progress lines that lets one through at most once a progress interval, and always
 * when told it is the last: a long run says it is alive without flooding a log.
 */
export function everyInterval(write: (line: string) => void, now: () => number = Date.now): (line: string, last?: boolean) => void {
    let previous = now();
    return (line, last = false) => {
        if (last || now() - previous >= progressMs()) {
            previous = now();
            write(line);
        }
    };
}

/**
 * Says `what` is still under way every progress interval until `stop` is called: for a step that
 * may run for minutes without a line of its own.
 */
export function stillRunning(write: (line: string) => void, what: string, now: () => number = Date.now): () => void {
    const started = now();
    const timer = setInterval(() => write(`… ${what}: still running after ${seconds(now() - started)}`), progressMs());
    timer.unref();
    return () => clearInterval(timer);
}
