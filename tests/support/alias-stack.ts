/**
 * A stand-in for CloudFormation and AWS::StepFunctions::StateMachineAlias's handler, written from
 * their documentation and the handler's source (aws-cloudformation-resource-providers-stepfunctions,
 * statemachinealias: CreateHandler, UpdateHandler), not from this project's model: it resolves a
 * template's parameters and intrinsic functions as CloudFormation does, and moves the alias as the
 * handler does. The tests walk the model's templates and parameters through it.
 */

type Value = unknown;

/** UpdateStack's parameters: a value, or the stack's previous one. */
export type ParameterInput = { ParameterKey: string; ParameterValue: string } | { ParameterKey: string; UsePreviousValue: true };

interface Template {
    Parameters: Record<string, { Type: string; AllowedValues?: string[] }>;
    Conditions?: Record<string, Value>;
    Resources: Record<string, { Type: string; Properties: Record<string, Value> }>;
}

/** The AWS::NoValue marker: a property that resolves to it is left out. */
const NO_VALUE = Symbol("AWS::NoValue");

/** Resolves a template value with its parameters (Ref, Fn::If, Fn::Not, Fn::Equals, AWS::NoValue), as CloudFormation does. */
function resolve(value: Value, template: Template, parameters: Record<string, string>): Value {
    if (Array.isArray(value)) {
        return value.map((item) => resolve(item, template, parameters)).filter((item) => item !== NO_VALUE);
    }
    if (value === null || typeof value !== "object") {
        return value;
    }
    const entries = Object.entries(value);
    if (entries.length === 1) {
        const [[fn, args]] = entries;
        if (fn === "Ref") {
            const name = String(args);
            if (name === "AWS::NoValue") {
                return NO_VALUE;
            }
            const declared = template.Parameters[name];
            if (declared === undefined) {
                throw new Error(`Template format error: Unresolved resource dependencies [${name}] in the Resources block of the template`);
            }
            return declared.Type === "CommaDelimitedList" ? parameters[name].split(",") : parameters[name];
        }
        if (fn === "Fn::If") {
            const [name, whenTrue, whenFalse] = args as [string, Value, Value];
            return resolve(holds(template, parameters, name) ? whenTrue : whenFalse, template, parameters);
        }
        if (fn === "Fn::Not") {
            return !resolve((args as Value[])[0], template, parameters);
        }
        if (fn === "Fn::Equals") {
            const [a, b] = (args as Value[]).map((arg) => resolve(arg, template, parameters));
            return a === b;
        }
    }
    return Object.fromEntries(entries.map(([key, item]) => [key, resolve(item, template, parameters)]).filter(([, item]) => item !== NO_VALUE));
}

/** Whether a template's named condition holds with these parameters. */
function holds(template: Template, parameters: Record<string, string>, name: string): boolean {
    return resolve(template.Conditions?.[name], template, parameters) === true;
}

/** Checks the parameters as CreateStack and UpdateStack do: each declared one given, each allowed value kept to. */
function checkParameters(template: Template, parameters: Record<string, string>): void {
    for (const [name, declared] of Object.entries(template.Parameters)) {
        if (parameters[name] === undefined) {
            throw new Error(`ValidationError: Parameters: [${name}] must have values`);
        }
        if (declared.AllowedValues && !declared.AllowedValues.includes(parameters[name])) {
            throw new Error(`ValidationError: Parameter '${name}' must be one of AllowedValues`);
        }
    }
}

interface DeploymentPreference {
    Type: "ALL_AT_ONCE" | "CANARY" | "LINEAR";
    StateMachineVersionArn: string;
    Percentage?: number;
    Interval?: number;
    Alarms?: string[];
}

/** The one alias a live stack holds, its properties resolved as CloudFormation resolves them, checked against the resource's schema. */
export function aliasProperties(
    template: Record<string, unknown>,
    parameters: Record<string, string>,
): { Name: string; DeploymentPreference: DeploymentPreference } {
    return resolvedAlias(template as unknown as Template, parameters);
}

function resolvedAlias(template: Template, parameters: Record<string, string>): { Name: string; DeploymentPreference: DeploymentPreference } {
    checkParameters(template, parameters);
    const aliases = Object.values(template.Resources).filter((r) => r.Type === "AWS::StepFunctions::StateMachineAlias");
    if (aliases.length !== 1) {
        throw new Error(`a live stack holds one alias, this template ${aliases.length}`);
    }
    const properties = resolve(aliases[0].Properties, template, parameters) as Record<string, Value>;
    // The resource's schema: oneOf RoutingConfiguration and DeploymentPreference.
    if ("RoutingConfiguration" in properties === "DeploymentPreference" in properties) {
        throw new Error("#: required key [RoutingConfiguration] or [DeploymentPreference] not found, or both given");
    }
    const preference = properties.DeploymentPreference as DeploymentPreference;
    const gradual = preference.Type !== "ALL_AT_ONCE";
    if (gradual && (preference.Percentage === undefined || preference.Interval === undefined)) {
        throw new Error(`${preference.Type} requires Percentage and Interval`);
    }
    return properties as { Name: string; DeploymentPreference: DeploymentPreference };
}

/** How an update ended: the stack's status after it. */
export type UpdateOutcome = "UPDATE_COMPLETE" | "UPDATE_ROLLBACK_COMPLETE";

/**
 * One live stack and its alias. The stack remembers the template and parameters of its last
 * successful operation, which the handler reads as the previous resource state; the alias
 * remembers where it routes.
 */
export class LiveStack {
    private template: Template;
    private parameters: Record<string, string>;
    /** Where the alias routes: version ARN to weight. */
    routes: Record<string, number>;
    /** How many minutes the last update's shift took: none at once, one interval a step otherwise. */
    shiftMinutes = 0;

    /** CreateStack: the alias is created at 100% on the preference's version, with no shift (CreateHandler). */
    constructor(template: Record<string, unknown>, parameters: Record<string, string>) {
        this.template = template as unknown as Template;
        checkParameters(this.template, parameters);
        this.parameters = { ...parameters };
        this.routes = { [resolvedAlias(this.template, parameters).DeploymentPreference.StateMachineVersionArn]: 100 };
    }

    /** The version the stack's last successful operation set: what the next shift starts from. */
    lastSetVersion(): string {
        return resolvedAlias(this.template, this.parameters).DeploymentPreference.StateMachineVersionArn;
    }

    /**
     * UpdateStack, a new template or the previous one (UsePreviousTemplate), each parameter given
     * or previous (UsePreviousValue). The handler takes the shift's origin from the previous
     * template's preference (getRoutingConfigFromResourceState), moves ALL_AT_ONCE without
     * checking an alarm, and for a gradual type checks the alarms before each step: `alarmFires`
     * says whether one is in ALARM during the shift. An alarm aborts the shift (the alias back at
     * 100% on the origin) and CloudFormation rolls the stack back to its previous template and
     * parameters, the handler moving the alias at once.
     */
    update(template: Record<string, unknown> | "previous", parameters: ParameterInput[], alarmFires = false): UpdateOutcome {
        const next = template === "previous" ? this.template : (template as unknown as Template);
        const values = Object.fromEntries(
            parameters.map((p) => [p.ParameterKey, "UsePreviousValue" in p ? this.parameters[p.ParameterKey] : p.ParameterValue]),
        ) as Record<string, string>;
        checkParameters(next, values);
        const origin = this.lastSetVersion();
        if (Object.keys(this.routes).length !== 1 || this.routes[origin] !== 100) {
            throw new Error(
                `Failed to start deployment, invalid initial state detected: the previous template says ${origin}, the alias routes ${JSON.stringify(this.routes)}`,
            );
        }
        const preference = resolvedAlias(next, values).DeploymentPreference;
        if (preference.StateMachineVersionArn !== origin && preference.Type !== "ALL_AT_ONCE" && alarmFires) {
            this.routes = { [origin]: 100 };
            return "UPDATE_ROLLBACK_COMPLETE";
        }
        const moves = preference.StateMachineVersionArn !== origin;
        this.shiftMinutes =
            !moves || preference.Type === "ALL_AT_ONCE"
                ? 0
                : preference.Type === "CANARY"
                  ? preference.Interval!
                  : Math.ceil(100 / preference.Percentage!) * preference.Interval!;
        this.routes = { [preference.StateMachineVersionArn]: 100 };
        this.template = next;
        this.parameters = values;
        return "UPDATE_COMPLETE";
    }

    /** UpdateStateMachineAlias called directly, outside the stack: what a rollback must not do. */
    moveAliasOutsideTheStack(versionArn: string): void {
        this.routes = { [versionArn]: 100 };
    }
}

/** UpdateStack's parameter list for a set of values, as the AWS provider sends them: every parameter given. */
export const given = (values: Record<string, string>): ParameterInput[] =>
    Object.entries(values).map(([ParameterKey, ParameterValue]) => ({ ParameterKey, ParameterValue }));
