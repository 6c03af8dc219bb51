/**
 * Loaded by mocha after ts-node. The Pulumi SDK records a stack trace for every promise it
 * creates (`debuggablePromise`) and reads each at once; it prints one only when
 * PULUMI_DEBUG_PROMISE_LEAKS is set and the promise is still pending at exit. ts-node's
 * source-map support maps every frame of every trace back to TypeScript, which made those traces
 * a quarter of the suite's CPU time. Here such a trace is its first line only; the context the SDK
 * records beside it still names the resource and the operation. Every other stack trace, a
 * failing test's and the resources' source positions included, is mapped as before.
 */
const mapped = Error.prepareStackTrace;

if (mapped) {
    Error.prepareStackTrace = (error, frames) => (frames[0]?.getFunctionName() === "debuggablePromise" ? String(error) : (mapped(error, frames) as unknown));
}
