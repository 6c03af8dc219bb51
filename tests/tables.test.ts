/**
 * The tables the docs show of the model: each is drawn from the model alone, so that a key, a
 * state, a statement or a publisher added there shows in the docs once `npm run docs` runs.
 */
import * as assert from "node:assert/strict";
import { LOCAL_ALARM_TOPIC_ARN, localArn, localWorkflow } from "../local/stand-ins";
import { CONFIG_DOMAINS, CONFIG_KEYS, KEYS, parseConfig, type KeyFigures } from "../model/config";
import { allow, policyDocument } from "../model/policies";
import type { Workflow } from "../model/workflow";
import { alarmsTable, keysTable, markdownTable, permissionsTable, scheduleView, statesTable, topicTable } from "../scripts/local/tables";
import { DERIVED, stringMap } from "../model/keys";
import { alarmSpecs } from "../model/monitoring";

/** The resources an alarm table names, as a deployed stack gives them. */
const MONITORED = {
    region: "us-east-1",
    stack: "s",
    stateMachineArn: "arn",
    functionNames: { "stock-checker": "c", "stock-buyer": "b", "stock-seller": "s" },
    tableName: "t",
    deadLetterQueueName: "q",
};

/** A Markdown table's body rows, as cells. */
const rowsOf = (table: string): string[][] =>
    table
        .split("\n")
        .slice(2)
        .map((line) =>
            line
                .slice(2, -2)
                .split(/(?<!\\) \| /)
                .map((cell) => cell.replaceAll("\\|", "|")),
        );

describe("the docs' tables of the model", () => {
    it("writes a Markdown table whose cells may hold a pipe", () => {
        assert.equal(markdownTable(["a", "b"], [["x|y", "z"]]), "| a | b |\n| --- | --- |\n| x\\|y | z |");
    });

    it("lists every key once, in the definitions' order, with the default the config gives where the definition has one", () => {
        const rows = rowsOf(keysTable());
        assert.deepEqual(
            rows.map(([key]) => key),
            CONFIG_KEYS.map((key) => `\`${key}\``),
        );
        const defaults = parseConfig({}) as Record<string, unknown>;
        for (const [i, key] of CONFIG_KEYS.entries()) {
            const cell = rows[i][1];
            if (KEYS[key].docs.default === undefined) {
                const value = defaults[key];
                assert.equal(
                    cell,
                    value === undefined ? "unset" : `\`${typeof value === "string" || typeof value === "number" ? value : JSON.stringify(value)}\``,
                    key,
                );
            }
            assert.ok(
                rows[i].every((c) => c.trim() !== ""),
                `${key} has an empty cell`,
            );
        }
    });

    it("says what an integer or a one-of key accepts from its domain, unless its definition says it", () => {
        const rows = new Map(rowsOf(keysTable()).map((row) => [row[0], row]));
        for (const key of CONFIG_KEYS) {
            const domain = CONFIG_DOMAINS[key];
            const allowed = rows.get(`\`${key}\``)![2];
            if (domain.kind === "integer") {
                assert.ok(allowed.includes(`${domain.min}–${domain.max}`) || KEYS[key].docs.allowed !== undefined, key);
            }
            if (domain.kind === "oneOf" && KEYS[key].docs.allowed === undefined) {
                assert.deepEqual(
                    allowed.split(", "),
                    domain.values.map((v) => (typeof v === "number" ? String(v) : `\`${v}\``)),
                    key,
                );
            }
        }
    });

    it("lists every state of the definition in its order, with its type, its note, and each retry and catch", () => {
        for (const config of [parseConfig({}), parseConfig({ batchCapacity: "FARGATE_SPOT" })]) {
            const { definition } = localWorkflow(config, "T");
            const rows = rowsOf(statesTable(localWorkflow(config, "T")));
            assert.deepEqual(
                rows.map(([state]) => state),
                Object.keys(definition.States).map((name) => `\`${name}\``),
            );
            for (const [[, type, note, handling], state] of rows.map((row, i) => [row, Object.values(definition.States)[i]] as const)) {
                assert.ok(type.startsWith(state.Type));
                assert.notEqual(note, "");
                if (state.Type === "Task") {
                    assert.equal(handling.match(/every \d+ s/g)?.length ?? 0, state.Retry.length);
                    assert.equal(handling.match(/catches/g)?.length ?? 0, state.Catch?.length ?? 0);
                }
            }
        }
    });

    it("lists every statement of the state machine's policy, with its actions and why it is there", () => {
        for (const raw of [{}, { logLevel: "OFF" }, { tracingEnabled: "true" }, { batchCapacity: "FARGATE_SPOT" }]) {
            const workflow = localWorkflow(parseConfig(raw), "T");
            const rows = rowsOf(permissionsTable(workflow));
            assert.deepEqual(
                rows.map(([sid]) => sid),
                workflow.policy.Statement.map((s) => `\`${s.Sid}\``),
            );
            for (const [row, statement] of rows.map((r, i) => [r, workflow.policy.Statement[i]] as const)) {
                assert.equal(
                    row[1],
                    [statement.Action]
                        .flat()
                        .map((a) => `\`${a}\``)
                        .join(", "),
                );
                assert.ok(row[4].length > 20, `${statement.Sid} says why it is there`);
            }
        }
    });

    it("lists every alarm of the stack in its order, with when it fires, how it reads missing data, and whether it rolls a deploy back", () => {
        for (const config of [parseConfig({}), parseConfig({ scheduleEnabled: "true", scheduleExpression: "rate(2 hours)" })]) {
            const alarms = alarmSpecs(config);
            const rows = rowsOf(alarmsTable(alarms, MONITORED));
            assert.deepEqual(
                rows.map(([id]) => id),
                alarms.map((a) => `\`${a.id}\``),
            );
            for (const [[, metric, when, missing, rollsBack, why], alarm] of rows.map((row, i) => [row, alarms[i]] as const)) {
                assert.ok(metric.startsWith(`\`${alarm.metricName}\` (\`${alarm.namespace}\``), metric);
                assert.match(
                    when,
                    alarm.evaluationPeriods === 1
                        ? /^Sum ≥ 1 in 5 minutes$/
                        : new RegExp(`^Sum < 1 in each of the last ${alarm.evaluationPeriods} periods of 1 hour$`),
                );
                assert.equal(missing.split(":")[0], alarm.treatMissingData === "breaching" ? "breaching" : "not breaching");
                assert.equal(rollsBack, alarm.rollsBack ? "yes" : "no");
                assert.equal(why, alarm.description);
            }
        }
    });

    describe("who may publish to the alarm topic", () => {
        /** A workflow of one Task state that publishes `message` to `topic`, then ends. */
        const publishing = (topic: string, message: Record<string, string>): Workflow => ({
            definition: {
                Comment: "publishes",
                StartAt: "Announce",
                TimeoutSeconds: 60,
                States: {
                    Announce: { Type: "Task", Resource: "arn:aws:states:::sns:publish", Parameters: { TopicArn: topic, ...message }, Retry: [], Next: "Done" },
                    Done: { Type: "Pass", End: true },
                },
            },
            policy: policyDocument(),
            reasons: {},
        });
        const publishers = (table: string) => rowsOf(table).map(([who, by, carry]) => `${who} | ${by} | ${carry}`);
        const readsOnly = { stateMachine: policyDocument(allow("ReadTable", "dynamodb:GetItem", localArn("dynamodb", "table/T"))) };

        it("is only CloudWatch's alarms, by the topic's policy, carrying no trade data, while no role may publish", () => {
            const rows = publishers(topicTable(LOCAL_ALARM_TOPIC_ARN, readsOnly, publishing(LOCAL_ALARM_TOPIC_ARN, { "Message.$": "$" })));
            assert.equal(rows.length, 1);
            assert.match(rows[0], /^`cloudwatch\.amazonaws\.com` .* \| the topic's policy, `CloudWatchAlarmsOfThisAccount` \| .*no trade data$/);
        });

        it("adds a role whose policy allows sns:Publish on the topic, with what its states send to it", () => {
            const policies = {
                stateMachine: policyDocument(allow("AnnounceTrade", "sns:Publish", LOCAL_ALARM_TOPIC_ARN)),
                operator: policyDocument(allow("AnySns", "SNS:*", localArn("sns", "*"))),
                batchTask: policyDocument(allow("OtherTopic", "sns:Publish", localArn("sns", "other-topic"))),
            };
            assert.deepEqual(publishers(topicTable(LOCAL_ALARM_TOPIC_ARN, policies, publishing(LOCAL_ALARM_TOPIC_ARN, { "Message.$": "$" }))).slice(1), [
                "the `stateMachine` role | its policy, `AnnounceTrade` | `Announce` sends its input at `$`",
                "the `operator` role | its policy, `AnySns` | whatever its holder sends",
            ]);
        });

        it("says a fixed message is one, and leaves out a state that publishes to another topic", () => {
            const policies = { stateMachine: policyDocument(allow("Announce", "sns:Publish", LOCAL_ALARM_TOPIC_ARN)) };
            assert.match(
                topicTable(LOCAL_ALARM_TOPIC_ARN, policies, publishing(LOCAL_ALARM_TOPIC_ARN, { Message: "done" })),
                /`Announce` sends the fixed text `"done"`/,
            );
            assert.match(
                topicTable(LOCAL_ALARM_TOPIC_ARN, policies, publishing(localArn("sns", "other"), { Message: "done" })),
                /\| whatever its holder sends \|$/m,
            );
        });
    });
});

/** The keys' table with the definition of `key` replaced, as a definition edited in model/keys.ts would be. */
const tableWith = (key: keyof typeof KEYS, definition: object) => keysTable({ ...KEYS, [key]: definition });

describe("the docs' tables of the model, as their definitions are written", () => {
    it("refuses a derived default its definition does not explain", () => {
        assert.equal(KEYS.batchArchitecture.default, DERIVED);
        assert.throws(() => tableWith("batchArchitecture", { ...KEYS.batchArchitecture, docs: { allowed: "ARM64 or X86_64", does: "the CPU" } }), {
            message: "the definition of batchArchitecture derives its default from other keys, and says nothing of how",
        });
    });

    it("refuses a key that says nothing of what it accepts where its domain cannot say it either", () => {
        const keys = ["batchContainerName", "subnetIds", "batchCommand", "scheduleExpression"] as const;
        for (const key of keys) {
            assert.throws(() => tableWith(key, { ...KEYS[key], docs: { does: "something" } }), {
                message: `the definition of ${key} says nothing of what it accepts, and its domain (${KEYS[key].domain.kind}) cannot`,
            });
        }
        const map = { ...stringMap(/^[A-Za-z]+$/, /^.+$/, 5, "a JSON object of names to text"), default: undefined, optional: true, docs: { does: "tags" } };
        assert.throws(() => tableWith("alarmEmail", map), {
            message: "the definition of alarmEmail says nothing of what it accepts, and its domain (map) cannot",
        });
    });

    it("counts the retry waits of a Task state of the default definition, and none for any other name", () => {
        const does = (f: { retryWaitSeconds(state: string): number }) =>
            ["Record Transaction", "Buy or Sell?", "Success", "No such state"].map((state) => `${state}: ${f.retryWaitSeconds(state)}`).join("; ");
        const row = rowsOf(tableWith("buyThreshold", { ...KEYS.buyThreshold, docs: { does } })).find(([key]) => key === "`buyThreshold`");
        // Record Transaction: 5 retries, 20 s growing 10 times: 20 + 200 + 2,000 + 20,000 + 200,000.
        assert.equal(row?.[3], "Record Transaction: 222220; Buy or Sell?: 0; Success: 0; No such state: 0");
    });

    it("writes each retry and catch of a state with every error it names", () => {
        const workflow: Workflow = {
            definition: {
                Comment: "one task",
                StartAt: "Run ECS task",
                TimeoutSeconds: 60,
                States: {
                    "Run ECS task": {
                        Type: "Task",
                        Resource: "arn:aws:states:::ecs:runTask.sync",
                        Retry: [{ ErrorEquals: ["ECS.ServerException", "ECS.ThrottlingException"], IntervalSeconds: 10, MaxAttempts: 3, BackoffRate: 2 }],
                        Catch: [{ ErrorEquals: ["States.TaskFailed", "States.Timeout"], ResultPath: "$.error", Next: "Error" }],
                        Next: "Success",
                    },
                    Success: { Type: "Pass", End: true },
                    Error: { Type: "Fail", ErrorPath: "$.error.Error", CausePath: "$.error.Cause" },
                },
            },
            policy: policyDocument(),
            reasons: {},
        };
        assert.equal(
            rowsOf(statesTable(workflow))[0][3],
            "`ECS.ServerException`, `ECS.ThrottlingException`: every 10 s, 3 times, backoff 2; " +
                "catches `States.TaskFailed`, `States.Timeout` into `$.error`, then `Error`",
        );
    });

    it("writes a statement's resources, none where it names none, and each of its conditions with every value", () => {
        const workflow: Workflow = {
            definition: localWorkflow(parseConfig({}), "T").definition,
            policy: policyDocument(
                { Sid: "Traces", Effect: "Allow", Action: ["xray:PutTraceSegments", "xray:PutTelemetryRecords"] },
                allow("RunTask", "ecs:RunTask", [localArn("ecs", "task-definition/t:1"), "*"], {
                    ArnEquals: { "ecs:cluster": [localArn("ecs", "cluster/c"), localArn("ecs", "cluster/d")] },
                    StringEquals: { "aws:ResourceAccount": "123456789012" },
                }),
            ),
            reasons: { Traces: "sends traces", RunTask: "runs the task" },
        };
        assert.deepEqual(rowsOf(permissionsTable(workflow)), [
            ["`Traces`", "`xray:PutTraceSegments`, `xray:PutTelemetryRecords`", "", "", "sends traces"],
            [
                "`RunTask`",
                "`ecs:RunTask`",
                "`task-definition/t:1`, `*`",
                "`ecs:cluster` ArnEquals `cluster/c`, `cluster/d`; `aws:ResourceAccount` StringEquals `123456789012`",
                "runs the task",
            ],
        ]);
    });

    describe("who may publish to the alarm topic, as IAM reads the policies", () => {
        const publishers = (table: string) => rowsOf(table).map(([who, by, carry]) => `${who} | ${by} | ${carry}`);
        const states = (named: Workflow["definition"]["States"]): Workflow => ({
            definition: { Comment: "publishes", StartAt: Object.keys(named)[0], TimeoutSeconds: 60, States: named },
            policy: policyDocument(),
            reasons: {},
        });
        const topic = LOCAL_ALARM_TOPIC_ARN;

        it("matches actions without case and resources with it, * and ? as IAM does, and lists only the Tasks that publish to the topic", () => {
            const workflow = states({
                Announce: {
                    Type: "Task",
                    Resource: "arn:aws:states:::sns:publish",
                    Parameters: { TopicArn: topic, "Message.$": "$.trade" },
                    Retry: [],
                    Next: "Warn",
                },
                Warn: { Type: "Task", Resource: "arn:aws:states:::sns:publish", Parameters: { TopicArn: topic, Message: "stale" }, Retry: [], Next: "Bare" },
                Bare: { Type: "Task", Resource: "arn:aws:states:::sns:publish", Retry: [], Next: "Check" },
                Check: { Type: "Task", Resource: "arn:aws:states:::lambda:invoke", Parameters: { TopicArn: topic }, Retry: [], Next: "Carry" },
                Carry: { Type: "Pass", Parameters: { TopicArn: topic }, End: true },
            });
            const policies = {
                stateMachine: policyDocument(allow("Announce", ["sns:Subscribe", "sns:Publish"], [localArn("sns", "other"), topic])),
                oneCharacter: policyDocument(allow("OneCharacter", "sns:Publish", localArn("sns", "stock-trader-alarm?"))),
                upperCase: policyDocument(allow("UpperCase", "sns:Publish", topic.toUpperCase())),
                otherName: policyDocument(allow("OtherName", "sns:Publish", localArn("sns", "Stock-Trader-Alarms"))),
                actionCase: policyDocument(allow("ActionCase", "SNS:publish", topic)),
            };
            assert.deepEqual(publishers(topicTable(topic, policies, workflow)).slice(1), [
                'the `stateMachine` role | its policy, `Announce` | `Announce` sends its input at `$.trade`; `Warn` sends the fixed text `"stale"`',
                "the `oneCharacter` role | its policy, `OneCharacter` | whatever its holder sends",
                "the `actionCase` role | its policy, `ActionCase` | whatever its holder sends",
            ]);
        });

        it("matches a resource's . as itself, such as a FIFO topic's", () => {
            const fifo = localArn("sns", "stock-trader-alarms.fifo");
            const policies = { stateMachine: policyDocument(allow("Fifo", "sns:Publish", fifo)) };
            assert.deepEqual(publishers(topicTable(fifo, policies, states({ Done: { Type: "Pass", End: true } }))).slice(1), [
                "the `stateMachine` role | its policy, `Fifo` | whatever its holder sends",
            ]);
        });
    });

    it("writes an alarm's period in hours or minutes, how many of its periods must breach, and every dimension", () => {
        const [failed] = alarmSpecs(parseConfig({}));
        const rows = rowsOf(
            alarmsTable(
                [
                    { ...failed, id: "hour", period: 3600, evaluationPeriods: 1, datapointsToAlarm: 1 },
                    { ...failed, id: "hours", period: 7200, evaluationPeriods: 1, datapointsToAlarm: 1 },
                    {
                        ...failed,
                        id: "some",
                        period: 300,
                        evaluationPeriods: 3,
                        datapointsToAlarm: 2,
                        dimensions: () => ({ StateMachineArn: "a", Stack: "s" }),
                    },
                ],
                MONITORED,
            ),
        );
        assert.deepEqual(
            rows.map(([, , when]) => when),
            ["Sum ≥ 1 in 1 hour", "Sum ≥ 1 in 2 hours", "Sum ≥ 1 in 2 of the last 3 periods of 5 minutes"],
        );
        assert.equal(rows[2][1], "`ExecutionsFailed` (`AWS/States`, `StateMachineArn`, `Stack`)");
    });

    describe("the schedule (npm run show -- schedule)", () => {
        const from = Date.UTC(2027, 0, 4);

        it("says a schedule in UTC is off, with no daylight saving, and that its window holds once it is on", () => {
            assert.deepEqual(scheduleView("dev", parseConfig({ scheduleExpression: "cron(0 12 * * ? *)" }), from, 2), [
                "Schedule of the dev stack: cron(0 12 * * ? *) in UTC, off (scheduleEnabled false)",
                "Next 2 start(s) from 2027-01-04T00:00Z, in UTC and in UTC:",
                "  2027-01-04 12:00  2027-01-04T12:00Z",
                "  2027-01-05 12:00  2027-01-05T12:00Z",
                "Longest gap between runs: 24 hours",
                "Stale-success window: 26 hours without a successful execution raise the no-recent-success alarm (once the schedule is on)",
            ]);
        });

        it("says there is no window where the runs are further apart than an alarm looks back", () => {
            const lines = scheduleView("dev", parseConfig({ scheduleExpression: "cron(0 12 1 * ? *)", scheduleEnabled: "true" }), from, 1);
            assert.deepEqual(lines.slice(-2), [
                "Longest gap between runs: 744 hours",
                "Stale-success window: none: the runs can be more than 167 hours apart, longer than an alarm looks back",
            ]);
        });
    });
});

describe("the keys' docs, from figures of another default schedule", () => {
    it("quotes the no-recent-success window of rate(1 hour) and of weekdays by asking for those schedules, not the default one", () => {
        const daily: KeyFigures = {
            domain: "integer 1–168",
            valueWith: (key, raw = {}) => (parseConfig({ scheduleExpression: "rate(1 day)", ...raw }) as Record<string, unknown>)[key],
            retryWaitSeconds: () => 0,
        };
        const hourly = parseConfig({}).staleAfterHours;
        const weekdays = parseConfig({ scheduleExpression: "cron(0 14 ? * MON-FRI *)" }).staleAfterHours;
        assert.notEqual(daily.valueWith("staleAfterHours"), hourly, "the figures' own default schedule gives another window");
        const cell = KEYS.staleAfterHours.docs.default;
        assert.ok(typeof cell === "function");
        const text = cell(daily);
        assert.ok(text.includes(`(${hourly} for \`rate(1 hour)\`, ${weekdays} for weekdays only)`), text);
    });
});
