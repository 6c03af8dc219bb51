/**
 * The changes kept in docs/changes/, made by CONTRIBUTING's recipes, still apply to the
 * project within their recipe's count of files; and npm run change:try, with its npm runs stood
 * in for, applies one to a copy and lists what each step changed.
 */
import * as assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../model/project";
import { changeTry, main as changeTryMain } from "../scripts/local/change-try";
import type { Ran } from "../scripts/local/project-copy";
import { tempDir } from "./support/temp";
import { runInProcess } from "./support/tool";

const CHANGES = path.join(PROJECT_ROOT, "docs", "changes");
const patches = fs
    .readdirSync(CHANGES)
    .filter((file) => file.endsWith(".patch"))
    .map((file) => path.join(CHANGES, file));

/** The files a patch edits, as its `diff --git` lines name them. */
const filesOf = (text: string) => [...text.matchAll(/^diff --git a\/(\S+) b\//gm)].map((m) => m[1]);

describe("the changes made by CONTRIBUTING's recipes", () => {
    it("are kept, one for a state and one for a map-valued key at least", () => {
        assert.ok(patches.length >= 2, patches.join(", "));
    });

    for (const patch of patches) {
        it(`${path.basename(patch)} applies to the project as it is (or is already in it), within its recipe's count of files`, () => {
            const text = fs.readFileSync(patch, "utf8");
            // It applies; or, in a copy where change:try has applied it, it is there to take back.
            const check = (...args: string[]) => spawnSync("git", ["apply", "--check", ...args, patch], { cwd: PROJECT_ROOT, encoding: "utf8" });
            const forward = check();
            assert.ok(forward.status === 0 || check("--reverse").status === 0, forward.stderr);
            const limit = /^Files by hand: at most (\d+)$/m.exec(text);
            assert.ok(limit, `${path.basename(patch)} says how many files its recipe edits by hand`);
            const files = filesOf(text);
            assert.ok(files.length > 0 && files.length <= Number(limit[1]), `${files.length} files: ${files.join(", ")}`);
        });
    }
});

describe("npm run change:try (the npm runs stood in for)", function () {
    this.timeout(60000);

    /** A change of one file, written as git diff writes it, against the project as it is. */
    function patchOf(file: string, line: string): string {
        const dir = tempDir("change-");
        const before = fs.readFileSync(path.join(PROJECT_ROOT, file), "utf8");
        fs.mkdirSync(path.join(dir, "a", path.dirname(file)), { recursive: true });
        fs.mkdirSync(path.join(dir, "b", path.dirname(file)), { recursive: true });
        fs.writeFileSync(path.join(dir, "a", file), before);
        fs.writeFileSync(path.join(dir, "b", file), `${before}${line}\n`);
        let diff = "";
        try {
            execFileSync("git", ["diff", "--no-index", "--", `a/${file}`, `b/${file}`], { cwd: dir, encoding: "utf8" });
        } catch (error) {
            diff = (error as { stdout: string }).stdout;
        }
        const patch = path.join(dir, "change.patch");
        fs.writeFileSync(patch, `A change.\n\n${diff.replaceAll(`a/a/${file}`, `a/${file}`).replaceAll(`b/b/${file}`, `b/${file}`)}`);
        return patch;
    }

    async function tryIt(patch: string, answers: Record<string, (cwd: string) => Ran>) {
        const out: string[] = [];
        const err: string[] = [];
        const ran: string[] = [];
        const status = await changeTry(["--patch", patch], {
            out: (line) => out.push(line),
            err: (line) => err.push(line),
            run: (command, args, cwd) => {
                const name = [command, ...args.filter((a) => a !== "--silent")].join(" ");
                ran.push(name);
                return (answers[name] ?? (() => ({ status: 0, output: "ok\n" })))(cwd);
            },
        });
        return { status, out, err, ran };
    }

    const section = (out: string[], title: string) => {
        const at = out.findIndex((line) => line.startsWith(title));
        const end = out.findIndex((line, i) => i > at && !line.startsWith("  "));
        return out.slice(at, end < 0 ? undefined : end);
    };

    it("applies the patch in a copy, prints its diffstat, runs snapshots, docs, lint and the tests, and lists what each step rewrote", async () => {
        const { status, out, ran } = await tryIt(patchOf("README.md", "A line added by hand."), {
            "npm run snapshots": (cwd) => {
                fs.appendFileSync(path.join(cwd, "tests", "snapshots", "workflow.json"), "\n");
                return { status: 0, output: "changed, read them in the diff:\n  a case\n" };
            },
            "npm run docs": (cwd) => {
                fs.appendFileSync(path.join(cwd, "docs", "cost.md"), "\n");
                return { status: 0, output: "rewrote 1 block(s):\n  docs/cost.md:7: npm run cost\n" };
            },
            "npm test": () => ({ status: 0, output: "\n  1000 passing (40s)\n" }),
        });
        assert.equal(status, 0, out.join("\n"));
        assert.deepEqual(ran, ["npm run snapshots", "npm run docs", "npm run lint", "npm test"]);
        assert.match(out[0], /, and applied .*change\.patch: 1 file\(s\) by hand$/);
        assert.match(out[1], /^ README\.md \| 1 \+$/);
        assert.equal(out[2], " 1 file changed, 1 insertion(+)");
        assert.deepEqual(section(out, "Changed by hand"), ["Changed by hand: 1 file(s)", "  M README.md"]);
        assert.deepEqual(section(out, "Written again by npm run snapshots"), [
            "Written again by npm run snapshots: 1 file(s)",
            "  M tests/snapshots/workflow.json",
        ]);
        assert.deepEqual(section(out, "Rewritten by npm run docs"), ["Rewritten by npm run docs: 1 file(s)", "  M docs/cost.md"]);
        assert.deepEqual(section(out, "Anything else that differs"), ["Anything else that differs: none"]);
        assert.ok(out.includes("✔ npm test:   1000 passing (40s)"), out.join("\n"));
        assert.ok(out.includes("✔ npm run lint: no problem: the type check, the import cycles and ESLint"), out.join("\n"));
    });

    it("fails when a step fails, naming the failing tests, or when a step leaves anything else changed", async () => {
        const { status, out } = await tryIt(patchOf("README.md", "Another line."), {
            "npm run lint": (cwd) => {
                fs.writeFileSync(path.join(cwd, "left-behind.txt"), "x");
                return { status: 1, output: "model/keys.ts\n  1:1  error  something\n\n✖ 1 problem (1 error, 0 warnings)\n" };
            },
            "npm test": () => ({ status: 1, output: "  9 passing\n  1 failing\n\n  1) the config\n       reads a key:\n     AssertionError\n" }),
        });
        assert.equal(status, 1);
        assert.ok(out.includes("✖ npm run lint: ✖ 1 problem (1 error, 0 warnings) (exit 1)"), out.join("\n"));
        assert.deepEqual(out.slice(out.indexOf("Failing tests: 1")), ["Failing tests: 1", "  the config: reads a key"]);
        assert.deepEqual(section(out, "Anything else that differs"), ["Anything else that differs: 1 file(s)", "  A left-behind.txt"]);
    });

    it("exits 2, running nothing, on a patch that does not apply, a missing one, or none given", async () => {
        const stale = path.join(tempDir("change-"), "stale.patch");
        fs.writeFileSync(stale, "diff --git a/README.md b/README.md\n--- a/README.md\n+++ b/README.md\n@@ -1,1 +1,1 @@\n-No such first line\n+Another\n");
        const refused = await tryIt(stale, {});
        assert.deepEqual([refused.status, refused.ran], [2, []]);
        assert.match(refused.err.join("\n"), /^.*stale\.patch does not apply to the project as it is: error: patch failed: README\.md:1/);
        const usage = await runInProcess(changeTryMain, []);
        assert.deepEqual([usage.status, usage.stderr], [2, "give --patch FILE, the change to try; npm run change:try -- --help lists what it takes"]);
        const missing = await runInProcess(changeTryMain, ["--patch", "no/such.patch"]);
        assert.deepEqual([missing.status, missing.stderr], [2, "--patch no/such.patch is not a file; npm run change:try -- --help lists what it takes"]);
    });
});
