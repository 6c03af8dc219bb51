import * as assert from "node:assert/strict";
import { parseConfig } from "../model/config";
import { alarmSpecs, staleAlarmNotice } from "../model/monitoring";
import { nextRuns, scheduleCadence, scheduledStartRequest, scheduledStartTarget, scheduleExpressionProblem } from "../model/schedule";
import { keepsOneOffset } from "../model/time-zones";
import { named, ofType, runProgram } from "./support/program";

const HOUR = 3600;
const DAY = 24 * HOUR;

describe("schedule cadence", () => {
    const cases: [string, number, number][] = [
        // expression, longest gap (s), runs in a 730-hour month
        ["rate(1 minute)", 60, 43800],
        ["rate(4 hours)", 4 * HOUR, 182],
        ["rate(2 days)", 2 * DAY, 15],
        ["cron(0/15 * * * ? *)", 15 * 60, Math.round((96 * 730) / 24)],
        // 09:00 and 17:30: 8.5 h apart in the day, 15.5 h overnight.
        ["cron(0,30 9,17 * * ? *)", 15.5 * HOUR, Math.round((4 * 730) / 24)],
        // 50 to 10 wraps past the hour: minutes 50-59 and 0-10, the gap is 10 to 50.
        ["cron(50-10 * * * ? *)", 40 * 60, Math.round((21 * 24 * 730) / 24)],
        // Weekdays at 09:00: Friday to Monday.
        ["cron(0 9 ? * MON-FRI *)", 3 * DAY, Math.round(((5 / 7) * 730) / 24)],
        // Friday to Monday wraps past Saturday: FRI, SAT, SUN, MON; Monday to Friday is the gap.
        ["cron(0 9 ? * FRI-MON *)", 4 * DAY, Math.round(((4 / 7) * 730) / 24)],
        // The last day of the month: 31 July to 31 August.
        ["cron(0 12 L * ? *)", 31 * DAY, 1],
        // The first Monday of the month: at most 5 weeks apart.
        ["cron(0 12 ? * 2#1 *)", 35 * DAY, 1],
        // The last Friday: at most 5 weeks apart.
        ["cron(0 12 ? * 6L *)", 35 * DAY, 1],
        // 29 February: every 4 years, but 2100 is no leap year, so 8 years across it.
        ["cron(0 0 29 2 ? *)", (8 * 365 + 1) * DAY, 0],
        // Twice a day in 2027 only.
        ["cron(0 8,20 * * ? 2027)", 12 * HOUR, Math.round(((365 * 2) / 365) * (730 / 24))],
    ];
    for (const [expression, gap, runs] of cases) {
        it(`${expression}: runs at most ${gap / HOUR} hours apart, ${runs} times a month`, () => {
            assert.deepEqual(scheduleCadence(expression), { longestGapSeconds: gap, runsPerMonth: runs });
        });
    }

    it("takes the nearest weekday for W, within the month", () => {
        // 15W: a Thursday 15th of a 31-day month is followed by a Sunday 15th, taken on Monday the
        // 16th: 31 + 1 days, the longest.
        assert.equal(scheduleCadence("cron(0 12 15W * ? *)").longestGapSeconds, 32 * DAY);
        // 1W never reaches back into the month before: a Saturday 1st is taken on Monday the 3rd,
        // so a Wednesday 1st of a 31-day month is followed 31 + 2 days later.
        assert.equal(scheduleCadence("cron(0 12 1W * ? *)").longestGapSeconds, 33 * DAY);
        // LW: a month ending on a Sunday runs on Friday the day before yesterday, and a 31-day month
        // after it ends on a Wednesday: 2 + 31 days.
        assert.equal(scheduleCadence("cron(0 12 LW * ? *)").longestGapSeconds, 33 * DAY);
    });

    it("finds no second run in a cron that never fires, or fires once", () => {
        assert.equal(scheduleCadence("cron(0 0 30 2 ? *)").longestGapSeconds, Infinity);
        assert.equal(scheduleCadence("cron(0 0 1 1 ? 2030)").longestGapSeconds, Infinity);
    });

    it("refuses an expression EventBridge would not accept", () => {
        assert.throws(() => scheduleCadence("every hour"), /not a valid schedule expression \(every hour\)/);
    });
});

describe("the no-recent-success alarm against the schedule", () => {
    const stale = (raw: Record<string, string>) => parseConfig({ scheduleEnabled: "true", ...raw }).staleAfterHours;

    it("derives its window from the schedule: an hour for the run, an hour of slack, over the longest gap", () => {
        assert.equal(stale({}), 3);
        assert.equal(stale({ scheduleExpression: "rate(5 minutes)" }), 3);
        assert.equal(stale({ scheduleExpression: "rate(4 hours)" }), 6);
        assert.equal(stale({ scheduleExpression: "rate(2 days)" }), 50);
        assert.equal(stale({ scheduleExpression: "cron(0 9 ? * MON-FRI *)" }), 74);
        // A 166-hour gap needs 167, one more is 168: CloudWatch's whole 7 days.
        assert.equal(stale({ scheduleExpression: "rate(166 hours)" }), 168);
        assert.equal(stale({ scheduleExpression: "rate(167 hours)" }), 168);
    });

    it("accepts an explicit window that covers the gap, on its own terms", () => {
        assert.equal(stale({ scheduleExpression: "rate(4 hours)", staleAfterHours: "5" }), 5);
        assert.equal(stale({ scheduleExpression: "cron(0 9 ? * MON-FRI *)", staleAfterHours: "73" }), 73);
    });

    it("has no alarm, and says why, for a schedule whose gaps pass what CloudWatch looks back on", () => {
        for (const scheduleExpression of ["rate(7 days)", "rate(168 hours)", "cron(0 12 L * ? *)"]) {
            const config = parseConfig({ scheduleEnabled: "true", scheduleExpression });
            assert.equal(config.staleAfterHours, undefined, scheduleExpression);
            assert.ok(!alarmSpecs(config).some((a) => a.id === "no-recent-success"), scheduleExpression);
            assert.match(
                staleAlarmNotice(config) ?? "",
                new RegExp(`no no-recent-success alarm: .*${scheduleExpression.replace(/[()*?]/g, "\\$&")} leaves more than 167 hours between runs`),
            );
        }
        assert.equal(staleAlarmNotice(parseConfig({ scheduleEnabled: "true" })), undefined);
        assert.equal(staleAlarmNotice(parseConfig({ scheduleExpression: "rate(7 days)" })), undefined, "the schedule is off");
    });

    it("never fires between two runs: the window holds more hours than any gap leaves empty", () => {
        // Between successes at s1 < s2 at most ceil((s2 - s1) / 1 h) - 1 whole hourly periods are
        // empty; the alarm fires only after staleAfterHours empty periods.
        for (const expression of ["rate(1 hour)", "rate(90 minutes)", "rate(4 hours)", "rate(3 days)", "cron(0 9 ? * MON-FRI *)", "cron(0,30 9,17 * * ? *)"]) {
            const config = parseConfig({ scheduleEnabled: "true", scheduleExpression: expression });
            const emptyPeriods = Math.ceil(scheduleCadence(expression).longestGapSeconds / HOUR) - 1;
            const alarm = alarmSpecs(config).find((a) => a.id === "no-recent-success");
            assert.ok(alarm, expression);
            assert.ok(alarm.evaluationPeriods > emptyPeriods + 1, `${expression}: ${alarm.evaluationPeriods} periods against ${emptyPeriods} empty`);
            assert.ok(alarm.period * alarm.evaluationPeriods <= 7 * DAY, `${expression}: CloudWatch looks back at most 7 days`);
        }
    });

    it("does not page after a deploy before the schedule's first run has had time to succeed: it warms up that long", () => {
        for (const expression of [
            "rate(1 hour)",
            "rate(90 minutes)",
            "rate(4 hours)",
            "cron(0 9 ? * MON-FRI *)",
            "cron(0,30 9,17 * * ? *)",
            "rate(2 days)",
            "rate(3 days)",
        ]) {
            const config = parseConfig({ scheduleEnabled: "true", scheduleExpression: expression });
            const alarm = alarmSpecs(config).find((a) => a.id === "no-recent-success")!;
            // Deployed just after a run, the next comes a whole gap later and succeeds within the hour.
            const firstSuccessMinutes = (scheduleCadence(expression).longestGapSeconds + HOUR) / 60;
            assert.ok(alarm.warmUpMinutes! <= 2880, `${expression}: CloudWatch warms up for at most 2 days`);
            assert.ok(alarm.warmUpMinutes! >= Math.min(firstSuccessMinutes, 2880), `${expression}: ${alarm.warmUpMinutes} min against ${firstSuccessMinutes}`);
            assert.ok(alarm.warmUpMinutes! <= alarm.evaluationPeriods * 60, `${expression}: the warm-up never outlasts the window`);
        }
    });

    it("registers the warm-up, evaluating only once it ends, under Pulumi mocks", async () => {
        const run = await runProgram({ scheduleEnabled: "true", scheduleExpression: "rate(4 hours)" });
        assert.deepEqual(named(run, "aws:cloudwatch/metricAlarm:MetricAlarm", "monitoring-no-recent-success").inputs.warmUpConfiguration, {
            warmUpPeriodDurationInMinutes: 300,
            onlyStartEvaluatingAfterWarmUpPeriodEnds: true,
        });
        assert.equal(named(run, "aws:cloudwatch/metricAlarm:MetricAlarm", "monitoring-executions-failed").inputs.warmUpConfiguration, undefined);
    });

    it("deploys without the alarm, for a weekly schedule, under Pulumi mocks", async () => {
        const run = await runProgram({ scheduleEnabled: "true", scheduleExpression: "rate(7 days)" });
        assert.equal(run.error, undefined, String(run.error));
        const alarms = ofType(run, "aws:cloudwatch/metricAlarm:MetricAlarm").map((a) => a.name);
        const weekly = parseConfig({ scheduleEnabled: "true", scheduleExpression: "rate(7 days)" });
        assert.deepEqual(
            alarms,
            alarmSpecs(weekly).map((spec) => `monitoring-${spec.id}`),
        );
        assert.ok(!alarms.includes("monitoring-no-recent-success"));
        assert.equal(named(run, "aws:scheduler/schedule:Schedule", "trading-workflow-scheduler").inputs.scheduleExpression, "rate(7 days)");
    });
});

describe("schedule expressions EventBridge accepts", () => {
    const valid = [
        "rate(1 day)",
        "rate(7 days)",
        "rate(1 minute)",
        "cron(59 23 31 12 ? 2199)",
        "cron(0 0 1 JAN ? 1970)",
        "cron(0 12 L * ? *)",
        "cron(0 12 LW * ? *)",
        "cron(0 12 15W * ? *)",
        "cron(0 12 ? * L *)",
        "cron(0 12 ? * 6L *)",
        "cron(0 12 ? * FRIL *)",
        "cron(0 12 ? * 2#1 *)",
        "cron(0 12 ? * MON#5 *)",
        "cron(0 12 ? * mon-fri *)",
        "cron(0/15 22-2 * 11-2 ? 2027,2030)",
        "cron(5-10/2 * * * ? *)",
        "cron(  0 12 * * ? *  )",
        "cron(0  12 * * ? *)",
    ];
    for (const expression of valid) {
        it(`accepts ${expression}`, () => {
            assert.equal(scheduleExpressionProblem(expression), undefined);
        });
    }

    const invalid: [string, string][] = [
        ["rate(1 days)", 'use "1 day"'],
        ["rate(2 hour)", 'use "2 hours"'],
        ["rate(01 hours)", "the rate must be a positive whole number (got 01)"],
        [" rate(1 hour)", "it must be rate(<value> <unit>) or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)"],
        ["cron(0 12 * * ? *) ", "it must be rate(<value> <unit>) or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)"],
        ["xcron(0 12 * * ? *)", "it must be rate(<value> <unit>) or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)"],
        ["cron(0 12 * * ? * *)", "cron needs 6 fields (got 7)"],
        ["cron(1e1 12 * * ? *)", "minutes must be 0-59 with , - * / (got 1e1)"],
        ["cron(0x10 12 * * ? *)", "minutes must be 0-59 with , - * / (got 0x10)"],
        ["cron(0 24 * * ? *)", "hours must be 0-23 with , - * / (got 24)"],
        ["cron(0 12 0 * ? *)", "day-of-month must be 1-31 with , - * / or its special forms (got 0)"],
        ["cron(0 12 1-2-3 * ? *)", "day-of-month must be 1-31 with , - * / or its special forms (got 1-2-3)"],
        ["cron(0 12 1-32 * ? *)", "day-of-month must be 1-31 with , - * / or its special forms (got 1-32)"],
        ["cron(0 12 5X * ? *)", "day-of-month must be 1-31 with , - * / or its special forms (got 5X)"],
        ["cron(0 12 W * ? *)", "day-of-month must be 1-31 with , - * / or its special forms (got W)"],
        ["cron(0 12 32W * ? *)", "day-of-month must be 1-31 with , - * / or its special forms (got 32W)"],
        ["cron(0 12 x15W * ? *)", "day-of-month must be 1-31 with , - * / or its special forms (got x15W)"],
        ["cron(0 12 15Wx * ? *)", "day-of-month must be 1-31 with , - * / or its special forms (got 15Wx)"],
        ["cron(0/0 12 * * ? *)", "minutes must be 0-59 with , - * / (got 0/0)"],
        ["cron(*/a 12 * * ? *)", "minutes must be 0-59 with , - * / (got */a)"],
        ["cron(1/2/3 12 * * ? *)", "minutes must be 0-59 with , - * / (got 1/2/3)"],
        ["cron(0 12 ? 0 MON *)", "month must be 1-12 or JAN-DEC with , - * / (got 0)"],
        ["cron(0 12 ? * 8 *)", "day-of-week must be 1-7 or SUN-SAT with , - * / or its special forms (got 8)"],
        ["cron(0 12 ? * 8L *)", "day-of-week must be 1-7 or SUN-SAT with , - * / or its special forms (got 8L)"],
        ["cron(0 12 ? * xL *)", "day-of-week must be 1-7 or SUN-SAT with , - * / or its special forms (got xL)"],
        ["cron(0 12 ? * 6Lx *)", "day-of-week must be 1-7 or SUN-SAT with , - * / or its special forms (got 6Lx)"],
        ["cron(0 12 ? * 2#6 *)", "day-of-week must be 1-7 or SUN-SAT with , - * / or its special forms (got 2#6)"],
        ["cron(0 12 ? * 9#2 *)", "day-of-week must be 1-7 or SUN-SAT with , - * / or its special forms (got 9#2)"],
        ["cron(0 12 ? * #2 *)", "day-of-week must be 1-7 or SUN-SAT with , - * / or its special forms (got #2)"],
        ["cron(0 12 ? * 2#1x *)", "day-of-week must be 1-7 or SUN-SAT with , - * / or its special forms (got 2#1x)"],
        ["cron(0 12 ? * x2#1 *)", "day-of-week must be 1-7 or SUN-SAT with , - * / or its special forms (got x2#1)"],
        ["cron(0 12 ? * 12#1 *)", "day-of-week must be 1-7 or SUN-SAT with , - * / or its special forms (got 12#1)"],
        ["cron(0 12 ? * 11L *)", "day-of-week must be 1-7 or SUN-SAT with , - * / or its special forms (got 11L)"],
        ["cron(0 12 1 * ? 1969)", "year must be 1970-2199 with , - * / (got 1969)"],
        ["cron(? 12 1 * ? *)", "minutes cannot be ?"],
        ["cron(0 12 ? * ? *)", "exactly one of day-of-month and day-of-week must be ?"],
    ];
    for (const [expression, problem] of invalid) {
        it(`refuses ${expression}: ${problem}`, () => {
            assert.equal(scheduleExpressionProblem(expression), problem);
        });
    }
});

describe("a cron's fire times, in whatever order its fields list them", () => {
    it("sorts hours that wrap past midnight: 22:00 to 02:00, then 20 hours until 22:00", () => {
        assert.equal(scheduleCadence("cron(0 22-2 * * ? *)").longestGapSeconds, 20 * HOUR);
    });

    it("sorts months that wrap past December: from 1 February to 1 November", () => {
        // 1 February to 1 November is 273 days, 274 in a leap year.
        assert.equal(scheduleCadence("cron(0 12 1 11-2 ? *)").longestGapSeconds, 274 * DAY);
    });

    it("sorts the years it names, and stops after the last", () => {
        // 1 January 2027 to 1 January 2030: 1096 days (2028 is a leap year).
        assert.deepEqual(scheduleCadence("cron(0 0 1 1 ? 2030,2027)"), {
            longestGapSeconds: 1096 * DAY,
            runsPerMonth: Math.round((2 / (4 * 365 + 1)) * (730 / 24)),
        });
    });

    it("takes the last given weekday of the month for nL, which is within its last seven days", () => {
        // The last Saturday: 25 January 2025 then 22 February 2025: 28 days; at most 35.
        assert.equal(scheduleCadence("cron(0 12 ? * 7L *)").longestGapSeconds, 35 * DAY);
        assert.equal(scheduleCadence("cron(0 12 ? * L *)").longestGapSeconds, 7 * DAY, "L alone is Saturday, every week");
        assert.equal(scheduleCadence("cron(0 12 ? * SUN *)").longestGapSeconds, 7 * DAY);
    });
});

describe("a cron's steps and lists, item by item", () => {
    it("accepts a step of 1, which runs every minute", () => {
        assert.equal(scheduleExpressionProblem("cron(0/1 * * * ? *)"), undefined);
        assert.equal(scheduleCadence("cron(0/1 * * * ? *)").longestGapSeconds, 60);
    });

    it("refuses a step that is not plain digits, though JavaScript would read it as a number", () => {
        assert.equal(scheduleExpressionProblem("cron(0/+5 12 * * ? *)"), "minutes must be 0-59 with , - * / (got 0/+5)");
        assert.equal(scheduleExpressionProblem("cron(0/1e1 12 * * ? *)"), "minutes must be 0-59 with , - * / (got 0/1e1)");
    });

    it("refuses a list when any one of its items is out of range, not only when all are", () => {
        assert.equal(scheduleExpressionProblem("cron(0,60 12 * * ? *)"), "minutes must be 0-59 with , - * / (got 0,60)");
    });
});

describe("a cron's next runs, in UTC", () => {
    const iso = (instant: number) => new Date(instant).toISOString().slice(0, 16);

    it("reads a weekday's name in nL and n#k as its number", () => {
        // The last Friday of January 2027 is the 29th, of February the 26th; the first Monday the 4th and the 1st.
        assert.deepEqual(nextRuns("cron(0 12 ? * FRIL *)", "UTC", Date.UTC(2027, 0, 1), 2)!.map(iso), ["2027-01-29T12:00", "2027-02-26T12:00"]);
        assert.deepEqual(nextRuns("cron(0 12 ? * MON#1 *)", "UTC", Date.UTC(2027, 0, 1), 2)!.map(iso), ["2027-01-04T12:00", "2027-02-01T12:00"]);
    });

    it("runs nL on the last such weekday only, not also on the one a week before it", () => {
        // 31 January 2027 is a Sunday, seven days after Sunday the 24th, which is not the last.
        assert.deepEqual(nextRuns("cron(0 12 ? * 1L *)", "UTC", Date.UTC(2027, 0, 1), 2)!.map(iso), ["2027-01-31T12:00", "2027-02-28T12:00"]);
    });

    it("runs only in the years a cron names, none after the last, and in any year for year *", () => {
        assert.deepEqual(nextRuns("cron(0 0 1 1 ? 2027,2029)", "UTC", Date.UTC(2027, 6, 1), 3)!.map(iso), ["2029-01-01T00:00"]);
        assert.deepEqual(nextRuns("cron(0 0 1 1 ? *)", "UTC", Date.UTC(1990, 5, 1), 1)!.map(iso), ["1991-01-01T00:00"]);
    });

    it("gives no run for an expression Scheduler would refuse, and none, after searching, for a cron that never fires", () => {
        assert.equal(nextRuns("cron(0 24 * * ? *)", "UTC", Date.UTC(2027, 0, 1), 1), undefined);
        assert.deepEqual(nextRuns("cron(0 0 30 2 ? *)", "UTC", Date.UTC(2027, 0, 1), 1), []);
    });
});

describe("a cron's cadence over the 400-year Gregorian cycle", () => {
    it("finds a 29 February on a Thursday 40 years apart across 2100, which has no leap day", () => {
        assert.equal(scheduleCadence("cron(0 0 ? 2 5#5 *)").longestGapSeconds, (Date.UTC(2120, 1, 29) - Date.UTC(2080, 1, 29)) / 1000);
    });
});

describe("a cron's cadence in a zone that changes its clocks", () => {
    it("tells a zone that keeps one offset over the years read from one that changes it, even once, even at the edge of the years", () => {
        assert.equal(keepsOneOffset("Asia/Tokyo", 2026, 2053), true);
        assert.equal(keepsOneOffset("America/New_York", 2027, 2027), false, "one year of daylight saving");
        // São Paulo ended daylight saving on 17 February 2019, and has kept -03:00 since.
        assert.equal(keepsOneOffset("America/Sao_Paulo", 2019, 2019), false);
        assert.equal(keepsOneOffset("America/Sao_Paulo", 2020, 2025), true, "2019's change is before the years asked about");
        // Volgograd kept +04:00 from October 2018 to 27 December 2020.
        assert.equal(keepsOneOffset("Europe/Volgograd", 2019, 2019), true, "2020's change is after the years asked about");
        assert.equal(keepsOneOffset("Europe/Volgograd", 2020, 2020), false);
    });

    it("keeps a day's own spacing between its runs, on the days no change touches", () => {
        // São Paulo's one change in 2019 is in February; these run from March on, 4 h apart by day and 20 h overnight, or the reverse.
        assert.equal(scheduleCadence("cron(0 10,14 * 3-12 ? 2019)", "America/Sao_Paulo").longestGapSeconds, 20 * HOUR);
        assert.equal(scheduleCadence("cron(0 3,23 * 3-12 ? 2019)", "America/Sao_Paulo").longestGapSeconds, 20 * HOUR);
    });

    it("leaves 47 hours around a skipped 02:30, and counts each day's runs: one fewer on the spring-forward day, the repeated hour once", () => {
        // 13 March 2027 at 02:30 EST, then 15 March at 02:30 EDT: 24 + 24 - 1 hours.
        assert.deepEqual(scheduleCadence("cron(30 2 * * ? *)", "America/New_York"), { longestGapSeconds: 47 * HOUR, runsPerMonth: 30 });
        // 01:30 EDT, then 02:30 EST on the fall-back night: 2 hours; 24 runs a day, 23 on the spring-forward day.
        assert.deepEqual(scheduleCadence("cron(30 * * * ? *)", "America/New_York"), { longestGapSeconds: 2 * HOUR, runsPerMonth: 730 });
    });

    it("reads the cycle on past its 28 years, to the next run, when a cron runs once in them, and past a run the clocks skip", () => {
        // A 29 February on a Thursday: 2052, then 2080, both 00:00 EST.
        assert.equal(scheduleCadence("cron(0 0 ? 2 5#5 *)", "America/New_York").longestGapSeconds, (Date.UTC(2080, 1, 29) - Date.UTC(2052, 1, 29)) / 1000);
        // 8 March at 02:30 is skipped when it is the second Sunday of March: in 2054, after the years read, so the next run
        // after 2053's is 2055's; within them, at most 731 days apart, across a leap day.
        assert.equal(scheduleCadence("cron(30 2 8 3 ? *)", "America/New_York").longestGapSeconds, 731 * DAY);
    });

    it("finds no second run in a cron that fires once in the years it names, or never", () => {
        assert.equal(scheduleCadence("cron(0 0 1 1 ? 2030)", "America/New_York").longestGapSeconds, Infinity);
        assert.equal(scheduleCadence("cron(0 0 30 2 ? *)", "America/New_York").longestGapSeconds, Infinity);
    });
});

describe("the schedule's target", () => {
    it("starts the execution through Step Functions' StartExecution under Scheduler's id for the invocation, which its retries share, with the scheduled time in the input", () => {
        const alias = "arn:aws-us-gov:states:us-gov-west-1:123456789012:stateMachine:trading-workflow-state-machine:live";
        assert.equal(scheduledStartTarget("aws-us-gov"), "arn:aws-us-gov:scheduler:::aws-sdk:sfn:startExecution");
        const request = scheduledStartRequest(alias);
        assert.equal(request.StateMachineArn, alias);
        assert.equal(request.Name, "schedule-<aws.scheduler.execution-id>");
        assert.deepEqual(JSON.parse(request.Input), { scheduledTime: "<aws.scheduler.scheduled-time>" });
    });
});
