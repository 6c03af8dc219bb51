/**
 * Stack files as Pulumi writes them, and as people break them: secrets, YAML syntax errors,
 * the wrong shape, a directory where the file should be. Each is the caller's problem in one
 * line naming the file (and the line), which the tools print before they exit 2.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { ConfigError, parseStackConfig } from "../model/config";
import { knownConfigKeys } from "../model/config-keys";
import { parseStackFileConfig, stackFileSettings } from "../model/stack-file";
import { callerProblem, refuseCaller } from "../scripts/cli/cli";
import { main as cost } from "../scripts/local/cost";
import { main as preflight } from "../scripts/preflight/preflight";
import { main as show } from "../scripts/local/show";
import { main as simulate } from "../scripts/local/simulate";
import { readStackFileAt, StackFileError, stackFileConfig } from "../scripts/cli/stack-files";
import { runProgram } from "./support/program";
import { withStackFile } from "./support/stack-file";
import { thrown } from "./support/thrown";
import { runInProcess } from "./support/tool";

const refused = (read: () => unknown): string => thrown(read, StackFileError).message;

describe("reading a stack file", () => {
    it("names the file and the line of a YAML syntax error, in one line", () => {
        const message = refused(() =>
            stackFileConfig("config:\n  stock-trader:subnetIds: [subnet-0123abcd,\n  stock-trader:buyThreshold: 40\n", "Pulumi.x.yaml"),
        );
        assert.match(message, /^Pulumi\.x\.yaml:3: not valid YAML: /);
        assert.doesNotMatch(message, /\n/);
    });

    it("refuses a config that is a list, or a file that is not a mapping, instead of ignoring it", () => {
        assert.equal(
            refused(() => stackFileConfig("config:\n  - stock-trader:buyThreshold: 40\n", "Pulumi.x.yaml")),
            "Pulumi.x.yaml: config: must be a mapping of namespace:key to value (got a list)",
        );
        assert.equal(
            refused(() => stackFileConfig("- a\n- b\n", "Pulumi.x.yaml")),
            "Pulumi.x.yaml: must be a mapping with a config: key (got a list)",
        );
        assert.equal(
            refused(() => stackFileConfig("just words\n", "Pulumi.x.yaml")),
            "Pulumi.x.yaml: must be a mapping with a config: key (got a string)",
        );
    });

    it("refuses a directory where the stack file should be", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-files-"));
        try {
            const where = path.join(dir, "Pulumi.x.yaml");
            fs.mkdirSync(where);
            assert.equal(
                refused(() => readStackFileAt(where)),
                "Pulumi.x.yaml: is not a file (a stack file is Pulumi.<stack>.yaml, a YAML file)",
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("goes on with a secret whose value the tools never use, saying so, and the config accepts it", () => {
        const notices: string[] = [];
        const text = "config:\n  aws:region: eu-west-1\n  stock-trader:alarmEmail:\n    secure: v1:abcdEFGH0123456789==\n";
        const raw = stackFileConfig(text, "Pulumi.x.yaml", (line) => notices.push(line));
        assert.deepEqual(notices, [
            "Pulumi.x.yaml: stock-trader:alarmEmail is a secret, which only Pulumi can read; the local tools need only that it is set, and go on",
        ]);
        assert.ok(parseStackConfig(raw).alarmEmail !== undefined, "the alarm address counts as set");
    });

    it("stops at a secret whose value the tools need, saying how to give it, unless --set gives it", () => {
        const text = "config:\n  stock-trader:buyThreshold:\n    secure: v1:abcdEFGH0123456789==\n  aws:secretThing:\n    secure: v1:zz==\n";
        assert.equal(
            refused(() => stackFileConfig(text, "Pulumi.x.yaml")),
            "Pulumi.x.yaml: stock-trader:buyThreshold is a secret, which only Pulumi can read, and the local tools need its value; pass it with --set buyThreshold=VALUE where the tool takes --set",
        );
        assert.deepEqual(stackFileConfig(text, "Pulumi.x.yaml", undefined, new Set(["stock-trader:buyThreshold"])), { "aws:secretThing": "[secret]" });
    });

    it("is the caller's problem: the tools print the one line and exit 2", () => {
        const error = new StackFileError("Pulumi.x.yaml:3", "not valid YAML: bad");
        assert.equal(callerProblem(error, "usage: x"), "Pulumi.x.yaml:3: not valid YAML: bad");
        const printed: string[] = [];
        assert.equal(refuseCaller(error, { err: (line) => printed.push(line) }, "usage: x"), 2);
        assert.deepEqual(printed, ["Pulumi.x.yaml:3: not valid YAML: bad"]);
    });
});

describe("a stack file read whole, by the tools and the program alike", () => {
    const file = "Pulumi.x.yaml";
    const problemsOf = (text: string): string[] => thrown(() => parseStackFileConfig(stackFileConfig(text, file), file), ConfigError).problems;
    const withRegion = (lines: string) => `config:\n  aws:region: us-east-1\n${lines}`;

    it("refuses a key in no namespace anyone reads, with no namespace, or that its namespace lacks, each naming the nearest key that is read", () => {
        assert.deepEqual(problemsOf(withRegion('  stock-trade:buyThreshold: "40"\n')), [
            "stock-trade:buyThreshold is in no namespace the program or its providers read (stock-trader, pulumi, aws, awsx, docker-build, time); " +
                "did you mean stock-trader:buyThreshold?",
        ]);
        assert.deepEqual(problemsOf(withRegion('  buyThreshold: "40"\n')), [
            "buyThreshold has no namespace, and a stack's keys are namespace:key (this project's are stock-trader:KEY); did you mean stock-trader:buyThreshold?",
        ]);
        assert.deepEqual(problemsOf(withRegion('  aws:buyThreshold: "40"\n')), [
            "aws:buyThreshold is not a key the aws namespace has; did you mean stock-trader:buyThreshold?",
        ]);
        assert.deepEqual(problemsOf("config:\n  aws:regoin: us-east-1\n"), ["aws:regoin is not a key the aws namespace has; did you mean aws:region?"]);
        assert.deepEqual(problemsOf(withRegion("  nobody:knows: this\n")), [
            "nobody:knows is in no namespace the program or its providers read (stock-trader, pulumi, aws, awsx, docker-build, time)",
        ]);
        assert.deepEqual(
            problemsOf(withRegion('  stock-trader:buyThreshhold: "40"\n')),
            ["stock-trader:buyThreshhold is not a key of this project; did you mean stock-trader:buyThreshold? (every key: the README's Configuration table)"],
            "this project's own keys are left to its config's validation, which says more",
        );
    });

    it("names the file in the refusal, with every problem of the file together", () => {
        const error = thrown(
            () => parseStackFileConfig(stackFileConfig(withRegion('  stock-trade:buyThreshold: "40"\n  stock-trader:logLevel: LOUD\n'), file), file),
            ConfigError,
        );
        assert.match(error.message, /^Invalid stack configuration in Pulumi\.x\.yaml:\n {2}- stock-trade:buyThreshold is in no namespace/);
        assert.equal(error.problems.length, 2);
        assert.match(error.problems[1], /^stock-trader:logLevel must be one of ALL, ERROR, FATAL, OFF \(got LOUD\)$/);
    });

    it("reads every key of the providers the program loads, from their installed SDKs, and the Pulumi CLI's own", () => {
        const config = parseStackFileConfig(
            stackFileConfig(
                withRegion(
                    '  aws:defaultTags:\n    tags:\n      team: ops\n  aws:allowedAccountIds: ["123456789012"]\n  pulumi:disable-default-providers: ["*"]\n',
                ),
                file,
            ),
            file,
        );
        assert.equal(config.buyThreshold, 50);
        const known = knownConfigKeys();
        assert.ok(known.get("aws")!.includes("region") && known.get("aws")!.includes("defaultTags"));
        assert.deepEqual([...known.keys()], ["stock-trader", "pulumi", "aws", "awsx", "docker-build", "time"]);
    });

    it("refuses a key beside config:, indented wrongly, and a file without config:, instead of reading them as nothing", () => {
        assert.equal(
            refused(() => stackFileConfig('config:\n  aws:region: us-east-1\nstock-trader:buyThreshold: "40"\n', file)),
            "Pulumi.x.yaml: stock-trader:buyThreshold is outside config:, where Pulumi reads nothing of it; indent it under config:",
        );
        assert.equal(
            refused(() => stackFileConfig('stock-trader:buyThreshold: "40"\n', file)),
            "Pulumi.x.yaml: stock-trader:buyThreshold is outside config:, where Pulumi reads nothing of it; indent it under config:",
        );
        assert.equal(
            refused(() => stackFileConfig("encryptionsalt: v1:abc\n", file)),
            "Pulumi.x.yaml: has no config: mapping, where a stack's settings go (pulumi config set writes them there)",
        );
        assert.equal(
            refused(() => stackFileConfig("config: {}\nsettings: x\n", file)),
            "Pulumi.x.yaml: settings is not a setting of a stack file (Pulumi's are config, secretsprovider, encryptionsalt, encryptedkey, environment)",
        );
    });

    it("says a YAML list's unquoted numbers must be strings, and why", () => {
        const [problem] = problemsOf(withRegion("  stock-trader:batchCommand: [--arg1, 1, --arg2, 2]\n"));
        assert.match(problem, /^stock-trader:batchCommand must be a JSON array of the batch program's arguments: /);
        assert.match(
            problem,
            /; item 2 is 1, a number, and each item is a string: in a stack file, quote it \("1"\), as YAML reads it unquoted as a number \(got \["--arg1",1,"--arg2",2\]\)$/,
        );
    });

    it("makes the tools exit 2 on a key nobody reads, naming the file and the nearest key", async () => {
        await withStackFile(withRegion('  stock-trade:buyThreshold: "40"\n'), async (stack) => {
            for (const [main, argv] of [
                [simulate, ["--stack", stack, "--price", "45"]],
                [show, ["--stack", stack, "definition"]],
                [cost, ["--stack", stack]],
                [preflight, ["--stack", stack]],
            ] as const) {
                const run = await runInProcess(main, [...argv]);
                assert.equal(run.status, 2, run.stdout);
                assert.match(
                    run.stderr,
                    new RegExp(
                        `^Invalid stack configuration in Pulumi\\.${stack}\\.yaml:\\n {2}- stock-trade:buyThreshold .*did you mean stock-trader:buyThreshold\\?`,
                    ),
                );
            }
        });
    });

    it("makes the program refuse a key nobody reads, and its stack file's key outside config:, before any resource is registered", async () => {
        const unread = await runProgram({ "aws:buyThreshold": "40" });
        assert.ok(unread.error instanceof ConfigError, String(unread.error));
        assert.match(
            unread.error.message,
            /^Invalid stack configuration in Pulumi\.test\.yaml:\n {2}- aws:buyThreshold is not a key the aws namespace has; did you mean stock-trader:buyThreshold\?/,
        );
        assert.deepEqual(unread.resources, []);
        await withStackFile('config:\n  aws:region: us-east-1\nstock-trader:buyThreshold: "40"\n', async (stack) => {
            const outside = await runProgram({}, stack);
            assert.ok(outside.error instanceof StackFileError, String(outside.error));
            assert.equal(
                outside.error.message,
                `Pulumi.${stack}.yaml: stock-trader:buyThreshold is outside config:, where Pulumi reads nothing of it; indent it under config:`,
            );
            assert.deepEqual(outside.resources, []);
        });
    });
});

describe("reading a stack file, its refusals word for word", () => {
    it("says what yaml says of a syntax error, its whole first line, after the file and the line", () => {
        assert.equal(
            refused(() => stackFileConfig('config:\n\tstock-trader:buyThreshold: "40"\n', "Pulumi.x.yaml")),
            "Pulumi.x.yaml:2: not valid YAML: Tabs are not allowed as indentation at line 2, column 1:",
        );
        assert.equal(
            refused(() => stackFileConfig("config:\n  aws:region: us-east-1\n  aws:region: eu-west-1\n", "Pulumi.x.yaml")),
            "Pulumi.x.yaml:3: not valid YAML: Map keys must be unique at line 3, column 3:",
        );
    });

    it("calls an empty file, or one of comments only, an empty file rather than a value", () => {
        for (const text of ["", "\n\n", "# pulumi config set writes here\n"]) {
            assert.equal(
                refused(() => stackFileConfig(text, "Pulumi.x.yaml")),
                "Pulumi.x.yaml: must be a mapping with a config: key (got an empty file)",
                JSON.stringify(text),
            );
        }
    });

    it("names the file 'the stack file' where the caller gives no name", () => {
        assert.equal(
            refused(() => stackFileSettings("- a\n")),
            "the stack file: must be a mapping with a config: key (got a list)",
        );
        assert.equal(
            refused(() => stackFileConfig("")),
            "the stack file: must be a mapping with a config: key (got an empty file)",
        );
        assert.equal(
            refused(() => stackFileConfig("config:\n  stock-trader:buyThreshold:\n    secure: v1:abcd==\n")),
            "the stack file: stock-trader:buyThreshold is a secret, which only Pulumi can read, and the local tools need its value; " +
                "pass it with --set buyThreshold=VALUE where the tool takes --set",
        );
    });

    it("refuses an alias to no anchor as the caller's problem, in one line naming the file", () => {
        assert.equal(
            refused(() => stackFileConfig("config:\n  aws:region: *region\n", "Pulumi.x.yaml")),
            "Pulumi.x.yaml: not valid YAML: Unresolved alias (the anchor must be set before the alias): region",
        );
    });
});
