/**
 * The deployment model: how long each deployment type shifts, the alias's timeout, its
 * DeploymentPreference and the line `pulumi up` prints, with expected values worked out from
 * CloudFormation's DeploymentPreference documentation by hand.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    deploymentMinutes,
    deploymentSummary,
    isGradual,
    LIVE_PARAMETERS,
    linearSteps,
    liveParameters,
    liveStackTimeoutMinutes,
    liveTemplate,
    rollbackParameters,
    watchedDuring,
    type DeploymentSettings,
    LIVE_ALIAS_OUTPUT,
} from "../model/deployment";
import { DEPLOYMENT_TYPES } from "../model/limits";
import { PROJECT_ROOT } from "../model/project";
import { aliasProperties, given, LiveStack } from "./support/alias-stack";

const VERSION = "arn:aws:states:us-east-1:123456789012:stateMachine:sm:4";
const ALARMS = ["failed", "timed-out", "aborted"];

describe("deployment model", () => {
    it("shifts nothing over time at once, one interval for a canary, and a step an interval for linear", () => {
        assert.equal(deploymentMinutes({ deploymentType: "ALL_AT_ONCE" }), 0);
        assert.equal(deploymentMinutes({ deploymentType: "CANARY", deploymentPercentage: 50, deploymentIntervalMinutes: 120 }), 120);
        // 100 / 20 = 5 steps; 100 / 30 rounds up to 4 steps; 1% a step is 100 steps.
        assert.equal(deploymentMinutes({ deploymentType: "LINEAR", deploymentPercentage: 20, deploymentIntervalMinutes: 30 }), 150);
        assert.equal(deploymentMinutes({ deploymentType: "LINEAR", deploymentPercentage: 30, deploymentIntervalMinutes: 10 }), 40);
        assert.equal(deploymentMinutes({ deploymentType: "LINEAR", deploymentPercentage: 1, deploymentIntervalMinutes: 21 }), 2100);
        assert.deepEqual([linearSteps(99), linearSteps(50), linearSteps(33)], [2, 2, 4]);
        assert.deepEqual([isGradual("ALL_AT_ONCE"), isGradual("CANARY"), isGradual("LINEAR")], [false, true, true]);
    });

    it("lets the live stack's update wait the shift, the bake and half an hour more", () => {
        assert.equal(liveStackTimeoutMinutes({ deploymentType: "ALL_AT_ONCE", bakeMinutes: 0 }), 30);
        assert.equal(liveStackTimeoutMinutes({ deploymentType: "CANARY", deploymentPercentage: 10, deploymentIntervalMinutes: 15, bakeMinutes: 10 }), 55);
    });

    it("holds exactly one alias, live, with a DeploymentPreference and no RoutingConfiguration, its step only while the type is gradual", () => {
        const canary = liveTemplate({ deploymentType: "CANARY", deploymentPercentage: 50, deploymentIntervalMinutes: 120 }) as any;
        const resources = Object.values<{ Type: string; Properties: Record<string, unknown> }>(canary.Resources);
        assert.deepEqual(
            resources.map((r) => r.Type),
            ["AWS::StepFunctions::StateMachineAlias"],
        );
        assert.equal(resources[0].Properties.Name, "live");
        assert.equal(resources[0].Properties.RoutingConfiguration, undefined);
        assert.deepEqual(resources[0].Properties.DeploymentPreference, {
            Type: { Ref: "DeploymentType" },
            StateMachineVersionArn: { Ref: "StateMachineVersionArn" },
            Percentage: { "Fn::If": ["Gradual", 50, { Ref: "AWS::NoValue" }] },
            Interval: { "Fn::If": ["Gradual", 120, { Ref: "AWS::NoValue" }] },
            Alarms: { "Fn::If": ["Gradual", { Ref: "Alarms" }, { Ref: "AWS::NoValue" }] },
        });
        const atOnce = liveTemplate({ deploymentType: "ALL_AT_ONCE" }) as any;
        assert.deepEqual(Object.keys(atOnce.Parameters), ["StateMachineVersionArn", "DeploymentType"]);
        assert.deepEqual(Object.keys(atOnce.Resources.Live.Properties.DeploymentPreference), ["Type", "StateMachineVersionArn"]);
        assert.deepEqual(liveParameters({ deploymentType: "LINEAR", deploymentPercentage: 25, deploymentIntervalMinutes: 5 }, VERSION, ALARMS), {
            StateMachineVersionArn: VERSION,
            DeploymentType: "LINEAR",
            Alarms: "failed,timed-out,aborted",
        });
        assert.deepEqual(liveParameters({ deploymentType: "ALL_AT_ONCE" }, VERSION, ALARMS), {
            StateMachineVersionArn: VERSION,
            DeploymentType: "ALL_AT_ONCE",
        });
    });

    it("rolls back with the stack's previous template: the version given, the type ALL_AT_ONCE, every other parameter as it was", () => {
        assert.deepEqual(rollbackParameters([LIVE_PARAMETERS.version, LIVE_PARAMETERS.type, LIVE_PARAMETERS.alarms], VERSION), [
            { ParameterKey: "StateMachineVersionArn", ParameterValue: VERSION },
            { ParameterKey: "DeploymentType", ParameterValue: "ALL_AT_ONCE" },
            { ParameterKey: "Alarms", UsePreviousValue: true },
        ]);
    });

    describe("walked through CloudFormation and the alias handler: the version the stack last set is the one live routes to", () => {
        const version = (n: number) => VERSION.replace(/:\d+$/, `:${n}`);
        const settings: Record<string, DeploymentSettings> = {
            ALL_AT_ONCE: { deploymentType: "ALL_AT_ONCE" },
            CANARY: { deploymentType: "CANARY", deploymentPercentage: 50, deploymentIntervalMinutes: 120 },
            LINEAR: { deploymentType: "LINEAR", deploymentPercentage: 25, deploymentIntervalMinutes: 10 },
        };
        const deploy = (stack: LiveStack, preference: DeploymentSettings, n: number, alarmFires = false) =>
            stack.update(liveTemplate(preference), given(liveParameters(preference, version(n), ALARMS)), alarmFires);
        const bakeRollback = (stack: LiveStack, preference: DeploymentSettings, n: number) =>
            stack.update("previous", rollbackParameters(Object.keys(liveParameters(preference, version(n), ALARMS)), version(n)));
        const agrees = (stack: LiveStack, n: number) => {
            assert.deepEqual(stack.routes, { [version(n)]: 100 });
            assert.equal(stack.lastSetVersion(), version(n));
        };

        for (const [type, preference] of Object.entries(settings)) {
            it(`${type}: deploy, then a bake failure rolled back through the stack, then the next deploy`, () => {
                const stack = new LiveStack(liveTemplate(preference), liveParameters(preference, version(1), ALARMS));
                agrees(stack, 1);
                assert.equal(deploy(stack, preference, 2), "UPDATE_COMPLETE");
                agrees(stack, 2);
                assert.equal(bakeRollback(stack, preference, 1), "UPDATE_COMPLETE");
                assert.equal(stack.shiftMinutes, 0, "a rollback moves live at once");
                agrees(stack, 1);
                assert.equal(deploy(stack, preference, 3), "UPDATE_COMPLETE");
                assert.equal(stack.shiftMinutes, deploymentMinutes(preference), "the next deploy shifts as the stack says");
                agrees(stack, 3);
            });
        }

        for (const type of ["CANARY", "LINEAR"]) {
            it(`${type}: deploy, then an alarm that aborts the next shift, then the next deploy`, () => {
                const preference = settings[type];
                const stack = new LiveStack(liveTemplate(preference), liveParameters(preference, version(1), ALARMS));
                assert.equal(deploy(stack, preference, 2), "UPDATE_COMPLETE");
                agrees(stack, 2);
                assert.equal(deploy(stack, preference, 3, true), "UPDATE_ROLLBACK_COMPLETE");
                agrees(stack, 2);
                assert.equal(deploy(stack, preference, 4), "UPDATE_COMPLETE");
                agrees(stack, 4);
            });
        }

        it("a rollback outside the stack leaves the stack's version and live's apart, and the next shift refuses to start", () => {
            const preference = settings.CANARY;
            const stack = new LiveStack(liveTemplate(preference), liveParameters(preference, version(1), ALARMS));
            deploy(stack, preference, 2);
            stack.moveAliasOutsideTheStack(version(1));
            assert.notEqual(stack.lastSetVersion(), Object.keys(stack.routes)[0]);
            assert.throws(() => deploy(stack, preference, 3), /invalid initial state/);
        });

        it("a change of the deployment type alone moves nothing, whatever the stack's type was", () => {
            const stack = new LiveStack(liveTemplate(settings.ALL_AT_ONCE), liveParameters(settings.ALL_AT_ONCE, version(5), ALARMS));
            assert.equal(deploy(stack, settings.LINEAR, 5, true), "UPDATE_COMPLETE");
            agrees(stack, 5);
            assert.equal(deploy(stack, settings.ALL_AT_ONCE, 5), "UPDATE_COMPLETE");
            agrees(stack, 5);
        });
    });

    it("says in one line what a definition change does to live", () => {
        assert.equal(deploymentSummary({ deploymentType: "ALL_AT_ONCE" }), "A definition change moves live to the new version at once, watching no alarm.");
        assert.equal(
            deploymentSummary({ deploymentType: "CANARY", deploymentPercentage: 50, deploymentIntervalMinutes: 120 }),
            "A definition change sends 50% of new executions through live to the new version for 120 minutes, then all of them, unless an execution alarm fires first.",
        );
        assert.equal(
            deploymentSummary({ deploymentType: "LINEAR", deploymentPercentage: 20, deploymentIntervalMinutes: 30 }),
            "A definition change moves 20% more of new executions through live to the new version every 30 minutes (150 minutes in all), unless an execution alarm fires first.",
        );
    });

    it("says what the alias handler watches for each type, and the README's table says the same", () => {
        assert.equal(watchedDuring("ALL_AT_ONCE"), "nothing: the handler checks no alarm");
        assert.match(watchedDuring("CANARY"), /until `live` routes all of them to it$/);
        assert.equal(watchedDuring("LINEAR"), watchedDuring("CANARY"));
        const readme = fs.readFileSync(path.join(PROJECT_ROOT, "README.md"), "utf8");
        for (const type of DEPLOYMENT_TYPES) {
            const row = readme.split("\n").find((line) => line.startsWith(`| \`${type}\` | `) && line.split(" | ").length === 4);
            assert.ok(row?.split(" | ")[2].startsWith(watchedDuring(type)), `the README's row for ${type}: ${row}`);
        }
    });
});

describe("the live stack's template, as CloudFormation reads it", () => {
    /** The parts of the template CloudFormation checks here. */
    interface LiveTemplate {
        AWSTemplateFormatVersion: string;
        Description: string;
        Parameters: Record<string, { Type: string; Description: string }>;
        Resources: Record<string, { Type: string; Properties: { Description: string } }>;
        Outputs: Record<string, { Value: unknown }>;
    }
    const settings: DeploymentSettings[] = [
        { deploymentType: "ALL_AT_ONCE" },
        { deploymentType: "CANARY", deploymentPercentage: 50, deploymentIntervalMinutes: 120 },
        { deploymentType: "LINEAR", deploymentPercentage: 25, deploymentIntervalMinutes: 10 },
    ];

    it("declares the only format version there is, a type and a description for every parameter, and descriptions within CloudFormation's limits", () => {
        for (const preference of settings) {
            const template = liveTemplate(preference) as unknown as LiveTemplate;
            const type = preference.deploymentType;
            assert.equal(template.AWSTemplateFormatVersion, "2010-09-09", type);
            // A template's description holds up to 1,024 bytes, a parameter's 4,000 characters, the alias's 256.
            assert.ok(template.Description.length > 0 && Buffer.byteLength(template.Description) <= 1024, type);
            for (const [name, parameter] of Object.entries(template.Parameters)) {
                assert.ok(["String", "CommaDelimitedList"].includes(parameter.Type), `${type}: ${name} is of type ${parameter.Type}`);
                assert.ok(parameter.Description.length > 0 && parameter.Description.length <= 4000, `${type}: ${name}`);
            }
            const alias = template.Resources.Live;
            assert.equal(alias.Type, "AWS::StepFunctions::StateMachineAlias");
            assert.ok(alias.Properties.Description.length > 0 && alias.Properties.Description.length <= 256, type);
        }
    });

    it("gives the alias's ARN as the output the program reads: Ref of a StateMachineAlias is its ARN", () => {
        for (const preference of settings) {
            const template = liveTemplate(preference) as unknown as LiveTemplate;
            assert.deepEqual(template.Outputs, { [LIVE_ALIAS_OUTPUT]: { Value: { Ref: "Live" } } }, preference.deploymentType);
        }
    });

    it("sends the step, the interval and the alarms, as a list, only while the type given is gradual: a rollback through a canary's template moves live at once", () => {
        const canary: DeploymentSettings = { deploymentType: "CANARY", deploymentPercentage: 50, deploymentIntervalMinutes: 120 };
        const template = liveTemplate(canary);
        const parameters = liveParameters(canary, VERSION, ALARMS);
        assert.deepEqual(aliasProperties(template, parameters).DeploymentPreference, {
            Type: "CANARY",
            StateMachineVersionArn: VERSION,
            Percentage: 50,
            Interval: 120,
            Alarms: ALARMS,
        });
        assert.deepEqual(aliasProperties(template, { ...parameters, DeploymentType: "ALL_AT_ONCE" }).DeploymentPreference, {
            Type: "ALL_AT_ONCE",
            StateMachineVersionArn: VERSION,
        });
    });
});
