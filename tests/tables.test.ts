/**
 * The tables the docs show of the model: each is drawn from the model alone, so that a key, a
 * state, a statement or a publisher added there shows in the docs once `npm run docs` runs.
 */
import * as assert from "node:assert/strict";
import { LOCAL_ALARM_TOPIC_ARN, localArn, localWorkflow } from "../local/stand-ins";
import { CONFIG_DOMAINS, CONFIG_KEYS, KEYS, parseConfig } from "../model/config";
import { allow, policyDocument } from "../model/policies";
import type { Workflow } from "../model/workflow";
import { alarmsTable, keysTable, markdownTable, permissionsTable, statesTable, topicTable } from "../scripts/local/tables";
import { alarmSpecs } from "../model/monitoring";

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
        const monitored = {
            region: "us-east-1",
            stack: "s",
            stateMachineArn: "arn",
            functionNames: { "stock-checker": "c", "stock-buyer": "b", "stock-seller": "s" },
            tableName: "t",
            deadLetterQueueName: "q",
        };
        for (const config of [parseConfig({}), parseConfig({ scheduleEnabled: "true", scheduleExpression: "rate(2 hours)" })]) {
            const alarms = alarmSpecs(config);
            const rows = rowsOf(alarmsTable(alarms, monitored));
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
