/**
 * The deployment model: how long each deployment type shifts, the alias's timeout, its
 * DeploymentPreference and the line `pulumi up` prints, with expected values worked out from
 * CloudFormation's DeploymentPreference documentation by hand.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import {
    aliasUpdateTimeoutMinutes,
    DEPLOYMENT_TYPES,
    deploymentMinutes,
    deploymentPreference,
    deploymentSummary,
    isGradual,
    linearSteps,
    watchedDuring,
} from "../model/deployment";
import { PROJECT_ROOT } from "../model/project";

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

    it("lets the alias's update wait the shift and half an hour more", () => {
        assert.equal(aliasUpdateTimeoutMinutes({ deploymentType: "ALL_AT_ONCE" }), 30);
        assert.equal(aliasUpdateTimeoutMinutes({ deploymentType: "CANARY", deploymentPercentage: 10, deploymentIntervalMinutes: 15 }), 45);
    });

    it("gives the alias a preference with a percentage and an interval only when the shift is gradual", () => {
        assert.deepEqual(deploymentPreference({ deploymentType: "ALL_AT_ONCE" }, VERSION, ALARMS), {
            type: "ALL_AT_ONCE",
            stateMachineVersionArn: VERSION,
            alarms: ALARMS,
        });
        assert.deepEqual(deploymentPreference({ deploymentType: "LINEAR", deploymentPercentage: 25, deploymentIntervalMinutes: 5 }, VERSION, ALARMS), {
            type: "LINEAR",
            stateMachineVersionArn: VERSION,
            alarms: ALARMS,
            percentage: 25,
            interval: 5,
        });
        const names = ["a"];
        const preference = deploymentPreference({ deploymentType: "ALL_AT_ONCE" }, VERSION, names);
        names.push("b");
        assert.deepEqual(preference.alarms, ["a"], "the preference holds its own copy of the names");
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
