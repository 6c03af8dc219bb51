/**
 * Loaded by mocha after ts-node. The Pulumi SDK records a stack trace for every promise it
 * creates (`debuggablePromise`), and prints one only when PULUMI_DEBUG_PROMISE_LEAKS is set and
 * the promise is still pending at exit. Capturing those traces, and ts-node's source-map support
 * mapping their frames, were a quarter of the suite's CPU time. Unless that variable asks for
 * them, such a promise's trace holds no frames (the context the SDK records beside it still names
 * the resource and the operation), and a trace that still starts in debuggablePromise is its first
 * line only. Every other stack trace, a failing test's and the resources' source positions
 * included, is captured and mapped as before. The SDK calls the function through its module's
 * exports, so wrapping the export reaches every call.
 */
const debuggable = require("@pulumi/pulumi/runtime/debuggable") as { debuggablePromise: (p: Promise<unknown>, ctx: unknown) => Promise<unknown> };

if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS) {
    const record = debuggable.debuggablePromise;
    debuggable.debuggablePromise = (p, ctx) => {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return record(p, ctx);
        } finally {
            Error.stackTraceLimit = limit;
        }
    };
}

const mapped = Error.prepareStackTrace;

if (mapped) {
    Error.prepareStackTrace = (error, frames) => (frames[0]?.getFunctionName() === "debuggablePromise" ? String(error) : (mapped(error, frames) as unknown));
}
