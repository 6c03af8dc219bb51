/**
 * Facts about the project itself, written once: where its parts live and which Node.js major
 * version all of them run on. Files that cannot import this (the Dockerfile, `.nvmrc`, the
 * batch build script) are checked against it by the tests.
 */
import * as path from "node:path";

/** The repository root; builds name their sources relative to it, never by absolute path. */
export const PROJECT_ROOT = path.resolve(__dirname, "..");

/** The batch image's build context, relative to the project so previews match on every machine. */
export const BATCH_CONTEXT = "batch-container";
export const BATCH_CONTAINER_DIR = path.join(PROJECT_ROOT, BATCH_CONTEXT);

/** The Node.js major version of the Lambda runtime, the batch image, the bundles and the tools. */
export const NODE_MAJOR_VERSION = 22;

/** The Lambda runtime identifier for that version. */
export const LAMBDA_RUNTIME = `nodejs${NODE_MAJOR_VERSION}.x`;

/**
 * What the project's tools keep between runs, under node_modules so a fresh clone starts without
 * it: the type check's build info, and the compile cache of a local batch run.
 */
export const CACHE_DIR = path.join(PROJECT_ROOT, "node_modules", ".cache", "stock-trader");

/** A path as a message names it: relative to the folder the tool runs in, or whole where it is that folder. */
export const shownPath = (file: string): string => path.relative(process.cwd(), file) || file;

/** The stack files, `Pulumi.<stack>.yaml`, live at the root. */
export const stackFile = (stack: string): string => path.join(PROJECT_ROOT, `Pulumi.${stack}.yaml`);
