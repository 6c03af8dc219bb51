/**
 * How often a long-running tool says it is still at work, on a terminal or not: every 15 s, or
 * every STOCK_TRADER_PROGRESS_SECONDS, which a test sets short to see the lines without waiting.
 */
export const PROGRESS_VARIABLE = "STOCK_TRADER_PROGRESS_SECONDS";

/** A positive number of seconds from a variable, in milliseconds, or the default. */
export function secondsFrom(variable: string, fallback: number): number {
    const value = Number(process.env[variable]);
    return Number.isFinite(value) && value > 0 ? value * 1000 : fallback * 1000;
}

/** How often a tool says what it is still doing, in milliseconds. */
export const progressMs = (): number => secondsFrom(PROGRESS_VARIABLE, 15);

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
export function stillRunning(write: (line: string) => void, what: string): () => void {
    const started = Date.now();
    const timer = setInterval(() => write(`… ${what}: still running after ${Math.round((Date.now() - started) / 1000)} s`), progressMs());
    timer.unref();
    return () => clearInterval(timer);
}
