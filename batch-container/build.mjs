// Bundles the batch program and its AWS SDK client into dist/main.js, the file the image's
// ENTRYPOINT runs. Used by the Dockerfile's build stage and by the tests, so both run one build.
import { buildSync } from "esbuild";
import { fileURLToPath } from "node:url";

buildSync({
    absWorkingDir: fileURLToPath(new URL(".", import.meta.url)),
    entryPoints: ["src/main.ts"],
    outfile: "dist/main.js",
    bundle: true,
    platform: "node",
    // The Node.js running the build is the one the image runs: node:<major>-alpine in both stages.
    target: `node${process.versions.node.split(".")[0]}`,
    format: "cjs",
    mainFields: ["module", "main"],
    minify: true,
    legalComments: "none",
    logLevel: "warning",
});
