/**
 * The end-to-end driver without an account: its order, guards, cleanup and exit codes against a
 * stand-in engine; the real Automation API against a stand-in `pulumi` executable on PATH, down
 * to the command lines it runs; and the steps' AWS reads against mocked clients.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { CloudWatchClient, DescribeAlarmsCommand, GetMetricDataCommand } from "@aws-sdk/client-cloudwatch";
import { DynamoDBClient, GetItemCommand } from "@aws-sdk/client-dynamodb";
import { DescribeImagesCommand, ECRClient } from "@aws-sdk/client-ecr";
import { DescribeTaskDefinitionCommand, ECSClient } from "@aws-sdk/client-ecs";
import {
    AttachRolePolicyCommand,
    CreateRoleCommand,
    DeleteRoleCommand,
    DeleteRolePolicyCommand,
    DetachRolePolicyCommand,
    IAMClient,
    PutRolePolicyCommand,
    SimulateCustomPolicyCommand,
} from "@aws-sdk/client-iam";
import {
    DescribeExecutionCommand,
    DescribeStateMachineAliasCommand,
    DescribeStateMachineCommand,
    ListExecutionsCommand,
    SFNClient,
    StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { DeleteMessageCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import {
    assertE2eStack,
    e2e,
    processSignals,
    shortId,
    type E2eDeps,
    type Engine,
    type EngineStack,
    type Prerequisites,
    type Step,
} from "../scripts/e2e/driver";
import { AwsFailure } from "../scripts/cli/aws-calls";
import { fail, pass, warn } from "../scripts/preflight/check";
import { automationEngine } from "../scripts/e2e/automation";
import {
    aliasRoutes,
    alarmState,
    contextKeyType,
    createRoleHolding,
    deniedActions,
    denyOnRole,
    executionStart,
    liftDeny,
    ROLE_DENIES,
    sqsManagedEncryption,
    takeDeadLetters,
    executionsSince,
    imageTagged,
    imageWithDigest,
    invokedBy,
    metricSum,
    processedAt,
    removeRole,
    roleName,
    stackState,
    startAsRole,
    taskDefinitionStatus,
} from "../scripts/e2e/reads";
import { STEPS } from "../scripts/e2e/scenarios";
import { closedClients } from "./support/closed-clients";
import { withEnvironment } from "./support/loopback";
import { tempDir } from "./support/temp";
import { serviceError } from "./support/aws-errors";

const ACCOUNT = "123456789012";

/** A stand-in engine that records every call, in order, and fails or hangs where a test says. */
function standIn(
    options: {
        failUp?: number;
        hangUp?: number;
        failCreate?: boolean;
        stacks?: { name: string; lastUpdate?: Date }[];
        files?: string[];
    } = {},
) {
    const calls: string[] = [];
    let ups = 0;
    const stack = (name: string): EngineStack => ({
        name,
        setConfig: async (values) => void calls.push(`config ${name} ${JSON.stringify(values)}`),
        removeConfig: async (keys) => void calls.push(`remove config ${name} ${keys.join(",")}`),
        up: async () => {
            ups++;
            calls.push(`up ${name}`);
            if (ups === options.failUp) {
                throw new Error("update failed");
            }
            if (ups === options.hangUp) {
                await new Promise<void>((resolve) => (release = resolve));
                throw new Error("update canceled");
            }
            return { stateMachineAliasArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm:live" };
        },
        destroy: async () => void calls.push(`destroy ${name}`),
        cancel: async () => {
            calls.push(`cancel ${name}`);
            release?.();
        },
        remove: async () => void calls.push(`remove ${name}`),
    });
    let release: (() => void) | undefined;
    const files = new Set(options.files ?? []);
    const engine: Engine = {
        createStack: async (name, config) => {
            calls.push(`create ${name} ${config["aws:region"]}`);
            files.add(name);
            if (options.failCreate) {
                throw new Error("error: could not create stack: passphrase must be set with PULUMI_CONFIG_PASSPHRASE\n  at a long trace");
            }
            return stack(name);
        },
        selectStack: async (name) => (calls.push(`select ${name}`), stack(name)),
        listStacks: async () => options.stacks ?? [],
        stackFiles: () => [...files],
        removeStackFile: (name) => {
            if (files.delete(name)) {
                calls.push(`rm Pulumi.${name}.yaml`);
            }
        },
    };
    return { engine, calls, files };
}

/** Prerequisites that all pass, unless a test says otherwise: the sandbox account with static credentials, a CLI and Docker. */
function prerequisites(overrides: Partial<Prerequisites> = {}, asked: string[] = []): Prerequisites {
    return {
        environmentRegion: async () => undefined,
        caller: async (region) => (asked.push(region), { account: ACCOUNT }),
        pulumi: async () => [pass("pulumi-cli", "Pulumi CLI", "pulumi v3.276.0"), pass("pulumi-login", "Pulumi backend", "logged in as ci")],
        docker: async () => [
            pass("docker", "Docker", "Docker Engine 27.0.0 on linux/arm64"),
            pass("buildx", "Docker Buildx", "github.com/docker/buildx v0.17.1"),
        ],
        ...overrides,
    };
}

const step = (name: string, run: Step["run"] = async (context) => void (await context.deploy())): Step => ({
    name,
    proves: `${name} works`,
    settles: name,
    budgetSeconds: 60,
    executions: 1,
    run,
});

async function drive(
    argv: string[],
    engine: Engine,
    steps: readonly Step[],
    signals: { fire?: (signal: string) => void } = {},
    checks: Prerequisites = prerequisites(),
    baseConfig: () => Record<string, string> = () => ({ "aws:region": "us-east-1", "stock-trader:buyThreshold": "50" }),
) {
    const out: string[] = [];
    const err: string[] = [];
    const deps: E2eDeps = {
        engine: () => engine,
        prerequisites: checks,
        steps,
        baseConfig,
        now: () => new Date("2026-12-02T12:00:00Z"),
        onSignal: (handler) => {
            signals.fire = handler;
            return () => (signals.fire = undefined);
        },
        shortId: () => "a1b2c3d4",
        runCost: (executions, hours) => executions * 0.001 + hours * 0.01,
        out: (line) => out.push(...line.split("\n")),
        err: (line) => err.push(...line.split("\n")),
    };
    return { code: await e2e(argv, deps), out, err };
}

describe("npm run test:e2e: the driver against a stand-in engine", () => {
    it("runs the steps in order, each with its result and duration, then destroys and removes the stack, and exits 0", async () => {
        const { engine, calls } = standIn();
        const result = await drive(["--account", ACCOUNT, "--region", "eu-west-1"], engine, [
            step("first"),
            step("second", async () => ({ skipped: "not here" })),
        ]);
        assert.equal(result.code, 0, result.err.join("\n"));
        assert.deepEqual(calls, [
            "create e2e-a1b2c3d4 eu-west-1",
            "config e2e-a1b2c3d4 {}",
            "up e2e-a1b2c3d4",
            "destroy e2e-a1b2c3d4",
            "remove e2e-a1b2c3d4",
            "rm Pulumi.e2e-a1b2c3d4.yaml",
        ]);
        const steps = result.out.slice(result.out.findIndex((line) => line.startsWith("Creating ")));
        assert.deepEqual(
            steps.filter((line) => /^[▶✔✖-] /.test(line)),
            ["▶ 1/2 first", "✔ first (0.0 s)", "▶ 2/2 second", "- second skipped (0.0 s): not here"],
        );
    });

    it("still destroys and removes the stack when a step fails, runs no step after it, and exits 1", async () => {
        const { engine, calls } = standIn({ failUp: 1 });
        const result = await drive(["--account", ACCOUNT], engine, [step("deploy"), step("after")]);
        assert.equal(result.code, 1);
        assert.ok(result.out.includes("✖ deploy (0.0 s): update failed"), result.out.join("\n"));
        assert.ok(result.out.includes("- after: not run (a step before it failed)"));
        const aws = await drive(["--account", ACCOUNT], standIn().engine, [
            step("throttled", () => Promise.reject(serviceError("ThrottlingException", "Rate exceeded"))),
        ]);
        assert.ok(
            aws.out.includes(
                "✖ throttled (0.0 s): AWS throttled the step's AWS call even after retries (ThrottlingException: Rate exceeded): try again in a minute",
            ),
            aws.out.join("\n"),
        );
        assert.deepEqual(calls.slice(-3), ["destroy e2e-a1b2c3d4", "remove e2e-a1b2c3d4", "rm Pulumi.e2e-a1b2c3d4.yaml"]);
    });

    it("on SIGINT during up cancels the update, runs nothing more, destroys and removes the stack, and exits 1", async () => {
        const { engine, calls } = standIn({ hangUp: 1 });
        const signals: { fire?: (signal: string) => void } = {};
        const interrupting: Step = step("deploy", async (context) => {
            const up = context.deploy();
            setImmediate(() => signals.fire?.("SIGINT"));
            await up;
        });
        const result = await drive(["--account", ACCOUNT], engine, [interrupting, step("after")], signals);
        assert.equal(result.code, 1);
        assert.deepEqual(calls, [
            "create e2e-a1b2c3d4 us-east-1",
            "config e2e-a1b2c3d4 {}",
            "up e2e-a1b2c3d4",
            "cancel e2e-a1b2c3d4",
            "destroy e2e-a1b2c3d4",
            "remove e2e-a1b2c3d4",
            "rm Pulumi.e2e-a1b2c3d4.yaml",
        ]);
        assert.ok(result.out.includes("- after: not run (SIGINT)"));
        assert.equal(signals.fire, undefined, "the handler is removed when the run ends");
    });

    it("says a step is still running every progress interval while it lasts, on a pipe as on a terminal", async () => {
        const { engine } = standIn();
        // The step lasts six progress intervals; the timers fire in order, so the lines come first.
        const slow = step("slow", () => new Promise((resolve) => setTimeout(resolve, 300)));
        const result = await withEnvironment({ STOCK_TRADER_PROGRESS_SECONDS: "0.05" }, () => drive(["--account", ACCOUNT], engine, [slow]));
        assert.equal(result.code, 0, result.err.join("\n"));
        const progress = result.out.filter((line) => line.startsWith("… "));
        assert.ok(progress.length >= 1, result.out.join("\n"));
        progress.forEach((line) => assert.match(line, /^… slow: still running after \d+\.\d s$/));
        assert.ok(result.out.indexOf(progress[0]) < result.out.findIndex((line) => line.startsWith("✔ slow")));
    });

    it("with --keep leaves the stack and prints how to remove it", async () => {
        const { engine, calls } = standIn();
        const result = await drive(["--account", ACCOUNT, "--keep"], engine, [step("deploy")]);
        assert.equal(result.code, 0);
        assert.ok(!calls.some((call) => call.startsWith("destroy") || call.startsWith("rm ")));
        assert.equal(result.out.at(-1), "Kept e2e-a1b2c3d4. Remove it with: pulumi destroy --stack e2e-a1b2c3d4 --yes && pulumi stack rm e2e-a1b2c3d4 --yes");
    });

    it("refuses to deploy to an account other than --account, creating nothing, and exits 1", async () => {
        const { engine, calls } = standIn();
        const result = await drive(["--account", ACCOUNT], engine, [step("deploy")], {}, prerequisites({ caller: async () => ({ account: "210987654321" }) }));
        assert.equal(result.code, 1);
        assert.deepEqual(result.err, [
            `✖ AWS credentials: the credentials are for account 210987654321, not --account ${ACCOUNT}: refusing to deploy there (fix: sign in to the sandbox account (AWS_PROFILE), or give its ID as --account)`,
            "Nothing was created: fix what failed above, then run this again",
        ]);
        assert.deepEqual(calls, []);
    });

    it("checks every prerequisite before it creates anything, one line each with no trace, and stops on any failure", async () => {
        const cases: [string, Partial<Prerequisites>, string][] = [
            [
                "credentials AWS finds expired",
                {
                    caller: async () => {
                        throw new AwsFailure("credentials", "ExpiredToken", "sts:GetCallerIdentity", "", "the AWS credentials have expired", "sign in again");
                    },
                },
                "✖ AWS credentials: the AWS credentials have expired (fix: sign in again)",
            ],
            [
                "credentials that end before the run's budget",
                { caller: async () => ({ account: ACCOUNT, expires: new Date("2026-12-02T12:30:00Z") }) },
                "✖ AWS credentials: they expire at 2026-12-02T12:30:00.000Z, in 30 min, and the run may take 1.0 hours " +
                    "(fix: sign in for a session of at least 1 hours (the role's MaxSessionDuration, role-duration-seconds, or the SSO session))",
            ],
            [
                "no Pulumi CLI",
                { pulumi: async () => [fail("pulumi-cli", "Pulumi CLI", "pulumi is not on PATH", "install the Pulumi CLI")] },
                "✖ Pulumi CLI: pulumi is not on PATH (fix: install the Pulumi CLI)",
            ],
            [
                "a backend not logged in",
                {
                    pulumi: async () => [
                        pass("pulumi-cli", "Pulumi CLI", "pulumi v3.276.0"),
                        fail("pulumi-login", "Pulumi backend", "not logged in to a backend", "pulumi login"),
                    ],
                },
                "✖ Pulumi backend: not logged in to a backend (fix: pulumi login)",
            ],
            [
                "Docker without Buildx",
                {
                    docker: async () => [
                        pass("docker", "Docker", "Docker Engine 27.0.0"),
                        fail("buildx", "Docker Buildx", "the Buildx plugin is missing", "install it"),
                    ],
                },
                "✖ Docker Buildx: the Buildx plugin is missing (fix: install it)",
            ],
        ];
        for (const [label, overrides, line] of cases) {
            const { engine, calls } = standIn();
            const result = await drive(
                ["--account", ACCOUNT],
                engine,
                Array.from({ length: 60 }, (_, i) => step(`s${i}`)),
                {},
                prerequisites(overrides),
            );
            assert.equal(result.code, 1, label);
            assert.deepEqual(result.err, [line, "Nothing was created: fix what failed above, then run this again"], label);
            assert.deepEqual(calls, [], label);
        }
        // An hour past the run's budget, and exactly the budget (one step of a minute).
        for (const until of ["2026-12-02T13:00:00.000Z", "2026-12-02T12:01:00.000Z"]) {
            const lasting = await drive(
                ["--account", ACCOUNT],
                standIn().engine,
                [step("one")],
                {},
                prerequisites({ caller: async () => ({ account: ACCOUNT, expires: new Date(until) }) }),
            );
            assert.equal(lasting.code, 0, lasting.err.join("\n"));
            assert.ok(lasting.out.includes(`✔ AWS credentials: account ${ACCOUNT}, until ${until}`), lasting.out.join("\n"));
        }
    });

    it("takes the region from --region, else the dev stack file, else the environment, and asks STS there; with none, says so and creates nothing", async () => {
        const regionOf = async (argv: string[], fileRegion: string | undefined, environment: string | undefined) => {
            const asked: string[] = [];
            const { engine, calls } = standIn();
            const result = await drive(
                ["--account", ACCOUNT, ...argv],
                engine,
                [step("deploy")],
                {},
                prerequisites({ environmentRegion: async () => environment }, asked),
                (): Record<string, string> => (fileRegion === undefined ? {} : { "aws:region": fileRegion }),
            );
            return { result, asked, created: calls[0] };
        };
        const flag = await regionOf(["--region", "eu-west-1"], "us-east-1", "ap-south-1");
        assert.deepEqual([flag.asked, flag.created], [["eu-west-1"], "create e2e-a1b2c3d4 eu-west-1"]);
        const file = await regionOf([], "us-west-2", "ap-south-1");
        assert.deepEqual([file.asked, file.created], [["us-west-2"], "create e2e-a1b2c3d4 us-west-2"]);
        const environment = await regionOf([], undefined, "ap-south-1");
        assert.deepEqual([environment.asked, environment.created], [["ap-south-1"], "create e2e-a1b2c3d4 ap-south-1"]);
        const none = await regionOf([], undefined, undefined);
        assert.equal(none.result.code, 1);
        assert.deepEqual([none.asked, none.created], [[], undefined]);
        assert.equal(
            none.result.err[0],
            "✖ Region: no region: neither --region, the dev stack file's aws:region nor the environment (AWS_REGION, the profile) names one (fix: give --region R)",
        );
    });

    it("refuses a dev stack file the program would refuse, naming the file and the key, before anything is created", async () => {
        const { engine, calls } = standIn();
        const result = await drive(["--account", ACCOUNT], engine, [step("deploy")], {}, prerequisites(), () => ({
            "aws:region": "us-east-1",
            "stock-trade:buyThreshold": "50",
        }));
        assert.equal(result.code, 2);
        assert.match(result.err[0], /^Invalid stack configuration in Pulumi\.dev\.yaml:$/);
        assert.match(result.err[1], /stock-trade:buyThreshold .*did you mean stock-trader:buyThreshold\?/);
        assert.deepEqual(calls, []);
    });

    it("says in one line that the stack could not be created, removes its stack file, and exits 1", async () => {
        const { engine, calls, files } = standIn({ failCreate: true });
        const result = await drive(["--account", ACCOUNT], engine, [step("deploy")]);
        assert.equal(result.code, 1);
        assert.deepEqual(result.err, ["could not create e2e-a1b2c3d4: error: could not create stack: passphrase must be set with PULUMI_CONFIG_PASSPHRASE"]);
        assert.deepEqual(calls, ["create e2e-a1b2c3d4 us-east-1", "rm Pulumi.e2e-a1b2c3d4.yaml"]);
        assert.deepEqual([...files], []);
    });

    it("touches only e2e- stacks", () => {
        for (const name of ["dev", "prod", "e2e", "my-e2e-x"]) {
            assert.throws(() => assertE2eStack(name), new RegExp(`refusing to touch stack ${name}`));
        }
        assert.doesNotThrow(() => assertE2eStack("e2e-a1b2c3d4"));
    });

    it("sweeps only e2e- stacks last updated before --older-than-hours, and exits 0", async () => {
        const hoursAgo = (h: number) => new Date(new Date("2026-12-02T12:00:00Z").getTime() - h * 3600_000);
        const { engine, calls } = standIn({
            stacks: [
                { name: "e2e-old", lastUpdate: hoursAgo(7) },
                { name: "e2e-running", lastUpdate: hoursAgo(1) },
                { name: "prod", lastUpdate: hoursAgo(100) },
                { name: "e2e-never-updated" },
            ],
        });
        const result = await drive(["--sweep"], engine, []);
        assert.equal(result.code, 0);
        assert.deepEqual(calls, [
            "select e2e-old",
            "destroy e2e-old",
            "remove e2e-old",
            "select e2e-never-updated",
            "destroy e2e-never-updated",
            "remove e2e-never-updated",
        ]);
        assert.ok(result.out.includes("2 e2e- stack(s) last updated more than 6 hour(s) ago"), result.out.join("\n"));
        const recent = standIn({ stacks: [{ name: "e2e-old", lastUpdate: hoursAgo(7) }] });
        await drive(["--sweep", "--older-than-hours", "8"], recent.engine, []);
        assert.deepEqual(recent.calls, []);
    });

    it("sweeps the stack files a killed run left, whose stacks are gone, and keeps those of stacks still there", async () => {
        const hoursAgo = (h: number) => new Date(new Date("2026-12-02T12:00:00Z").getTime() - h * 3600_000);
        const { engine, calls, files } = standIn({
            stacks: [
                { name: "e2e-running", lastUpdate: hoursAgo(1) },
                { name: "e2e-old", lastUpdate: hoursAgo(7) },
            ],
            files: ["e2e-running", "e2e-old", "e2e-killed"],
        });
        const result = await drive(["--sweep"], engine, []);
        assert.equal(result.code, 0, result.err.join("\n"));
        assert.deepEqual(calls, ["select e2e-old", "destroy e2e-old", "remove e2e-old", "rm Pulumi.e2e-old.yaml", "rm Pulumi.e2e-killed.yaml"]);
        assert.ok(result.out.includes("Removed Pulumi.e2e-killed.yaml, whose stack is gone"));
        assert.deepEqual([...files], ["e2e-running"]);
    });

    it("sweeps nothing without the Pulumi CLI or its login, saying so in one line each", async () => {
        const { engine, calls } = standIn({ stacks: [{ name: "e2e-old" }] });
        const result = await drive(
            ["--sweep"],
            engine,
            [],
            {},
            prerequisites({ pulumi: async () => [fail("pulumi-cli", "Pulumi CLI", "pulumi is not on PATH", "install it")] }),
        );
        assert.equal(result.code, 1);
        assert.deepEqual(result.err, ["✖ Pulumi CLI: pulumi is not on PATH (fix: install it)"]);
        assert.deepEqual(calls, []);
    });

    it("exits 2 on bad usage, naming the flag: no account, a misshapen one, --sweep with --account", async () => {
        for (const [argv, message] of [
            [[], /give --account ACCOUNT_ID/],
            [["--account", "12345"], /--account must be a 12-digit AWS account ID \(got 12345\)/],
            [["--account", ACCOUNT, "--region", "Mars"], /--region must be an AWS region/],
            [["--sweep", "--account", ACCOUNT], /--sweep takes neither --account nor --keep/],
        ] as const) {
            const { engine, calls } = standIn();
            const result = await drive([...argv], engine, [step("deploy")]);
            assert.equal(result.code, 2, argv.join(" "));
            assert.match(result.err[0], message);
            assert.deepEqual(calls, []);
        }
    });

    it("--help documents every step of the suite, and --plan prints each budget, the total and the cost", async () => {
        const { engine } = standIn();
        const help = await drive(["--help"], engine, STEPS);
        assert.equal(help.code, 0);
        for (const [i, { name, proves }] of STEPS.entries()) {
            assert.ok(
                help.out.some((line) => line.startsWith(`  ${String(i + 1).padStart(2)}. ${name} (`) && line.endsWith(proves)),
                name,
            );
        }
        const plan = await drive(["--plan"], engine, [step("one"), step("two")]);
        // Two steps of 60 s and one execution each: 2 × $0.001 and 2 minutes at $0.01 an hour.
        assert.equal(plan.out.at(-1), "2 steps, at most 0.0 hours, 2 executions: about $0.00 a run (dev's config, npm run cost's model)");
        const long = await drive(
            ["--plan"],
            engine,
            Array.from({ length: 60 }, (_, i) => step(`s${i}`)),
        );
        assert.equal(long.out.at(-1), "60 steps, at most 1.0 hours, 60 executions: about $0.07 a run (dev's config, npm run cost's model)");
    });

    it("has a step for every claim its design leaves to a real account, each once, with a budget", () => {
        const names = STEPS.map((s) => s.name);
        assert.equal(new Set(names).size, names.length);
        for (const name of [
            "preflight",
            "deploy",
            "buy-and-sell-through-live",
            "logs-and-trade-metrics",
            "starts-through-live-as-the-schedule-and-an-operator",
            "batch-failure-caught-then-rerun",
            "deploy-during-a-running-execution",
            "canary-rolls-back",
            "fargate-spot-x86-64",
            "next-up-after-a-rollback",
            "redriven-execution-keeps-its-version",
        ]) {
            assert.ok(names.includes(name), name);
        }
        assert.ok(names.indexOf("preflight") < names.indexOf("deploy"), "the preflight runs before the first up");
        assert.ok(STEPS.every((s) => s.budgetSeconds > 0 && s.proves.length > 10 && s.settles.length > 5));
    });
});

describe("npm run test:e2e: the Automation API against a stand-in pulumi on PATH", () => {
    it("creates, configures, updates, reads the outputs of, destroys and removes the stack with the CLI's own commands", async () => {
        const dir = tempDir("pulumi-cli-");
        const log = path.join(dir, "calls.jsonl");
        const fake = path.join(dir, "fake-pulumi.js");
        fs.writeFileSync(
            fake,
            `const fs = require("node:fs");
const args = process.argv.slice(2);
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify(args) + "\\n");
const has = (...words) => words.every((w, i) => args[i] === w);
if (has("version")) { console.log("v3.276.0"); }
else if (has("stack", "output")) { console.log(JSON.stringify({ stateMachineAliasArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm:live" })); }
else if (has("stack", "history")) { console.log(JSON.stringify([{ kind: "update", result: "succeeded", startTime: "2026-12-02T12:00:00Z", endTime: "2026-12-02T12:05:00Z", version: 1 }])); }
else if (has("stack", "ls")) { console.log(JSON.stringify([{ name: "e2e-old", current: false, lastUpdate: "2026-12-01T00:00:00Z" }])); }
else if (has("up") || has("destroy")) { console.log("Updating (e2e-a1b2c3d4)"); }
`,
        );
        fs.writeFileSync(path.join(dir, "pulumi"), `#!/bin/sh\nexec "${process.execPath}" "${fake}" "$@"\n`, { mode: 0o755 });
        const project = tempDir("project-");
        fs.writeFileSync(path.join(project, "Pulumi.yaml"), "name: stock-trader\nruntime: nodejs\n");
        const saved = process.env.PATH;
        process.env.PATH = `${dir}:${saved}`;
        try {
            const engine = automationEngine(project, { envVars: { PULUMI_SKIP_UPDATE_CHECK: "true" } });
            const stack = await engine.createStack("e2e-a1b2c3d4", { "aws:region": "us-east-1" });
            const lines: string[] = [];
            const outputs = await stack.up((line) => lines.push(line));
            assert.deepEqual(outputs, { stateMachineAliasArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm:live" });
            assert.ok(lines.includes("Updating (e2e-a1b2c3d4)"), lines.join("\n"));
            await stack.destroy(() => undefined);
            await stack.remove();
            assert.deepEqual(await engine.listStacks(), [{ name: "e2e-old", lastUpdate: new Date("2026-12-01T00:00:00Z") }]);
            // The project's e2e stack files, and only those; a removed one is gone, and removing it twice is no error.
            for (const name of ["dev", "e2e-a1b2c3d4", "e2e-killed"]) {
                fs.writeFileSync(path.join(project, `Pulumi.${name}.yaml`), "config: {}\n");
            }
            assert.deepEqual(engine.stackFiles().sort(), ["e2e-a1b2c3d4", "e2e-killed"]);
            engine.removeStackFile("e2e-killed");
            engine.removeStackFile("e2e-killed");
            assert.deepEqual(fs.readdirSync(project).sort(), ["Pulumi.dev.yaml", "Pulumi.e2e-a1b2c3d4.yaml", "Pulumi.yaml"]);
        } finally {
            process.env.PATH = saved;
        }
        const commands = fs
            .readFileSync(log, "utf8")
            .trim()
            .split("\n")
            .map((line) => JSON.parse(line) as string[])
            .filter((args) => args[0] !== "version")
            .map((args) => args.filter((arg) => !/^--(exec-agent|color)/.test(arg)).join(" "));
        const expected = [
            /^stack init e2e-a1b2c3d4/,
            /^config set-all --stack e2e-a1b2c3d4 --plaintext aws:region=us-east-1/,
            /^up --yes --skip-preview --exec-kind auto\.local --stack e2e-a1b2c3d4 --non-interactive/,
            /^stack output --json --stack e2e-a1b2c3d4/,
            /^destroy --yes --skip-preview --exec-kind auto\.local --stack e2e-a1b2c3d4 --non-interactive/,
            /^stack rm --yes e2e-a1b2c3d4/,
            /^stack ls --json/,
        ];
        for (const pattern of expected) {
            assert.ok(
                commands.some((command) => pattern.test(command)),
                `${pattern} among:\n${commands.join("\n")}`,
            );
        }
        const order = expected.map((pattern) => commands.findIndex((command) => pattern.test(command)));
        assert.deepEqual(
            order,
            [...order].sort((a, b) => a - b),
            "in that order",
        );
    });
});

describe("npm run test:e2e: the steps' AWS reads (against mocked AWS clients)", () => {
    // Mocked for these tests only: a client class mocked for the whole process would answer the
    // local engine's DynamoDB too, in the tests a parallel worker runs after these.
    let sfn: AwsClientStub<SFNClient>;
    let cloudwatch: AwsClientStub<CloudWatchClient>;
    let cloudformation: AwsClientStub<CloudFormationClient>;
    let dynamodb: AwsClientStub<DynamoDBClient>;
    let ecr: AwsClientStub<ECRClient>;
    let ecs: AwsClientStub<ECSClient>;
    let iam: AwsClientStub<IAMClient>;
    let sts: AwsClientStub<STSClient>;
    let sqs: AwsClientStub<SQSClient>;
    const mocks = () => [sfn, cloudwatch, cloudformation, dynamodb, ecr, ecs, iam, sts, sqs];
    before(() => {
        sfn = mockClient(SFNClient);
        cloudwatch = mockClient(CloudWatchClient);
        cloudformation = mockClient(CloudFormationClient);
        dynamodb = mockClient(DynamoDBClient);
        ecr = mockClient(ECRClient);
        ecs = mockClient(ECSClient);
        iam = mockClient(IAMClient);
        sts = mockClient(STSClient);
        sqs = mockClient(SQSClient);
    });
    beforeEach(() => mocks().forEach((client) => client.reset()));
    after(() => mocks().forEach((client) => client.restore()));

    it("reads a trade's ProcessedAt, consistently, and undefined for an item without it", async () => {
        dynamodb.on(GetItemCommand, { Key: { Id: { S: "t1" } } }).resolves({ Item: { Id: { S: "t1" }, ProcessedAt: { S: "2026-12-02T12:00:00Z" } } });
        dynamodb.on(GetItemCommand, { Key: { Id: { S: "t2" } } }).resolves({ Item: { Id: { S: "t2" } } });
        assert.equal(await processedAt(new DynamoDBClient({}), "table", "t1"), "2026-12-02T12:00:00Z");
        assert.equal(await processedAt(new DynamoDBClient({}), "table", "t2"), undefined);
        assert.equal(dynamodb.commandCalls(GetItemCommand)[0].args[0].input.ConsistentRead, true);
    });

    it("sums a metric over every page of GetMetricData", async () => {
        cloudwatch
            .on(GetMetricDataCommand)
            .resolvesOnce({
                MetricDataResults: [{ Id: "m", Label: "Trades", Timestamps: [new Date(), new Date()], Values: [1, 2], StatusCode: "PartialData" }],
                NextToken: "n",
            })
            .resolves({ MetricDataResults: [{ Id: "m", Label: "Trades", Timestamps: [new Date()], Values: [4], StatusCode: "Complete" }] });
        const sum = await metricSum(
            new CloudWatchClient({}),
            { namespace: "StockTrader", name: "Trades", dimensions: { Stack: "e2e-x", TradeType: "buy" } },
            new Date(0),
            new Date(),
        );
        assert.equal(sum, 7);
        const query = cloudwatch.commandCalls(GetMetricDataCommand)[0].args[0].input.MetricDataQueries![0];
        assert.deepEqual(query.MetricStat!.Metric!.Dimensions, [
            { Name: "Stack", Value: "e2e-x" },
            { Name: "TradeType", Value: "buy" },
        ]);
    });

    it("reads where an alias routes, an alarm's state by its name's prefix, and whether an image has a tag", async () => {
        sfn.on(DescribeStateMachineAliasCommand).resolves({
            stateMachineAliasArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm:live",
            name: "live",
            routingConfiguration: [
                { stateMachineVersionArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm:3", weight: 50 },
                { stateMachineVersionArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm:4", weight: 50 },
            ],
            creationDate: new Date(),
        });
        assert.deepEqual(await aliasRoutes(new SFNClient({}), "arn:aws:states:us-east-1:123456789012:stateMachine:sm:live"), {
            "arn:aws:states:us-east-1:123456789012:stateMachine:sm:3": 50,
            "arn:aws:states:us-east-1:123456789012:stateMachine:sm:4": 50,
        });
        cloudwatch
            .on(DescribeAlarmsCommand, { AlarmNamePrefix: "monitoring-no-recent-success" })
            .resolves({ MetricAlarms: [{ AlarmName: "monitoring-no-recent-success-1a2b3c4", StateValue: "INSUFFICIENT_DATA" }] });
        assert.equal(await alarmState(new CloudWatchClient({}), "monitoring-no-recent-success"), "INSUFFICIENT_DATA");
        ecr.on(DescribeImagesCommand, { imageIds: [{ imageTag: "live" }] }).resolves({
            imageDetails: [{ imageTags: ["live", "src-1"], imageDigest: "sha256:1" }],
        });
        ecr.on(DescribeImagesCommand, { imageIds: [{ imageTag: "version-9" }] }).rejects(
            serviceError("ImageNotFoundException", "The image requested does not exist"),
        );
        assert.equal(await imageTagged(new ECRClient({}), "repo", "live"), true);
        assert.equal(await imageTagged(new ECRClient({}), "repo", "version-9"), false);
    });

    it("reads whether the repository holds an image by its digest, and a task definition revision's status", async () => {
        ecr.on(DescribeImagesCommand, { imageIds: [{ imageDigest: "sha256:1" }] }).resolves({ imageDetails: [{ imageDigest: "sha256:1" }] });
        ecr.on(DescribeImagesCommand, { imageIds: [{ imageDigest: "sha256:2" }] }).rejects(
            serviceError("ImageNotFoundException", "The image requested does not exist"),
        );
        ecr.on(DescribeImagesCommand, { imageIds: [{ imageDigest: "sha256:3" }] }).rejects(serviceError("AccessDeniedException", "no"));
        assert.equal(await imageWithDigest(new ECRClient({}), "repo", "sha256:1"), true);
        assert.equal(await imageWithDigest(new ECRClient({}), "repo", "sha256:2"), false);
        await assert.rejects(imageWithDigest(new ECRClient({}), "repo", "sha256:3"), { name: "AccessDeniedException" });
        const task = "arn:aws:ecs:us-east-1:123456789012:task-definition/stock-trader-e2e-batch:1";
        ecs.on(DescribeTaskDefinitionCommand, { taskDefinition: task }).resolves({ taskDefinition: { taskDefinitionArn: task, status: "ACTIVE" } });
        assert.equal(await taskDefinitionStatus(new ECSClient({}), task), "ACTIVE");
    });

    it("fails the batch or the schedule's starts with a deny on that role only, and lifts it, a missing one included", async () => {
        iam.on(PutRolePolicyCommand).resolves({});
        iam.on(DeleteRolePolicyCommand).rejectsOnce(serviceError("NoSuchEntityException", "not found")).resolves({});
        await denyOnRole(new IAMClient({}), "batch-task-role-1a2b3c4", ROLE_DENIES.batchWrites);
        await denyOnRole(new IAMClient({}), "trading-workflow-schedule-role-1a2b3c4", ROLE_DENIES.scheduledStarts);
        const [batch, schedule] = iam.commandCalls(PutRolePolicyCommand).map((call) => call.args[0].input);
        assert.deepEqual([batch.RoleName, batch.PolicyName], ["batch-task-role-1a2b3c4", "e2e-deny-table-writes"]);
        assert.deepEqual(JSON.parse(batch.PolicyDocument!).Statement, [
            { Sid: "E2eDeny", Effect: "Deny", Action: ["dynamodb:UpdateItem", "dynamodb:PutItem"], Resource: "*" },
        ]);
        assert.deepEqual(JSON.parse(schedule.PolicyDocument!).Statement[0].Action, ["states:StartExecution"]);
        await liftDeny(new IAMClient({}), "batch-task-role-1a2b3c4", ROLE_DENIES.batchWrites);
        await liftDeny(new IAMClient({}), "batch-task-role-1a2b3c4", ROLE_DENIES.batchWrites);
        assert.equal(iam.commandCalls(DeleteRolePolicyCommand).length, 2);
        iam.on(DeleteRolePolicyCommand).rejects(serviceError("AccessDenied", "not allowed"));
        await assert.rejects(
            liftDeny(new IAMClient({}), "r", ROLE_DENIES.scheduledStarts),
            { name: "AccessDenied" },
            "a refusal other than a missing policy is no lift",
        );
    });

    it("reads an execution's name and input, and takes the dead-letter events off a queue, reading its encryption", async () => {
        sfn.on(DescribeExecutionCommand).resolves({
            executionArn: "arn:aws:states:us-east-1:123456789012:execution:sm:schedule-d32c5kddcf5bb8c3",
            name: "schedule-d32c5kddcf5bb8c3",
            input: '{"scheduledTime":"2027-03-14T14:01:00Z"}',
            stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm",
            status: "RUNNING",
            startDate: new Date(),
        });
        assert.deepEqual(await executionStart(new SFNClient({}), "arn"), {
            name: "schedule-d32c5kddcf5bb8c3",
            input: '{"scheduledTime":"2027-03-14T14:01:00Z"}',
        });
        sqs.on(ReceiveMessageCommand).resolves({
            Messages: [
                {
                    MessageId: "m1",
                    ReceiptHandle: "r1",
                    Body: '{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:sm:live"}',
                    MessageAttributes: { ERROR_CODE: { DataType: "String", StringValue: "AccessDeniedException" } },
                },
            ],
        });
        sqs.on(DeleteMessageCommand).resolves({});
        sqs.on(GetQueueAttributesCommand).resolves({ Attributes: { SqsManagedSseEnabled: "true" } });
        assert.deepEqual(await takeDeadLetters(new SQSClient({}), "https://sqs.us-east-1.amazonaws.com/123456789012/q"), [
            { body: '{"StateMachineArn":"arn:aws:states:us-east-1:123456789012:stateMachine:sm:live"}', attributes: { ERROR_CODE: "AccessDeniedException" } },
        ]);
        assert.deepEqual(sqs.commandCalls(DeleteMessageCommand)[0].args[0].input, {
            QueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/q",
            ReceiptHandle: "r1",
        });
        assert.equal(sqs.commandCalls(ReceiveMessageCommand)[0].args[0].input.WaitTimeSeconds, 20);
        assert.equal(await sqsManagedEncryption(new SQSClient({}), "q"), true);
        sqs.on(GetQueueAttributesCommand).resolves({ Attributes: {} });
        assert.equal(await sqsManagedEncryption(new SQSClient({}), "q"), false);
    });

    it("asks IAM's simulator which actions a policy denies, with the context keys given", async () => {
        iam.on(SimulateCustomPolicyCommand).resolves({
            EvaluationResults: [
                { EvalActionName: "states:DescribeStateMachine", EvalDecision: "allowed" },
                { EvalActionName: "states:StartExecution", EvalDecision: "implicitDeny" },
            ],
            IsTruncated: false,
        });
        assert.deepEqual(
            await deniedActions(new IAMClient({}), "{}", ["states:DescribeStateMachine", "states:StartExecution"], "arn", {
                "states:StateMachineQualifier": "live",
            }),
            ["states:StartExecution"],
        );
        // The qualifier is multivalued (ArrayOfString), so IAM's simulator takes it as a list.
        assert.deepEqual(iam.commandCalls(SimulateCustomPolicyCommand)[0].args[0].input.ContextEntries, [
            { ContextKeyName: "states:StateMachineQualifier", ContextKeyValues: ["live"], ContextKeyType: "stringList" },
        ]);
    });

    it("types each context key for IAM's simulator as the Service Authorization Reference documents it", async () => {
        assert.equal(await contextKeyType("states:StateMachineQualifier"), "stringList");
        assert.equal(await contextKeyType("aws:SourceAccount"), "string");
        assert.equal(await contextKeyType("ecs:cluster"), "string");
        await assert.rejects(contextKeyType("states:StateMachineQualifer"), /not a condition key the Service Authorization Reference documents/);
    });

    it("makes a role the caller's account may assume holding only the operator policy, and removes it, what is gone included", async () => {
        const policyArn = "arn:aws:iam::123456789012:policy/monitoring-operator-policy";
        iam.on(CreateRoleCommand).resolves({
            Role: { RoleName: "e2e-1-operator", Arn: "arn:aws:iam::123456789012:role/e2e-1-operator", Path: "/", RoleId: "AROA1", CreateDate: new Date() },
        });
        iam.on(AttachRolePolicyCommand).resolves({});
        assert.equal(await createRoleHolding(new IAMClient({}), "e2e-1-operator", ACCOUNT, policyArn), "arn:aws:iam::123456789012:role/e2e-1-operator");
        const trust = JSON.parse(iam.commandCalls(CreateRoleCommand)[0].args[0].input.AssumeRolePolicyDocument!);
        assert.deepEqual(trust.Statement[0].Principal, { AWS: "arn:aws:iam::123456789012:root" });
        assert.deepEqual(iam.commandCalls(AttachRolePolicyCommand)[0].args[0].input, { RoleName: "e2e-1-operator", PolicyArn: policyArn });
        const gone = serviceError("NoSuchEntityException", "The role with name e2e-1-operator cannot be found.");
        iam.on(DetachRolePolicyCommand).rejects(gone);
        iam.on(DeleteRoleCommand).resolves({});
        await removeRole(new IAMClient({}), "e2e-1-operator", policyArn);
        assert.equal(iam.commandCalls(DeleteRoleCommand).length, 1, "the role goes even when its policy was already detached");
        iam.on(DeleteRoleCommand).rejects(serviceError("AccessDenied", "denied"));
        await assert.rejects(removeRole(new IAMClient({}), "e2e-1-operator", policyArn), /denied/);
    });

    it("starts an execution as another role, and reports IAM's refusal by its error's name", async () => {
        sts.on(AssumeRoleCommand).resolves({
            Credentials: { AccessKeyId: "ASIA1", SecretAccessKey: "secret", SessionToken: "token", Expiration: new Date(Date.now() + 3600_000) },
        });
        const live = "arn:aws:states:us-east-1:123456789012:stateMachine:sm:live";
        sfn.on(StartExecutionCommand, { stateMachineArn: live }).resolves({ executionArn: `${live}:e1`, startDate: new Date() });
        sfn.on(StartExecutionCommand, { stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm" }).rejects(
            serviceError("AccessDeniedException", "User is not authorized to perform: states:StartExecution"),
        );
        const role = "arn:aws:iam::123456789012:role/e2e-1-operator";
        assert.deepEqual(await startAsRole(new STSClient({}), role, "us-east-1", live), { executionArn: `${live}:e1` });
        assert.deepEqual(await startAsRole(new STSClient({}), role, "us-east-1", "arn:aws:states:us-east-1:123456789012:stateMachine:sm"), {
            error: "AccessDeniedException",
        });
        assert.equal(sts.commandCalls(AssumeRoleCommand)[0].args[0].input.RoleArn, role);
    });

    it("lists the executions started through an alias since a time", async () => {
        const since = new Date("2026-12-06T12:00:00Z");
        sfn.on(ListExecutionsCommand).resolves({
            executions: [
                { executionArn: "e2", stateMachineArn: "sm", name: "b", status: "RUNNING", startDate: new Date("2026-12-06T12:01:00Z") },
                { executionArn: "e1", stateMachineArn: "sm", name: "a", status: "SUCCEEDED", startDate: new Date("2026-12-06T11:59:00Z") },
            ],
        });
        assert.deepEqual(
            (await executionsSince(new SFNClient({}), "sm:live", since)).map((e) => e.executionArn),
            ["e2"],
        );
        assert.equal(sfn.commandCalls(ListExecutionsCommand)[0].args[0].input.stateMachineArn, "sm:live");
    });

    it("reads a CloudFormation stack's status and parameters, and no stack as undefined, whether AWS lists none or says it does not exist", async () => {
        const live = "e2e-a1b2c3d4-live";
        const version = "arn:aws:states:us-east-1:123456789012:stateMachine:sm:3";
        cloudformation.on(DescribeStacksCommand, { StackName: live }).resolves({
            Stacks: [
                {
                    StackName: live,
                    CreationTime: new Date(),
                    StackStatus: "UPDATE_ROLLBACK_COMPLETE",
                    Parameters: [
                        { ParameterKey: "StateMachineVersionArn", ParameterValue: version },
                        { ParameterKey: "DeploymentType", ParameterValue: "CANARY" },
                    ],
                },
            ],
        });
        cloudformation.on(DescribeStacksCommand, { StackName: "e2e-bare" }).resolves({
            Stacks: [{ StackName: "e2e-bare", CreationTime: new Date(), StackStatus: "CREATE_COMPLETE" }],
        });
        cloudformation.on(DescribeStacksCommand, { StackName: "e2e-unlisted" }).resolves({});
        cloudformation.on(DescribeStacksCommand, { StackName: "e2e-gone" }).rejects(serviceError("ValidationError", "Stack with id e2e-gone does not exist"));
        const client = new CloudFormationClient({});
        assert.deepEqual(await stackState(client, live), {
            status: "UPDATE_ROLLBACK_COMPLETE",
            parameters: { StateMachineVersionArn: version, DeploymentType: "CANARY" },
        });
        assert.deepEqual(await stackState(client, "e2e-bare"), { status: "CREATE_COMPLETE", parameters: {} });
        assert.equal(await stackState(client, "e2e-unlisted"), undefined);
        assert.equal(await stackState(client, "e2e-gone"), undefined);
    });

    it("passes on every other refusal of DescribeStacks: another validation error, or another error that says something does not exist", async () => {
        cloudformation
            .on(DescribeStacksCommand, { StackName: "e2e bad" })
            .rejects(
                serviceError(
                    "ValidationError",
                    "1 validation error detected: Value 'e2e bad' at 'stackName' failed to satisfy constraint: Member must satisfy regular expression pattern: [a-zA-Z][-a-zA-Z0-9]*",
                ),
            );
        cloudformation
            .on(DescribeStacksCommand, { StackName: "e2e-x-live" })
            .rejects(
                serviceError(
                    "AccessDenied",
                    "User: arn:aws:sts::123456789012:assumed-role/e2e/ci is not authorized to perform: cloudformation:DescribeStacks on resource: arn:aws:cloudformation:us-east-1:123456789012:stack/e2e-x-live/* because no identity-based policy allows the cloudformation:DescribeStacks action",
                ),
            );
        const client = new CloudFormationClient({});
        await assert.rejects(stackState(client, "e2e bad"), { name: "ValidationError" });
        await assert.rejects(stackState(client, "e2e-x-live"), { name: "AccessDenied" });
    });

    it("reads the Lambda functions a state machine version's Task states invoke, and only those", async () => {
        const version = "arn:aws:states:us-east-1:123456789012:stateMachine:sm:3";
        const check = "arn:aws:lambda:us-east-1:123456789012:function:check-stock-value:3";
        const sell = "arn:aws:lambda:us-east-1:123456789012:function:sell-stock:3";
        sfn.on(DescribeStateMachineCommand, { stateMachineArn: version }).resolves({
            stateMachineArn: version,
            name: "sm",
            definition: JSON.stringify({
                StartAt: "Check",
                States: {
                    Check: { Type: "Task", Resource: check, Next: "Wait" },
                    Wait: { Type: "Wait", Seconds: 1, Next: "Batch" },
                    Batch: { Type: "Task", Resource: "arn:aws:states:::ecs:runTask.sync", Next: "Record" },
                    Record: { Type: "Task", Resource: "arn:aws:states:::dynamodb:putItem", Next: "Sell" },
                    Sell: { Type: "Task", Resource: sell, End: true },
                },
            }),
            roleArn: "arn:aws:iam::123456789012:role/sm-role",
            type: "STANDARD",
            creationDate: new Date(),
        });
        assert.deepEqual(await invokedBy(new SFNClient({}), version), [check, sell]);
    });

    it("reads an absent item, no alarm and no task definition as undefined", async () => {
        dynamodb.on(GetItemCommand).resolves({});
        assert.equal(await processedAt(new DynamoDBClient({}), "table", "t-missing"), undefined);
        cloudwatch.on(DescribeAlarmsCommand).resolvesOnce({ MetricAlarms: [] }).resolves({});
        assert.equal(await alarmState(new CloudWatchClient({}), "monitoring-no-recent-success"), undefined);
        assert.equal(await alarmState(new CloudWatchClient({}), "monitoring-no-recent-success"), undefined);
        ecs.on(DescribeTaskDefinitionCommand).resolves({});
        assert.equal(await taskDefinitionStatus(new ECSClient({}), "stock-trader-e2e-batch:1"), undefined);
    });

    it("reads no image where ECR lists none, and passes on a refusal other than a missing image", async () => {
        ecr.on(DescribeImagesCommand)
            .resolvesOnce({ imageDetails: [] })
            .resolvesOnce({})
            .resolvesOnce({ imageDetails: [] })
            .resolvesOnce({})
            .rejects(serviceError("AccessDeniedException", "User is not authorized to perform: ecr:DescribeImages"));
        const client = new ECRClient({});
        assert.equal(await imageTagged(client, "repo", "live"), false);
        assert.equal(await imageTagged(client, "repo", "live"), false);
        assert.equal(await imageWithDigest(client, "repo", "sha256:1"), false);
        assert.equal(await imageWithDigest(client, "repo", "sha256:1"), false);
        await assert.rejects(imageTagged(client, "repo", "live"), { name: "AccessDeniedException" });
    });

    it("asks GetMetricData for one-minute sums under a query Id AWS accepts, and sums pages without datapoints to 0", async () => {
        cloudwatch
            .on(GetMetricDataCommand)
            .resolvesOnce({ MetricDataResults: [{ Id: "m", Label: "Trades", StatusCode: "Complete" }], NextToken: "n" })
            .resolves({});
        const sum = await metricSum(
            new CloudWatchClient({}),
            { namespace: "StockTrader", name: "Trades", dimensions: { Stack: "e2e-x" } },
            new Date(0),
            new Date(),
        );
        assert.equal(sum, 0);
        const [first, second] = cloudwatch.commandCalls(GetMetricDataCommand).map((call) => call.args[0].input);
        const query = first.MetricDataQueries![0];
        // GetMetricData refuses an Id that does not start with a lowercase letter.
        assert.match(query.Id!, /^[a-z][a-zA-Z0-9_]*$/);
        assert.deepEqual([query.MetricStat!.Period, query.MetricStat!.Stat], [60, "Sum"]);
        assert.equal(second.NextToken, "n");
    });

    it("asks for the alias it is given, and reads one without routes as routing nowhere", async () => {
        const arn = "arn:aws:states:us-east-1:123456789012:stateMachine:sm:live";
        sfn.on(DescribeStateMachineAliasCommand, { stateMachineAliasArn: arn }).resolves({ stateMachineAliasArn: arn, name: "live", creationDate: new Date() });
        assert.deepEqual(await aliasRoutes(new SFNClient({}), arn), {});
    });

    it("writes the deny as a policy document IAM accepts, and lifts it by the role's and the policy's names", async () => {
        iam.on(PutRolePolicyCommand).resolves({});
        iam.on(DeleteRolePolicyCommand).resolves({});
        await denyOnRole(new IAMClient({}), "batch-task-role-1a2b3c4", ROLE_DENIES.batchWrites);
        assert.equal(JSON.parse(iam.commandCalls(PutRolePolicyCommand)[0].args[0].input.PolicyDocument!).Version, "2012-10-17");
        await liftDeny(new IAMClient({}), "batch-task-role-1a2b3c4", ROLE_DENIES.batchWrites);
        assert.deepEqual(iam.commandCalls(DeleteRolePolicyCommand)[0].args[0].input, {
            RoleName: "batch-task-role-1a2b3c4",
            PolicyName: "e2e-deny-table-writes",
        });
    });

    it("asks for the execution it is given, and reads one without a name or input as empty text", async () => {
        const arn = "arn:aws:states:us-east-1:123456789012:execution:sm:e1";
        sfn.on(DescribeExecutionCommand, { executionArn: arn }).resolves({
            executionArn: arn,
            stateMachineArn: "arn:aws:states:us-east-1:123456789012:stateMachine:sm",
            status: "SUCCEEDED",
            startDate: new Date(),
        });
        assert.deepEqual(await executionStart(new SFNClient({}), arn), { name: "", input: "" });
    });

    it("asks SQS for every message attribute, takes nothing off an empty queue, and reads a message without text as empty text", async () => {
        const url = "https://sqs.us-east-1.amazonaws.com/123456789012/q";
        sqs.on(ReceiveMessageCommand)
            .resolvesOnce({})
            .resolves({
                Messages: [
                    { MessageId: "m2", ReceiptHandle: "r2", MessageAttributes: { RETRY_ATTEMPTS: { DataType: "Binary", BinaryValue: new Uint8Array([1]) } } },
                ],
            });
        sqs.on(DeleteMessageCommand).resolves({});
        assert.deepEqual(await takeDeadLetters(new SQSClient({}), url), []);
        assert.equal(sqs.commandCalls(DeleteMessageCommand).length, 0);
        assert.deepEqual(await takeDeadLetters(new SQSClient({}), url), [{ body: "", attributes: { RETRY_ATTEMPTS: "" } }]);
        assert.deepEqual(sqs.commandCalls(ReceiveMessageCommand)[0].args[0].input.MessageAttributeNames, ["All"]);
    });

    it("asks for the queue's SqsManagedSseEnabled attribute, and reads a queue without attributes as not encrypted by SQS", async () => {
        sqs.on(GetQueueAttributesCommand).resolves({});
        assert.equal(await sqsManagedEncryption(new SQSClient({}), "https://sqs.us-east-1.amazonaws.com/123456789012/q"), false);
        assert.deepEqual(sqs.commandCalls(GetQueueAttributesCommand)[0].args[0].input, {
            QueueUrl: "https://sqs.us-east-1.amazonaws.com/123456789012/q",
            AttributeNames: ["SqsManagedSseEnabled"],
        });
    });

    it("types numeric, date, boolean and IP address condition keys for IAM's simulator", async () => {
        assert.equal(await contextKeyType("aws:MultiFactorAuthAge"), "numeric");
        assert.equal(await contextKeyType("aws:CurrentTime"), "date");
        assert.equal(await contextKeyType("aws:SecureTransport"), "boolean");
        assert.equal(await contextKeyType("aws:SourceIp"), "ip");
    });

    it("gives IAM's simulator the policy and the resource, and reads an answer without results as nothing denied", async () => {
        iam.on(SimulateCustomPolicyCommand).resolves({ IsTruncated: false });
        const policy = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "states:StartExecution", Resource: "*" }] });
        assert.deepEqual(
            await deniedActions(new IAMClient({}), policy, ["states:StartExecution"], "arn:aws:states:us-east-1:123456789012:stateMachine:sm:live"),
            [],
        );
        const input = iam.commandCalls(SimulateCustomPolicyCommand)[0].args[0].input;
        assert.deepEqual([input.PolicyInputList, input.ResourceArns], [[policy], ["arn:aws:states:us-east-1:123456789012:stateMachine:sm:live"]]);
    });

    it("trusts the caller's account to assume the role, in a policy IAM accepts, and removes the role by its name and the policy's ARN", async () => {
        const policyArn = "arn:aws:iam::123456789012:policy/monitoring-operator-policy";
        iam.on(CreateRoleCommand).resolves({
            Role: { RoleName: "e2e-1-operator", Arn: "arn:aws:iam::123456789012:role/e2e-1-operator", Path: "/", RoleId: "AROA1", CreateDate: new Date() },
        });
        iam.on(AttachRolePolicyCommand).resolves({});
        iam.on(DetachRolePolicyCommand).resolves({});
        iam.on(DeleteRoleCommand).resolves({});
        await createRoleHolding(new IAMClient({}), "e2e-1-operator", ACCOUNT, policyArn);
        assert.deepEqual(JSON.parse(iam.commandCalls(CreateRoleCommand)[0].args[0].input.AssumeRolePolicyDocument!), {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:root" }, Action: "sts:AssumeRole" }],
        });
        await removeRole(new IAMClient({}), "e2e-1-operator", policyArn);
        assert.deepEqual(
            iam.commandCalls(DetachRolePolicyCommand).map((call) => call.args[0].input),
            [{ RoleName: "e2e-1-operator", PolicyArn: policyArn }],
        );
        assert.deepEqual(
            iam.commandCalls(DeleteRoleCommand).map((call) => call.args[0].input),
            [{ RoleName: "e2e-1-operator" }],
        );
    });

    it("starts as the role through a client of its own, in the run's region with the role's session credentials, with JSON input, and closes that client", async () => {
        sts.on(AssumeRoleCommand).resolves({
            Credentials: { AccessKeyId: "ASIA1", SecretAccessKey: "secret", SessionToken: "token", Expiration: new Date(Date.now() + 3600_000) },
        });
        const live = "arn:aws:states:ap-southeast-2:123456789012:stateMachine:sm:live";
        sfn.on(StartExecutionCommand)
            .resolvesOnce({ executionArn: `${live}:e1`, startDate: new Date() })
            .rejects(serviceError("AccessDeniedException", "User is not authorized to perform: states:StartExecution"));
        const role = "arn:aws:iam::123456789012:role/e2e-1-operator";
        const closed = await closedClients({ sfn: SFNClient }, async () => {
            assert.deepEqual(await startAsRole(new STSClient({}), role, "ap-southeast-2", live), { executionArn: `${live}:e1` });
            assert.deepEqual(await startAsRole(new STSClient({}), role, "ap-southeast-2", live), { error: "AccessDeniedException" });
        });
        assert.deepEqual(closed, { sfn: 2 }, "each client is closed, after a refusal too");
        const starts = sfn.commandCalls(StartExecutionCommand);
        const clients = starts.map((call) => call.thisValue as SFNClient);
        assert.equal(await clients[0].config.region(), "ap-southeast-2");
        const { accessKeyId, secretAccessKey, sessionToken } = await clients[0].config.credentials();
        assert.deepEqual({ accessKeyId, secretAccessKey, sessionToken }, { accessKeyId: "ASIA1", secretAccessKey: "secret", sessionToken: "token" });
        // StartExecution refuses an input that is not JSON.
        assert.deepEqual(JSON.parse(starts[0].args[0].input.input!), {});
        // AssumeRole takes a session name of 2 to 64 of these characters.
        assert.match(sts.commandCalls(AssumeRoleCommand)[0].args[0].input.RoleSessionName!, /^[\w+=,.@-]{2,64}$/);
    });

    it("counts an execution started at the very time given as started since then", async () => {
        const since = new Date("2026-12-06T12:00:00Z");
        sfn.on(ListExecutionsCommand).resolves({
            executions: [{ executionArn: "e1", stateMachineArn: "sm", name: "a", status: "RUNNING", startDate: new Date(since) }],
        });
        assert.deepEqual(await executionsSince(new SFNClient({}), "sm:live", since), [{ executionArn: "e1", startDate: since }]);
    });

    it("reads a role's name from its ARN, a path included", () => {
        assert.equal(roleName("arn:aws:iam::123456789012:role/service-role/e2e-1-operator"), "e2e-1-operator");
        assert.equal(roleName("arn:aws:iam::123456789012:role/batch-task-role-1a2b3c4"), "batch-task-role-1a2b3c4");
    });
});

describe("npm run test:e2e: the driver's guards, lines and signals, against a stand-in engine", () => {
    /** The driver with one step, the prerequisites given, and what it asked of a fresh stand-in engine. */
    const deployWith = async (overrides: Parameters<typeof prerequisites>[0]) => {
        const { engine, calls } = standIn();
        return { result: await drive(["--account", ACCOUNT], engine, [step("deploy")], {}, prerequisites(overrides)), calls };
    };
    const hoursAgo = (h: number) => new Date(new Date("2026-12-02T12:00:00Z").getTime() - h * 3600_000);

    it("prints each prerequisite that passed or only warns on the output, one line each, and goes on to create the stack", async () => {
        const { result, calls } = await deployWith({
            docker: async () => [
                pass("docker", "Docker", "Docker Engine 27.0.0 on linux/arm64"),
                warn("buildx", "Docker Buildx", "no builder for linux/arm64 yet", "docker buildx create --use"),
            ],
        });
        assert.equal(result.code, 0, result.err.join("\n"));
        assert.deepEqual(result.err, []);
        for (const line of [
            "✔ Region: us-east-1",
            `✔ AWS credentials: account ${ACCOUNT}, credentials that do not expire`,
            "! Docker Buildx: no builder for linux/arm64 yet (fix: docker buildx create --use)",
        ]) {
            assert.ok(result.out.includes(line), `${line} among:\n${result.out.join("\n")}`);
        }
        assert.equal(calls[0], "create e2e-a1b2c3d4 us-east-1");
    });

    it("says to run it again when AWS's refusal of the credentials comes with no fix of its own", async () => {
        const { result, calls } = await deployWith({
            caller: async () => {
                throw new AwsFailure("credentials", "InvalidClientTokenId", "sts:GetCallerIdentity", "", "AWS does not accept the credentials", undefined);
            },
        });
        assert.equal(result.code, 1);
        assert.deepEqual(result.err, [
            "✖ AWS credentials: AWS does not accept the credentials (fix: run this again)",
            "Nothing was created: fix what failed above, then run this again",
        ]);
        assert.deepEqual(calls, []);
    });

    it("lets an error that is no AWS failure out of the credentials check, creating nothing", async () => {
        const { engine, calls } = standIn();
        const bug = new TypeError("Cannot read properties of undefined (reading 'Account')");
        await assert.rejects(
            drive(
                ["--account", ACCOUNT],
                engine,
                [step("deploy")],
                {},
                prerequisites({
                    caller: async () => {
                        throw bug;
                    },
                }),
            ),
            (error) => error === bug,
        );
        assert.deepEqual(calls, []);
    });

    it("without a region also fails the credentials check, which waits for one, and says how to give it", async () => {
        const { engine, calls } = standIn();
        const result = await drive(["--account", ACCOUNT], engine, [step("deploy")], {}, prerequisites(), () => ({}));
        assert.equal(result.code, 1);
        assert.deepEqual(result.err, [
            "✖ Region: no region: neither --region, the dev stack file's aws:region nor the environment (AWS_REGION, the profile) names one (fix: give --region R)",
            '✖ AWS credentials: not checked until "Region" passes (fix: give --region R)',
            "Nothing was created: fix what failed above, then run this again",
        ]);
        assert.deepEqual(calls, []);
    });

    it("says there is no dev stack file when it is missing, and exits 2", async () => {
        const { engine, calls } = standIn();
        const missing = Object.assign(new Error("ENOENT: no such file or directory, open 'Pulumi.dev.yaml'"), { code: "ENOENT" });
        const result = await drive(["--account", ACCOUNT], engine, [step("deploy")], {}, prerequisites(), () => {
            throw missing;
        });
        assert.equal(result.code, 2);
        assert.deepEqual(result.err, ["no stack file Pulumi.dev.yaml"]);
        assert.deepEqual(calls, []);
    });

    it("names the first line of the engine's refusal to create the stack, even when the refusal starts with a blank line", async () => {
        const { engine } = standIn();
        const refusing: Engine = {
            ...engine,
            createStack: async () => {
                throw new Error("\n  error: stack 'e2e-a1b2c3d4' already exists\n");
            },
        };
        const result = await drive(["--account", ACCOUNT], refusing, [step("deploy")]);
        assert.equal(result.code, 1);
        assert.deepEqual(result.err, ["could not create e2e-a1b2c3d4: error: stack 'e2e-a1b2c3d4' already exists"]);
    });

    it("times each step by the clock, and says when it destroys the stack and when it has removed it", async () => {
        const { engine } = standIn();
        let clock = Date.parse("2026-12-02T12:00:00Z");
        const out: string[] = [];
        const deps: E2eDeps = {
            engine: () => engine,
            prerequisites: prerequisites(),
            steps: [step("first"), step("second", () => Promise.reject(new Error("no outputs")))],
            baseConfig: () => ({ "aws:region": "us-east-1" }),
            // Each reading of the clock is 1.5 s after the one before.
            now: () => new Date((clock += 1500)),
            onSignal: () => () => undefined,
            shortId: () => "a1b2c3d4",
            runCost: () => 0,
            out: (line) => out.push(line),
            err: (line) => out.push(line),
        };
        assert.equal(await e2e(["--account", ACCOUNT], deps), 1);
        assert.ok(out.includes("✔ first (1.5 s)"), out.join("\n"));
        assert.ok(out.includes("✖ second (1.5 s): no outputs"), out.join("\n"));
        const destroying = out.indexOf("Destroying e2e-a1b2c3d4");
        assert.ok(destroying >= 0 && out.indexOf("Removed e2e-a1b2c3d4") > destroying, out.join("\n"));
    });

    it("stops saying a step is still running once the step has ended", async () => {
        const { engine } = standIn();
        const result = await withEnvironment({ STOCK_TRADER_PROGRESS_SECONDS: "0.01" }, async () => {
            const ran = await drive(["--account", ACCOUNT], engine, [step("quick", async () => undefined)]);
            // Ten progress intervals after the run: a timer left running would have written by now.
            await new Promise((resolve) => setTimeout(resolve, 100));
            return ran;
        });
        assert.equal(result.code, 0, result.err.join("\n"));
        const ended = result.out.findIndex((line) => line.startsWith("✔ quick"));
        assert.ok(ended >= 0, result.out.join("\n"));
        assert.deepEqual(
            result.out.slice(ended).filter((line) => line.startsWith("… ")),
            [],
        );
    });

    it("on a signal while no update is under way cancels nothing, removes the stack, and exits 1 though the step passed", async () => {
        const { engine, calls } = standIn();
        const signals: { fire?: (signal: string) => void } = {};
        const result = await drive(["--account", ACCOUNT], engine, [step("waits", async () => void signals.fire?.("SIGTERM"))], signals);
        assert.equal(result.code, 1);
        assert.deepEqual(result.err, ["SIGTERM: stopping, then removing e2e-a1b2c3d4"]);
        assert.deepEqual(calls, ["create e2e-a1b2c3d4 us-east-1", "destroy e2e-a1b2c3d4", "remove e2e-a1b2c3d4", "rm Pulumi.e2e-a1b2c3d4.yaml"]);
    });

    it("with --keep still removes the stack after a signal, and cancels no update that has already ended", async () => {
        const { engine, calls } = standIn();
        const signals: { fire?: (signal: string) => void } = {};
        const deployThenSignal = step("deploy", async (context) => {
            await context.deploy();
            signals.fire?.("SIGINT");
        });
        const result = await drive(["--account", ACCOUNT, "--keep"], engine, [deployThenSignal, step("after")], signals);
        assert.equal(result.code, 1);
        assert.deepEqual(calls, [
            "create e2e-a1b2c3d4 us-east-1",
            "config e2e-a1b2c3d4 {}",
            "up e2e-a1b2c3d4",
            "destroy e2e-a1b2c3d4",
            "remove e2e-a1b2c3d4",
            "rm Pulumi.e2e-a1b2c3d4.yaml",
        ]);
        assert.ok(result.out.includes("- after: not run (SIGINT)"));
        assert.ok(!result.out.some((line) => line.startsWith("Kept ")));
    });

    it("refuses to tear down a stack the engine hands back under a name that is not an e2e- stack's, keeps its file, and exits 1", async () => {
        const { engine, calls } = standIn();
        const misnamed: Engine = {
            ...engine,
            createStack: async (name, config): Promise<EngineStack> => ({ ...(await engine.createStack(name, config)), name: "dev" }),
        };
        const result = await drive(["--account", ACCOUNT], misnamed, [step("look", async () => undefined)]);
        assert.equal(result.code, 1);
        assert.deepEqual(result.err, [
            "could not remove e2e-a1b2c3d4: refusing to touch stack dev: only e2e- stacks are the end-to-end suite's; npm run test:e2e -- --sweep removes it later",
        ]);
        assert.deepEqual(calls, ["create e2e-a1b2c3d4 us-east-1"]);
    });

    it("sweeping, refuses a stack the engine hands back under another name, says so, removes the others, and exits 1", async () => {
        const { engine, calls } = standIn({
            stacks: [
                { name: "e2e-old", lastUpdate: hoursAgo(7) },
                { name: "e2e-older", lastUpdate: hoursAgo(8) },
            ],
            files: ["e2e-old", "e2e-older"],
        });
        const misnamed: Engine = {
            ...engine,
            selectStack: async (name) => {
                const stack = await engine.selectStack(name);
                return name === "e2e-old" ? { ...stack, name: "prod" } : stack;
            },
        };
        const result = await drive(["--sweep"], misnamed, []);
        assert.equal(result.code, 1);
        assert.deepEqual(result.err, ["could not remove e2e-old: refusing to touch stack prod: only e2e- stacks are the end-to-end suite's"]);
        assert.deepEqual(calls, ["select e2e-old", "select e2e-older", "destroy e2e-older", "remove e2e-older", "rm Pulumi.e2e-older.yaml"]);
    });

    it("sweeps no stack last updated exactly --older-than-hours ago", async () => {
        const { engine, calls } = standIn({ stacks: [{ name: "e2e-six", lastUpdate: hoursAgo(6) }] });
        const result = await drive(["--sweep"], engine, []);
        assert.equal(result.code, 0);
        assert.ok(result.out.includes("0 e2e- stack(s) last updated more than 6 hour(s) ago"), result.out.join("\n"));
        assert.deepEqual(calls, []);
    });

    it("--help gives the steps' whole budget in minutes, rounded up", async () => {
        const help = await drive(["--help"], standIn().engine, [step("one"), { ...step("two"), budgetSeconds: 90 }]);
        assert.equal(help.code, 0);
        assert.ok(help.out.includes("Steps (2, at most 3 minutes in all):"), help.out.join("\n"));
    });

    it("names a stack by eight random hex digits", () => {
        assert.match(shortId(), /^[0-9a-f]{8}$/);
    });

    it("handles SIGINT and SIGTERM while a run lasts, and lets go of both after it", () => {
        const handler = (): void => undefined;
        const release = processSignals(handler);
        try {
            assert.ok(process.listeners("SIGINT").includes(handler), "SIGINT");
            assert.ok(process.listeners("SIGTERM").includes(handler), "SIGTERM");
        } finally {
            release();
        }
        assert.ok(!process.listeners("SIGINT").includes(handler), "SIGINT after");
        assert.ok(!process.listeners("SIGTERM").includes(handler), "SIGTERM after");
    });
});
