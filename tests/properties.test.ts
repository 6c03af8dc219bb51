/**
 * Properties that must hold for every config the validation accepts (and every one it refuses),
 * drawn by fast-check from the config model itself (tests/support/arbitraries.ts). The seed is
 * fixed (FC_SEED to change it) and printed with any failure; FC_NUM_RUNS runs more cases, as
 * `npm run test:explore` does.
 */
import * as assert from "node:assert/strict";
import aslValidator from "asl-validator";
import fc from "fast-check";
import { localResources } from "../local/stand-ins";
import { engineDefinition, runWorkflow, type ExecutionEvent } from "../local/runner";
import { CONFIG_KEYS, CONFIG_NAMESPACE, ConfigError, KEYS, MAX_TIMEOUT_SECONDS, parseConfig } from "../model/config";
import { estimateCost } from "../model/cost";
import { deploymentMinutes } from "../model/deployment";
import { DEPLOY_JOB_OTHER_STEPS_MINUTES } from "../model/limits";
import { alarmSpecs } from "../model/monitoring";
import { stackScopedName } from "../model/names";
import prices from "../model/prices.json";
import { PLATFORM_RULES } from "../model/platform-rules";
import { stringMap, type StackConfig } from "../model/keys";
import { buildWorkflow, longestRunSeconds, type State, type TaskState } from "../model/workflow";
import { renderCost } from "../scripts/local/cost";
import { dollars, exactNumber } from "../scripts/cli/format";
import { accepts, acceptedConfigs, configsWithOneBadKey, invalidValue, rawConfigs, releaseKeys, settings, validValue } from "./support/arbitraries";
import { thrown } from "./support/thrown";
import { printedCostRow } from "./support/cost-output";
import { DEPLOYED_ATTEMPTS, longestSuccessSeconds } from "./support/worst-case";
import { missingGrants, unneededGrants } from "./support/grants";
import { fromProgram, packViolations } from "./support/policy-pack";
import { named, ofType, runProgram } from "./support/program";

/** The largest value AWS takes for a Task's TimeoutSeconds and a retrier's IntervalSeconds and MaxAttempts (States Language). */
const ASL_MAX = 99999999;

const tasksOf = (states: Record<string, State>) => Object.entries(states).filter((entry): entry is [string, TaskState] => entry[1].Type === "Task");

describe("properties over the config space", () => {
    it("each reader takes every value its domain draws, and refuses every value drawn past it, a map reader's as a key's", () => {
        const readers = [
            ...CONFIG_KEYS.map((key) => [key, KEYS[key]] as const),
            ["a map of environment variables", stringMap(/^[A-Z_][A-Z0-9_]{0,20}$/, /^[ -~]{0,40}$/, 5, "a map")] as const,
        ];
        for (const [name, reader] of readers) {
            fc.assert(
                fc.property(validValue(reader.domain), (raw) => assert.ok(reader.parse(raw).ok, `${name} refuses ${raw}`)),
                settings(20),
            );
            fc.assert(
                fc.property(invalidValue(reader.domain), (raw) => assert.ok(!reader.parse(raw).ok, `${name} takes ${raw}`)),
                settings(20),
            );
        }
    });

    it("every config is accepted, or refused with a ConfigError whose every problem names a key", () => {
        fc.assert(
            fc.property(rawConfigs, (raw) => {
                try {
                    parseConfig(raw);
                } catch (error) {
                    assert.ok(error instanceof ConfigError, String(error));
                    for (const problem of error.problems) {
                        assert.match(problem, new RegExp(`^${CONFIG_NAMESPACE}:\\w+ `), problem);
                    }
                }
            }),
            settings(300),
        );
    });

    it("a config with one bad key is refused, and a problem names that key", () => {
        fc.assert(
            fc.property(configsWithOneBadKey, ({ raw, key }) => {
                assert.throws(
                    () => parseConfig(raw),
                    (error: unknown) =>
                        error instanceof ConfigError &&
                        error.problems.some((p) => p.startsWith(`${CONFIG_NAMESPACE}:${key} `) || p.includes(` ${CONFIG_NAMESPACE}:${key} `)),
                );
            }),
            settings(300),
        );
    });

    it("every accepted config, its derived defaults included, satisfies every rule of AWS's in the table", () => {
        fc.assert(
            fc.property(acceptedConfigs, ({ config }) => {
                for (const rule of PLATFORM_RULES) {
                    assert.ok(rule.holds(config), `${rule.id} (${rule.source}): ${rule.problem(config, new Set())}`);
                }
            }),
            settings(300),
        );
    });

    it("a config that leaves a derived key unset is never refused for that key: its default meets every rule", () => {
        fc.assert(
            fc.property(rawConfigs, (raw) => {
                const unset = (["batchArchitecture", "executionTimeoutSeconds"] as const).filter((key) => raw[key] === undefined);
                try {
                    parseConfig(raw);
                } catch (error) {
                    assert.ok(error instanceof ConfigError);
                    for (const key of unset) {
                        assert.ok(!error.problems.some((p) => p.startsWith(`${CONFIG_NAMESPACE}:${key} `)), `${key} was left unset, yet: ${error.message}`);
                    }
                }
            }),
            settings(300),
        );
    });

    it("every rule's problem starts with a key it constrains, and a rule of two keys names both", () => {
        fc.assert(
            fc.property(acceptedConfigs, fc.boolean(), ({ config }, givenAll) => {
                const given = new Set<keyof StackConfig>(givenAll ? (Object.keys(config) as (keyof StackConfig)[]) : []);
                for (const rule of PLATFORM_RULES) {
                    const problem = rule.problem(config, given);
                    assert.ok(
                        rule.keys.some((key) => problem.startsWith(`${CONFIG_NAMESPACE}:${key} `)),
                        `${rule.id} starts with none of its keys: ${problem}`,
                    );
                    for (const key of rule.keys.length === 2 ? rule.keys : []) {
                        assert.ok(problem.includes(`${CONFIG_NAMESPACE}:${key}`), `${rule.id} does not name ${key}: ${problem}`);
                    }
                }
            }),
            settings(100),
        );
    });

    it("a refused config registers no resource when the program runs", async () => {
        await fc.assert(
            fc.asyncProperty(configsWithOneBadKey, async ({ raw }) => {
                const run = await runProgram(raw);
                assert.ok(run.error instanceof ConfigError, String(run.error));
                assert.deepEqual(run.resources, []);
            }),
            settings(5),
        );
    });

    it("an accepted config gives a definition asl-validator accepts, paths and ARNs checked", () => {
        fc.assert(
            fc.property(acceptedConfigs, ({ config }) => {
                const { definition } = buildWorkflow({ config, resources: localResources(config, "TransactionTable") });
                const validation = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
                assert.deepEqual(validation.errors, []);
                assert.equal(validation.isValid, true);
            }),
            settings(8),
        );
    });

    it("the model's longest run is the longest the definition allows, and the default timeout is it rounded up to the minute", () => {
        fc.assert(
            fc.property(acceptedConfigs, ({ raw, config }) => {
                const { definition } = buildWorkflow({ config, resources: localResources(config, "TransactionTable") });
                const longest = longestSuccessSeconds(definition, DEPLOYED_ATTEMPTS);
                assert.equal(longestRunSeconds(config), Math.ceil(longest));
                if (raw.executionTimeoutSeconds === undefined) {
                    assert.equal(definition.TimeoutSeconds, Math.min(Math.ceil(longest / 60) * 60, Math.max(Math.ceil(longest), MAX_TIMEOUT_SECONDS)));
                }
            }),
            settings(300),
        );
    });

    it("an accepted config gives an execution timeout between the longest run and a year, timers within AWS's limits, and every grant its states need", async () => {
        await fc.assert(
            fc.asyncProperty(acceptedConfigs, async ({ config }) => {
                const resources = localResources(config, "TransactionTable");
                const { definition, policy } = buildWorkflow({ config, resources });
                // The longest run is read off the definition itself, not taken from the model's sum.
                const longest = longestSuccessSeconds(definition, DEPLOYED_ATTEMPTS);
                assert.ok(definition.TimeoutSeconds >= longest, `${definition.TimeoutSeconds} < ${longest}, the longest successful run`);
                assert.ok(definition.TimeoutSeconds <= MAX_TIMEOUT_SECONDS);
                const tasks = tasksOf(definition.States);
                for (const [name, state] of tasks) {
                    assert.ok(
                        state.TimeoutSeconds === undefined ||
                            (state.TimeoutSeconds >= 1 && state.TimeoutSeconds <= Math.min(ASL_MAX, definition.TimeoutSeconds)),
                        name,
                    );
                    for (const retrier of state.Retry) {
                        assert.ok(Number.isInteger(retrier.IntervalSeconds) && retrier.IntervalSeconds >= 1 && retrier.IntervalSeconds <= ASL_MAX, name);
                        assert.ok(Number.isInteger(retrier.MaxAttempts) && retrier.MaxAttempts >= 0 && retrier.MaxAttempts <= ASL_MAX, name);
                        assert.ok(retrier.BackoffRate >= 1, name);
                    }
                }
                assert.deepEqual(await missingGrants(tasks, policy.Statement, resources), []);
                assert.deepEqual(await unneededGrants(tasks, policy.Statement, resources), []);
            }),
            settings(200),
        );
    });

    it("a shift and its bake are accepted exactly when they fit in the deploy job, and refused naming bakeMinutes otherwise", () => {
        // GitHub ends a job on its hosted runners after 6 hours ("Usage limits"); the deploy job keeps
        // the project's allowance for its other steps.
        const budget = 6 * 60 - DEPLOY_JOB_OTHER_STEPS_MINUTES;
        fc.assert(
            fc.property(releaseKeys, (raw) => {
                const type = raw.deploymentType ?? "ALL_AT_ONCE";
                const gradual = type !== "ALL_AT_ONCE";
                const inDomain = (key: keyof typeof raw, min: number, max: number) =>
                    raw[key] === undefined || (/^\d+$/.test(raw[key]) && Number(raw[key]) >= min && Number(raw[key]) <= max);
                fc.pre(["ALL_AT_ONCE", "CANARY", "LINEAR"].includes(type) && inDomain("bakeMinutes", 0, budget));
                fc.pre(
                    gradual
                        ? inDomain("deploymentPercentage", 1, 99) && inDomain("deploymentIntervalMinutes", 1, 2100)
                        : !raw.deploymentPercentage && !raw.deploymentIntervalMinutes,
                );
                const percentage = Number(raw.deploymentPercentage ?? 10);
                const interval = Number(raw.deploymentIntervalMinutes ?? 10);
                const shift = !gradual ? 0 : type === "CANARY" ? interval : Math.ceil(100 / percentage) * interval;
                const total = shift + Number(raw.bakeMinutes ?? 10);
                const accepted = accepts(raw);
                if (total <= budget) {
                    assert.ok(accepted, `${JSON.stringify(raw)}: ${total} minutes fit in ${budget}`);
                } else {
                    assert.equal(accepted, undefined, `${JSON.stringify(raw)}: ${total} minutes past ${budget}`);
                    const problems = thrown(() => parseConfig(raw), ConfigError).problems;
                    assert.ok(
                        problems.some((p) =>
                            p.startsWith(`${CONFIG_NAMESPACE}:bakeMinutes plus the shift must fit in the deploy job, at most ${budget} minutes`),
                        ),
                        problems.join("\n"),
                    );
                }
            }),
            settings(300),
        );
    });

    it("an accepted config's live stack may wait out its whole shift and bake", async () => {
        await fc.assert(
            fc.asyncProperty(
                releaseKeys.filter((raw) => accepts(raw) !== undefined),
                async (raw) => {
                    const config = parseConfig(raw);
                    const run = await runProgram(raw);
                    const { customTimeouts } = named(run, "aws:cloudformation/stack:Stack", "trading-workflow-live").options;
                    const minutes = (duration: string) => Number(/^(\d+)m$/.exec(duration)?.[1]);
                    assert.ok(minutes(customTimeouts.update) >= deploymentMinutes(config) + config.bakeMinutes, JSON.stringify({ raw, customTimeouts }));
                    assert.equal(customTimeouts.create, customTimeouts.update);
                },
            ),
            settings(3),
        );
    });

    it("every Pulumi project and stack name gives a dashboard name, a task family and a CloudFormation stack name AWS allows, the suffix kept whole", () => {
        fc.assert(
            fc.property(fc.stringMatching(/^[A-Za-z0-9_.-]{1,100}$/), fc.stringMatching(/^[A-Za-z0-9_.-]{1,400}$/), (project, stack) => {
                assert.match(stackScopedName(project, stack), /^[A-Za-z0-9_-]{1,255}$/);
                assert.match(stackScopedName(project, stack, "batch"), /^[A-Za-z0-9_-]{1,249}-batch$/);
                assert.match(stackScopedName(project, stack, "live", "cloudformation"), /^[A-Za-z][A-Za-z0-9-]{0,122}-live$/);
            }),
            settings(300),
        );
        assert.equal(stackScopedName("stock-trader", "dev.eu-west-1"), "stock-trader-dev-eu-west-1");
        assert.equal(stackScopedName("stock-trader", "dev.eu-west-1", "batch"), "stock-trader-dev-eu-west-1-batch");
        assert.equal(stackScopedName("stock-trader", "dev_1", "live", "cloudformation"), "stock-trader-dev-1-live");
        assert.equal(stackScopedName("9lives", "dev", "live", "cloudformation"), "s-9lives-dev-live");
    });

    it("an accepted config runs as a program under mocks, passes the policy pack (warned only of logging OFF), and registers what it says", async () => {
        await fc.assert(
            fc.asyncProperty(acceptedConfigs, async ({ raw, config }) => {
                const run = await runProgram(raw);
                assert.equal(run.error, undefined, String(run.error));
                // logLevel OFF is a choice the config allows and the advisory state-machine-logging policy warns of;
                // nothing else may be reported.
                assert.deepEqual(
                    await packViolations(fromProgram(run.resources, "test")),
                    config.logLevel === "OFF" ? ["state-machine-logging: logs nothing; set logLevel to ERROR or ALL"] : [],
                );
                const deployed = JSON.parse(named(run, "aws:sfn/stateMachine:StateMachine", "trading-workflow-state-machine").inputs.definition);
                assert.equal(deployed.TimeoutSeconds, config.executionTimeoutSeconds);
                assert.deepEqual(deployed.States["Run ECS task"].Parameters.Overrides.ContainerOverrides[0].Command, config.batchCommand);
                const task = named(run, "awsx:ecs:FargateTaskDefinition", "batch-task").inputs;
                assert.deepEqual([task.cpu, task.memory], [String(config.batchCpu), String(config.batchMemory)]);
                assert.equal(task.runtimePlatform.cpuArchitecture, config.batchArchitecture);
                assert.ok(config.batchCapacity !== "FARGATE_SPOT" || task.runtimePlatform.cpuArchitecture === "X86_64", "Fargate Spot runs X86_64 only");
                assert.equal(task.container.name, config.batchContainerName);
                // One alarm on each of the state machine's documented failure metrics, one on each
                // registered function's errors, and with the schedule watched, one on successes.
                const alarms = ofType(run, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.inputs);
                const functions = ofType(run, "aws:lambda/function:Function");
                const watched = config.scheduleEnabled && config.staleAfterHours !== undefined;
                assert.deepEqual(
                    alarms
                        .filter((a) => a.namespace === "AWS/States")
                        .map((a) => a.metricName)
                        .sort(),
                    ["ExecutionThrottled", "ExecutionsAborted", "ExecutionsFailed", "ExecutionsTimedOut", ...(watched ? ["ExecutionsSucceeded"] : [])].sort(),
                );
                assert.deepEqual(
                    alarms
                        .filter((a) => a.namespace === "AWS/Lambda" && a.metricName === "Errors")
                        .map((a) => a.dimensions.FunctionName)
                        .sort(),
                    functions.map((f) => f.state.name).sort(),
                );
                assert.deepEqual(
                    alarms.map((a) => a.metricName),
                    alarmSpecs(config).map((spec) => spec.metricName),
                );
                for (const fn of ofType(run, "aws:lambda/function:Function")) {
                    assert.equal(fn.inputs.tracingConfig?.mode === "Active", config.tracingEnabled, fn.name);
                }
                assert.equal(ofType(run, "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders").length, config.batchCapacity === "FARGATE_SPOT" ? 1 : 0);
                const [schedule] = ofType(run, "aws:scheduler/schedule:Schedule");
                assert.deepEqual(
                    [schedule.inputs.state, schedule.inputs.scheduleExpression, schedule.inputs.scheduleExpressionTimezone],
                    [config.scheduleEnabled ? "ENABLED" : "DISABLED", config.scheduleExpression, config.scheduleTimezone],
                );
            }),
            settings(4),
        );
    });

    it("an accepted config simulates: the happy path succeeds, and a failing batch ends FAILED through Error", async () => {
        await fc.assert(
            fc.asyncProperty(acceptedConfigs, async ({ config }) => {
                const happy = await runWorkflow({ config });
                assert.equal(happy.results[0].status, "SUCCEEDED", happy.results[0].cause);
                const events: ExecutionEvent[] = [];
                const failing = await runWorkflow({ config, failBatch: true, onEvent: (_i, e) => events.push(e) });
                assert.equal(failing.results[0].status, "FAILED");
                assert.equal(failing.results[0].error, "States.TaskFailed");
                assert.ok(events.some((e) => e.type === "StateEntered" && e.state?.name === "Error"));
                // Every timer the engine sets fits Node.js's timers.
                const engine = engineDefinition(buildWorkflow({ config, resources: localResources(config, "t") }).definition);
                assert.ok(engine.TimeoutSeconds * 1000 < 2 ** 31);
            }),
            settings(1),
        );
    });

    it("the cost is positive per execution, monthly = fixed + executions × per execution, and every printed figure reads back to the JSON's", () => {
        fc.assert(
            fc.property(acceptedConfigs, fc.integer({ min: 0, max: 100_000_000 }), ({ config }, executions) => {
                const { definition } = buildWorkflow({ config, resources: localResources(config, "T") });
                const estimate = { ...estimateCost(config, definition, alarmSpecs(config), prices, executions), executionsBasis: "given" };
                assert.ok(estimate.perExecutionUsd > 0);
                const expected = estimate.fixedMonthlyUsd + executions * estimate.perExecutionUsd;
                assert.ok(Math.abs(estimate.monthlyUsd - expected) <= 1e-9 * Math.max(1, expected));
                const printed = renderCost("test", estimate);
                assert.equal(printed[0], `Cost of the test stack at ${executions.toLocaleString("en-US")} executions a month (us-east-1 prices)`);
                for (const line of estimate.lines) {
                    const [quantity, unit, unitPrice, amount] = printedCostRow(printed, line.item);
                    assert.equal(Number(quantity.replaceAll(",", "")), line.quantity, `${line.item} quantity ${quantity}`);
                    assert.equal(unit, line.unit);
                    assert.equal(Number(unitPrice.replace("$", "")), line.unitPriceUsd, `${line.item} unit price ${unitPrice}`);
                    readsBack(amount, line.monthlyUsd, 4, line.item);
                }
                const figure = (label: string) =>
                    printed
                        .find((l) => l.startsWith(`  ${label} `))!
                        .slice(label.length + 2)
                        .trim();
                readsBack(figure("per execution"), estimate.perExecutionUsd, 6, "per execution");
                readsBack(figure("fixed per month"), estimate.fixedMonthlyUsd, 2, "fixed per month");
                readsBack(figure("per month"), estimate.monthlyUsd, 2, "per month");
            }),
            settings(60),
        );
    });

    it("every number the tools print exactly reads back to itself, and every amount to its rounding", () => {
        fc.assert(
            fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer({ min: 0, max: 8 }), (value, digits) => {
                const text = exactNumber(value);
                assert.match(text, /^-?\d{1,3}(,\d{3})*(\.\d+)?$/, text);
                assert.equal(Number(text.replaceAll(",", "")), value === 0 ? 0 : value, text);
                if (value >= 0) {
                    readsBack(dollars(value, digits), value, digits, String(value));
                }
            }),
            settings(1000),
        );
        assert.deepEqual([1460, 3000, 74070, 0.0000073, 1.5e-7, 1e21, 12.5, -1234.5, -0].map(exactNumber), [
            "1,460",
            "3,000",
            "74,070",
            "0.0000073",
            "0.00000015",
            "1,000,000,000,000,000,000,000",
            "12.5",
            "-1,234.5",
            "0",
        ]);
        for (const value of [Infinity, -Infinity, NaN]) {
            assert.throws(() => exactNumber(value), { name: "RangeError", message: `not a finite number: ${value}` });
        }
    });
});

/** A printed amount in dollars reads back to the JSON's value at the printed precision, or says it is below it. */
function readsBack(printed: string, value: number, digits: number, label: string): void {
    if (printed.startsWith("<$")) {
        assert.ok(value > 0 && Number(value.toFixed(digits)) === 0, `${label}: ${printed} for ${value}`);
        assert.equal(printed, `<$${(10 ** -digits).toFixed(digits)}`);
        return;
    }
    assert.match(printed, new RegExp(`^\\$[\\d,]+${digits > 0 ? `\\.\\d{${digits}}` : ""}$`), label);
    assert.equal(Number(printed.replace(/[$,]/g, "")), Number(value.toFixed(digits)), `${label}: ${printed} for ${value}`);
}
