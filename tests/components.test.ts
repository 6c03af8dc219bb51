/**
 * The components as an API of their own: another program builds the workflow from them with its
 * own arguments and batch folder and no stack file, and a component refuses arguments that break
 * a rule of AWS's, in its own words, before it registers anything.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { tradingFunctionCode } from "../infra/functions";
import { ArgumentsError } from "../model/config";
import { TRADING_FUNCTIONS } from "../model/functions";
import { PROJECT_ROOT } from "../model/project";
import { named, programSources, runProgram, runStack, type ProgramRun } from "./support/program";

const EXAMPLE = path.join(PROJECT_ROOT, "examples", "python-batch");

describe("the components, from another program", () => {
    let run: ProgramRun;
    before(async () => {
        programSources.current = { batchContext: path.relative(PROJECT_ROOT, EXAMPLE) };
        try {
            run = await runProgram({}, "other", "../fixtures/other-program");
        } finally {
            programSources.current = {};
        }
    });

    it("builds the workflow with no stack file and no stack config", () => {
        assert.equal(run.error, undefined);
        assert.ok(!fs.existsSync(path.join(PROJECT_ROOT, "Pulumi.other.yaml")));
        assert.match(String(run.outputs.stateMachineArn), /^arn:aws:states:/);
    });

    it("builds each part from the arguments it was given, and the defaults for the rest", () => {
        const definition = JSON.parse(named(run, "aws:sfn/stateMachine:StateMachine", "flow-state-machine").inputs.definition);
        assert.equal(definition.States["Buy or Sell?"].Choices[0].NumericLessThanEquals, 30);
        assert.deepEqual(definition.States["Run ECS task"].Parameters.Overrides.ContainerOverrides[0].Command, ["--arg1", "7", "--arg2", "8"]);
        assert.ok(definition.States["Spot interruption?"], "Fargate Spot's interruption states");
        assert.deepEqual(named(run, "aws:dynamodb/table:Table", "orders-table").inputs.pointInTimeRecovery, { enabled: true });
        assert.equal(named(run, "aws:dynamodb/table:Table", "orders-table").inputs.deletionProtectionEnabled, false);
        assert.equal(named(run, "aws:lambda/function:Function", "traders-stock-checker").inputs.loggingConfig.applicationLogLevel, "WARN");
        assert.equal(named(run, "aws:cloudwatch/logGroup:LogGroup", "traders-stock-checker-logs").inputs.retentionInDays, 14);
    });

    it("bundles the functions' code as it is constructed, the same code the stack's program bundles ahead with tradingFunctionCode", async () => {
        const ahead = await tradingFunctionCode();
        const dev = await runStack("dev");
        const code = async (run: ProgramRun, name: string) => {
            const assets = await named(run, "aws:lambda/function:Function", name).inputs.code.assets;
            assert.deepEqual(Object.keys(assets), ["index.js"]);
            return assets["index.js"].text;
        };
        for (const fn of TRADING_FUNCTIONS) {
            assert.equal(await code(run, `traders-${fn}`), ahead[fn]);
            assert.equal(await code(dev, `trading-${fn}`), ahead[fn]);
        }
    });

    it("builds the batch image from the program's own folder, for the architecture its capacity implies", () => {
        const image = run.resources.find((r) => r.type === "docker-build:index:Image" || r.type === "awsx:ecr:Image")!;
        assert.ok(image, "a batch image");
        const location = image.inputs.context?.location ?? image.inputs.context;
        assert.equal(path.resolve(PROJECT_ROOT, location), EXAMPLE);
        const serialized = JSON.stringify(run.resources.filter((r) => r.name.startsWith("worker")).map((r) => r.inputs));
        assert.match(serialized, /X86_64|linux\/amd64/);
    });
});

describe("a component given arguments AWS would refuse", () => {
    it("says so in its own words, naming each argument, before it registers anything of its own", async () => {
        const run = await runProgram({}, "other", "../fixtures/bad-arguments-program");
        assert.ok(run.error instanceof ArgumentsError, String(run.error));
        assert.equal(run.error.component, "BatchJob");
        assert.match(run.error.message, /^Invalid BatchJob arguments:\n/);
        assert.ok(
            run.error.problems.some((p) => p.startsWith("cpu must be one of 256, 512,")),
            run.error.message,
        );
        assert.ok(
            run.error.problems.some((p) => p.startsWith("architecture must be X86_64 with capacity FARGATE_SPOT")),
            run.error.message,
        );
        assert.ok(
            run.error.problems.every((p) => !p.includes("stock-trader:")),
            run.error.message,
        );
        assert.deepEqual(
            run.resources.filter((r) => r.type.startsWith("stock-trader:batch")).map((r) => r.name),
            [],
        );
    });
});
