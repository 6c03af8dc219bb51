import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../model/project";
import { blockBody, documents, main, withoutVolatile } from "../scripts/docs/docs";
import { withStackFile } from "./support/stack-file";
import { tempDir } from "./support/temp";
import { runInProcess } from "./support/tool";

const docs = (files: string[]) => (argv: string[], io: Parameters<typeof main>[1]) => main(argv, io, files);

describe("npm run docs: the figures the docs show are what the tools print", () => {
    it("finds every block in README.md and docs/ as its tool prints it now, whatever valid stack files a user or an end-to-end run adds (run npm run docs when this fails)", async () => {
        // What pulumi stack init and pulumi config set write, and what an end-to-end run leaves.
        const user = 'encryptionsalt: v1:c2FsdA==:v1:aXY=:Y3Q=\nconfig:\n  aws:region: eu-west-1\n  stock-trader:buyThreshold: "40"\n';
        const run = await withStackFile(user, () =>
            withStackFile("config:\n  aws:region: us-west-2\n", () => runInProcess(main, ["--check"]), `e2e-${process.pid}`),
        );
        if (run.status !== 0) {
            // Which it is: docs not written again since a change, or a tool that shows the added stacks.
            const alone = await runInProcess(main, ["--check"]);
            assert.equal(alone.stderr, "", "stale as the repository is");
            assert.equal(run.stderr, "", "stale only where the added stack files are there: a tool shows them");
        }
        assert.equal(run.stderr, "");
        assert.equal(run.status, 0);
    });

    it("keeps README.md within 30,000 bytes, with a docs/ page for each concern", () => {
        assert.ok(fs.statSync(path.join(PROJECT_ROOT, "README.md")).size <= 30000);
        assert.deepEqual(
            documents().map((file) => path.relative(PROJECT_ROOT, file)),
            ["README.md", "docs/architecture.md", "docs/cost.md", "docs/deploying.md", "docs/operations.md", "CONTRIBUTING.md"],
        );
    });

    it("links every page to files and headings that exist", () => {
        const files = documents();
        // Each file read once; GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens.
        const texts = new Map<string, string>();
        const text = (file: string) => texts.get(file) ?? texts.set(file, fs.readFileSync(file, "utf8")).get(file)!;
        const anchors = (file: string) =>
            new Set(
                [...text(file).matchAll(/^#+ (.*)$/gm)].map((m) =>
                    m[1]
                        .toLowerCase()
                        .replace(/[^\w\- ]/g, "")
                        .replaceAll(" ", "-"),
                ),
            );
        const broken = files.flatMap((file) =>
            [...text(file).matchAll(/\[[^\]]+\]\(([^)\s]+)\)/g)]
                .map((m) => m[1])
                .filter((target) => !/^(https?|mailto):/.test(target))
                .filter((target) => {
                    const [to, anchor] = target.split("#");
                    const dest = to === "" ? file : path.resolve(path.dirname(file), to);
                    return !fs.existsSync(dest) || (anchor !== undefined && dest.endsWith(".md") && !anchors(dest).has(anchor));
                })
                .map((target) => `${path.relative(PROJECT_ROOT, file)}: ${target}`),
        );
        assert.ok(files.length > 4);
        assert.deepEqual(broken, []);
    });

    it("reports a changed figure as stale by file and line, and a write puts back what the tool prints", async () => {
        const file = path.join(tempDir("docs-"), "page.md");
        const command = "npm run cost -- --executions-per-month 730";
        fs.writeFileSync(file, `# A page\n\n<!-- ${command} -->\n<!-- end of ${command} -->\n`);
        assert.equal((await runInProcess(docs([file]), [])).status, 0);
        const written = fs.readFileSync(file, "utf8");
        assert.match(written, /^\$ npm run cost -- --executions-per-month 730\nCost of the dev stack at 730 executions a month/m);
        fs.writeFileSync(file, written.replace(/per month +\$\d+\.\d+/, "per month $1.00"));
        const check = await runInProcess(docs([file]), ["--check"]);
        assert.equal(check.status, 1);
        assert.match(check.stderr, new RegExp(`^stale: ${path.relative(PROJECT_ROOT, file).replaceAll(".", "\\.")}:3: ${command} \\(run npm run docs\\)$`));
        await runInProcess(docs([file]), []);
        assert.equal(fs.readFileSync(file, "utf8"), written);
    });

    it("refuses a block without its end marker, or naming a tool it does not run, by file and line, with exit 2", async () => {
        const file = path.join(tempDir("docs-"), "page.md");
        fs.writeFileSync(file, "text\n<!-- npm run cost -->\nno end\n");
        const open = await runInProcess(docs([file]), ["--check"]);
        assert.equal(open.status, 2);
        assert.match(open.stderr, /page\.md:2: npm run cost has no <!-- end of npm run cost -->/);
        fs.writeFileSync(file, "<!-- npm run execute -- --stack dev -->\n<!-- end of npm run execute -- --stack dev -->\n");
        const unknown = await runInProcess(docs([file]), ["--check"]);
        assert.equal(unknown.status, 2);
        assert.match(unknown.stderr, /page\.md:1: npm run execute is not a tool the docs run \(cost, simulate, show, test:e2e, bench:test, batch:check\)/);
    });

    it("writes a transcript in a fence, and Markdown as printed", () => {
        assert.equal(blockBody("npm run cost", "Cost of\n  x\n"), "```text\n$ npm run cost\nCost of\n  x\n```\n");
        assert.equal(blockBody("npm run cost -- --compare", "| a |\n| --- |\n"), "| a |\n| --- |\n");
        assert.equal(blockBody("npm run simulate", "a | b\n\n\n"), "```text\n$ npm run simulate\na | b\n```\n");
    });

    it("masks only what changes between runs: durations, rates, IDs, times and drawn quantities, never counts or prices", () => {
        const run = (ms: number, rate: string, succeeded: number) =>
            `  ← Run ECS task  ${ms} ms  task arn:aws:ecs:us-east-1:0:task/c/3c479a176d4f4483a88ee659bfb5da80\n  executions per second    ${rate}\n  succeeded                ${succeeded}\n  "qty": "${ms % 9}"\n  "timestamp": "2026-12-02T02:20:36.991Z"`;
        assert.equal(withoutVolatile(run(142, "12.85", 20)), withoutVolatile(run(7, "3.1", 20)));
        assert.notEqual(withoutVolatile(run(142, "12.85", 20)), withoutVolatile(run(142, "12.85", 19)));
        assert.notEqual(withoutVolatile("per month $5.20"), withoutVolatile("per month $5.21"));
    });
    it("masks each volatile part with its own placeholder", () => {
        const printed = [
            "  ← Run ECS task   142 ms  arn:aws:ecs:us-east-1:0:task/c/3c479a176d4f4483a88ee659bfb5da80",
            "  trade 0f8fad5b-d9cb-469f-a165-70867728950e",
            '  "qty": "17", at 2026-12-02T02:20:36Z and 2026-12-02T02:20:36.991Z',
            "  executions per second    12.85",
            "  p50 latency (ms)         3",
        ].join("\n");
        assert.equal(
            withoutVolatile(printed),
            [
                "  ← Run ECS task <n> ms  arn:aws:ecs:us-east-1:0:task/c/<task-id>",
                "  trade <uuid>",
                '  "qty": "<n>", at <time> and <time>',
                "  executions per second    <n>",
                "  p50 latency (ms)         <n>",
            ].join("\n"),
        );
    });

    it("says what it rewrote, by file and line, then that the docs are up to date; --check writes nothing", async () => {
        const file = path.join(tempDir("docs-"), "page.md");
        const page = "# A page\n\n<!-- npm run cost -->\nold\n<!-- end of npm run cost -->\n";
        fs.writeFileSync(file, page);
        const check = await runInProcess(docs([file]), ["--check"]);
        assert.equal(check.status, 1);
        assert.equal(fs.readFileSync(file, "utf8"), page);
        const write = await runInProcess(docs([file]), []);
        assert.equal(write.status, 0);
        assert.equal(write.stdout, `rewrote 1 block(s):\n  ${path.relative(PROJECT_ROOT, file)}:3: npm run cost\n`);
        assert.match(fs.readFileSync(file, "utf8"), /^\$ npm run cost\nCost of the dev stack/m);
        const again = await runInProcess(docs([file]), []);
        assert.equal(again.stdout, "the docs were up to date\n");
        assert.equal((await runInProcess(docs([file]), ["--check"])).status, 0);
    });

    it("fails a block whose command its tool refuses, by file and line, with the tool's reason, and writes nothing", async () => {
        const file = path.join(tempDir("docs-"), "page.md");
        const command = "npm run cost -- --executions-per-month lots";
        const page = `text\n\n<!-- ${command} -->\nold\n<!-- end of ${command} -->\n`;
        fs.writeFileSync(file, page);
        const run = await runInProcess(docs([file]), []);
        assert.equal(run.status, 1);
        assert.match(run.stderr, new RegExp(`^${path.relative(PROJECT_ROOT, file).replaceAll(".", "\\.")}:3: ${command} exited 2: .*executions-per-month`));
        assert.equal(fs.readFileSync(file, "utf8"), page);
    });

    it("prints its help, and runs nothing, when asked", async () => {
        const run = await runInProcess(docs([path.join(tempDir("docs-"), "missing.md")]), ["--check", "--help"]);
        assert.equal(run.status, 0);
        assert.match(run.stdout, /^usage: npm run docs/);
    });

    it("reads README.md, then each Markdown page of docs/ in name order, then CONTRIBUTING.md, each where it is", () => {
        const root = tempDir("docs-");
        assert.deepEqual(documents(root), [path.join(root, "README.md")]);
        fs.mkdirSync(path.join(root, "docs"));
        for (const name of ["b.md", "a.md", "notes.txt"]) {
            fs.writeFileSync(path.join(root, "docs", name), "");
        }
        assert.deepEqual(
            documents(root).map((file) => path.relative(root, file)),
            ["README.md", "docs/a.md", "docs/b.md"],
        );
        fs.writeFileSync(path.join(root, "CONTRIBUTING.md"), "");
        assert.deepEqual(documents(root).at(-1), path.join(root, "CONTRIBUTING.md"));
    });
});

describe("npm run docs: diagrams, several blocks, and what it leaves alone", () => {
    it("reports a page's outdated workflow diagram as stale, and a write redraws it", async () => {
        const file = path.join(tempDir("docs-"), "page.md");
        const page = "# A page\n\n<!-- diagram:default:start (npm run diagram) -->\nold\n<!-- diagram:default:end -->\n";
        fs.writeFileSync(file, page);
        const shown = path.relative(PROJECT_ROOT, file);
        const check = await runInProcess(docs([file]), ["--check"]);
        assert.equal(check.status, 1);
        assert.equal(check.stderr, `stale: ${shown}: the workflow diagrams (run npm run docs)`);
        assert.equal(fs.readFileSync(file, "utf8"), page);
        const write = await runInProcess(docs([file]), []);
        assert.equal(write.status, 0, write.stderr);
        assert.equal(write.stdout, `rewrote 1 block(s):\n  ${shown}: the workflow diagrams\n`);
        assert.match(fs.readFileSync(file, "utf8"), /^```mermaid$/m);
        assert.equal((await runInProcess(docs([file]), ["--check"])).status, 0);
    });

    it("names each block it rewrote on a line of its own, and leaves a page it need not change untouched", async () => {
        const dir = tempDir("docs-");
        const stale = path.join(dir, "stale.md");
        const untouched = path.join(dir, "untouched.md");
        const second = "npm run cost -- --executions-per-month 730";
        fs.writeFileSync(stale, `<!-- npm run cost -->\nold\n<!-- end of npm run cost -->\n\n<!-- ${second} -->\nold\n<!-- end of ${second} -->\n`);
        fs.writeFileSync(untouched, "# Nothing generated here\n");
        const past = new Date("2020-01-01T00:00:00.000Z");
        fs.utimesSync(untouched, past, past);
        const write = await runInProcess(docs([stale, untouched]), []);
        assert.equal(write.status, 0, write.stderr);
        const shown = path.relative(PROJECT_ROOT, stale);
        assert.equal(write.stdout, `rewrote 2 block(s):\n  ${shown}:1: npm run cost\n  ${shown}:5: ${second}\n`);
        assert.equal(fs.statSync(untouched).mtimeMs, past.getTime(), "an unchanged page is not written");
    });

    it("reads the pages of docs/ in name order", () => {
        const root = tempDir("docs-");
        fs.mkdirSync(path.join(root, "docs"));
        const names = ["c.md", "a.md", "e.md", "b.md", "d.md"];
        for (const name of names) {
            fs.writeFileSync(path.join(root, "docs", name), "");
        }
        assert.deepEqual(
            documents(root)
                .slice(1)
                .map((file) => path.basename(file)),
            [...names].sort(),
        );
    });

    it("masks a rate only where its figure ends the line, however far the line is indented", () => {
        assert.equal(withoutVolatile(" executions per second 12.85"), " executions per second <n>");
        assert.equal(withoutVolatile("  executions per second    12.85 of 20"), "  executions per second    12.85 of 20");
    });

    it("fails a block whose tool refuses it with every line the tool said, in order", async () => {
        const batch = tempDir("no-contract-");
        // A stack file with a set-only secret: the tool says so, then refuses the batch folder.
        const stackFile = "config:\n  aws:region: eu-west-1\n  stock-trader:alarmEmail:\n    secure: v1:abcdEFGH0123456789==\n";
        const run = await withStackFile(stackFile, async (stack) => {
            const file = path.join(tempDir("docs-"), "page.md");
            const command = `npm run simulate -- --stack ${stack} --batch ${batch}`;
            fs.writeFileSync(file, `<!-- ${command} -->\n<!-- end of ${command} -->\n`);
            return runInProcess(docs([file]), ["--check"]);
        });
        assert.equal(run.status, 1);
        const lines = run.stderr.split("\n");
        assert.equal(lines.length, 2, run.stderr);
        assert.match(lines[0], /page\.md:1: npm run simulate -- .+ exited 2: Pulumi\.\S+\.yaml: stock-trader:alarmEmail is a secret/);
        assert.match(lines[1], /contract\.json: is missing/);
    });
});
