import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";

/** Local build outputs that never reach the image build context. */
const SKIPPED = new Set(["node_modules", "dist"]);

/**
 * A tag derived from the content of an image's build directory: the same sources give the
 * same tag, any change gives a new one, so each pushed build is a distinct, traceable tag
 * that the ECR lifecycle policy can count.
 */
export function contentTag(directory: string): string {
    const hash = createHash("sha256");
    for (const file of listFiles(directory)) {
        hash.update(file)
            .update("\0")
            .update(fs.readFileSync(path.join(directory, file)))
            .update("\0");
    }
    return `src-${hash.digest("hex").slice(0, 16)}`;
}

function listFiles(directory: string, prefix = ""): string[] {
    return fs
        .readdirSync(path.join(directory, prefix), { withFileTypes: true })
        .filter((entry) => !SKIPPED.has(entry.name))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        .flatMap((entry) => {
            const relative = path.posix.join(prefix, entry.name);
            return entry.isDirectory() ? listFiles(directory, relative) : [relative];
        });
}
