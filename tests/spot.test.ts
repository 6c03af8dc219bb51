import * as assert from "node:assert/strict";
import aslValidator from "asl-validator";
import { runWorkflow, type ExecutionEvent } from "../local/runner";
import { loadStackConfig } from "../scripts/cli/stack-files";
import type { StateMachineDefinition } from "../model/workflow";
import { snapshot } from "./support/snapshots";
import { mockArn, named, ofType, runProgram, type ProgramRun } from "./support/program";

const deployed = (run: ProgramRun): StateMachineDefinition =>
    JSON.parse(named(run, "aws:sfn/stateMachine:StateMachine", "trading-workflow-state-machine").inputs.definition);

describe("Fargate Spot under Pulumi mocks", () => {
    let spot: ProgramRun;
    let onDemand: ProgramRun;
    before(async () => {
        spot = await runProgram({ batchCapacity: "FARGATE_SPOT", batchInterruptionRetries: "3" });
        assert.equal(spot.error, undefined, String(spot.error));
        onDemand = await runProgram({});
        assert.equal(onDemand.error, undefined, String(onDemand.error));
    });

    it("gives the cluster the FARGATE and FARGATE_SPOT capacity providers", () => {
        assert.deepEqual(named(spot, "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders", "batch-capacity-providers").inputs, {
            clusterName: "batch-cluster",
            capacityProviders: ["FARGATE", "FARGATE_SPOT"],
        });
        assert.deepEqual(ofType(onDemand, "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders"), []);
    });

    it("runs the task with a FARGATE_SPOT capacity provider strategy instead of a launch type, tags propagated", () => {
        const parameters = (deployed(spot).States["Run ECS task"] as { Parameters: Record<string, unknown> }).Parameters;
        assert.deepEqual(parameters.CapacityProviderStrategy, [{ CapacityProvider: "FARGATE_SPOT", Weight: 1 }]);
        assert.equal(parameters.LaunchType, undefined);
        assert.equal(parameters.PropagateTags, "TASK_DEFINITION");
        const onDemandParameters = (deployed(onDemand).States["Run ECS task"] as { Parameters: Record<string, unknown> }).Parameters;
        assert.equal(onDemandParameters.LaunchType, "FARGATE");
        assert.equal(onDemandParameters.CapacityProviderStrategy, undefined);
    });

    it("decides on the interruption in the definition: Catch, then the stop code, then the count", () => {
        const definition = deployed(spot);
        assert.deepEqual((definition.States["Run ECS task"] as { Catch: unknown }).Catch, [
            { ErrorEquals: ["States.TaskFailed"], ResultPath: "$.error", Next: "Spot interruption?" },
        ]);
        assert.deepEqual(definition, snapshot("Fargate Spot with three interruption retries, under the mocks").definition);
        const result = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
        assert.deepEqual(result.errors, []);
        assert.equal(result.isValid, true);
    });

    it("keeps exactly the on-demand definition's states with no interruption retries, and adds only interruption states with them", async () => {
        const onDemandStates = Object.keys(deployed(onDemand).States);
        const noRetries = await runProgram({ batchCapacity: "FARGATE_SPOT", batchInterruptionRetries: "0" });
        assert.deepEqual(Object.keys(deployed(noRetries).States), onDemandStates);
        const added = Object.keys(deployed(spot).States).filter((name) => !onDemandStates.includes(name));
        assert.ok(added.length > 0 && added.every((name) => /interruption/i.test(name)), added.join(", "));
    });

    it("lets the state machine tag only this cluster's tasks, and only as RunTask creates them", () => {
        const policy = JSON.parse(named(spot, "aws:iam/rolePolicy:RolePolicy", "trading-workflow-policy").inputs.policy);
        assert.deepEqual(
            policy.Statement.find((s: { Sid: string }) => s.Sid === "TagBatchTask"),
            {
                Sid: "TagBatchTask",
                Effect: "Allow",
                Action: "ecs:TagResource",
                Resource: mockArn("ecs", "task/batch-cluster/*"),
                Condition: { StringEquals: { "ecs:CreateAction": "RunTask" } },
            },
        );
    });
});

describe("Spot interruptions, executed on aws-local-stepfunctions", () => {
    const spotConfig = loadStackConfig("dev", { "stock-trader:batchCapacity": "FARGATE_SPOT" });
    const batchEvents = (events: ExecutionEvent[]) =>
        events.filter((e) => e.state?.name === "Run ECS task" && (e.type === "StateEntered" || e.type === "StateFailed")).map((e) => e.type);

    it("runs the batch again after one interruption, and the execution succeeds with the trade processed", async () => {
        const events: ExecutionEvent[] = [];
        const report = await runWorkflow({ config: spotConfig, interruptBatch: 1, onEvent: (_i, e) => events.push(e) });
        const [result] = report.results;
        assert.equal(result.status, "SUCCEEDED", result.cause);
        assert.deepEqual(batchEvents(events), ["StateEntered", "StateFailed", "StateEntered"]);
        const output = result.output as { interruptions: unknown; batch: { ExitCode: number } };
        assert.deepEqual(output.interruptions, { count: 1 });
        assert.equal(output.batch.ExitCode, 0);
        // A succeeded execution's output says nothing of the interruption's error: only the trade, the count and the batch.
        assert.deepEqual(Object.keys(output).sort(), ["batch", "id", "interruptions", "price", "qty", "timestamp", "type"]);
        assert.ok(report.items[0].ProcessedAt?.S, "the trade is processed");
    });

    it("ends FAILED through Error after more interruptions than batchInterruptionRetries allows", async () => {
        const events: ExecutionEvent[] = [];
        const report = await runWorkflow({ config: spotConfig, interruptBatch: 3, onEvent: (_i, e) => events.push(e) });
        const [result] = report.results;
        assert.equal(result.status, "FAILED");
        assert.equal(result.error, "States.TaskFailed");
        assert.equal(JSON.parse(result.cause ?? "").StopCode, "SpotInterruption");
        // One run and spotConfig's 2 retries, each interrupted; then Error.
        assert.deepEqual(batchEvents(events), ["StateEntered", "StateFailed", "StateEntered", "StateFailed", "StateEntered", "StateFailed"]);
        assert.ok(events.some((e) => e.type === "StateEntered" && e.state?.name === "Error"));
        assert.equal(report.items[0].ProcessedAt, undefined, "the batch never ran");
    });

    it("runs an application failure once and ends FAILED: a non-zero exit is never run again", async () => {
        const events: ExecutionEvent[] = [];
        const report = await runWorkflow({ config: spotConfig, failBatch: true, onEvent: (_i, e) => events.push(e) });
        const [result] = report.results;
        assert.equal(result.status, "FAILED");
        assert.equal(JSON.parse(result.cause ?? "").Containers[0].ExitCode, 1);
        assert.deepEqual(batchEvents(events), ["StateEntered", "StateFailed"]);
        assert.ok(!events.some((e) => e.state?.name === "First interruption"));
    });
});
