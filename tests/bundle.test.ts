import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { compileFunction } from "node:vm";
import { bundle, bundleAsync } from "../infra/bundle";
import { contentTag, contextFiles } from "../model/image-context";
import { PROJECT_ROOT } from "../model/project";
import { tempDir } from "./support/temp";

describe("function bundles", () => {
    const entries = ["functions/stock-checker.ts", "functions/stock-buyer.ts", "functions/stock-seller.ts"];

    for (const fn of ["stock-checker", "stock-buyer", "stock-seller"]) {
        it(`bundles ${fn} byte-identically every time`, () => {
            const entry = `functions/${fn}.ts`;
            const digests = [1, 2, 3].map(() =>
                createHash("sha256")
                    .update(bundle([entry])[entry])
                    .digest("hex"),
            );
            assert.equal(new Set(digests).size, 1);
        });

        it(`bundles ${fn} without machine-specific paths`, () => {
            const code = bundle([`functions/${fn}.ts`])[`functions/${fn}.ts`];
            assert.ok(!code.includes(PROJECT_ROOT), "the bundle must not embed the checkout's absolute path");
            assert.match(code, /\/\/ contracts\/functions\.ts/);
        });
    }

    it("bundles several handlers in one run, each exactly as it bundles alone", () => {
        const together = bundle(entries);
        assert.deepEqual(Object.keys(together), entries);
        for (const entry of entries) {
            assert.equal(together[entry], bundle([entry])[entry]);
        }
        assert.notEqual(together[entries[1]], together[entries[2]]);
    });

    it("writes one CommonJS file for Node.js: UTF-8 as written, modern syntax kept, no legal comments and no source map", () => {
        const entry = "tests/fixtures/bundle-entry.ts";
        const code = bundle([entry])[entry];
        assert.ok(code.includes("prices \u2264 "), "non-ASCII text stays as written, not escaped");
        assert.ok(code.includes("??"), "syntax Node.js runs natively is not lowered");
        assert.ok(!code.includes("legal comment") && !code.includes("sourceMappingURL"));
        const module = { exports: {} as { label?: string; orZero?: (value?: number) => number } };
        compileFunction(code, ["module", "exports", "require"])(module, module.exports, require);
        assert.equal(module.exports.label, "prices \u2264 99");
        assert.equal(module.exports.orZero?.(), 0);
    });

    it("bundles through esbuild's service exactly as the synchronous call does", async () => {
        assert.deepEqual(await bundleAsync(entries), bundle(entries));
    });

    it("fails a handler that does not build with esbuild's message, naming its file and line, either way", async () => {
        const entry = path.join(tempDir("broken-handler-"), "broken.ts");
        fs.writeFileSync(entry, "export const handler = async () => {\n    const = 1;\n};\n");
        const message = /^Error: Build failed with 1 error:\n.*broken\.ts:2:10: ERROR: Expected identifier but found "="/;
        assert.throws(() => bundle([entry]), message);
        await assert.rejects(bundleAsync([entry]), message);
    });

    it("gives the same bundle whatever the working directory", () => {
        const here = bundle(["functions/stock-buyer.ts"]);
        const cwd = process.cwd();
        process.chdir("/");
        try {
            assert.deepEqual(bundle(["functions/stock-buyer.ts"]), here);
        } finally {
            process.chdir(cwd);
        }
    });
});

describe("image tag", () => {
    const BATCH = path.join(PROJECT_ROOT, "batch-container");
    /** A copy of what the batch program's build context sends, elsewhere. */
    function copyContext(): string {
        const dir = tempDir("context-");
        for (const file of contextFiles(BATCH)) {
            fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
            fs.copyFileSync(path.join(BATCH, file), path.join(dir, file));
        }
        return dir;
    }
    const write = (dir: string, file: string, text: string) => {
        fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        fs.writeFileSync(path.join(dir, file), text);
    };

    it("hashes what Docker's build context sends: every file .dockerignore leaves, and the Dockerfile, which the build reads whatever it says", () => {
        const dir = tempDir("context-");
        write(dir, ".dockerignore", "node_modules\nbuild\nDockerfile\n.dockerignore\n*.md\n");
        for (const file of ["Dockerfile", "main.py", "lib/util.py", "README.md", "build/out.bin", "node_modules/x/index.js"]) {
            write(dir, file, file);
        }
        assert.deepEqual(contextFiles(dir), ["Dockerfile", "lib/util.py", "main.py"]);
        assert.ok(contextFiles(BATCH).includes("Dockerfile"));
    });

    it("is the same for the same sources, wherever they are", () => {
        assert.equal(contentTag(copyContext()), contentTag(BATCH));
    });

    it("changes when any file the build sees changes, the Dockerfile included", () => {
        for (const file of contextFiles(BATCH)) {
            const dir = copyContext();
            const before = contentTag(dir);
            fs.appendFileSync(path.join(dir, file), "\n");
            assert.notEqual(contentTag(dir), before, file);
        }
    });

    it("stays the same when a file outside the build context changes or appears", () => {
        const dir = tempDir("context-");
        write(dir, ".dockerignore", "node_modules\nbuild\n*.md\n");
        write(dir, "Dockerfile", "FROM scratch\n");
        write(dir, "main.py", "print(1)\n");
        const before = contentTag(dir);
        write(dir, "NOTES.md", "notes");
        write(dir, "build/out.bin", "local build");
        write(dir, "node_modules/left-pad/index.js", "local install");
        assert.equal(contentTag(dir), before);
    });

    it("reads .dockerignore as Docker does: comments, top-level wildcards, exceptions inside an excluded directory", () => {
        const dir = tempDir("context-");
        write(dir, ".dockerignore", ["# notes are not built", "*.txt", "docs", "!docs/keep.txt", ""].join("\n"));
        for (const file of ["Dockerfile", "a.txt", "sub/b.txt", "docs/keep.txt", "docs/other.txt", "docs/deep/c.txt", "#not-a-comment"]) {
            write(dir, file, file);
        }
        assert.deepEqual(contextFiles(dir), ["#not-a-comment", ".dockerignore", "Dockerfile", "docs/keep.txt", "sub/b.txt"]);
        const before = contentTag(dir);
        fs.appendFileSync(path.join(dir, "docs/other.txt"), "\n");
        assert.equal(contentTag(dir), before);
        fs.appendFileSync(path.join(dir, "docs/keep.txt"), "\n");
        assert.notEqual(contentTag(dir), before);
    });

    it("sends every file when there is no .dockerignore", () => {
        const dir = tempDir("context-");
        for (const file of ["Dockerfile", "node_modules/x.js", "z.md"]) {
            write(dir, file, file);
        }
        assert.deepEqual(contextFiles(dir), ["Dockerfile", "node_modules/x.js", "z.md"]);
    });

    it("opens every excluded directory an exception names a path in, reading the exception as Docker cleans it", () => {
        const dir = tempDir("context-");
        const dirs = ["docs", "notes", "logs", "tmp", "cache"];
        write(dir, ".dockerignore", [...dirs, "!docs/keep.txt", "!/notes/keep.txt", "!//logs/keep.txt", "!./tmp/keep.txt", "   !cache/keep.txt"].join("\n"));
        write(dir, "Dockerfile", "FROM scratch\n");
        for (const name of dirs) {
            write(dir, `${name}/keep.txt`, name);
            write(dir, `${name}/other.txt`, name);
        }
        assert.deepEqual(contextFiles(dir), [
            ".dockerignore",
            "Dockerfile",
            "cache/keep.txt",
            "docs/keep.txt",
            "logs/keep.txt",
            "notes/keep.txt",
            "tmp/keep.txt",
        ]);
    });

    it("takes a rule that ends in # as a rule, and blanks around a rule as nothing", () => {
        const dir = tempDir("context-");
        write(dir, ".dockerignore", ["# editor leftovers", "*#", "", "   ", "  *.md  "].join("\n"));
        for (const file of ["Dockerfile", "main.py", "main.py#", "#notes", "README.md"]) {
            write(dir, file, file);
        }
        assert.deepEqual(contextFiles(dir), ["#notes", ".dockerignore", "Dockerfile", "main.py"]);
    });

    it("is src- and 16 hex digits, and tells apart contexts that differ only in where a file's name or content ends", () => {
        const context = (files: Record<string, string>) => {
            const dir = tempDir("context-");
            for (const [file, text] of Object.entries(files)) {
                write(dir, file, text);
            }
            return contentTag(dir);
        };
        const nameThenContent = [context({ Dockerfile: "FROM scratch\n", a: "bc" }), context({ Dockerfile: "FROM scratch\n", ab: "c" })];
        const contentThenName = [context({ Dockerfile: "FROM scratch\n", "main.py": "x" }), context({ Dockerfile: "FROM scratch\nm", "ain.py": "x" })];
        for (const tag of [...nameThenContent, ...contentThenName]) {
            assert.match(tag, /^src-[0-9a-f]{16}$/);
        }
        assert.notEqual(nameThenContent[0], nameThenContent[1]);
        assert.notEqual(contentThenName[0], contentThenName[1]);
    });

    it("opens an excluded directory for an exception written with blanks after its !, as Docker trims them", () => {
        const dir = tempDir("context-");
        write(dir, ".dockerignore", "docs\n!  docs/keep.txt\n");
        for (const file of ["Dockerfile", "docs/keep.txt", "docs/other.txt"]) {
            write(dir, file, file);
        }
        assert.deepEqual(contextFiles(dir), [".dockerignore", "Dockerfile", "docs/keep.txt"]);
    });

    it("opens every excluded directory for an exception with a wildcard, as BuildKit does", () => {
        const dir = tempDir("context-");
        write(dir, ".dockerignore", "docs\n!**/keep.txt\n");
        for (const file of ["Dockerfile", "docs/keep.txt", "docs/other.txt"]) {
            write(dir, file, file);
        }
        assert.deepEqual(contextFiles(dir), [".dockerignore", "Dockerfile", "docs/keep.txt"]);
    });

    it("drops a byte-order mark before .dockerignore's first line, as Docker does, so a comment there stays a comment", () => {
        const dir = tempDir("context-");
        write(dir, ".dockerignore", "\uFEFF# notes\nsecret.txt\n");
        for (const file of ["Dockerfile", "# notes", "secret.txt", "main.py"]) {
            write(dir, file, file);
        }
        assert.deepEqual(contextFiles(dir), ["# notes", ".dockerignore", "Dockerfile", "main.py"]);
    });

    it("reads an indented # line as a rule, as Docker does: only a line that starts with # is a comment", () => {
        const dir = tempDir("context-");
        write(dir, ".dockerignore", "  #draft\n");
        for (const file of ["Dockerfile", "#draft"]) {
            write(dir, file, file);
        }
        assert.deepEqual(contextFiles(dir), [".dockerignore", "Dockerfile"]);
    });
});
