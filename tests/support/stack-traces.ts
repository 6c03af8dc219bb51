/**
 * Loaded by mocha after ts-node. The Pulumi SDK records a stack trace for every promise it
 * creates (`debuggablePromise`), to name a leaked promise if the process exits with one pending,
 * and it reads each trace at once. ts-node's source-map support maps every frame of every trace
 * back to TypeScript, which made those traces a quarter of the suite's CPU time. They are only
 * ever printed for a leak, so they keep V8's own format here; every other stack trace, a failing
 * test's and the resources' source positions included, is mapped as before.
 */
const mapped = Error.prepareStackTrace;

const unmapped = (frame: NodeJS.CallSite) =>
    `    at ${frame.getFunctionName() ?? "<anonymous>"} (${frame.getFileName()}:${frame.getLineNumber()}:${frame.getColumnNumber()})`;

if (mapped) {
    Error.prepareStackTrace = (error, frames) =>
        frames[0]?.getFunctionName() === "debuggablePromise" ? [String(error), ...frames.map(unmapped)].join("\n") : (mapped(error, frames) as unknown);
}
