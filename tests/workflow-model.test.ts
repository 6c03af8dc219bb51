import * as assert from "node:assert/strict";
import { localResources } from "../local/stand-ins";
import { parseConfig, type StackConfig } from "../model/config";
import { buildWorkflow, type TaskState } from "../model/workflow";
import { missingGrants, unneededGrants } from "./support/grants";
import { defaultExecutionTimeout } from "./support/worst-case";
import { FN, FN_VERSIONS } from "./support/mock-arns";
import { MODEL_CHANGED, PLAIN_RESOURCES, snapshot } from "./support/snapshots";
import { unionOfGrants, type Grant } from "../model/grants";

describe("workflow model: the definition and policy, exactly, from plain ARNs", () => {
    it("builds the definition and policy of its snapshot for the defaults, logging at ERROR", () => {
        const { definition, policy } = buildWorkflow({ config: parseConfig({}), resources: PLAIN_RESOURCES });
        assert.deepEqual({ definition, policy }, snapshot("the model's defaults, from plain ARNs"));
        assert.deepEqual(
            policy.Statement.map((s) => s.Sid).filter((sid) => ["DeliverExecutionLogs", "WriteTraces"].includes(sid)),
            ["DeliverExecutionLogs"],
        );
    });

    it("follows the threshold, the command, the network, both timeouts, and turns logging off and tracing on, as its snapshot has it", () => {
        const { definition, policy } = buildWorkflow(MODEL_CHANGED);
        assert.deepEqual({ definition, policy }, snapshot("the model with its settings changed, from plain ARNs"));
        assert.equal(definition.TimeoutSeconds, 300000);
        assert.equal((definition.States["Buy or Sell?"] as { Choices: { NumericLessThanEquals: number }[] }).Choices[0].NumericLessThanEquals, 20);
        assert.deepEqual(
            policy.Statement.map((s) => s.Sid).filter((sid) => ["DeliverExecutionLogs", "WriteTraces"].includes(sid)),
            ["WriteTraces"],
        );
    });

    it("derives the execution timeout from the batch timeout: the longest run of its states, rounded up to the minute, 2700 s less for a 900 s batch", () => {
        const timeoutFor = (batchTimeoutSeconds: string) =>
            buildWorkflow({ config: parseConfig({ batchTimeoutSeconds }), resources: PLAIN_RESOURCES }).definition;
        const [short, long] = [timeoutFor("900"), timeoutFor("3600")];
        assert.equal(short.TimeoutSeconds, defaultExecutionTimeout(short));
        assert.equal(long.TimeoutSeconds - short.TimeoutSeconds, 2700);
    });

    it("runs the batch on Fargate Spot with a capacity provider strategy, and reruns it after an interruption", () => {
        const { definition } = buildWorkflow({
            config: parseConfig({ batchCapacity: "FARGATE_SPOT", batchInterruptionRetries: "3" }),
            resources: PLAIN_RESOURCES,
        });
        const run = definition.States["Run ECS task"] as TaskState;
        const onDemand = snapshot("the model's defaults, from plain ARNs").definition.States["Run ECS task"] as TaskState;
        const { LaunchType, ...spotParameters } = onDemand.Parameters!;
        assert.equal(LaunchType, "FARGATE");
        assert.deepEqual(run.Parameters, { CapacityProviderStrategy: [{ CapacityProvider: "FARGATE_SPOT", Weight: 1 }], ...spotParameters });
        assert.deepEqual(run.Catch, [{ ErrorEquals: ["States.TaskFailed"], ResultPath: "$.error", Next: "Spot interruption?" }]);
        const spotStates = snapshot("Fargate Spot with three interruption retries, under the mocks").definition.States;
        for (const name of ["Spot interruption?", "First interruption", "Another interruption"] as const) {
            assert.deepEqual(definition.States[name], spotStates[name], name);
        }
        // 4 runs of the batch: each with its 3600 s and 70 s of start retries, on the 222594 s of the rest.
        assert.equal(definition.TimeoutSeconds, Math.ceil((222524 + 4 * 3670) / 60) * 60);
    });

    it("merges grants of one Sid into one statement, each resource once, and refuses grants of one Sid that differ", () => {
        const shared = { ...PLAIN_RESOURCES, functions: { "stock-checker": FN("one"), "stock-buyer": FN("one"), "stock-seller": FN("two") } };
        const { policy } = buildWorkflow({ config: parseConfig({ logLevel: "OFF" }), resources: shared });
        assert.deepEqual(policy.Statement[0], {
            Sid: "InvokeTradingFunctions",
            Effect: "Allow",
            Action: "lambda:InvokeFunction",
            Resource: [FN_VERSIONS("one"), FN_VERSIONS("two")],
        });
        const single = { ...PLAIN_RESOURCES, functions: { "stock-checker": FN("one"), "stock-buyer": FN("one"), "stock-seller": FN("one") } };
        assert.equal(buildWorkflow({ config: parseConfig({ logLevel: "OFF" }), resources: single }).policy.Statement[0].Resource, FN_VERSIONS("one"));
    });
});

const configs: [string, StackConfig][] = [
    ["the defaults", parseConfig({})],
    ["logging and tracing on", parseConfig({ logLevel: "ALL", tracingEnabled: "true" })],
    ["logging off", parseConfig({ logLevel: "OFF" })],
    ["Fargate Spot with interruption retries", parseConfig({ batchCapacity: "FARGATE_SPOT" })],
    ["Fargate Spot without interruption retries", parseConfig({ batchCapacity: "FARGATE_SPOT", batchInterruptionRetries: "0" })],
];

describe("workflow model: one source for the definition and its permissions", () => {
    for (const [label, config] of configs) {
        describe(`with ${label}`, () => {
            const resources = localResources(config, "TransactionTable");
            const { definition, policy } = buildWorkflow({ config, resources });
            const tasks = Object.entries(definition.States).filter((entry): entry is [string, TaskState] => entry[1].Type === "Task");

            it("grants every Task state exactly what its integration needs", async () => {
                assert.ok(tasks.length >= 5);
                assert.deepEqual(await missingGrants(tasks, policy.Statement, resources), []);
            });

            it("has no statement that serves no state, and no action beyond what the states need", async () => {
                assert.deepEqual(await unneededGrants(tasks, policy.Statement, resources), []);
            });

            it("adds log delivery and X-Ray only when they are on", () => {
                const sids = policy.Statement.map((s) => s.Sid);
                assert.equal(sids.includes("DeliverExecutionLogs"), config.logLevel !== "OFF");
                assert.equal(sids.includes("WriteTraces"), config.tracingEnabled);
            });
        });
    }

    it("refuses a setting that never resolved instead of dropping its key", () => {
        const config = parseConfig({});
        const missing = localResources(config, "t") as any;
        missing.batch.taskDefinitionArn = undefined;
        assert.throws(
            () => buildWorkflow({ config, resources: missing }),
            /state machine definition: settings\.resources\.batch\.taskDefinitionArn is missing \(got undefined\)/,
        );
        const empty = localResources(config, "t");
        empty.batch.subnetIds = [];
        assert.throws(() => buildWorkflow({ config, resources: empty }), /settings\.resources\.batch\.subnetIds is missing \(got \[\]\)/);
    });

    it("serializes identically for equal settings", () => {
        const build = () => JSON.stringify(buildWorkflow({ config: parseConfig({}), resources: localResources(parseConfig({}), "t") }));
        assert.equal(build(), build());
    });
});

describe("workflow model: grants of one Sid", () => {
    const grant = (resources: string[], actions: string[] = ["lambda:InvokeFunction"], condition?: Grant["condition"]): Grant => ({
        sid: "InvokeTradingFunctions",
        actions,
        resources,
        why: "the Task states invoke the functions",
        ...(condition === undefined ? {} : { condition }),
    });

    it("refuses grants of one Sid whose actions or condition differ, naming the Sid", () => {
        const message = "workflow grants named InvokeTradingFunctions differ in their actions or condition";
        assert.throws(() => unionOfGrants([grant(["fn-a"]), grant(["fn-b"], ["lambda:InvokeFunction", "lambda:GetFunction"])]), { message });
        assert.throws(() => unionOfGrants([grant(["fn-a"]), grant(["fn-b"], undefined, { StringEquals: { "aws:SourceAccount": "123456789012" } })]), {
            message,
        });
    });

    it("merges grants of one Sid with the same actions and condition, each resource once, in the order named", () => {
        assert.deepEqual(unionOfGrants([grant(["fn-a"]), grant(["fn-b", "fn-a"])]), [
            { Sid: "InvokeTradingFunctions", Effect: "Allow", Action: "lambda:InvokeFunction", Resource: ["fn-a", "fn-b"] },
        ]);
    });
});
