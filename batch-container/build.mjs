// Bundles the batch program and its AWS SDK client into dist/main.js, the file the image's
// ENTRYPOINT runs. Used by the Dockerfile's build stage and by the local runs, so both run one
// build. The bundle is written to a file of its own and renamed into place, which is atomic:
// a run that starts during a build executes the previous bundle or the new one, never half of one.
import { buildSync } from "esbuild";
import * as fs from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL(".", import.meta.url));
const outfile = `${root}dist/main.js`;

const [bundle] = buildSync({
    absWorkingDir: root,
    entryPoints: ["src/main.ts"],
    outfile,
    bundle: true,
    platform: "node",
    // The Node.js running the build is the one the image runs: node:<major>-alpine in both stages.
    target: `node${process.versions.node.split(".")[0]}`,
    format: "cjs",
    mainFields: ["module", "main"],
    // The SDK imports node:http with import() where it first calls an http:// endpoint (the local
    // runs' emulator). In a CommonJS bundle that goes through Node's ES module loader, whose
    // namespace for node:http reads every export, WebSocket's included, and so loads undici: about
    // 10 ms of each run. With dynamic imports not supported, esbuild makes each one a require().
    supported: { "dynamic-import": false },
    minify: true,
    legalComments: "none",
    logLevel: "warning",
    write: false,
}).outputFiles;

const partial = `${outfile}.${process.pid}.partial`;
fs.mkdirSync(`${root}dist`, { recursive: true });
try {
    fs.writeFileSync(partial, bundle.contents);
    fs.renameSync(partial, outfile);
} finally {
    fs.rmSync(partial, { force: true });
}
