/**
 * How a definition change reaches the executions: every change publishes a state machine version,
 * the `live` alias routes every start, and CloudFormation's alias handler (through Cloud Control)
 * shifts the alias to a new version as the stack's deployment type says; during a gradual shift it
 * watches the execution alarms and routes back to the old version when one fires. Pure: no Pulumi import.
 */
import type { StackConfig } from "./keys";
import { DEPLOYMENT_TYPES, type DeploymentType } from "./limits";

/** The alias every starter of executions goes through. */
export const LIVE_ALIAS = "live";

/** The page AWS documents DeploymentPreference's limits on. */
export const DEPLOYMENT_PREFERENCE_PAGE =
    "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-properties-stepfunctions-statemachinealias-deploymentpreference.html";

export const STATE_MACHINE_VERSIONS_PAGE = "https://docs.aws.amazon.com/step-functions/latest/dg/concepts-state-machine-version.html";

export const GITHUB_JOB_LIMIT_PAGE = "https://docs.github.com/en/actions/reference/limits";

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

export type ReleaseSettings = DeploymentSettings & Pick<StackConfig, "bakeMinutes">;

/**
 * How long `pulumi up` may wait on the stack that moves `live`: the shift itself and the bake, plus
 * the handler's own pace (it checks the alarms and moves traffic once a minute) and a margin for
 * CloudFormation to report back. The AWS provider's own default is 30 minutes, shorter than most shifts.
 */
export function liveStackTimeoutMinutes(settings: ReleaseSettings): number {
    return deploymentMinutes(settings) + settings.bakeMinutes + 30;
}

/** The `live` stack's template parameters: what the program and a rollback set. */
export const LIVE_PARAMETERS = { version: "StateMachineVersionArn", type: "DeploymentType", alarms: "Alarms" } as const;

/** The `live` stack's output that holds the alias's ARN. */
export const LIVE_ALIAS_OUTPUT = "AliasArn";

/** The tag on the `live` stack that tells the bake how many minutes to watch. */
export const BAKE_MINUTES_TAG = "stock-trader:bake-minutes";

/**
 * The CloudFormation template of the stack that holds `live`, as SAM's AutoPublishAlias deploys
 * it: one AWS::StepFunctions::StateMachineAlias whose DeploymentPreference (never a
 * RoutingConfiguration: the resource takes exactly one of the two) names the version, the type
 * and, for a gradual type, the step and the alarms. The version, the type and the alarms are
 * parameters, so that a rollback moves `live` through the stack at once (DeploymentType
 * ALL_AT_ONCE) without touching the template; the percentage and the interval, and the alarms,
 * apply only while the type is gradual. CloudFormation's handler takes the next shift's origin
 * from the stack's previous template, which is why `live` moves only through this stack.
 */
export function liveTemplate(settings: DeploymentSettings): Record<string, unknown> {
    const gradual = isGradual(settings.deploymentType);
    const onlyGradual = (value: unknown) => ({ "Fn::If": ["Gradual", value, { Ref: "AWS::NoValue" }] });
    return {
        AWSTemplateFormatVersion: "2010-09-09",
        Description: `The ${LIVE_ALIAS} alias, which every execution of the stock-trader workflow starts through. Move it only through this stack.`,
        Parameters: {
            [LIVE_PARAMETERS.version]: { Type: "String", Description: `The state machine version ${LIVE_ALIAS} moves to` },
            [LIVE_PARAMETERS.type]: { Type: "String", AllowedValues: [...DEPLOYMENT_TYPES], Description: "How it moves: a rollback moves it ALL_AT_ONCE" },
            ...(gradual ? { [LIVE_PARAMETERS.alarms]: { Type: "CommaDelimitedList", Description: "The alarms whose firing rolls a gradual shift back" } } : {}),
        },
        Conditions: { Gradual: { "Fn::Not": [{ "Fn::Equals": [{ Ref: LIVE_PARAMETERS.type }, "ALL_AT_ONCE"] }] } },
        Resources: {
            Live: {
                Type: "AWS::StepFunctions::StateMachineAlias",
                Properties: {
                    Name: LIVE_ALIAS,
                    Description: "The version in service: every execution starts here",
                    DeploymentPreference: {
                        Type: { Ref: LIVE_PARAMETERS.type },
                        StateMachineVersionArn: { Ref: LIVE_PARAMETERS.version },
                        ...(gradual
                            ? {
                                  Percentage: onlyGradual(settings.deploymentPercentage),
                                  Interval: onlyGradual(settings.deploymentIntervalMinutes),
                                  Alarms: onlyGradual({ Ref: LIVE_PARAMETERS.alarms }),
                              }
                            : {}),
                    },
                },
            },
        },
        Outputs: { [LIVE_ALIAS_OUTPUT]: { Value: { Ref: "Live" } } },
    };
}

/** The parameters with which the program moves `live` to `versionArn`, as the stack's deployment type says. */
export function liveParameters(settings: DeploymentSettings, versionArn: string, alarmNames: readonly string[]): Record<string, string> {
    return {
        [LIVE_PARAMETERS.version]: versionArn,
        [LIVE_PARAMETERS.type]: settings.deploymentType,
        ...(isGradual(settings.deploymentType) ? { [LIVE_PARAMETERS.alarms]: alarmNames.join(",") } : {}),
    };
}

/** One of UpdateStack's parameters: a new value, or the stack's previous one. */
export type StackParameter = { ParameterKey: string; ParameterValue: string } | { ParameterKey: string; UsePreviousValue: true };

/**
 * The UpdateStack parameters that move `live` back to `versionArn` at once, with the stack's
 * previous template: every parameter the stack has, the version and the type given, the rest
 * (the alarms) as they were. A rollback through the stack keeps the stack's last version and
 * `live`'s the same, which the next shift starts from.
 */
export function rollbackParameters(stackParameterKeys: readonly string[], versionArn: string): StackParameter[] {
    return stackParameterKeys.map((key) =>
        key === LIVE_PARAMETERS.version
            ? { ParameterKey: key, ParameterValue: versionArn }
            : key === LIVE_PARAMETERS.type
              ? { ParameterKey: key, ParameterValue: "ALL_AT_ONCE" }
              : { ParameterKey: key, UsePreviousValue: true },
    );
}

/**
 * What the alias handler watches while it moves `live`, and when (its `UpdateHandler`): nothing
 * for ALL_AT_ONCE; for a gradual shift, the rollback alarms about once a minute from before the
 * first step until `live` routes every execution to the new version, and nothing after that.
 */
export function watchedDuring(type: DeploymentType): string {
    return isGradual(type)
        ? "the rollback alarms, about once a minute, from before the first step until `live` routes all of them to it"
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
