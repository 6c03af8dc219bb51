import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { COMPILE_CACHE_DIR, MissingRuntime, prepareBatch, runBatch, type BatchProgram } from "../local/batch";
import { batchContract } from "../model/batch-contract";
import { progressBar } from "../scripts/local/simulate";
import { stackFileConfig, stackNames } from "../scripts/cli/stack-files";
import { median } from "../scripts/cli/stats";
import { BATCH_CONTAINER_DIR, PROJECT_ROOT } from "../model/project";
import { batchFolder } from "./support/batch-folder";
import { tempDir } from "./support/temp";
import { thrown } from "./support/thrown";
import { withEnvironment } from "./support/loopback";

/** A program that is a Node.js script, started from the project's batch folder, so a run shows what the container would see. */
const script = (source: string): BatchProgram => ({
    dir: BATCH_CONTAINER_DIR,
    contract: batchContract(),
    command: [process.execPath, "-e", source, "--"],
    defaultCommand: [],
});

describe("the local engine's pieces", () => {
    describe("median", () => {
        it("is the middle value of an odd count and the mean of the two middle values of an even one, in any order", () => {
            assert.equal(median([7]), 7);
            assert.equal(median([9, 1, 5]), 5);
            assert.equal(median([10, 1, 4, 3]), 3.5);
            assert.equal(median([2, 8]), 5);
        });

        it("refuses an empty list", () => {
            assert.throws(() => median([]), { name: "RangeError", message: "median of no values" });
        });
    });

    describe("stack files", () => {
        it("lists the stacks that have a Pulumi.<stack>.yaml, sorted", () => {
            const expected = fs
                .readdirSync(PROJECT_ROOT)
                .filter((file) => file.startsWith("Pulumi.") && file.endsWith(".yaml") && file !== "Pulumi.yaml")
                .map((file) => file.slice("Pulumi.".length, -".yaml".length))
                .sort();
            assert.ok(expected.length >= 2, "the repository has its dev and prod stack files");
            assert.deepEqual(stackNames(), expected);
        });

        it("hands each key to the program as the CLI does: strings as written, lists and maps as JSON", () => {
            const text =
                "config:\n  aws:region: eu-west-1\n  stock-trader:subnetIds:\n    - subnet-0123abcd\n  stock-trader:tags:\n    team: ops\n  stock-trader:count: 3\n";
            assert.deepEqual(stackFileConfig(text), {
                "aws:region": "eu-west-1",
                "stock-trader:subnetIds": '["subnet-0123abcd"]',
                "stock-trader:tags": '{"team":"ops"}',
                "stock-trader:count": "3",
            });
            // A file with nothing under config: gives the program nothing: it is refused, not read as empty.
            assert.throws(
                () => stackFileConfig("", "Pulumi.x.yaml"),
                /^StackFileError: Pulumi\.x\.yaml: must be a mapping with a config: key \(got an empty file\)$/,
            );
            assert.throws(
                () => stackFileConfig("encryptionsalt: x\n", "Pulumi.x.yaml"),
                /^StackFileError: Pulumi\.x\.yaml: has no config: mapping, where a stack's settings go \(pulumi config set writes them there\)$/,
            );
        });
    });

    describe("the batch program here", () => {
        it("prepares it as its contract says: builds it once, then starts its command from its folder, node being this Node.js, with the Dockerfile's CMD as its default", () => {
            const builds = path.join(tempDir("builds-"), "count");
            const dir = batchFolder(
                {
                    local: {
                        build: ["node", "-e", `require("node:fs").appendFileSync(${JSON.stringify(builds)}, "b")`],
                        command: ["node", "run.js"],
                        needs: [],
                    },
                },
                { Dockerfile: 'FROM scratch\nENTRYPOINT ["/run"]\nCMD ["--arg1", "1"]\nCMD ["--arg1", "2"]\n' },
            );
            const program = prepareBatch(dir);
            prepareBatch(dir);
            assert.equal(fs.readFileSync(builds, "utf8"), "b", "one build per process");
            assert.deepEqual([program.dir, program.command, program.defaultCommand], [dir, [process.execPath, "run.js"], ["--arg1", "2"]]);
            const bare = prepareBatch(batchFolder({ local: { command: ["/usr/bin/env", "true"], needs: [] } }));
            assert.deepEqual([bare.command, bare.defaultCommand], [["/usr/bin/env", "true"], []]);
        });

        it("says in one line everything the machine lacks to run it, and what its failed build said, running nothing", () => {
            const missing = thrown(
                () =>
                    prepareBatch(
                        batchFolder({
                            local: {
                                build: ["node", "-e", "process.exit(9)"],
                                command: ["python9", "job.py"],
                                needs: [
                                    { command: ["node", "--version"], what: "Node.js" },
                                    { command: ["no-such-runtime", "--version"], what: "the no-such runtime" },
                                    { command: ["node", "-e", "console.error('no boto3'); process.exit(1)"], what: "boto3" },
                                ],
                            },
                        }),
                    ),
                MissingRuntime,
            );
            assert.match(
                missing.message,
                /^the batch program in .+ cannot run here: it needs the no-such runtime \(no-such-runtime --version: no-such-runtime is not on PATH\); boto3 \(node -e .+ exited 1: no boto3\)$/,
            );
            assert.doesNotMatch(missing.message, /\n/);
            assert.throws(
                () =>
                    prepareBatch(
                        batchFolder({ local: { build: ["node", "-e", "console.error('bad build'); process.exit(9)"], command: ["node"], needs: [] } }),
                    ),
                /build \(node -e .*\) failed: bad build$/,
            );
        });
    });

    describe("a batch run", () => {
        it("passes the entry point's and the command's arguments, in the container's directory, with only PATH and the given environment", async () => {
            const run = await runBatch(
                ["--arg1", "5"],
                { TRANSACTION_ID: "t-1" },
                script("console.log(JSON.stringify({ argv: process.argv.slice(1), cwd: process.cwd(), env: process.env }))"),
            );
            assert.equal(run.exitCode, 0, run.stderr);
            assert.deepEqual(JSON.parse(run.stdout), {
                argv: ["--arg1", "5"],
                cwd: BATCH_CONTAINER_DIR,
                env: { PATH: process.env.PATH, NODE_COMPILE_CACHE: COMPILE_CACHE_DIR, TRANSACTION_ID: "t-1" },
            });
        });

        it("keeps what V8 compiled of a program this Node.js runs in the project's compile cache, and gives a program any other command starts only PATH and the given environment", async () => {
            const dir = tempDir("compiled-");
            fs.writeFileSync(path.join(dir, "program.js"), `// ${process.hrtime.bigint()}\nconsole.log("ran");\n`);
            const entries = () => (fs.existsSync(COMPILE_CACHE_DIR) ? fs.readdirSync(COMPILE_CACHE_DIR, { recursive: true }).length : 0);
            const before = entries();
            const run = await runBatch([], {}, { ...script(""), dir, command: [process.execPath, "program.js"] });
            assert.deepEqual([run.exitCode, run.stdout], [0, "ran\n"], run.stderr);
            assert.ok(entries() > before, "a new entry in the compile cache");
            const other = await runBatch([], { TRANSACTION_ID: "t-1" }, { ...script(""), command: ["env"] });
            assert.deepEqual(other.stdout.trimEnd().split("\n").sort(), [`PATH=${process.env.PATH}`, "TRANSACTION_ID=t-1"]);
        });

        it("collects standard output and standard error whole, and the exit code", async () => {
            const run = await runBatch(
                [],
                {},
                script(
                    'for (let i = 0; i < 2000; i++) { process.stdout.write("out " + i + "\\n"); process.stderr.write("err " + i + "\\n"); } process.exitCode = 7;',
                ),
            );
            assert.equal(run.exitCode, 7);
            assert.equal(run.stdout, Array.from({ length: 2000 }, (_, i) => `out ${i}\n`).join(""));
            assert.equal(run.stderr, Array.from({ length: 2000 }, (_, i) => `err ${i}\n`).join(""));
            assert.ok(run.durationMs > 0 && run.durationMs < 60000, String(run.durationMs));
        });

        it("gives the program no standard input, as a container has none", async () => {
            const run = await runBatch(
                [],
                {},
                script('process.stdin.on("data", () => process.exit(3)).on("end", () => process.exit(4)); process.stdin.resume();'),
            );
            assert.equal(run.exitCode, 4);
        });

        it("reports a program killed by a signal as the shell does, 128 plus the signal's number", async () => {
            const run = await runBatch([], {}, script('process.kill(process.pid, "SIGKILL")'));
            assert.equal(run.exitCode, 137);
        });

        it("fails when the entry point cannot start", async () => {
            await assert.rejects(runBatch([], {}, { ...script(""), command: [path.join(PROJECT_ROOT, "no-such-program")] }), { code: "ENOENT" });
        });
    });

    describe("the progress bar", () => {
        it("draws on a terminal, over itself, ending the line when all are done", () => {
            const written: string[] = [];
            const draw = progressBar(4, { isTTY: true, write: (chunk: string) => written.push(chunk) > 0 });
            draw(1);
            draw(4);
            assert.deepEqual(written, [`\r  [${"#".repeat(8)}${"-".repeat(22)}] 1/4`, `\r  [${"#".repeat(30)}] 4/4\n`]);
        });

        it("on a pipe, writes a line at most once a progress interval, and one when all are done", () => {
            const written: string[] = [];
            let clock = 0;
            const saved = process.env.STOCK_TRADER_PROGRESS_SECONDS;
            process.env.STOCK_TRADER_PROGRESS_SECONDS = "10";
            try {
                const draw = progressBar(4, { isTTY: false, write: (chunk: string) => written.push(chunk) > 0 }, () => clock);
                draw(1);
                clock = 10_000;
                draw(2);
                clock = 15_000;
                draw(3);
                draw(4);
            } finally {
                if (saved === undefined) delete process.env.STOCK_TRADER_PROGRESS_SECONDS;
                else process.env.STOCK_TRADER_PROGRESS_SECONDS = saved;
            }
            assert.deepEqual(written, ["  2 of 4 executions done\n", "  4 of 4 executions done\n"]);
        });
    });
});

describe("the batch program here, at its edges", () => {
    it("names its refusal MissingRuntime, and says how a need's check that is there but cannot be run failed", () => {
        const notAProgram = tempDir("not-a-program-");
        const missing = thrown(
            () => prepareBatch(batchFolder({ local: { command: ["node", "run.js"], needs: [{ command: [notAProgram], what: "a runtime" }] } })),
            MissingRuntime,
        );
        assert.equal(missing.name, "MissingRuntime");
        assert.equal(missing.missing.length, 1);
        // A folder is there, so the check is not missing from PATH: it cannot be executed.
        assert.match(missing.missing[0], /^a runtime \(\S+: spawnSync \S+ E[A-Z]+\)$/);
        assert.doesNotMatch(missing.missing[0], /is not on PATH/);
    });

    it("takes no default command from a Dockerfile whose CMD is missing or in shell form", () => {
        for (const dockerfile of ['FROM scratch\nENTRYPOINT ["/run"]\n', "FROM scratch\nCMD run --arg1 1\n"]) {
            const program = prepareBatch(batchFolder({ local: { command: ["node", "run.js"], needs: [] } }, { Dockerfile: dockerfile }));
            assert.deepEqual(program.defaultCommand, [], dockerfile);
        }
    });

    it("fails on a Dockerfile it cannot read, a missing one aside", () => {
        const dir = batchFolder({ local: { command: ["node", "run.js"], needs: [] } });
        fs.mkdirSync(path.join(dir, "Dockerfile"));
        assert.throws(() => prepareBatch(dir), { code: "EISDIR" });
    });
});

describe("a batch run, at its edges", () => {
    it("gives the program an empty PATH where this process has none", async () => {
        const run = await withEnvironment({ PATH: undefined }, () => runBatch([], {}, script("console.log(JSON.stringify(process.env))")));
        assert.equal(run.exitCode, 0, run.stderr);
        assert.deepEqual(JSON.parse(run.stdout), { PATH: "", NODE_COMPILE_CACHE: COMPILE_CACHE_DIR });
    });

    it("times a run within the call's own time", async () => {
        const before = performance.now();
        const run = await runBatch([], {}, script(""));
        const elapsed = performance.now() - before;
        assert.ok(run.durationMs > 0 && run.durationMs <= elapsed, `${run.durationMs} ms of ${elapsed} ms`);
    });
});
