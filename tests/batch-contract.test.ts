/**
 * The batch program as a replaceable part: its contract read and enforced, the contract check
 * run against the project's program and the example in Python, and failing programs that break
 * the contract in the ways a replacement would.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { MissingRuntime, prepareBatch, runBatch } from "../local/batch";
import type { BatchProgram, BatchRun } from "../local/batch";
import { type Case, checkContract, contractCases, effectProblem, errorLineProblem, type Expected } from "../local/contract-check";
import { type BatchContract, batchContract, ContractError, parseBatchCommand, parseBatchContract, readBatchContract } from "../model/batch-contract";
import { type ConfigError, parseConfig } from "../model/config";
import { BATCH_CONTAINER_DIR, PROJECT_ROOT } from "../model/project";
import { describeContract, main as batchCheck, USAGE as BATCH_CHECK_USAGE } from "../scripts/local/batch-check";
import { batchTry, main as batchTryMain, type Ran } from "../scripts/local/batch-try";
import { batchImageCheck } from "../scripts/preflight/tools";
import { main as simulate } from "../scripts/local/simulate";
import { settings } from "./support/arbitraries";
import { batchFolder } from "./support/batch-folder";
import { withEnvironment } from "./support/loopback";
import { tempDir } from "./support/temp";
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

    it("refuses a Dockerfile BuildKit would refuse to read, naming the file and the line, in the preflight and before a local run", () => {
        const folder = batchFolder({ local: { command: ["node", "run.js"], needs: [] } }, { Dockerfile: '# escape=x\nFROM scratch\nENTRYPOINT ["/run"]\n' });
        const problem = `${path.relative(process.cwd(), path.join(folder, "Dockerfile"))}: line 1: invalid escape token 'x' does not match \` or \\`;
        assert.deepEqual([batchImageCheck(folder).status, batchImageCheck(folder).detail], ["fail", problem]);
        assert.throws(() => prepareBatch(folder), { name: "ContractError", message: problem });
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
    let cases: Case[];
    beforeEach(() => (cases = contractCases(contract)));
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

    /** The seed's Python program, ready to run; the test is skipped, saying what this machine lacks, where it cannot run. */
    function pythonExample(context: Mocha.Context): BatchProgram {
        try {
            return prepareBatch(EXAMPLE);
        } catch (error) {
            if (error instanceof MissingRuntime) {
                context.test!.title += ` (skipped: this machine lacks ${error.missing.join("; ")})`;
                context.skip();
            }
            throw error;
        }
    }

    it("passes the seed's Python program in examples/, or says exactly what this machine lacks to run it", async function () {
        const outcomes = await checkContract(pythonExample(this));
        assert.deepEqual(
            outcomes.filter((o) => !o.passed),
            [],
        );
    });

    it("ends the seed's Python program with an error line and exit 1 when its AWS SDK will not load, and refuses a command without loading it", async function () {
        const example = pythonExample(this);
        const stub = tempDir("no-botocore-");
        fs.mkdirSync(path.join(stub, "botocore"));
        fs.writeFileSync(path.join(stub, "botocore", "__init__.py"), 'raise ImportError("no botocore here")\n');
        const env = { PYTHONPATH: stub, [example.contract.environment.transactionId]: "t-1", [example.contract.environment.tableName]: "T" };
        const lastLine = (run: BatchRun) => JSON.parse(run.stderr.trimEnd().split("\n").at(-1)!) as Record<string, unknown>;
        const run = await runBatch(example.contract.arguments.example, env, example);
        assert.equal(run.exitCode, example.contract.exitCodes.failed, run.stderr);
        assert.deepEqual({ ...lastLine(run), time: undefined }, { time: undefined, level: "error", step: "crashed", cause: "ImportError: no botocore here" });
        const refused = await runBatch([], env, example);
        assert.equal(refused.exitCode, example.contract.exitCodes.usage, refused.stderr);
        assert.equal(lastLine(refused).step, "usage");
    });

    /** A program in a folder of its own: the project's contract, run as `node program.js` after the given source. */
    const program = (source: string) => batchFolder({ local: { command: ["node", "program.js"], needs: [] } }, { "program.js": source });
    /**
     * The project's program, its bundle loaded in this program's process, with its arguments put
     * through `args` and its stderr's lines through `line` as it exits.
     */
    const wrapping = ({ args = "a", line = "line" }: { args?: string; line?: string }) => {
        const entry = path.join(BATCH_CONTAINER_DIR, prepareBatch().command.at(-1)!);
        return program(`const entry = ${JSON.stringify(entry)};
process.argv = [process.argv[0], entry, ...process.argv.slice(2).map((a) => ${args})];
let written = "";
process.stderr.write = (chunk) => ((written += chunk), true);
process.on("exit", () => require("node:fs").writeSync(2, written.split("\\n").map((line) => (line === "" ? line : ${line})).join("\\n")));
require(entry);`);
    };

    it("fails a program that exits 0 without marking the trade processed", async () => {
        const program = prepareBatch(batchFolder({ local: { command: ["true"], needs: [] } }));
        // The two cases it reads: the one that must mark the trade, and a refusal.
        const cases = contractCases(program.contract).filter((c) => c.name.startsWith("marks the trade processed") || c.name === "refuses no arguments");
        const outcomes = await checkContract(program, cases);
        assert.equal(outcomes.length, 2);
        const marks = outcomes.find((o) => o.name.startsWith("marks the trade processed"))!;
        assert.equal(marks.passed, false);
        assert.match(marks.problem, /^ProcessedAt must be the time it ran, as an ISO 8601 UTC string .* \(got undefined\)$/);
        assert.match(outcomes.find((o) => o.name === "refuses no arguments")!.problem, /^exited 0 \(done\), where 2 \(usage\) was due/);
    });

    it("fails a program that prints its errors in another format, on each kind of failure and refusal", async () => {
        const program = prepareBatch(wrapping({ line: "`ERROR: ${JSON.parse(line).reason ?? JSON.parse(line).cause}`" }));
        // A run that succeeds, each failure, a refused command and a refused environment: the
        // check reads the last line of every failed or refused run the same way.
        const all = contractCases(program.contract);
        const cases = [
            all.find((c) => c.expect === "done")!,
            ...all.filter((c) => c.expect === "failed"),
            all.find((c) => c.expect === "usage" && c.unset === undefined)!,
            all.find((c) => c.unset !== undefined)!,
        ];
        const outcomes = await checkContract(program, cases);
        const failed = outcomes.filter((o) => !o.passed);
        assert.deepEqual(
            outcomes.map((o) => [o.name, o.passed]),
            cases.map((c) => [c.name, c.expect === "done"]),
            "only the run that succeeds passes",
        );
        assert.equal(failed.length, 4);
        for (const outcome of failed) {
            assert.match(
                outcome.problem,
                /^its last line on standard error is not an error line holding \{"level":"error"(,"step":"usage")?\}: "ERROR: /,
                outcome.name,
            );
        }
    });

    it("fails a program that writes another value than its command's", async () => {
        const program = prepareBatch(wrapping({ args: `a === "100" ? "101" : a` }));
        const [example] = contractCases(program.contract);
        const outcomes = await checkContract(program, [example]);
        assert.deepEqual(
            outcomes.map((o) => o.name),
            [example.name],
        );
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

    it("checks a need once it is met, in each process and under each PATH, and one that is missing again each time, as after an install", async () => {
        const dir = batchFolder({
            local: { command: ["true"], needs: [{ command: ["sh", "-c", "echo checked >> checks && test -f installed"], what: "the installed file" }] },
        });
        const checks = () => fs.readFileSync(path.join(dir, "checks"), "utf8").split("\n").filter(Boolean).length;
        assert.deepEqual(thrown(() => prepareBatch(dir), MissingRuntime).missing, [
            "the installed file (sh -c echo checked >> checks && test -f installed exited 1: )",
        ]);
        fs.writeFileSync(path.join(dir, "installed"), "");
        prepareBatch(dir);
        prepareBatch(dir);
        assert.equal(checks(), 2, "checked while missing, then once met");
        await withEnvironment({ PATH: `${process.env.PATH}:${dir}` }, async () => prepareBatch(dir));
        assert.equal(checks(), 3, "another PATH, another check");
    });

    it("passes the project's batch program as a tool: one line per check, its effect on the table, its refusals and its error lines among them, and the tally, exit 0", async () => {
        const text = await runInProcess(batchCheck, []);
        assert.equal(text.status, 0, text.stdout);
        const lines = text.stdout.trimEnd().split("\n");
        assert.equal(lines[0], `Contract check of batch-container/: ${batchContract().local.command.join(" ")}, as batch-container/contract.json describes it`);
        const checks = lines.slice(1, -1);
        assert.deepEqual(
            checks.filter((line) => !line.startsWith("  ✔ ")),
            [],
        );
        assert.equal(checks.length, contractCases(batchContract()).length);
        for (const part of [
            /marks the trade processed/,
            /changing only the time/,
            /fails a trade the table does not hold/,
            /refuses --arg1 twice/,
            /refuses to run without TRANSACTION_ID/,
        ]) {
            assert.ok(
                checks.some((line) => part.test(line)),
                `${part}`,
            );
        }
        assert.equal(lines.at(-1), `${checks.length} checks: ${checks.length} passed, 0 failed`);
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

describe("the contract check's cases for other flags and bounds", () => {
    /** The project's contract with the flags, bounds and example a test gives, and variables of its own. */
    const shaped = (names: readonly string[], bounds = { minimum: -10, maximum: 10 }, example?: readonly string[]): BatchContract => ({
        ...batchContract(),
        arguments: {
            flags: names.map((name) => ({ name, attribute: name.toUpperCase() })),
            ...bounds,
            example: example ?? names.flatMap((name, i) => [`--${name}`, String(i + 1)]),
        },
        environment: { transactionId: "TRADE_ID", tableName: "TRADE_TABLE" },
    });

    it("derives from a contract exactly these cases, in this order, each with the command it runs and what it must do", () => {
        const example = ["--count", "1", "--size", "2"];
        const refused = (value: string) => ({ name: `refuses --count ${JSON.stringify(value)}`, args: ["--count", value, "--size", "2"], expect: "usage" });
        assert.deepEqual(contractCases(shaped(["count", "size"])), [
            { name: "marks the trade processed with the example command (--count 1 --size 2)", args: example, expect: "done" },
            { name: "runs again with the same command, changing only the time it processed the trade", args: example, expect: "done", twice: true },
            { name: "takes --NAME=VALUE in any order, and the bounds (--size=10 --count=-10)", args: ["--size=10", "--count=-10"], expect: "done" },
            { name: "takes a negative value after its flag (--count -5)", args: ["--count", "-5", "--size", "2"], expect: "done" },
            { name: "fails a trade the table does not hold, and creates no item", args: example, itemExists: false, expect: "failed" },
            { name: "fails when the table does not exist", args: example, missingTable: true, expect: "failed" },
            { name: "refuses no arguments", args: [], expect: "usage" },
            { name: "refuses a command without --count", args: ["--size", "2"], expect: "usage" },
            { name: "refuses a command without --size", args: ["--count", "1"], expect: "usage" },
            { name: "refuses --count twice", args: [...example, "--count", "1"], expect: "usage" },
            { name: "refuses --count without its value", args: ["--size", "2", "--count"], expect: "usage" },
            ...["abc", "1.5", "01", "+1", " 1", "1e3", "0x10", "", "11", "-11"].map(refused),
            { name: "refuses a flag the contract does not name", args: [...example, "--unknown", "1"], expect: "usage" },
            { name: "refuses a stray argument", args: [...example, "extra"], expect: "usage" },
            { name: "refuses --coun, an abbreviation of --count", args: ["--size", "2", "--coun", "1"], expect: "usage" },
            { name: "refuses to run without TRADE_ID", args: example, unset: ["TRADE_ID"], expect: "usage" },
            { name: "refuses to run without TRADE_TABLE", args: example, unset: ["TRADE_TABLE"], expect: "usage" },
        ]);
    });

    it("tries the first flag at the minimum, the last at the maximum and any between them at the example's value, in the reverse of the contract's order", () => {
        const bounds = contractCases(shaped(["a", "b", "c"])).find((c) => c.name.startsWith("takes --NAME=VALUE in any order"));
        assert.deepEqual(bounds?.args, ["--c=10", "--b=2", "--a=-10"]);
    });

    it("tries the first flag's name one letter short, unless another flag has that name", () => {
        const abbreviations = (...names: string[]) =>
            contractCases(shaped(names))
                .filter((c) => c.name.includes("an abbreviation"))
                .map((c) => [c.name, c.args]);
        assert.deepEqual(abbreviations("abc", "a"), [["refuses --ab, an abbreviation of --abc", ["--a", "2", "--ab", "1"]]]);
        assert.deepEqual(abbreviations("abc", "ab"), []);
    });

    it("refuses a contract whose example it does not accept, which parseBatchContract never returns", () => {
        assert.equal(
            thrown(() => contractCases(shaped(["count", "size"], undefined, ["--count", "1"])), Error).message,
            'the contract\'s example ["--count","1"] is not a command it accepts: --size is required',
        );
    });

    it("expects of each case what the contract's own rules say, whatever its flags and bounds", () => {
        const pool = ["a", "ab", "count", "size", "step"];
        fc.assert(
            fc.property(
                fc
                    .subarray(pool, { minLength: 1 })
                    .chain((names) =>
                        fc
                            .tuple(fc.integer({ min: -20, max: 20 }), fc.integer({ min: 0, max: 20 }))
                            .chain(([minimum, span]) =>
                                fc
                                    .array(fc.integer({ min: minimum, max: minimum + span }), { minLength: names.length, maxLength: names.length })
                                    .map((values) => ({ names, minimum, maximum: minimum + span, values })),
                            ),
                    ),
                ({ names, minimum, maximum, values }) => {
                    const drawn = shaped(
                        names,
                        { minimum, maximum },
                        names.flatMap((name, i) => [`--${name}`, String(values[i])]),
                    );
                    const derived = contractCases(drawn);
                    assert.equal(
                        derived.some((c) => c.name.startsWith("takes a negative value")),
                        minimum < 0,
                        "a negative value where the bounds allow one",
                    );
                    for (const kase of derived) {
                        const accepted = parseBatchCommand(drawn, kase.args).ok;
                        assert.equal(accepted, kase.expect !== "usage" || kase.unset !== undefined, `${kase.name}, bounds ${minimum} to ${maximum}`);
                    }
                },
            ),
            {
                examples: [
                    [{ names: ["count", "size", "step"], minimum: 1, maximum: 9, values: [1, 9, 1] }],
                    [{ names: ["a"], minimum: -100, maximum: -50, values: [-60] }],
                ],
            },
        );
    });

    it("with no fields for the error line to hold, takes any JSON object as one, and nothing else", () => {
        const bare: BatchContract = { ...batchContract(), errorLine: { fields: {}, usageFields: {} } };
        const run = (stderr: string): BatchRun => ({ exitCode: 1, stdout: "", stderr, durationMs: 1 });
        assert.equal(errorLineProblem(bare, run('{"reason":"anything"}'), true), undefined);
        assert.equal(errorLineProblem(bare, run("starting\n{}\n"), false), undefined);
        for (const line of ["null", "42", '"text"', "[]", "true", "Traceback"]) {
            assert.equal(
                errorLineProblem(bare, run(line), false),
                `its last line on standard error is not an error line holding {}: ${JSON.stringify(line)}`,
                line,
            );
        }
    });

    it("judges a succeeding run whose command the contract refuses by its time alone, expecting none of the command's values", () => {
        const contract = batchContract();
        const { key, processedAt } = contract.table;
        const before = { [key]: { S: "t-1" }, Type: { S: "buy" } };
        const marked = { ...before, [processedAt]: { S: "2026-12-06T12:00:00.500Z" } };
        const window = { from: Date.parse("2026-12-06T12:00:00.000Z"), to: Date.parse("2026-12-06T12:00:01.000Z") };
        assert.equal(effectProblem(contract, before, marked, "done", ["--unknown"], window), undefined);
    });
});

describe("the batch contract's reading, field by field", () => {
    const refusal = (json: unknown) => thrown(() => parseBatchContract(json, "x/contract.json"), ContractError).message;
    const omit = (object: unknown, field: string) => Object.fromEntries(Object.entries(object as object).filter(([name]) => name !== field));

    it("names the field it cannot read and the form it must have, and says nothing was given where a field is missing", () => {
        const base = contractJson();
        const args = base.arguments as Record<string, unknown>;
        const local = base.local as Record<string, unknown>;
        const need = { command: ["node", "--version"], what: "Node.js" };
        const cases: [unknown, string][] = [
            ["x", 'the contract must be an object (got "x")'],
            [null, "the contract must be an object (got null)"],
            [[], "the contract must be an object (got [])"],
            [omit(base, "arguments"), "arguments must be an object (got nothing)"],
            [{ ...base, arguments: { ...args, flags: ["arg1"] } }, 'arguments.flags[0] must be an object (got "arg1")'],
            [{ ...base, arguments: { ...args, flags: [{ attribute: "Arg1" }] } }, "arguments.flags[0].name must be a non-empty string (got nothing)"],
            [{ ...base, arguments: { ...args, minimum: "1" } }, 'arguments.minimum must be an integer (got "1")'],
            [{ ...base, arguments: omit(args, "maximum") }, "arguments.maximum must be an integer (got nothing)"],
            [{ ...base, arguments: { ...args, minimum: 5, maximum: 4 } }, "arguments.maximum must be at least arguments.minimum (5) (got 4)"],
            [{ ...base, arguments: { ...args, example: "--arg1 1 --arg2 2" } }, 'arguments.example must be a list of strings (got "--arg1 1 --arg2 2")'],
            [omit(base, "environment"), "environment must be an object (got nothing)"],
            [{ ...base, environment: { transactionId: "TRANSACTION_ID" } }, "environment.tableName must be a non-empty string (got nothing)"],
            [omit(base, "exitCodes"), "exitCodes must be an object (got nothing)"],
            [{ ...base, exitCodes: { failed: 1, usage: 2 } }, "exitCodes.done must be an integer (got nothing)"],
            [{ ...base, exitCodes: { done: 0, failed: -1, usage: 2 } }, "exitCodes.failed must be an exit code, 0 to 255 (got -1)"],
            [
                { ...base, exitCodes: { done: 1, failed: 0, usage: 2 } },
                'exitCodes must be three different codes, done being 0 (got {"done":1,"failed":0,"usage":2})',
            ],
            [omit(base, "errorLine"), "errorLine must be an object (got nothing)"],
            [{ ...base, errorLine: { fields: { level: 5 }, usageFields: {} } }, "errorLine.fields.level must be a non-empty string (got 5)"],
            [{ ...base, errorLine: { fields: { level: "error" } } }, "errorLine.usageFields must be an object (got nothing)"],
            [omit(base, "table"), "table must be an object (got nothing)"],
            [{ ...base, table: { processedAt: "ProcessedAt" } }, "table.key must be a non-empty string (got nothing)"],
            [{ ...base, table: { key: "Id" } }, "table.processedAt must be a non-empty string (got nothing)"],
            [omit(base, "local"), "local must be an object (got nothing)"],
            [{ ...base, local: omit(local, "needs") }, "local.needs must be a list of what the program needs installed (got nothing)"],
            [omit(base, "description"), "description must be a non-empty string (got nothing)"],
            [{ ...base, description: 5 }, "description must be a non-empty string (got 5)"],
            [{ ...base, local: { ...local, build: [] } }, "local.build must be a list of at least 1 strings (got [])"],
            [{ ...base, local: { ...local, command: ["node", 5] } }, 'local.command must be a list of at least 1 strings (got ["node",5])'],
            [{ ...base, local: { ...local, needs: ["node"] } }, 'local.needs[0] must be an object (got "node")'],
            [{ ...base, local: { ...local, needs: [omit(need, "command")] } }, "local.needs[0].command must be a list of at least 1 strings (got nothing)"],
            [{ ...base, local: { ...local, needs: [omit(need, "what")] } }, "local.needs[0].what must be a non-empty string (got nothing)"],
            [{ ...base, local: { ...local, needs: [{ ...need, debian: [] }] } }, "local.needs[0].debian must be a list of at least 1 strings (got [])"],
        ];
        for (const [json, problem] of cases) {
            assert.equal(refusal(json), `x/contract.json: ${problem}`, problem);
        }
    });

    it("accepts an exit code of 255 and equal bounds, and keeps the Debian packages a need names", () => {
        const base = contractJson();
        const args = base.arguments as Record<string, unknown>;
        const need = { command: ["python3", "--version"], what: "Python 3", debian: ["python3"] };
        const contract = parseBatchContract(
            {
                ...base,
                arguments: { ...args, minimum: 5, maximum: 5, example: ["--arg1", "5", "--arg2", "5"] },
                exitCodes: { done: 0, failed: 1, usage: 255 },
                local: { ...(base.local as Record<string, unknown>), needs: [need] },
            },
            "x/contract.json",
        );
        assert.deepEqual([contract.arguments.minimum, contract.arguments.maximum, contract.exitCodes.usage], [5, 5, 255]);
        assert.deepEqual(contract.local.needs, [need]);
    });

    it("says a contract.json that is not JSON is not JSON, giving the parser's reason", () => {
        const dir = tempDir("contract-");
        fs.writeFileSync(path.join(dir, "contract.json"), "{ not json");
        const reason = thrown(() => JSON.parse("{ not json"), SyntaxError).message;
        assert.equal(
            thrown(() => readBatchContract(dir), ContractError).message,
            `${path.relative(process.cwd(), path.join(dir, "contract.json"))}: is not JSON: ${reason}`,
        );
    });

    it("throws its refusals as a ContractError, by name", () => {
        assert.equal(thrown(() => parseBatchContract("x", "x/contract.json"), ContractError).name, "ContractError");
    });

    it("reads the project's contract once and keeps it", () => {
        const kept = batchContract();
        assert.deepEqual(kept, readBatchContract(BATCH_CONTAINER_DIR));
        assert.equal(batchContract(), kept, "the same object, not read again");
    });

    it("refuses a flag given last without its value, a token that only ends like a flag, and a value out of bounds, saying which", () => {
        const contract = batchContract();
        assert.deepEqual(parseBatchCommand(contract, ["--arg2", "2", "--arg1"]), { ok: false, problem: "--arg1 needs a value" });
        assert.deepEqual(parseBatchCommand(contract, ["x--arg1", "1", "--arg2", "2"]), { ok: false, problem: 'unexpected argument "x--arg1"' });
        const narrow: BatchContract = { ...contract, arguments: { ...contract.arguments, minimum: -10, maximum: 10 } };
        assert.deepEqual(parseBatchCommand(narrow, ["--arg1", "11", "--arg2", "0"]), { ok: false, problem: "--arg1 must be from -10 to 10 (got 11)" });
        assert.deepEqual(parseBatchCommand(narrow, ["--arg2=10", "--arg1", "-10"]), { ok: true, value: { arg1: -10, arg2: 10 } });
    });
});

describe("the preflight's batch image check, in each of its results", () => {
    const local = { command: ["node", "run.js"], needs: [] };
    const check = (dockerfile: string) => batchImageCheck(batchFolder({ local }, { Dockerfile: dockerfile }));
    const failed = (detail: string, fix: string) => ({ id: "batch-image", title: "Batch image", status: "fail", detail, fix });
    const noEntrypoint = failed(
        "its Dockerfile has no exec-form ENTRYPOINT, so the workflow's command would replace the program itself",
        `ENTRYPOINT ["node","run.js"], or the image's own command`,
    );

    it("fails an ENTRYPOINT in shell form or an empty one, offering the contract's own command", () => {
        assert.deepEqual(check("FROM scratch\nENTRYPOINT /run now\n"), noEntrypoint);
        assert.deepEqual(check("FROM scratch\nENTRYPOINT []\n"), noEntrypoint);
    });

    it("fails a default CMD the contract refuses, offering the contract's example", () => {
        assert.deepEqual(
            check('FROM scratch\nENTRYPOINT ["/run"]\nCMD ["--arg1", "1"]\n'),
            failed(
                `its default CMD ["--arg1","1"] is refused by its contract: --arg2 is required`,
                `CMD ["--arg1","100","--arg2","200"], the contract's example`,
            ),
        );
    });

    it("fails a folder without a Dockerfile, pointing at where the contract and the Dockerfile are described", () => {
        const result = batchImageCheck(batchFolder({ local }));
        assert.match(result.detail, /ENOENT.*Dockerfile/);
        assert.deepEqual(result, failed(result.detail, 'docs/architecture.md, "The batch job", says what the contract and the Dockerfile hold'));
    });

    it("lets an error other than a missing file or a broken contract go on", () => {
        const dir = batchFolder({ local });
        fs.mkdirSync(path.join(dir, "Dockerfile"));
        assert.throws(() => batchImageCheck(dir), { code: "EISDIR" });
    });
});

describe("npm run batch:check in words and as a tool, in-process", function () {
    this.timeout(60000);

    it("names a folder outside the project by its path, and says every field of its error line and every need without its parenthesis", () => {
        const dir = batchFolder({
            local: {
                command: ["python3", "-m", "job"],
                needs: [
                    { command: ["python3", "--version"], what: "Python 3.12 or later (python3 on PATH)" },
                    { command: ["uv", "--version"], what: "uv" },
                ],
            },
            errorLine: { fields: { level: "error", source: "batch" }, usageFields: { step: "usage", kind: "refusal" } },
        });
        const rows = describeContract(readBatchContract(dir), dir);
        assert.equal(rows[0], `| ${path.join(dir, "contract.json")} | |`);
        assert.equal(
            rows.find((row) => row.startsWith("| its error line |")),
            '| its error line | a failed run\'s last line on stderr: a JSON object with `"level":"error"`, `"source":"batch"`, and `"step":"usage"`, `"kind":"refusal"` for a refusal |',
        );
        assert.equal(rows.at(-1), `| run here | \`python3 -m job\` in \`${dir}\`; it needs Python 3.12 or later, uv |`);
    });

    it("names the project's own root ./, and a program that needs nothing as needing nothing installed", () => {
        assert.equal(
            describeContract(batchContract(), PROJECT_ROOT).at(-1),
            "| run here | `node dist/main.js` in `./`, after `node build.mjs`; it needs Node.js |",
        );
        const bare = batchFolder({ local: { command: ["./job"], needs: [] } });
        assert.equal(describeContract(readBatchContract(bare), bare).at(-1), `| run here | \`./job\` in \`${bare}\`; it needs nothing installed |`);
    });

    it("prints its help, or refuses an unknown flag, and runs nothing", async () => {
        const help = await runInProcess(batchCheck, ["--help"]);
        assert.deepEqual([help.status, help.stdout, help.stderr], [0, `${BATCH_CHECK_USAGE}\n`, ""]);
        const unknown = await runInProcess(batchCheck, ["--nope"]);
        assert.deepEqual([unknown.status, unknown.stdout, unknown.stderr], [2, "\n", "unknown flag --nope; npm run batch:check -- --help lists what it takes"]);
    });

    it("lets a failed build be the error it is, not a missing runtime", async () => {
        const dir = batchFolder({ local: { command: ["node", "p.js"], build: ["node", "-e", "console.error('no compiler'); process.exit(1)"], needs: [] } });
        await assert.rejects(runInProcess(batchCheck, ["--batch", dir]), /^Error: the batch program's build \(node -e .*\) failed: no compiler$/);
    });

    it("prints a line per check, each failed one with its problem, and a tally whose passed and failed add up, in text and in JSON", async () => {
        const failing = batchFolder({ local: { command: ["true"], needs: [] } });
        const text = await runInProcess(batchCheck, ["--batch", failing]);
        assert.equal(text.status, 1);
        const lines = text.stdout.trimEnd().split("\n");
        const checks = lines.filter((line) => /^ {2}[✔✖] /.test(line));
        const failed = checks.filter((line) => line.startsWith("  ✖ "));
        assert.ok(failed.length > 0);
        for (const line of failed) {
            assert.match(line, /^ {2}✖ .+: \S/);
        }
        assert.equal(lines.at(-1), `${checks.length} checks: ${checks.length - failed.length} passed, ${failed.length} failed`);
        const json = await runInProcess(batchCheck, ["--batch", failing, "--json"]);
        const document = JSON.parse(json.stdout) as { checks: { passed: boolean }[]; summary: { passed: number; failed: number } };
        assert.deepEqual(document.summary, {
            passed: document.checks.filter((c) => c.passed).length,
            failed: document.checks.filter((c) => !c.passed).length,
        });
        assert.equal(document.checks.length, checks.length);
    });
});
