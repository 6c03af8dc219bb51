import * as assert from "node:assert/strict";
import aslValidator from "asl-validator";
import { main } from "../scripts/local/show";
import type { PolicyDocument } from "../model/policies";
import { isAllowed } from "./support/grants";
import { runInProcess } from "./support/tool";
import { defaultExecutionTimeout } from "./support/worst-case";

const show = async (...argv: string[]) => {
    const run = await runInProcess(main, argv);
    assert.equal(run.status, 0, run.stderr);
    return JSON.parse(run.stdout) as unknown;
};

describe("npm run show", () => {
    it("prints the definition the stack would deploy: valid States Language, its timeout the longest run of its own states", async () => {
        const definition = (await show("definition")) as { TimeoutSeconds: number; States: Record<string, unknown>; StartAt: string };
        const validation = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
        assert.deepEqual(validation.errors, []);
        assert.equal(definition.TimeoutSeconds, defaultExecutionTimeout(definition as never));
        const spot = (await show("--set", "batchCapacity=FARGATE_SPOT", "definition")) as { States: Record<string, unknown> };
        assert.ok(Object.keys(spot.States).length > Object.keys(definition.States).length, "Spot adds its interruption states");
    });

    it("prints each role's policy, the state machine's allowing every function its definition invokes", async () => {
        const policies = (await show("--stack", "prod", "policies")) as Record<string, PolicyDocument>;
        assert.deepEqual(Object.keys(policies), [
            "stateMachine",
            "stock-checker",
            "stock-buyer",
            "stock-seller",
            "batchExecution",
            "batchTask",
            "schedule",
            "liveStack",
            "operator",
        ]);
        const definition = JSON.stringify(await show("--stack", "prod", "definition"));
        const functions = [...new Set(definition.match(/arn:aws:lambda:[^"]+/g) ?? [])];
        assert.equal(functions.length, 3);
        for (const fn of functions) {
            assert.ok(await isAllowed(policies.stateMachine.Statement, { action: "lambda:InvokeFunction", resource: fn, context: {} }), fn);
        }
    });

    it("prints the alarms, the stale-success one only where the schedule runs, and a dashboard that shows them", async () => {
        const metrics = async (stack: string) => ((await show("--stack", stack, "alarms")) as { metricName: string }[]).map((a) => a.metricName);
        assert.ok(!(await metrics("dev")).includes("ExecutionsSucceeded"));
        assert.ok((await metrics("prod")).includes("ExecutionsSucceeded"), "prod runs on its schedule");
        const dashboard = (await show("dashboard")) as { widgets: { type: string; properties: { alarms?: string[] } }[] };
        assert.equal(dashboard.widgets.find((w) => w.type === "alarm")?.properties.alarms?.length, (await metrics("dev")).length);
    });

    it("names in each policy the stand-in resources the stack would own, and nothing of another stack's", async () => {
        const policies = (await show("--stack", "prod", "policies")) as Record<string, PolicyDocument>;
        const account = "arn:aws:logs:us-east-1:000000000000";
        const allowed = (policy: string, action: string, resource: string) => isAllowed(policies[policy].Statement, { action, resource, context: {} });
        for (const fn of ["stock-checker", "stock-buyer", "stock-seller"]) {
            assert.ok(await allowed(fn, "logs:PutLogEvents", `${account}:log-group:/aws/lambda/${fn}:log-stream:x`), fn);
            assert.ok(!(await allowed(fn, "logs:PutLogEvents", `${account}:log-group:/aws/lambda/other:log-stream:x`)), fn);
        }
        assert.ok(await allowed("batchExecution", "ecr:BatchGetImage", "arn:aws:ecr:us-east-1:000000000000:repository/batch"));
        assert.ok(await allowed("batchExecution", "logs:PutLogEvents", `${account}:log-group:batch:log-stream:x`));
        const stateMachine = "arn:aws:states:us-east-1:000000000000:stateMachine:trading-workflow-state-machine";
        const throughLive = (policy: string, resource: string) =>
            isAllowed(policies[policy].Statement, { action: "states:StartExecution", resource, context: { "states:StateMachineQualifier": "live" } });
        assert.ok(await throughLive("schedule", stateMachine));
        assert.ok(!(await allowed("schedule", "states:StartExecution", stateMachine)), "the schedule starts through live only");
        assert.ok(await throughLive("operator", stateMachine));
        assert.ok(!(await throughLive("operator", `${stateMachine}-other`)));
        assert.ok(await allowed("operator", "cloudwatch:GetDashboard", "arn:aws:cloudwatch::000000000000:dashboard/stock-trader-prod"));
        assert.ok(!(await allowed("operator", "cloudwatch:GetDashboard", "arn:aws:cloudwatch::000000000000:dashboard/stock-trader-dev")));
        for (const group of ["states", "batch", "/aws/lambda/stock-checker", "/aws/lambda/stock-buyer", "/aws/lambda/stock-seller"]) {
            assert.ok(await allowed("operator", "logs:FilterLogEvents", `${account}:log-group:${group}`), group);
        }
        const alarms = (await show("--stack", "prod", "alarms")) as { id: string }[];
        for (const { id } of alarms) {
            assert.ok(await allowed("operator", "cloudwatch:DescribeAlarms", `arn:aws:cloudwatch:us-east-1:000000000000:alarm:${id}`), id);
        }
    });

    it("draws the dashboard for the stack's own state machine, functions and alarms", async () => {
        const dashboard = JSON.stringify(await show("--stack", "prod", "dashboard"));
        assert.ok(dashboard.includes("arn:aws:states:us-east-1:000000000000:stateMachine:trading-workflow-state-machine"));
        for (const fn of ["stock-checker", "stock-buyer", "stock-seller"]) {
            assert.ok(dashboard.includes(`"${fn}"`), fn);
        }
        assert.ok(dashboard.includes('"us-east-1"'));
        const alarms = (await show("--stack", "prod", "alarms")) as { id: string }[];
        for (const { id } of alarms) {
            assert.ok(dashboard.includes(`arn:aws:cloudwatch:us-east-1:000000000000:alarm:${id}`), id);
        }
    });

    it("prints its help, and nothing else, when asked anywhere on the line", async () => {
        for (const argv of [["--help"], ["definition", "--help"], ["--help", "bogus", "--stack", "prod"]]) {
            const run = await runInProcess(main, argv);
            assert.equal(run.status, 0, argv.join(" "));
            assert.match(run.stdout, /^usage: npm run show -- \[options\] [a-z|-]+\n/);
            assert.equal(run.stderr, "");
        }
    });

    it("exits 2 unless it is told one thing to show, naming every view its usage names, and shows each of them", async () => {
        const views = /^usage: npm run show -- \[options\] ([a-z|-]+)\n/.exec((await runInProcess(main, ["--help"])).stdout)![1].split("|");
        for (const argv of [[], ["bogus"], ["definition", "alarms"]]) {
            const run = await runInProcess(main, argv);
            assert.equal(run.status, 2, argv.join(" "));
            assert.equal(
                run.stderr.split("\n")[0],
                `name one thing to show, ${views.join(", ")} (got ${argv.join(" ") || "nothing"}); npm run show -- --help lists what it takes`,
            );
        }
        for (const view of views) {
            const run = await runInProcess(main, [view]);
            assert.equal(run.status, 0, `${view}: ${run.stderr}`);
            assert.notEqual(run.stdout.trim(), "", view);
        }
    });
});

describe("npm run show: the roles around the schedule's queue and the live stack", () => {
    it("lets the schedule send to and the operator read the stack's failed-starts queue, the operator roll back the stack's own live stack, and the live stack's role read only the alarms that roll back", async () => {
        const policies = (await show("--stack", "prod", "policies")) as Record<string, PolicyDocument>;
        const alarms = (await show("--stack", "prod", "alarms")) as { id: string; rollsBack: boolean }[];
        const allowed = (policy: string, action: string, resource: string) => isAllowed(policies[policy].Statement, { action, resource, context: {} });
        const queue = "arn:aws:sqs:us-east-1:000000000000:stock-trader-failed-starts";
        assert.ok(await allowed("schedule", "sqs:SendMessage", queue));
        assert.ok(!(await allowed("schedule", "sqs:SendMessage", `${queue}-other`)));
        assert.ok(await allowed("operator", "sqs:ReceiveMessage", queue));
        assert.ok(!(await allowed("operator", "sqs:ReceiveMessage", `${queue}-other`)));
        const liveStack = "arn:aws:cloudformation:us-east-1:000000000000:stack/stock-trader-prod-live/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
        assert.ok(await allowed("operator", "cloudformation:UpdateStack", liveStack));
        assert.ok(alarms.some((alarm) => alarm.rollsBack) && alarms.some((alarm) => !alarm.rollsBack), "prod has alarms that roll back and alarms that do not");
        for (const { id, rollsBack } of alarms) {
            assert.equal(await allowed("liveStack", "cloudwatch:DescribeAlarms", `arn:aws:cloudwatch:us-east-1:000000000000:alarm:${id}`), rollsBack, id);
        }
    });
});
