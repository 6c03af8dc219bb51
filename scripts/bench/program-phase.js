// One program phase, loaded as Pulumi's Node.js runtime loads a TypeScript program: ts-node
// registered with the options Pulumi passes (type checking off when the tsconfig says noCheck or
// PULUMI_NODEJS_TRANSPILE_ONLY=true), then the program run to completion under the test mocks.
// Plain JavaScript on purpose: nothing may be compiled before ts-node is registered.
// Usage: node scripts/bench/program-phase.js <entry point, absolute or relative to the project root>
const started = performance.now();
const path = require("node:path");
const root = path.resolve(__dirname, "..", "..");
process.chdir(root);
const tsutils = require("@pulumi/pulumi/tsutils");
const { tsnodeRequire, typescriptRequire } = tsutils.typeScriptRequireStrings();
const compilerOptions = tsutils.loadTypeScriptCompilerOptions("tsconfig.json");
const fromEnv = process.env.PULUMI_NODEJS_TRANSPILE_ONLY;
require(tsnodeRequire).register({
    compiler: typescriptRequire,
    transpileOnly: fromEnv ? fromEnv === "true" : compilerOptions.noCheck,
    project: "tsconfig.json",
    skipProject: false,
    compilerOptions: {},
});
const { runProgram } = require("../../tests/support/program");
const { readStackFile } = require("../cli/stack-files");
runProgram(readStackFile("dev"), "dev", path.resolve(root, process.argv[2])).then((run) => {
    if (run.error) {
        throw run.error;
    }
    const result = { ms: performance.now() - started, maxRssMb: process.resourceUsage().maxRSS / 1024, resources: run.resources.length };
    process.stdout.write(`${JSON.stringify(result)}\n`);
});
