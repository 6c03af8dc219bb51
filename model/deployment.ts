/**
 * How a definition change reaches the executions: every change publishes a state machine version,
 * the `live` alias routes every start, and CloudFormation's alias handler (through Cloud Control)
 * shifts the alias to a new version as the stack's deployment type says; during a gradual shift it
 * watches the execution alarms and routes back to the old version when one fires. Pure: no Pulumi import.
 */
import type { DeploymentType, StackConfig } from "./stack-config";

/** The alias every starter of executions goes through. */
export const LIVE_ALIAS = "live";

export const DEPLOYMENT_TYPES: readonly DeploymentType[] = ["ALL_AT_ONCE", "CANARY", "LINEAR"];

/** The page AWS documents DeploymentPreference's limits on. */
export const DEPLOYMENT_PREFERENCE_PAGE =
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-stepfunctions-statemachinealias-deploymentpreference.html";

/** DeploymentPreference's limits: Percentage 1 to 99, Interval 1 to 2100 minutes, and a gradual shift finishes within 2100 minutes. */
export const MIN_DEPLOYMENT_PERCENTAGE = 1;
export const MAX_DEPLOYMENT_PERCENTAGE = 99;
export const MAX_DEPLOYMENT_MINUTES = 2100;

/** The defaults of a gradual shift where the stack sets none: a tenth of the starts for ten minutes a step. */
export const DEFAULT_DEPLOYMENT_PERCENTAGE = 10;
export const DEFAULT_DEPLOYMENT_INTERVAL_MINUTES = 10;

/** Step Functions keeps at most 1,000 versions of a state machine (developer guide, "State machine versions"). */
export const MAX_STATE_MACHINE_VERSIONS = 1000;
export const STATE_MACHINE_VERSIONS_PAGE = "https://docs.aws.amazon.com/step-functions/latest/dg/concepts-state-machine-version.html";

/** A job on GitHub's hosted runners runs for at most 6 hours (GitHub Actions, "Usage limits"). */
export const GITHUB_JOB_LIMIT_MINUTES = 360;
export const GITHUB_JOB_LIMIT_PAGE = "https://docs.github.com/en/actions/reference/limits";

/** An IAM role session lasts at most 12 hours, the most a role's MaxSessionDuration allows (IAM API reference, "UpdateRole"). */
export const MAX_ROLE_SESSION_SECONDS = 43200;

/** The tag on the state machine that tells the version pruner how many versions to keep. */
export const VERSIONS_TO_KEEP_TAG = "stock-trader:versions-to-keep";

export type DeploymentSettings = Pick<StackConfig, "deploymentType" | "deploymentPercentage" | "deploymentIntervalMinutes">;

/** Whether the deployment type shifts traffic in steps (and so needs a percentage and an interval). */
export const isGradual = (type: DeploymentType): boolean => type !== "ALL_AT_ONCE";

/** How many steps a LINEAR shift of `percentage` a step takes to reach 100%. */
export const linearSteps = (percentage: number): number => Math.ceil(100 / percentage);

/**
 * How long a shift runs, in minutes, once it starts: none for ALL_AT_ONCE, one interval for a
 * CANARY (its percentage, then the rest), and one interval a step for LINEAR.
 */
export function deploymentMinutes(settings: DeploymentSettings): number {
    if (!isGradual(settings.deploymentType)) {
        return 0;
    }
    const interval = settings.deploymentIntervalMinutes!;
    return settings.deploymentType === "CANARY" ? interval : linearSteps(settings.deploymentPercentage!) * interval;
}

/**
 * How long `pulumi up` may wait on the alias: the shift itself, plus the handler's own pace (it
 * checks the alarms and moves traffic once a minute) and a margin for Cloud Control to report back.
 */
export function aliasUpdateTimeoutMinutes(settings: DeploymentSettings): number {
    return deploymentMinutes(settings) + 30;
}

/** The alias's DeploymentPreference, as AWS::StepFunctions::StateMachineAlias takes it. */
export interface DeploymentPreference {
    type: DeploymentType;
    stateMachineVersionArn: string;
    alarms: string[];
    percentage?: number;
    interval?: number;
}

/** The deployment preference that moves `live` to `versionArn`, watched by `alarmNames`. */
export function deploymentPreference(settings: DeploymentSettings, versionArn: string, alarmNames: readonly string[]): DeploymentPreference {
    return {
        type: settings.deploymentType,
        stateMachineVersionArn: versionArn,
        alarms: [...alarmNames],
        ...(isGradual(settings.deploymentType) ? { percentage: settings.deploymentPercentage, interval: settings.deploymentIntervalMinutes } : {}),
    };
}

/**
 * What the alias handler watches while it moves `live`, and when (its `UpdateHandler`): nothing
 * for ALL_AT_ONCE; for a gradual shift, the rollback alarms about once a minute from before the
 * first step until `live` routes every execution to the new version, and nothing after that.
 */
export function watchedDuring(type: DeploymentType): string {
    return isGradual(type)
        ? "the three alarms, about once a minute, from before the first step until `live` routes all of them to it"
        : "nothing: the handler checks no alarm";
}

/** One line for `pulumi up`'s log: what a definition change does to `live`. */
export function deploymentSummary(settings: DeploymentSettings): string {
    switch (settings.deploymentType) {
        case "ALL_AT_ONCE":
            return `A definition change moves ${LIVE_ALIAS} to the new version at once, watching no alarm.`;
        case "CANARY":
            return (
                `A definition change sends ${settings.deploymentPercentage}% of new executions through ${LIVE_ALIAS} to the new version for ` +
                `${settings.deploymentIntervalMinutes} minutes, then all of them, unless an execution alarm fires first.`
            );
        case "LINEAR":
            return (
                `A definition change moves ${settings.deploymentPercentage}% more of new executions through ${LIVE_ALIAS} to the new version every ` +
                `${settings.deploymentIntervalMinutes} minutes (${deploymentMinutes(settings)} minutes in all), unless an execution alarm fires first.`
            );
    }
}
