import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import ignore from "@balena/dockerignore";

/**
 * The files `docker build` sends as the build context of `directory`, sorted: every file its
 * `.dockerignore` does not exclude, matched by Docker's rules (`@balena/dockerignore`, a port of
 * Docker's own matcher), and the Dockerfile, which the build reads whether or not the context
 * holds it. Like Docker, the walk skips an excluded directory unless an exception (`!`) pattern
 * names a path inside it.
 */
export function contextFiles(directory: string, dockerfile = "Dockerfile"): string[] {
    const lines = readDockerignore(directory);
    // The matcher reads the lines as Docker does: only a line that starts with # is a comment, and
    // an exception's blanks after its ! are trimmed. The exceptions below are the lines that start
    // with ! once trimmed, which no comment does.
    const matcher = ignore().add(lines);
    const exceptions = lines
        .map((line) => line.trim())
        .filter((line) => line.startsWith("!"))
        .map((line) => path.posix.normalize(line.slice(1).trim().replace(/^\/+/, "")));
    // As BuildKit's walk (tonistiigi/fsutil): an exception with a wildcard, once a trailing /* or
    // /** is cut off, may match inside any excluded directory, so none is skipped.
    const bare = (exception: string) => exception.replace(/\/\*\*?$/, "");
    const anyWildcard = exceptions.some((exception) => /[*?[\]^\\]/.test(bare(exception)));
    const mayHoldException = (relative: string) => anyWildcard || exceptions.some((exception) => `${bare(exception)}/`.startsWith(`${relative}/`));

    const walk = (prefix: string): string[] =>
        fs.readdirSync(path.join(directory, prefix), { withFileTypes: true }).flatMap((entry) => {
            const relative = path.posix.join(prefix, entry.name);
            const excluded = matcher.ignores(relative);
            if (entry.isDirectory()) {
                return excluded && !mayHoldException(relative) ? [] : walk(relative);
            }
            return excluded ? [] : [relative];
        });

    return [...new Set([...walk(""), dockerfile])].sort();
}

function readDockerignore(directory: string): string[] {
    const file = path.join(directory, ".dockerignore");
    if (!fs.existsSync(file)) {
        return [];
    }
    return fs
        .readFileSync(file, "utf8")
        .replace(/^\uFEFF/, "")
        .split(/\r?\n/);
}

/**
 * A tag derived from the content of an image's build context (`contextFiles`): the same context
 * gives the same tag, any change to what Docker would send gives a new one, so each pushed build
 * is a distinct, traceable tag that the ECR lifecycle policy can count, and editing a file the
 * build never sees pushes nothing new.
 */
export function contentTag(directory: string): string {
    const hash = createHash("sha256");
    for (const file of contextFiles(directory)) {
        hash.update(file)
            .update("\0")
            .update(fs.readFileSync(path.join(directory, file)))
            .update("\0");
    }
    return `src-${hash.digest("hex").slice(0, 16)}`;
}
