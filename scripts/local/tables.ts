/**
 * The tables the docs show of the model, as Markdown, for `npm run show` and so for `npm run
 * docs`: every key with its default, what it accepts and what it does, from the keys'
 * definitions; every state of the workflow, and every statement of its policy with why; every
 * alarm; whoever may publish to the alarm topic, with what they send; and the schedule's next
 * start times and window.
 */
import { CONFIG_KEYS, KEYS, MAX_STALE_AFTER_HOURS, parseConfig, type ConfigDomain, type KeyFigures, type StackConfig } from "../../model/config";
import { hours } from "../../model/keys";
import { nextRuns, scheduleCadence } from "../../model/schedule";
import { UTC, wallClockText } from "../../model/time-zones";
import { DERIVED, type DocsText } from "../../model/keys";
import { parseArn } from "../../model/arn";
import { ALARM_NOTIFICATIONS, alarmTopicPolicy, type AlarmSpec, type ComparisonOperator, type MonitoredResources } from "../../model/monitoring";
import type { PolicyDocument, PolicyStatement } from "../../model/policies";
import { retryWaits, STATE_NOTES, type Retrier, type StateMachineDefinition, type StateName, type Workflow } from "../../model/workflow";
import { localWorkflow } from "../../local/stand-ins";

/** A Markdown table, with `|` in a cell escaped. */
export const markdownTable = (head: readonly string[], rows: readonly (readonly string[])[]): string =>
    [head, head.map(() => "---"), ...rows].map((cells) => `| ${cells.map((c) => c.replaceAll("|", "\\|")).join(" | ")} |`).join("\n");

const code = (value: string | number) => `\`${value}\``;

/** A value as the table writes it: a string or a number in code, anything else as its JSON. */
const valueText = (value: unknown): string => (typeof value === "string" || typeof value === "number" ? code(value) : code(JSON.stringify(value)));

/** A domain in words, where words follow from it alone; the other kinds' keys say what they accept themselves. */
function domainText(domain: ConfigDomain): string {
    switch (domain.kind) {
        case "integer":
            return `integer ${domain.min}–${domain.max}`;
        case "oneOf":
            return domain.values.map((v) => (typeof v === "number" ? String(v) : code(v))).join(", ");
        case "boolean":
            return "`true`, `false`";
        case "pattern":
        case "list":
        case "map":
        case "batchCommand":
        case "scheduleExpression":
            return "";
    }
}

/** The README's Configuration table: a row for every key, from its definition. */
export function keysTable(keys: typeof KEYS = KEYS): string {
    const defaults = parseConfig({});
    const figures = (domain: string): KeyFigures => ({
        domain,
        valueWith: (key, raw = {}) => (parseConfig(raw) as Record<string, unknown>)[key],
        retryWaitSeconds: (name) => {
            const state = localWorkflow(defaults, "TransactionTable").definition.States[name];
            return (state?.Type === "Task" ? state.Retry : []).reduce((sum, r) => sum + retryWaits(r), 0);
        },
    });
    const rows = CONFIG_KEYS.map((key) => {
        const definition = keys[key];
        const f = figures(domainText(definition.domain));
        const text = (cell: DocsText | undefined, fallback: () => string) => (cell === undefined ? fallback() : typeof cell === "string" ? cell : cell(f));
        const value = definition.default;
        return [
            code(key),
            text(definition.docs.default, () => {
                if (value === DERIVED) {
                    throw new Error(`the definition of ${key} derives its default from other keys, and says nothing of how`);
                }
                return value === undefined ? "unset" : valueText(value);
            }),
            text(definition.docs.allowed, () => {
                if (f.domain === "") {
                    throw new Error(`the definition of ${key} says nothing of what it accepts, and its domain (${definition.domain.kind}) cannot`);
                }
                return f.domain;
            }),
            text(definition.docs.does, () => ""),
        ];
    });
    return markdownTable(["key", "default", "allowed", "what it does"], rows);
}

/** An ARN as the tables write it: its resource part, the account and region being the stand-ins'; anything else as it is. */
const resourceText = (value: string): string => code(value.startsWith("arn:") ? parseArn(value).resource : value);

/** A retrier in words: the errors, the interval, the attempts and the backoff. */
const retrierText = (r: Retrier): string =>
    `${r.ErrorEquals.map(code).join(", ")}: every ${r.IntervalSeconds} s, ${r.MaxAttempts} times, backoff ${r.BackoffRate}`;

/** What a state does beside its note: the service a Task calls, and where its retries and its catches go. */
function stateRows(definition: StateMachineDefinition): string[][] {
    return Object.entries(definition.States).map(([name, state]) => {
        const calls = state.Type === "Task" ? ` (${code(parseArn(state.Resource).resource)})` : "";
        const handling =
            state.Type === "Task"
                ? [
                      ...state.Retry.map(retrierText),
                      ...(state.Catch ?? []).map((c) => `catches ${c.ErrorEquals.map(code).join(", ")} into ${code(c.ResultPath)}, then ${code(c.Next)}`),
                  ]
                : [];
        return [code(name), `${state.Type}${calls}`, STATE_NOTES[name as StateName], handling.join("; ")];
    });
}

/** docs/architecture.md's states table: every state of the definition, with its note, its retries and its catches. */
export function statesTable({ definition }: Workflow): string {
    return markdownTable(["state", "type", "does", "retries and catches"], stateRows(definition));
}

/** docs/architecture.md's permissions table: every statement of the state machine's policy, with why it is there. */
export function permissionsTable({ policy, reasons }: Workflow): string {
    const rows = policy.Statement.map((statement) => {
        const condition = Object.entries(statement.Condition ?? {}).flatMap(([operator, entries]) =>
            Object.entries(entries).map(([key, value]) => `${code(key)} ${operator} ${[value].flat().map(resourceText).join(", ")}`),
        );
        return [
            code(statement.Sid),
            [statement.Action].flat().map(code).join(", "),
            [statement.Resource ?? []].flat().map(resourceText).join(", "),
            condition.join("; "),
            reasons[statement.Sid],
        ];
    });
    return markdownTable(["statement", "actions", "resources", "condition", "why"], rows);
}

/** An IAM pattern (`*` any run, `?` one character) matched against a value, as IAM matches actions (without case) and resources. */
const matches = (pattern: string, value: string, ignoreCase = false): boolean =>
    new RegExp(
        `^${pattern
            .replace(/[.+^${}()|[\]\\]/g, "\\$&")
            .replaceAll("*", ".*")
            .replaceAll("?", ".")}$`,
        ignoreCase ? "i" : "",
    ).test(value);

/** What a state that publishes sends: its `Message`, a path into its input or a fixed text. */
function messageText(parameters: Readonly<Record<string, unknown>> | undefined): string {
    const path = parameters?.["Message.$"];
    return typeof path === "string" ? `its input at ${code(path)}` : `the fixed text ${code(JSON.stringify(parameters?.Message))}`;
}

/**
 * docs/operations.md's alarm topic table: everything that may publish to the topic, by which
 * policy, and what its messages carry. The topic's own policy lets CloudWatch alarms publish;
 * any role of the stack whose policy allows `sns:Publish` on the topic may too, and the state
 * machine's states that publish to it say what they send.
 */
export function topicTable(topicArn: string, policies: Readonly<Record<string, PolicyDocument>>, workflow: Workflow): string {
    const publishes = (statement: PolicyStatement) =>
        [statement.Action].flat().some((action) => matches(action, "sns:Publish", true)) &&
        [statement.Resource ?? []].flat().some((resource) => matches(resource, topicArn));
    const own = alarmTopicPolicy(topicArn)
        .Statement.filter(publishes)
        .map((statement) => [
            `${code(statement.Principal!.Service)} (${ALARM_NOTIFICATIONS.who})`,
            `the topic's policy, ${code(statement.Sid)}`,
            ALARM_NOTIFICATIONS.carry,
        ]);
    const states = Object.entries(workflow.definition.States).flatMap(([name, state]) =>
        state.Type === "Task" && state.Resource.endsWith(":sns:publish") && state.Parameters?.TopicArn === topicArn
            ? [`${code(name)} sends ${messageText(state.Parameters)}`]
            : [],
    );
    const roles = Object.entries(policies).flatMap(([role, policy]) =>
        policy.Statement.filter(publishes).map((statement) => [
            `the ${code(role)} role`,
            `its policy, ${code(statement.Sid)}`,
            role === "stateMachine" && states.length > 0 ? states.join("; ") : "whatever its holder sends",
        ]),
    );
    return markdownTable(["publisher", "allowed by", "what its messages carry"], [...own, ...roles]);
}

/** How each comparison reads in a table. */
const COMPARISONS: Readonly<Record<ComparisonOperator, string>> = { GreaterThanOrEqualToThreshold: "≥", LessThanThreshold: "<" };

/** docs/operations.md's alarms table: every alarm of the stack, what it watches, when it fires, and why. */
export function alarmsTable(alarms: readonly AlarmSpec[], monitored: MonitoredResources): string {
    const minutes = (seconds: number) => (seconds % 3600 === 0 ? `${seconds / 3600} hour${seconds === 3600 ? "" : "s"}` : `${seconds / 60} minutes`);
    const rows = alarms.map((alarm) => {
        const comparison = `${alarm.statistic} ${COMPARISONS[alarm.comparisonOperator]} ${alarm.threshold}`;
        const when =
            alarm.evaluationPeriods === 1
                ? `${comparison} in ${minutes(alarm.period)}`
                : `${comparison} in ${alarm.datapointsToAlarm === alarm.evaluationPeriods ? "each" : `${alarm.datapointsToAlarm}`} of the last ${alarm.evaluationPeriods} periods of ${minutes(alarm.period)}`;
        return [
            code(alarm.id),
            `${code(alarm.metricName)} (${code(alarm.namespace)}, ${Object.keys(alarm.dimensions(monitored)).map(code).join(", ")})`,
            when,
            alarm.treatMissingData === "breaching" ? "breaching: no data means nothing succeeded" : "not breaching: no data means nothing went wrong",
            alarm.rollsBack ? "yes" : "no",
            alarm.description,
        ];
    });
    return markdownTable(["alarm", "metric (namespace, dimensions)", "fires when", "missing data", "rolls a deploy back", "why"], rows);
}

/**
 * The stack's schedule, as `npm run show -- schedule` prints it: its expression and zone, whether
 * it is on, its next `count` start times from `from` in the zone and in UTC (a rate's follow the
 * schedule's own start, which no expression says), its longest gap between runs, and the window
 * the no-recent-success alarm allows.
 */
export function scheduleView(stack: string, config: StackConfig, from: number, count: number): string[] {
    const { scheduleExpression: expression, scheduleTimezone: zone } = config;
    const runs = nextRuns(expression, zone, from, count);
    const gap = scheduleCadence(expression, zone).longestGapSeconds;
    const window =
        config.staleAfterHours === undefined
            ? `none: the runs can be more than ${MAX_STALE_AFTER_HOURS - 1} hours apart, longer than an alarm looks back`
            : `${config.staleAfterHours} hours without a successful execution raise the no-recent-success alarm${config.scheduleEnabled ? "" : " (once the schedule is on)"}`;
    return [
        `Schedule of the ${stack} stack: ${expression} in ${zone}, ${config.scheduleEnabled ? "on" : "off (scheduleEnabled false)"}`,
        ...(runs === undefined
            ? [`A rate runs at its interval from the schedule's own start, whatever the zone: its start times depend on when the schedule began.`]
            : [
                  `Next ${runs.length} start(s) from ${new Date(from).toISOString().slice(0, 16)}Z, in ${zone} and in UTC:`,
                  ...runs.map((run) => `  ${wallClockText(zone, run)}  ${new Date(run).toISOString().slice(0, 16)}Z`),
              ]),
        `Longest gap between runs: ${Number.isFinite(gap) ? `${hours(gap)} hours` : "none: it runs at most once"}${zone === UTC ? "" : ", daylight saving included"}`,
        `Stale-success window: ${window}`,
    ];
}
