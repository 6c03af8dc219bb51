/**
 * npm run show: what the program would deploy for a stack, without Pulumi or AWS: the state
 * machine's definition, each role's policy, the dashboard's body or the alarms, as JSON, built
 * by the same model the program uses. Run with --help.
 */
import { LOCAL_ALARM_TOPIC_ARN, localArn, localResources, localWorkflow } from "../../local/stand-ins";
import { liveStackName, stackScopedName } from "../../model/names";
import { byFunction, TRADING_FUNCTIONS } from "../../model/functions";
import { alarmSpecs, dashboardBody, operatorPolicy, type AlarmSpec, type MonitoredResources } from "../../model/monitoring";
import { batchExecutionPolicy, batchTaskPolicy, functionPolicy, liveStackPolicy, scheduleRolePolicy, type PolicyDocument } from "../../model/policies";
import type { Workflow } from "../../model/workflow";
import { configOverrides, parseCommand, processIo, refuseCaller, STACK_NAME, UsageError, type OptionTable, type TextForm, type ToolIo } from "../cli/cli";
import { loadStackConfig } from "../cli/stack-files";
import { alarmsTable, keysTable, permissionsTable, scheduleView, statesTable, topicTable } from "./tables";
import type { StackConfig } from "../../model/config";

const VIEWS = ["definition", "policies", "dashboard", "alarms"] as const;
type View = (typeof VIEWS)[number];

const TABLE = "TransactionTable";

/** A time in UTC, to the minute or the second. */
const UTC_TIME: TextForm = {
    test: /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?Z$/,
    form: "a time in UTC, such as 2027-03-14T00:00Z",
};
const DEAD_LETTER_QUEUE = "stock-trader-failed-starts";

/** What a view printed as text is drawn from: the stack's config, its workflow, every role's policy, its alarms with the names they watch, and the schedule's window. */
interface StackModel {
    stack: string;
    config: StackConfig;
    workflow: Workflow;
    policies: Readonly<Record<string, PolicyDocument>>;
    alarms: readonly AlarmSpec[];
    monitored: MonitoredResources;
    /** The first instant and how many start times the schedule view lists. */
    from: number;
    count: number;
}

/** The views printed as text: the docs' Markdown tables, and the schedule. */
const TEXT_VIEWS: Readonly<Record<string, (stack: StackModel) => string>> = {
    keys: () => keysTable(),
    states: ({ workflow }) => statesTable(workflow),
    permissions: ({ workflow }) => permissionsTable(workflow),
    topic: ({ workflow, policies }) => topicTable(LOCAL_ALARM_TOPIC_ARN, policies, workflow),
    "alarm-table": ({ alarms, monitored }) => alarmsTable(alarms, monitored),
    schedule: ({ stack, config, from, count }) => scheduleView(stack, config, from, count).join("\n"),
};
const ALL_VIEWS = [...VIEWS, ...Object.keys(TEXT_VIEWS)];

export const USAGE = `usage: npm run show -- [options] ${ALL_VIEWS.join("|")}

Prints what the program would deploy for a stack, as JSON, without Pulumi or AWS: the state
machine's definition, each role's policy, the dashboard's body, or the alarms. Names and ARNs are
the local runs' stand-ins (account 000000000000, us-east-1), not the deployed ones. Or prints,
as the Markdown tables the docs show: every config key (keys, the same for every stack), or the
stack's workflow state by state (states), its state machine's permissions (permissions), its
alarms (alarm-table), or whoever may publish to the alarm topic and what they send (topic). Or
prints the stack's schedule (schedule): its next start times in its zone and in UTC, the longest
gap between runs, and the window the no-recent-success alarm allows.

  --stack NAME       the stack whose Pulumi.NAME.yaml is read (default dev)
  --set KEY=VALUE    override one of the stack's stock-trader keys (repeatable)
  --from TIME        with schedule, list the start times from TIME, as 2027-03-14T00:00Z (default now)
  --count N          with schedule, how many start times to list (default 10)
  --help             print this help

Exit codes: 0 printed; 2 bad usage, a config the validation refuses or a missing stack file.`;

/** A --from time as an instant; a date the calendar lacks (February 30) is refused. */
function utcTime(text: string): number {
    const instant = Date.parse(text);
    // Date.parse rolls a day past the month's end over into the next month.
    if (Number.isNaN(instant) || new Date(instant).toISOString().slice(0, 10) !== text.slice(0, 10)) {
        throw new UsageError(`--from must be ${UTC_TIME.form}, a date the calendar has (got ${text})`);
    }
    return instant;
}

/** The stand-in names the alarms and the dashboard watch. */
const localMonitored = (stack: string): MonitoredResources => ({
    region: "us-east-1",
    stack,
    stateMachineArn: localArn("states", "stateMachine:trading-workflow-state-machine"),
    functionNames: byFunction((fn) => fn),
    tableName: TABLE,
    deadLetterQueueName: DEAD_LETTER_QUEUE,
});

/** One view of a stack, as plain data. */
export function showStack(stack: string, view: View, overrides: Record<string, string> = {}, notice?: (line: string) => void): unknown {
    const config = loadStackConfig(stack, overrides, notice);
    const { definition, policy } = localWorkflow(config, TABLE);
    const { batch, table } = localResources(config, TABLE);
    const logGroup = (name: string) => localArn("logs", `log-group:${name}`);
    const monitored = localMonitored(stack);
    const { stateMachineArn } = monitored;
    const alarms = alarmSpecs(config).map(({ dimensions, ...spec }) => ({ ...spec, dimensions: dimensions(monitored) }));
    const alarmArns = alarms.map((a) => localArn("cloudwatch", `alarm:${a.id}`));
    switch (view) {
        case "definition":
            return definition;
        case "alarms":
            return alarms;
        case "dashboard":
            return JSON.parse(dashboardBody(monitored, alarmArns)) as unknown;
        case "policies":
            return {
                stateMachine: policy,
                ...Object.fromEntries(TRADING_FUNCTIONS.map((fn) => [fn, functionPolicy(logGroup(`/aws/lambda/${fn}`), config.tracingEnabled)])),
                batchExecution: batchExecutionPolicy(localArn("ecr", "repository/batch"), logGroup("batch")),
                batchTask: batchTaskPolicy(table.arn),
                schedule: scheduleRolePolicy(stateMachineArn, localArn("sqs", DEAD_LETTER_QUEUE)),
                liveStack: liveStackPolicy(
                    stateMachineArn,
                    alarms.filter((alarm) => alarm.rollsBack).map((alarm) => localArn("cloudwatch", `alarm:${alarm.id}`)),
                ),
                operator: operatorPolicy({
                    stateMachineArn,
                    dashboardArn: localArn("cloudwatch", `dashboard/${stackScopedName("stock-trader", stack)}`, ""),
                    alarmArns,
                    logGroupArns: [logGroup("states"), logGroup("batch"), ...TRADING_FUNCTIONS.map((fn) => logGroup(`/aws/lambda/${fn}`))],
                    batch,
                    liveStackName: liveStackName("stock-trader", stack),
                    deadLetterQueueArn: localArn("sqs", DEAD_LETTER_QUEUE),
                }),
            };
    }
}

export const OPTIONS = {
    stack: { type: "string", default: "dev", pattern: STACK_NAME },
    set: { type: "string", multiple: true, default: [] },
    from: { type: "string", pattern: UTC_TIME },
    count: { type: "string", default: "10", integer: { min: 1, max: 1000 } },
    help: { type: "boolean", default: false },
} as const satisfies OptionTable;

/** The tool: prints the view as JSON and gives 0, or 2 on bad usage, a bad config or a missing stack file. */
export async function main(argv: string[], io: ToolIo = processIo): Promise<number> {
    let stack: string | undefined;
    try {
        const { values, positionals } = parseCommand(argv, OPTIONS);
        if (values.help) {
            io.out(USAGE);
            return 0;
        }
        stack = values.stack;
        const [view, ...rest] = positionals;
        if (positionals.length === 0 || rest.length > 0 || !ALL_VIEWS.includes(view)) {
            throw new UsageError(`name one thing to show, ${ALL_VIEWS.join(", ")} (got ${positionals.join(" ") || "nothing"})`);
        }
        const overrides = configOverrides(values.set);
        const json = (shown: View) => showStack(stack!, shown, overrides, io.err);
        const text = () => {
            const config = loadStackConfig(stack!, overrides);
            return TEXT_VIEWS[view]({
                stack: stack!,
                config,
                workflow: localWorkflow(config, TABLE),
                policies: json("policies") as Record<string, PolicyDocument>,
                alarms: alarmSpecs(config),
                monitored: localMonitored(stack!),
                from: values.from === undefined ? Date.now() : utcTime(values.from),
                count: Number(values.count),
            });
        };
        io.out(Object.hasOwn(TEXT_VIEWS, view) ? text() : JSON.stringify(json(view as View), null, 2));
        return 0;
    } catch (error) {
        return refuseCaller(error, io, USAGE, stack);
    }
}
