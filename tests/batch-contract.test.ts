/**
 * The batch program as a replaceable part: its contract read and enforced, the contract check
 * run against the project's program and the example in Python, and failing programs that break
 * the contract in the ways a replacement would.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { missingNeeds, MissingRuntime, prepareBatch } from "../local/batch";
import type { BatchRun } from "../local/batch";
import { checkContract, contractCases, effectProblem, errorLineProblem, type Expected } from "../local/contract-check";
import { batchContract, ContractError, parseBatchCommand, parseBatchContract, readBatchContract } from "../model/batch-contract";
import { type ConfigError, parseConfig } from "../model/config";
import { BATCH_CONTAINER_DIR, PROJECT_ROOT } from "../model/project";
import { describeContract, main as batchCheck } from "../scripts/local/batch-check";
import { batchTry, main as batchTryMain, type Ran } from "../scripts/local/batch-try";
import { batchImageCheck } from "../scripts/preflight/tools";
import { main as simulate } from "../scripts/local/simulate";
import { settings } from "./support/arbitraries";
import { batchFolder } from "./support/batch-folder";
import { thrown } from "./support/thrown";
import { runInProcess } from "./support/tool";

const EXAMPLE = path.join(PROJECT_ROOT, "examples", "python-batch");
const contractJson = () => JSON.parse(fs.readFileSync(path.join(BATCH_CONTAINER_DIR, "contract.json"), "utf8")) as Record<string, unknown>;

describe("the batch contract, as data", () => {
    it("is read from each batch program's folder, the project's and the example's alike", () => {
        assert.deepEqual(readBatchContract(BATCH_CONTAINER_DIR), batchContract());
        assert.deepEqual({ ...readBatchContract(EXAMPLE), local: undefined }, { ...batchContract(), local: undefined }, "the example does the same job");
    });

    it("refuses a contract it cannot read, naming the file, the field and the form it must have", () => {
        const refusal = (json: unknown) => thrown(() => parseBatchContract(json, "x/contract.json"), ContractError).message;
        const base = contractJson();
        const args = base.arguments as Record<string, unknown>;
        assert.equal(refusal({ ...base, arguments: { ...args, flags: [] } }), "x/contract.json: arguments.flags must be a list of at least one flag (got [])");
        assert.equal(
            refusal({ ...base, arguments: { ...args, flags: [{ name: "Arg 1", attribute: "A" }] } }),
            'x/contract.json: arguments.flags[0].name must be a flag\'s name, lower-case letters, digits and hyphens (got "Arg 1")',
        );
        assert.equal(
            refusal({ ...base, exitCodes: { done: 0, failed: 2, usage: 2 } }),
            'x/contract.json: exitCodes must be three different codes, done being 0 (got {"done":0,"failed":2,"usage":2})',
        );
        assert.equal(
            refusal({ ...base, exitCodes: { done: 0, failed: 1, usage: 300 } }),
            "x/contract.json: exitCodes.usage must be an exit code, 0 to 255 (got 300)",
        );
        assert.match(
            refusal({ ...base, arguments: { ...args, example: ["--arg1", "x"] } }),
            /^x\/contract\.json: arguments\.example must be a command the contract accepts \(--arg1 must be an integer \(got "x"\)\)/,
        );
        assert.equal(refusal({ ...base, local: { command: [], needs: [] } }), "x/contract.json: local.command must be a list of at least 1 strings (got [])");
        assert.equal(
            refusal({ ...base, environment: { transactionId: "", tableName: "T" } }),
            'x/contract.json: environment.transactionId must be a non-empty string (got "")',
        );
        assert.equal(
            thrown(() => readBatchContract(path.join(PROJECT_ROOT, "model")), ContractError).message,
            "model/contract.json: is missing: a batch program's folder describes it in contract.json",
        );
    });

    it("gives the stack's batchCommand its rules and its default: the config accepts exactly what the contract accepts", () => {
        const contract = batchContract();
        assert.deepEqual(parseConfig({}).batchCommand, contract.arguments.example);
        const tokens = fc.oneof(
            fc.constantFrom(...contract.arguments.flags.map((f) => `--${f.name}`), "--unknown", "extra"),
            fc.constantFrom("0", "-5", "42", "01", "1.5", "abc", "", String(contract.arguments.maximum), String(contract.arguments.maximum + 2)),
            fc.constantFrom(...contract.arguments.flags.map((f) => `--${f.name}=`)).chain((flag) => fc.constantFrom(`${flag}7`, `${flag}-0`, `${flag}x`)),
        );
        fc.assert(
            fc.property(fc.array(tokens, { minLength: 1, maxLength: 6 }), (argv) => {
                const byContract = parseBatchCommand(contract, argv);
                let byConfig: string | undefined;
                try {
                    parseConfig({ batchCommand: JSON.stringify(argv) });
                } catch (error) {
                    byConfig = (error as ConfigError).problems.join("; ");
                }
                assert.equal(byConfig === undefined, byContract.ok, `${JSON.stringify(argv)}: ${byConfig}`);
                if (!byContract.ok) {
                    assert.ok(byConfig!.endsWith(`; ${byContract.problem} (got ${JSON.stringify(argv)})`), byConfig);
                }
            }),
            settings(200),
        );
    });

    it("is what the preflight holds the batch image's Dockerfile to: an exec-form ENTRYPOINT and a default CMD the contract accepts", () => {
        const local = { command: ["node", "run.js"], needs: [] };
        const check = (dockerfile: string) => batchImageCheck(batchFolder({ local }, { Dockerfile: dockerfile }));
        assert.deepEqual([batchImageCheck().status, batchImageCheck(EXAMPLE).status], ["pass", "pass"]);
        assert.equal(check('FROM scratch\nENTRYPOINT ["/run"]\n').detail, "an exec-form ENTRYPOINT");
        assert.equal(
            check("FROM scratch\nENTRYPOINT /run now\n").detail,
            "its Dockerfile has no exec-form ENTRYPOINT, so the workflow's command would replace the program itself",
        );
        assert.equal(
            check('FROM scratch\nENTRYPOINT ["/run"]\nCMD ["--arg1", "1"]\n').detail,
            'its default CMD ["--arg1","1"] is refused by its contract: --arg2 is required',
        );
        assert.match(batchImageCheck(path.join(PROJECT_ROOT, "model")).detail, /^model\/contract\.json: is missing/);
        assert.match(batchImageCheck(batchFolder({ local })).detail, /ENOENT.*Dockerfile/);
    });

    it("describes itself in words, each part of the agreement on a row", () => {
        const rows = describeContract(batchContract(), BATCH_CONTAINER_DIR);
        assert.deepEqual(
            rows.slice(2).map((row) => row.split(" | ")[0].slice(2)),
            ["what it does", "its command", "its environment", "its exit codes", "its error line", "the table", "run here"],
        );
        const contract = batchContract();
        assert.ok(rows.join("\n").includes(`\`${contract.arguments.flags.map((f) => `--${f.name} <integer>`).join(" ")}, each exactly once\``));
        assert.ok(rows.at(-1)!.startsWith(`| run here | \`${contract.local.command.join(" ")}\` in \`batch-container/\``), rows.at(-1));
    });
});

describe("the contract check's cases and judgements, in-process", () => {
    const contract = batchContract();
    const cases = contractCases(contract);
    const named = (name: string) => {
        const found = cases.filter((c) => c.name === name);
        assert.equal(found.length, 1, `one case named ${name}: ${cases.map((c) => c.name).join(" | ")}`);
        return found[0];
    };

    it("expects of each command what the contract's own rules say: done or failed where they accept it, usage where they refuse it", () => {
        assert.equal(new Set(cases.map((c) => c.name)).size, cases.length, "each case has a name of its own");
        for (const kase of cases) {
            const accepted = parseBatchCommand(contract, kase.args).ok;
            assert.equal(accepted, kase.expect !== "usage" || kase.unset !== undefined, `${kase.name}: ${JSON.stringify(kase.args)}`);
        }
        const done = cases.filter((c) => c.expect === "done");
        assert.ok(done.length >= 4 && done.every((c) => c.itemExists !== false && !c.missingTable && c.unset === undefined));
    });

    it("tries the example twice, the bounds, a negative value, a missing trade and table, every flag left out, and every variable unset", () => {
        const [first, second] = contract.arguments.flags;
        const { example, minimum, maximum } = contract.arguments;
        assert.deepEqual(named(`marks the trade processed with the example command (${example.join(" ")})`).args, example);
        assert.equal(named("runs again with the same command, changing only the time it processed the trade").twice, true);
        const bounds = cases.find((c) => c.name.startsWith("takes --NAME=VALUE in any order"))!;
        assert.deepEqual([...bounds.args].sort(), [`--${first.name}=${minimum}`, `--${second.name}=${maximum}`].sort());
        assert.notDeepEqual(
            bounds.args.map((a) => a.split("=")[0]),
            contract.arguments.flags.map((f) => `--${f.name}`),
            "in another order than the contract's",
        );
        assert.deepEqual(parseBatchCommand(contract, named(`takes a negative value after its flag (--${first.name} -5)`).args), {
            ok: true,
            value: { ...(parseBatchCommand(contract, example) as { value: object }).value, [first.name]: -5 },
        });
        assert.equal(named("fails a trade the table does not hold, and creates no item").itemExists, false);
        assert.equal(named("fails when the table does not exist").missingTable, true);
        for (const flag of contract.arguments.flags) {
            assert.ok(!named(`refuses a command without --${flag.name}`).args.includes(`--${flag.name}`));
        }
        for (const variable of Object.values(contract.environment)) {
            assert.deepEqual(named(`refuses to run without ${variable}`).unset, [variable]);
        }
        assert.deepEqual(named("refuses no arguments").args, []);
        assert.deepEqual(named("refuses a stray argument").args, [...example, "extra"]);
        assert.deepEqual(named("refuses a flag the contract does not name").args, [...example, "--unknown", "1"]);
        assert.equal(named(`refuses --${first.name} twice`).args.filter((a) => a === `--${first.name}`).length, 2);
        assert.equal(named(`refuses --${first.name} without its value`).args.at(-1), `--${first.name}`);
        const abbreviation = named(`refuses --${first.name.slice(0, -1)}, an abbreviation of --${first.name}`);
        assert.deepEqual(abbreviation.args.slice(-2), [`--${first.name.slice(0, -1)}`, "1"]);
    });

    it("refuses each malformed integer and each one past the bounds, for the first flag", () => {
        const first = contract.arguments.flags[0].name;
        const refused = cases.filter((c) => c.name.startsWith(`refuses --${first} "`)).map((c) => c.args[c.args.indexOf(`--${first}`) + 1]);
        const { minimum, maximum } = contract.arguments;
        assert.deepEqual(
            refused.sort(),
            ["abc", "1.5", "01", "+1", " 1", "1e3", "0x10", "", String(BigInt(maximum) + 1n), String(BigInt(minimum) - 1n)].sort(),
        );
    });

    it("tries an abbreviation only where it names no other flag", () => {
        const withFlags = (...names: string[]) =>
            contractCases({
                ...contract,
                arguments: {
                    ...contract.arguments,
                    flags: names.map((name) => ({ name, attribute: name.toUpperCase() })),
                    example: names.flatMap((n) => [`--${n}`, "1"]),
                },
            });
        assert.ok(withFlags("ab", "c").some((c) => c.name.includes("an abbreviation of --ab")));
        assert.ok(!withFlags("ab", "a").some((c) => c.name.includes("an abbreviation")));
        assert.ok(!withFlags("a", "b").some((c) => c.name.includes("an abbreviation")));
    });

    const run = (stderr: string): BatchRun => ({ exitCode: 1, stdout: "", stderr, durationMs: 1 });

    it("takes as the error line only a last line on standard error that is a JSON object holding the contract's fields", () => {
        assert.equal(errorLineProblem(contract, run('{"level":"error","reason":"no such trade"}\n'), false), undefined);
        assert.equal(errorLineProblem(contract, run('starting\n{"level":"error","step":"usage","reason":"--arg1 is missing"}'), true), undefined);
        const holding = (fields: object) => `its last line on standard error is not an error line holding ${JSON.stringify(fields)}: `;
        assert.equal(errorLineProblem(contract, run('{"level":"error"}'), true), `${holding({ level: "error", step: "usage" })}"{\\"level\\":\\"error\\"}"`);
        assert.equal(errorLineProblem(contract, run(""), false), `${holding({ level: "error" })}(nothing)`);
        assert.equal(errorLineProblem(contract, run('{"level":"error"}\nTraceback'), false), `${holding({ level: "error" })}"Traceback"`);
        assert.equal(errorLineProblem(contract, run('["level","error"]'), false), `${holding({ level: "error" })}"[\\"level\\",\\"error\\"]"`);
        assert.equal(errorLineProblem(contract, run("null"), false), `${holding({ level: "error" })}"null"`);
        assert.equal(errorLineProblem(contract, run('{"level":"warn"}'), false), `${holding({ level: "error" })}"{\\"level\\":\\"warn\\"}"`);
        const long = `{"level":"${"x".repeat(300)}"}`;
        assert.equal(
            errorLineProblem(contract, run(long), false),
            `${holding({ level: "error" })}${JSON.stringify(long.slice(0, 200))}`,
            "its first 200 characters",
        );
    });

    it("judges the trade's item: unchanged by a run that fails, marked at the time it ran with exactly its command's values by one that succeeds", () => {
        const { key, processedAt } = contract.table;
        const before = { [key]: { S: "t-1" }, Type: { S: "buy" } };
        const window = { from: Date.parse("2026-12-06T12:00:00.000Z"), to: Date.parse("2026-12-06T12:00:01.000Z") };
        const example = contract.arguments.example;
        const done = (at: string, extra: object = {}) => ({ ...before, [processedAt]: { S: at }, Arg1: { N: "100" }, Arg2: { N: "200" }, ...extra });
        const judge = (after: object | undefined, expect: Expected = "done") => effectProblem(contract, before, after as never, expect, example, window);
        assert.equal(judge(before, "failed"), undefined);
        assert.equal(judge(before, "usage"), undefined);
        assert.equal(
            judge(done("2026-12-06T12:00:00.500Z"), "failed"),
            `the trade's item changed from ${JSON.stringify(before)} to ${JSON.stringify(done("2026-12-06T12:00:00.500Z"))}, where the run failed`,
        );
        assert.equal(judge(undefined), "the trade's item is gone: undefined");
        assert.equal(
            effectProblem(contract, undefined, done("2026-12-06T12:00:00.500Z") as never, "done", example, window),
            `the trade's item is gone: ${JSON.stringify(done("2026-12-06T12:00:00.500Z"))}`,
        );
        assert.equal(judge(done("2026-12-06T12:00:00.500Z")), undefined);
        assert.equal(judge(done("2026-12-06T11:59:59.000Z")), undefined, "a second of clock skew either side");
        assert.equal(judge(done("2026-12-06T12:00:02Z")), undefined);
        const late = `${processedAt} must be the time it ran, as an ISO 8601 UTC string such as 2026-12-06T12:00:00.000Z (got `;
        assert.equal(judge(done("2026-12-06T11:59:58.999Z")), `${late}{"S":"2026-12-06T11:59:58.999Z"})`);
        assert.equal(judge(done("2026-12-06T12:00:02.001Z")), `${late}{"S":"2026-12-06T12:00:02.001Z"})`);
        assert.equal(judge(done("2026-12-06 12:00:00")), `${late}{"S":"2026-12-06 12:00:00"})`);
        assert.equal(judge(done("2026-12-06T12:00:00+00:00")), `${late}{"S":"2026-12-06T12:00:00+00:00"})`);
        assert.equal(judge({ ...before, Arg1: { N: "100" }, Arg2: { N: "200" } }), `${late}undefined)`);
        const sorted = (item: object) => JSON.stringify(Object.fromEntries(Object.entries(item).sort(([a], [b]) => a.localeCompare(b))));
        const at = "2026-12-06T12:00:00.500Z";
        assert.equal(
            judge(done(at, { Arg2: { N: "201" } })),
            `the trade's item is ${sorted(done(at, { Arg2: { N: "201" } }))}, where ${sorted(done(at))} was due`,
        );
        assert.equal(
            judge(done(at, { Extra: { S: "x" } })),
            `the trade's item is ${sorted(done(at, { Extra: { S: "x" } }))}, where ${sorted(done(at))} was due`,
        );
    });
});

describe("the contract check", function () {
    this.timeout(60000);

    it("passes the project's batch program, checking its effect on the table, its refusals and its error lines", async () => {
        const outcomes = await checkContract(prepareBatch());
        assert.deepEqual(
            outcomes.filter((o) => !o.passed),
            [],
        );
        const names = outcomes.map((o) => o.name).join("\n");
        for (const part of [
            /marks the trade processed/,
            /changing only the time/,
            /fails a trade the table does not hold/,
            /refuses --arg1 twice/,
            /refuses to run without TRANSACTION_ID/,
        ]) {
            assert.match(names, part);
        }
    });

    it("passes the seed's Python program in examples/, or says exactly what this machine lacks to run it", async function () {
        const example = { dir: EXAMPLE, contract: readBatchContract(EXAMPLE) };
        const missing = missingNeeds(example);
        if (missing.length > 0) {
            this.test!.title += ` (skipped: this machine lacks ${missing.join("; ")})`;
            this.skip();
        }
        const outcomes = await checkContract(prepareBatch(EXAMPLE));
        assert.deepEqual(
            outcomes.filter((o) => !o.passed),
            [],
        );
    });

    /** A program in a folder of its own: the project's contract, run as `node program.js` after the given source. */
    const program = (source: string) => batchFolder({ local: { command: ["node", "program.js"], needs: [] } }, { "program.js": source });
    /** The project's program, run as a child as its contract says, with its arguments put through `args` and its stderr's lines through `line`. */
    const wrapping = ({ args = "a", line = "line" }: { args?: string; line?: string }) => {
        const [command, ...rest] = prepareBatch().command;
        return program(`const { spawnSync } = require("node:child_process");
const args = process.argv.slice(2).map((a) => ${args});
const run = spawnSync(${JSON.stringify(command)}, [...${JSON.stringify(rest)}, ...args], { cwd: ${JSON.stringify(BATCH_CONTAINER_DIR)}, encoding: "utf8" });
process.stdout.write(run.stdout);
process.stderr.write(run.stderr.split("\\n").map((line) => (line === "" ? line : ${line})).join("\\n"));
process.exit(run.status);`);
    };

    it("fails a program that exits 0 without marking the trade processed", async () => {
        const outcomes = await checkContract(prepareBatch(program("process.exit(0);")));
        const marks = outcomes.find((o) => o.name.startsWith("marks the trade processed"))!;
        assert.equal(marks.passed, false);
        assert.match(marks.problem, /^ProcessedAt must be the time it ran, as an ISO 8601 UTC string .* \(got undefined\)$/);
        assert.match(outcomes.find((o) => o.name === "refuses no arguments")!.problem, /^exited 0 \(done\), where 2 \(usage\) was due/);
    });

    it("fails a program that prints its errors in another format, on every failure and refusal", async () => {
        const outcomes = await checkContract(prepareBatch(wrapping({ line: "`ERROR: ${JSON.parse(line).reason ?? JSON.parse(line).cause}`" })));
        const failed = outcomes.filter((o) => !o.passed);
        assert.deepEqual(
            outcomes.filter((o) => o.passed).map((o) => o.name),
            outcomes.filter((o) => o.name.startsWith("marks") || o.name.startsWith("runs again") || o.name.startsWith("takes")).map((o) => o.name),
            "only the runs that succeed pass",
        );
        for (const outcome of failed) {
            assert.match(
                outcome.problem,
                /^its last line on standard error is not an error line holding \{"level":"error"(,"step":"usage")?\}: "ERROR: /,
                outcome.name,
            );
        }
    });

    it("fails a program that writes another value than its command's", async () => {
        const outcomes = await checkContract(prepareBatch(wrapping({ args: `a === "100" ? "101" : a` })));
        assert.match(outcomes[0].problem, /^the trade's item is .*"Arg1":\{"N":"101"\}.*, where .*"Arg1":\{"N":"100"\}.* was due$/);
    });

    it("says in one line what this machine lacks, for the check and for simulate alike, and runs nothing", async () => {
        const dir = batchFolder({
            local: { command: ["no-such-runtime", "job"], needs: [{ command: ["no-such-runtime", "--version"], what: "the no-such runtime" }] },
        });
        const line = `the batch program in ${path.relative(process.cwd(), dir)} cannot run here: it needs the no-such runtime (no-such-runtime --version: no-such-runtime is not on PATH)`;
        const check = await runInProcess(batchCheck, ["--batch", dir]);
        assert.deepEqual([check.status, check.stderr, check.stdout], [3, line, "\n"]);
        const simulated = await runInProcess(simulate, ["--batch", dir]);
        assert.deepEqual([simulated.status, simulated.stderr, simulated.stdout], [3, line, "\n"], "nothing printed, not even the first line");
        const broken = batchFolder({ local: { command: [], needs: [] } });
        const unreadable = await runInProcess(batchCheck, ["--batch", broken]);
        assert.equal(unreadable.status, 2);
        assert.match(unreadable.stderr, /contract\.json: local\.command must be a list of at least 1 strings \(got \[\]\)$/);
        assert.equal(thrown(() => prepareBatch(dir), MissingRuntime).missing.length, 1);
    });

    it("runs as a tool: one line per check and the tally, or one JSON document, exit 0 when all pass and 1 when one fails", async () => {
        const text = await runInProcess(batchCheck, []);
        assert.equal(text.status, 0, text.stdout);
        const lines = text.stdout.trimEnd().split("\n");
        assert.equal(lines[0], `Contract check of batch-container/: ${batchContract().local.command.join(" ")}, as batch-container/contract.json describes it`);
        assert.ok(lines.slice(1, -1).every((line) => line.startsWith("  ✔ ")));
        assert.match(lines.at(-1)!, /^(\d+) checks: \1 passed, 0 failed$/);
        const failing = await runInProcess(batchCheck, ["--batch", program("process.exit(0);"), "--json"]);
        assert.equal(failing.status, 1);
        const document = JSON.parse(failing.stdout) as { checks: { passed: boolean }[]; summary: { passed: number; failed: number } };
        assert.equal(document.summary.failed, document.checks.filter((c) => !c.passed).length);
        assert.ok(document.summary.failed > 0);
    });
});

describe("npm run batch:try (the npm runs stood in for)", function () {
    this.timeout(60000);

    /** A program to try: whatever is in batch-container/, this one differs from it. */
    const tried = () =>
        batchFolder(
            { local: { command: ["node", "tried.js"], needs: [] } },
            { "tried.js": `// tried at ${process.hrtime.bigint()}\n`, Dockerfile: 'FROM scratch\nENTRYPOINT ["/tried"]\n' },
        );

    /** The tool's run against stand-ins for the npm runs: each answers as told, and may change the copy as the real one would. */
    async function tryIt(answers: Record<string, (cwd: string) => Ran>, batch = tried()) {
        const out: string[] = [];
        const ran: string[] = [];
        const status = await batchTry(["--batch", batch], {
            out: (line) => out.push(line),
            err: (line) => out.push(line),
            run: (command, args, cwd) => {
                const name = [command, ...args.filter((a) => a !== "--silent")].join(" ");
                ran.push(name);
                return (answers[name] ?? (() => ({ status: 0, output: "ok\n" })))(cwd);
            },
        });
        return { status, out, ran };
    }

    it("runs the check, simulate, docs and the tests in a copy with the example in place, and lists what differs by why", async () => {
        const batch = tried();
        const { status, out, ran } = await tryIt(
            {
                "npm run docs": (cwd) => {
                    fs.appendFileSync(path.join(cwd, "README.md"), "\n");
                    return { status: 0, output: "rewrote 1 block(s):\n  README.md:1: npm run batch:check -- --describe\n" };
                },
                "npm test": () => ({ status: 0, output: "\n  990 passing (40s)\n" }),
            },
            batch,
        );
        assert.equal(status, 0, out.join("\n"));
        assert.deepEqual(ran, ["npm run batch:check", "npm run simulate", "npm run docs", "npm test"]);
        const section = (title: string) => {
            const at = out.findIndex((line) => line.startsWith(title));
            const end = out.findIndex((line, i) => i > at && !line.startsWith("  "));
            return out.slice(at, end < 0 ? undefined : end);
        };
        const example = fs.readdirSync(batch).sort();
        assert.deepEqual(
            section("Changed by hand")
                .slice(1)
                .map((line) => line.trim().split(" ")[1]),
            example.map((file) => `batch-container/${file}`),
        );
        assert.ok(section("Removed with the old program").length > 1);
        assert.deepEqual(section("Rewritten by npm run docs"), ["Rewritten by npm run docs: 1 file(s)", "  M README.md"]);
        assert.deepEqual(section("Anything else that differs"), ["Anything else that differs: none"]);
        assert.ok(out.includes("✔ npm test:   990 passing (40s)"), out.join("\n"));
    });

    it("fails when a run fails, naming the failing tests, or when a run changes anything else", async () => {
        const failing = await tryIt({
            "npm test": () => ({ status: 1, output: "  9 passing\n  1 failing\n\n  1) the batch contract\n       is read:\n     AssertionError\n" }),
            "npm run simulate": (cwd) => {
                fs.writeFileSync(path.join(cwd, "left-behind.txt"), "x");
                return { status: 0, output: "Status: SUCCEEDED\n" };
            },
        });
        assert.equal(failing.status, 1);
        assert.ok(failing.out.includes("✖ npm test:   9 passing;   1 failing (exit 1)"), failing.out.join("\n"));
        assert.deepEqual(failing.out.slice(failing.out.indexOf("Failing tests: 1")), ["Failing tests: 1", "  the batch contract: is read"]);
        assert.ok(failing.out.includes("  A left-behind.txt"), failing.out.join("\n"));
        const usage = await runInProcess(batchTryMain, []);
        assert.deepEqual([usage.status, usage.stderr], [2, "give --batch DIR, the batch program to try; npm run batch:try -- --help lists what it takes"]);
        const noContract = await runInProcess(batchTryMain, ["--batch", path.join(PROJECT_ROOT, "model")]);
        assert.deepEqual(
            [noContract.status, noContract.stderr],
            [2, "model/contract.json: is missing: a batch program's folder describes it in contract.json"],
        );
    });
});
