import * as assert from "node:assert/strict";
import { localResources } from "../local/definition";
import { parseConfig, type StackConfig } from "../model/config";
import { buildWorkflow, type TaskState } from "../model/workflow";
import { missingGrants, unneededGrants } from "./support/grants";

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

            it("grants every Task state exactly what its integration needs", () => {
                assert.ok(tasks.length >= 5);
                assert.deepEqual(missingGrants(tasks, policy.Statement, resources), []);
            });

            it("has no statement that serves no state, and no action beyond what the states need", () => {
                assert.deepEqual(unneededGrants(tasks, policy.Statement, resources), []);
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
        assert.throws(() => buildWorkflow({ config, resources: missing }), /state machine definition: settings\.resources\.batch\.taskDefinitionArn is missing \(got undefined\)/);
        const empty = localResources(config, "t");
        empty.batch.subnetIds = [];
        assert.throws(() => buildWorkflow({ config, resources: empty }), /settings\.resources\.batch\.subnetIds is missing \(got \[\]\)/);
    });

    it("serializes identically for equal settings", () => {
        const build = () => JSON.stringify(buildWorkflow({ config: parseConfig({}), resources: localResources(parseConfig({}), "t") }));
        assert.equal(build(), build());
    });
});
