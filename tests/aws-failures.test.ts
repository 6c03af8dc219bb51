/**
 * One classification of what went wrong with an AWS call, for every tool that calls AWS: first
 * from the errors the SDK throws, as a mocked client throws them; then through endpoints on the
 * loopback interface that refuse, never answer, answer a web page, or answer AWS's own expired
 * token and throttle, with each tool run as a user runs it (AWS_ENDPOINT_URL).
 */
import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { mockClient, type AwsClientStub } from "aws-sdk-client-mock";
import { AwsFailure, call, type FailureKind } from "../scripts/cli/aws-calls";
import { automationPrerequisites } from "../scripts/e2e/automation";
import { main as e2eMain } from "../scripts/e2e/main";
import { execute } from "../scripts/operate/execute";
import { live } from "../scripts/operate/live";
import { main as preflightMain } from "../scripts/preflight/preflight";
import { prune } from "../scripts/operate/prune";
import type { ToolIo } from "../scripts/cli/cli";
import { noCredentials, serviceError } from "./support/aws-errors";
import { HANG_TIMEOUT_PATTERN, loopback, loopbackEnvironment, withEnvironment, type Behaviour } from "./support/loopback";
import { tempDir } from "./support/temp";
import { runInProcess } from "./support/tool";

const ACCOUNT = "123456789012";
const STATE_MACHINE = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:trading-workflow-state-machine`;

describe("what went wrong with an AWS call, from the error the SDK throws", () => {
    let sfn: AwsClientStub<SFNClient>;
    before(() => (sfn = mockClient(SFNClient)));
    afterEach(() => sfn.reset());
    after(() => sfn.restore());

    // Each error as the SDK throws it (Node's network errors, the request handler's timeout, the
    // parser's error on a page that is not JSON, the credential chain's, and AWS's answers).
    const cases: [string, Error, FailureKind, RegExp][] = [
        [
            "a connection refused",
            Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:4566"), {
                code: "ECONNREFUSED",
                errno: -111,
                syscall: "connect",
                $metadata: { attempts: 3 },
            }),
            "not-reached",
            /^could not reach AWS for states:StartExecution on .*: connect ECONNREFUSED 127\.0\.0\.1:4566 \(ECONNREFUSED\): check the network/,
        ],
        [
            "a name DNS cannot resolve",
            Object.assign(new Error("getaddrinfo ENOTFOUND states.us-east-1.amazonaws.com"), { code: "ENOTFOUND", syscall: "getaddrinfo", $metadata: {} }),
            "not-reached",
            /^could not reach AWS for .*\(ENOTFOUND\)/,
        ],
        [
            "no answer within the timeout",
            Object.assign(new Error("@smithy/node-http-handler - [ERROR] a request has exceeded the configured 30000 ms requestTimeout."), {
                name: "TimeoutError",
                code: "ETIMEDOUT",
                $metadata: { attempts: 3 },
            }),
            "not-reached",
            /^AWS did not answer states:StartExecution on .* within 30 s \(STOCK_TRADER_AWS_TIMEOUT_SECONDS sets the limit\)/,
        ],
        [
            "a web page where JSON was due",
            Object.assign(
                new SyntaxError(
                    `Unexpected token '<', "<!DOCTYPE "... is not valid JSON\n  Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.`,
                ),
                { $metadata: { httpStatusCode: 200 }, $response: { statusCode: 200, headers: { "content-type": "text/html; charset=utf-8" } } },
            ),
            "not-the-api",
            /^what answered states:StartExecution on .* is not the AWS API: HTTP 200, text\/html; charset=utf-8, which AWS never sends for it: AWS_ENDPOINT_URL/,
        ],
        ["no credentials", noCredentials(), "credentials", /^no AWS credentials for states:StartExecution on .*, so nothing was sent: set AWS_PROFILE/],
        [
            "an expired token",
            serviceError("ExpiredTokenException", "The security token included in the request is expired"),
            "credentials",
            /^the AWS credentials have expired: AWS answered states:StartExecution on .* with ExpiredTokenException: sign in again/,
        ],
        ["a throttle", serviceError("ThrottlingException", "Rate exceeded"), "throttled", /^AWS throttled states:StartExecution on .* even after retries/],
        [
            "a refusal",
            serviceError("AccessDeniedException", "not authorized to perform: states:StartExecution"),
            "refused",
            /^AWS refused states:StartExecution on .*: AccessDeniedException: not authorized to perform: states:StartExecution \(the caller needs/,
        ],
    ];
    for (const [label, error, kind, message] of cases) {
        it(`${label} is ${kind}, and says so`, async () => {
            sfn.on(StartExecutionCommand).rejects(error);
            const client = new SFNClient({ region: "us-east-1" });
            const failure = await call(
                "states:StartExecution",
                STATE_MACHINE,
                () => client.send(new StartExecutionCommand({ stateMachineArn: STATE_MACHINE })),
                {
                    sleep: async () => undefined,
                },
            ).then(
                () => assert.fail("the call should fail"),
                (e: unknown) => e,
            );
            assert.ok(failure instanceof AwsFailure, String(failure));
            assert.equal(failure.kind, kind);
            assert.match(failure.message, message);
            assert.doesNotMatch(failure.message, /\$response|\n/);
        });
    }

    it("lets an error that is no AWS call's through as it is: a bug of the tool's keeps its stack", async () => {
        const bug = new TypeError("Cannot read properties of undefined (reading 'events')");
        const failure = await call("states:StartExecution", STATE_MACHINE, () => Promise.reject(bug), { sleep: async () => undefined }).catch(
            (e: unknown) => e,
        );
        assert.equal(failure, bug);
    });
});

/** A tool run in this process against the loopback endpoint: exit code, and its lines. */
interface Run {
    status: number;
    out: string[];
    err: string[];
}

const io = () => {
    const out: string[] = [];
    const err: string[] = [];
    const deps: ToolIo & { sleep: (ms: number) => Promise<void>; now: () => Date; stackOutputs: () => Promise<Record<string, unknown>> } = {
        out: (line) => out.push(line),
        err: (line) => err.push(line),
        sleep: async () => undefined,
        now: () => new Date("2026-12-06T12:00:00Z"),
        stackOutputs: async () => ({ stateMachineArn: STATE_MACHINE, stateMachineAliasArn: `${STATE_MACHINE}:live`, liveStackName: "stock-trader-prod-live" }),
    };
    return { out, err, deps };
};

/** The tools that call AWS, each with a command line that calls it at once. */
const TOOLS: { name: string; run: (json: boolean) => Promise<Run> }[] = [
    {
        name: "execute",
        run: async (json) => {
            const { out, err, deps } = io();
            const status = await execute(["--state-machine-arn", STATE_MACHINE, "--no-follow", ...(json ? ["--json"] : [])], deps);
            return { status, out, err };
        },
    },
    {
        name: "prune-versions",
        run: async (json) => {
            const { out, err, deps } = io();
            const status = await prune(["--state-machine-arn", STATE_MACHINE, ...(json ? ["--json"] : [])], deps);
            return { status, out, err };
        },
    },
    {
        name: "live",
        run: async (json) => {
            const { out, err, deps } = io();
            const status = await live(["status", "--stack", "prod", ...(json ? ["--json"] : [])], deps);
            return { status, out, err };
        },
    },
];

/** What each endpoint's failure is, and the words its line starts with. */
const EXPECTED: Record<Behaviour, { kind: FailureKind; says: RegExp }> = {
    refuse: { kind: "not-reached", says: /^could not reach AWS for \S+ on \S+: connect ECONNREFUSED 127\.0\.0\.1:\d+ \(ECONNREFUSED\): check the network/ },
    hang: {
        kind: "not-reached",
        says: new RegExp(`^AWS did not answer \\S+ on \\S+ within ${HANG_TIMEOUT_PATTERN} s \\(STOCK_TRADER_AWS_TIMEOUT_SECONDS sets the limit\\)`),
    },
    html: { kind: "not-the-api", says: /^what answered \S+ on \S+ is not the AWS API: HTTP 200, text\/html; charset=utf-8/ },
    expired: { kind: "credentials", says: /^the AWS credentials have expired: AWS answered \S+ on \S+ with ExpiredTokenException: sign in again/ },
    throttle: { kind: "throttled", says: /^AWS throttled \S+ on \S+ even after retries \(ThrottlingException: Rate exceeded\): try again in a minute$/ },
};

describe("what went wrong with an AWS call, through endpoints that fail as the network and AWS do", function () {
    this.timeout(20000);

    for (const behaviour of Object.keys(EXPECTED) as Behaviour[]) {
        const { kind, says } = EXPECTED[behaviour];
        for (const tool of TOOLS) {
            it(`${tool.name}, against an endpoint that answers "${behaviour}": one line of ${kind}, and exit 1; with --json, the error document`, async () => {
                const endpoint = await loopback(behaviour);
                try {
                    await withEnvironment(endpoint.environment, async () => {
                        const text = await tool.run(false);
                        assert.equal(text.status, 1);
                        const failures = text.err.filter((line) => !line.startsWith("…"));
                        assert.equal(failures.length, 1, text.err.join("\n"));
                        assert.match(failures[0], says);
                        assert.doesNotMatch(failures[0], /AWS refused|\$response/);
                        const json = await tool.run(true);
                        assert.equal(json.status, 1);
                        const document = JSON.parse(json.out.join("\n")) as {
                            error: { kind: string; code: string; action: string; resource: string; message: string };
                        };
                        assert.deepEqual(Object.keys(document), ["error"]);
                        assert.equal(document.error.kind, kind);
                        assert.match(document.error.action, /^states:\w+$/);
                        assert.match(document.error.resource, /^arn:aws:states:us-east-1:/);
                        assert.match(document.error.message, says);
                    });
                } finally {
                    await endpoint.close();
                }
            });
        }
    }

    it("says it is waiting for AWS while a call goes unanswered, then that AWS did not answer within the timeout", async () => {
        const endpoint = await loopback("hang");
        try {
            await withEnvironment(endpoint.environment, async () => {
                const run = await TOOLS[0].run(false);
                assert.equal(run.status, 1);
                const waiting = run.err.slice(0, -1);
                assert.ok(waiting.length > 0, "at least one line while it waits");
                for (const line of waiting) {
                    assert.match(line, new RegExp(`^… waiting for AWS to answer states:StartExecution on ${STATE_MACHINE}: still running after \\d+\\.\\d s$`));
                }
                assert.match(run.err.at(-1)!, EXPECTED.hang.says);
                assert.ok(endpoint.requests() >= 1);
            });
        } finally {
            await endpoint.close();
        }
    });

    it("refuses a timeout or a progress interval that is not a positive number of seconds, before calling anything", async () => {
        for (const [variable, value] of [
            ["STOCK_TRADER_AWS_TIMEOUT_SECONDS", "soon"],
            ["STOCK_TRADER_PROGRESS_SECONDS", "0"],
        ]) {
            await withEnvironment({ [variable]: value }, async () => {
                const run = await TOOLS[0].run(false);
                assert.equal(run.status, 2);
                assert.deepEqual(run.err, [
                    `${variable} must be a number of seconds above 0, such as ${variable.includes("TIMEOUT") ? 30 : 15} (got ${value}); npm run execute -- --help lists what it takes`,
                ]);
            });
        }
    });

    it("sends a call about an ARN to the ARN's region whatever AWS_REGION says, saying so in one line", async () => {
        const regions: string[] = [];
        const server = http.createServer((request, response) => {
            regions.push(/Credential=[^/]+\/\d{8}\/([^/]+)\/states\//.exec(request.headers.authorization ?? "")?.[1] ?? "none");
            response
                .writeHead(200, { "content-type": "application/x-amz-json-1.0" })
                .end(JSON.stringify({ executionArn: `${EU_MACHINE.replace("stateMachine", "execution")}:run-1`, startDate: 1 }));
        });
        const EU_MACHINE = STATE_MACHINE.replace("us-east-1", "eu-west-1");
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        try {
            await withEnvironment(
                { ...loopbackEnvironment(`http://127.0.0.1:${(server.address() as AddressInfo).port}`), AWS_REGION: "us-east-1" },
                async () => {
                    const { out, err, deps } = io();
                    const status = await execute(["--state-machine-arn", EU_MACHINE, "--no-follow"], deps);
                    assert.equal(status, 0, err.join("\n") + out.join("\n"));
                    assert.deepEqual(regions, ["eu-west-1"]);
                    assert.deepEqual(err, [`notice: ${EU_MACHINE} is in eu-west-1, and AWS_REGION says us-east-1: the calls go to eu-west-1`]);
                },
            );
        } finally {
            server.closeAllConnections();
            await new Promise((resolve) => server.close(resolve));
        }
    });
});

let noTools: string | undefined;
/**
 * A PATH with no pulumi and no docker, so that only the account's checks reach the endpoint: made
 * when a test first needs it, so that loading this file (mocha --dry-run counts the tests) leaves
 * no folder behind.
 */
const emptyPath = () => (noTools ??= tempDir("no-tools-"));

describe("the preflight, through endpoints that fail as the network and AWS do", function () {
    this.timeout(20000);
    const expected: Record<Behaviour, RegExp> = {
        refuse: /^ {2}FAIL {2}AWS credentials +could not check: could not reach AWS for sts:GetCallerIdentity: connect ECONNREFUSED/m,
        hang: new RegExp(`^ {2}FAIL {2}AWS credentials +could not check: AWS did not answer sts:GetCallerIdentity within ${HANG_TIMEOUT_PATTERN} s`, "m"),
        html: /^ {2}FAIL {2}AWS credentials +could not check: what answered sts:GetCallerIdentity is not the AWS API/m,
        expired: /^ {2}FAIL {2}AWS credentials +the AWS credentials have expired: AWS answered sts:GetCallerIdentity with ExpiredToken$/m,
        throttle: /^ {2}FAIL {2}AWS credentials +could not check: AWS throttled sts:GetCallerIdentity even after retries \(Throttling: Rate exceeded\)$/m,
    };
    for (const behaviour of Object.keys(expected) as Behaviour[]) {
        it(`fails the credentials against an endpoint that answers "${behaviour}", and exits 1 with nothing passed that was not checked`, async () => {
            const endpoint = await loopback(behaviour);
            try {
                await withEnvironment({ ...endpoint.environment, PATH: emptyPath() }, async () => {
                    const out: string[] = [];
                    const status = await preflightMain(["--stack", "dev"], { out: (line) => out.push(line), err: () => undefined });
                    const report = out.join("\n");
                    assert.equal(status, 1);
                    assert.match(report, expected[behaviour]);
                    assert.doesNotMatch(report, /undefined|no default VPC|Health Dashboard/);
                    assert.doesNotMatch(report, /^ {2}ok {4}(AWS credentials|ECS service-linked role|Fargate vCPU quota|Network)/m);
                    assert.match(report, /\d+ failed$/);
                });
            } finally {
                await endpoint.close();
            }
        });
    }
});

describe("the end-to-end driver's prerequisites, through endpoints that fail as the network and AWS do", function () {
    this.timeout(20000);
    const expected: Record<Behaviour, FailureKind> = {
        refuse: "not-reached",
        hang: "not-reached",
        html: "not-the-api",
        expired: "credentials",
        throttle: "throttled",
    };
    for (const behaviour of Object.keys(expected) as Behaviour[]) {
        it(`classifies the caller's check against an endpoint that answers "${behaviour}"`, async () => {
            const endpoint = await loopback(behaviour);
            try {
                await withEnvironment(endpoint.environment, async () => {
                    const failure = await automationPrerequisites.caller("us-east-1").catch((e: unknown) => e);
                    assert.ok(failure instanceof AwsFailure, String(failure));
                    assert.equal(failure.kind, expected[behaviour]);
                    assert.equal(failure.action, "sts:GetCallerIdentity");
                });
            } finally {
                await endpoint.close();
            }
        });
    }

    it("asks STS in the run's region with no AWS_REGION set, and reads when the credentials expire", async () => {
        const regions: string[] = [];
        const server = http.createServer((request, response) => {
            regions.push(/Credential=[^/]+\/\d{8}\/([^/]+)\/sts\//.exec(request.headers.authorization ?? "")?.[1] ?? "none");
            response
                .writeHead(200, { "content-type": "text/xml" })
                .end(
                    `<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::${ACCOUNT}:user/ci</Arn><UserId>AIDACKCEVSQ6C2EXAMPLE</UserId><Account>${ACCOUNT}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId></ResponseMetadata></GetCallerIdentityResponse>`,
                );
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        try {
            const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
            await withEnvironment(
                {
                    ...loopbackEnvironment(url),
                    AWS_REGION: undefined,
                    AWS_DEFAULT_REGION: undefined,
                    AWS_CONFIG_FILE: path.join(emptyPath(), "none"),
                    AWS_SESSION_TOKEN: "FwoGZXIvYXdzEXAMPLE",
                    AWS_CREDENTIAL_EXPIRATION: "2026-12-06T18:00:00Z",
                },
                async () => {
                    assert.deepEqual(await automationPrerequisites.caller("eu-west-1"), { account: ACCOUNT, expires: new Date("2026-12-06T18:00:00Z") });
                    assert.deepEqual(regions, ["eu-west-1"]);
                },
            );
        } finally {
            server.closeAllConnections();
            await new Promise((resolve) => server.close(resolve));
        }
    });

    it("as npm runs it, without a Pulumi CLI, Docker or a reachable AWS: one line for each, no trace, nothing created, exit 1", async () => {
        const endpoint = await loopback("refuse");
        try {
            await withEnvironment({ ...endpoint.environment, PATH: emptyPath() }, async () => {
                const run = await runInProcess(e2eMain, ["--account", ACCOUNT, "--region", "us-east-1"]);
                assert.equal(run.status, 1);
                const lines = run.stderr.split("\n");
                assert.deepEqual(
                    lines.map((line) => line.split(":")[0]),
                    ["✖ AWS credentials", "✖ Pulumi CLI", "✖ Pulumi backend", "✖ Docker", "✖ Docker Buildx", `✖ Build for linux/arm64`, "Nothing was created"],
                );
                assert.match(lines[0], /could not reach AWS for sts:GetCallerIdentity: connect ECONNREFUSED/);
                assert.doesNotMatch(run.stderr + run.stdout, /\n\s+at /);
                assert.doesNotMatch(run.stdout, /^Creating /m);
                const sweep = await runInProcess(e2eMain, ["--sweep"]);
                assert.equal(sweep.status, 1);
                assert.deepEqual(
                    sweep.stderr.split("\n").map((line) => line.split(":")[0]),
                    ["✖ Pulumi CLI", "✖ Pulumi backend"],
                );
            });
        } finally {
            await endpoint.close();
        }
    });
});
