/**
 * Schedules read in a time zone, as EventBridge Scheduler reads them: the zone key, the
 * daylight-saving rules ("Schedule types": a skipped local time does not run, a repeated one runs
 * once), the staleness window across a change, and the reader against a zone-aware oracle,
 * cron-parser, over generated schedules in three zones on both change dates of 2027.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { CronExpressionParser } from "cron-parser";
import fc from "fast-check";
import { ConfigError, parseConfig } from "../model/config";
import { leastStaleHours } from "../model/keys";
import { PROJECT_ROOT } from "../model/project";
import { nextRuns, scheduleCadence } from "../model/schedule";
import { instantsOf, offsetAt, readYear, TIME_ZONES, wallClockFormatter, wallClockText } from "../model/time-zones";
import { main as show } from "../scripts/local/show";
import { settings } from "./support/arbitraries";
import { runProgram } from "./support/program";
import { thrown } from "./support/thrown";
import { runInProcess } from "./support/tool";

const HOUR = 3600_000;
const iso = (instant: number) => new Date(instant).toISOString().slice(0, 16);

describe("schedules in a time zone", () => {
    it("takes UTC and every IANA zone Node.js knows, and refuses another name before any resource, naming the key, the form and the nearest zone", async () => {
        assert.equal(parseConfig({}).scheduleTimezone, "UTC");
        assert.equal(parseConfig({ scheduleTimezone: "Asia/Tokyo" }).scheduleTimezone, "Asia/Tokyo");
        assert.ok(TIME_ZONES.includes("America/New_York") && TIME_ZONES[0] === "UTC");
        const refused = thrown(() => parseConfig({ scheduleTimezone: "America/NewYork" }), ConfigError);
        assert.deepEqual(refused.problems, [
            'stock-trader:scheduleTimezone must be UTC or an IANA time zone name, such as America/New_York (Intl.supportedValuesOf("timeZone") lists them); ' +
                "did you mean America/New_York? (got America/NewYork)",
        ]);
        const run = await runProgram({ scheduleTimezone: "EST5" });
        assert.ok(run.error instanceof ConfigError);
        assert.deepEqual(run.resources, []);
    });

    it("reads a zone's offsets, and a local time's instants: none when the clocks skip it, two when they repeat it", () => {
        assert.equal(offsetAt("Europe/London", Date.UTC(2027, 0, 15)), 0);
        assert.equal(offsetAt("Europe/London", Date.UTC(2027, 6, 15)), HOUR);
        assert.equal(offsetAt("UTC", Date.UTC(2027, 6, 15)), 0);
        assert.deepEqual(instantsOf("America/New_York", Date.UTC(2027, 2, 14, 2, 30)), [], "02:30 on the spring-forward night");
        assert.deepEqual(instantsOf("America/New_York", Date.UTC(2027, 10, 7, 1, 30)), [Date.UTC(2027, 10, 7, 5, 30), Date.UTC(2027, 10, 7, 6, 30)]);
        assert.deepEqual(instantsOf("America/New_York", Date.UTC(2027, 5, 1, 9, 0)), [Date.UTC(2027, 5, 1, 13, 0)]);
        assert.equal(wallClockText("Asia/Kathmandu", Date.UTC(2027, 0, 1, 0, 0)), "2027-01-01 05:45");
    });

    it("reads a zone's offset at any instant of a year as Intl's parts of the date give it, each change to the second", () => {
        const intlOffset = (zone: string, instant: number) => {
            const part = Object.fromEntries(
                wallClockFormatter(zone)
                    .formatToParts(instant)
                    .map((p) => [p.type, Number(p.value)]),
            );
            return Date.UTC(part.year, part.month - 1, part.day, part.hour, part.minute, part.second) - instant;
        };
        fc.assert(
            fc.property(
                fc.constantFrom(...TIME_ZONES),
                fc.integer({ min: 2000, max: 2099 }),
                fc.double({ min: 0, max: 1, noNaN: true }),
                (zone, year, within) => {
                    // Read anew, not from what offsetAt keeps, so that a change to the reading shows here.
                    const changes = readYear(zone, year);
                    const [start, end] = [Date.UTC(year, 0, 1), Date.UTC(year + 1, 0, 1)];
                    assert.equal(changes[0].at, start);
                    for (const [i, change] of changes.entries()) {
                        assert.equal(change.offset, intlOffset(zone, change.at), `${zone} from ${new Date(change.at).toISOString()}`);
                        if (i > 0) {
                            assert.ok(change.at > changes[i - 1].at && change.at < end && change.offset !== changes[i - 1].offset);
                            assert.equal(
                                intlOffset(zone, change.at - 1000),
                                changes[i - 1].offset,
                                `${zone} a second before ${new Date(change.at).toISOString()}`,
                            );
                        }
                    }
                    const instant = Math.floor((start + within * (end - 1000 - start)) / 1000) * 1000;
                    const holding = changes.filter((change) => change.at <= instant).at(-1)!;
                    assert.equal(holding.offset, intlOffset(zone, instant), `${zone} at ${new Date(instant).toISOString()}`);
                    assert.equal(offsetAt(zone, instant), holding.offset);
                },
            ),
            settings(100),
        );
    });

    it("does not run a local time the clocks skip, and runs a repeated one once, at its first instant", () => {
        assert.deepEqual(nextRuns("cron(30 2 * * ? *)", "America/New_York", Date.UTC(2027, 2, 12), 3)!.map(iso), [
            "2027-03-12T07:30",
            "2027-03-13T07:30",
            "2027-03-15T06:30",
        ]);
        assert.deepEqual(nextRuns("cron(0/30 1-2 * * ? *)", "America/New_York", Date.UTC(2027, 10, 7, 4), 5)!.map(iso), [
            "2027-11-07T05:00",
            "2027-11-07T05:30",
            "2027-11-07T07:00",
            "2027-11-07T07:30",
            "2027-11-08T06:00",
        ]);
        assert.equal(nextRuns("rate(1 hour)", "America/New_York", Date.UTC(2027, 0, 1), 3), undefined, "a rate's runs follow the schedule's own start");
    });

    it("gives the market-hours schedule the window of the weekend the clocks fall back: 66.25 hours, so 69 hours of staleness", () => {
        const market = "cron(0/15 9-15 ? * MON-FRI *)";
        assert.equal(scheduleCadence(market, "America/New_York").longestGapSeconds, 66.25 * 3600);
        assert.equal(scheduleCadence(market).longestGapSeconds, 65.25 * 3600, "in UTC, no change lengthens a weekend");
        assert.equal(scheduleCadence(market, "Asia/Tokyo").longestGapSeconds, 65.25 * 3600, "Tokyo keeps one offset");
        const config = parseConfig({ scheduleEnabled: "true", scheduleExpression: market, scheduleTimezone: "America/New_York" });
        assert.equal(config.staleAfterHours, 69);
        assert.match(
            thrown(
                () => parseConfig({ scheduleEnabled: "true", scheduleExpression: market, scheduleTimezone: "America/New_York", staleAfterHours: "67" }),
                ConfigError,
            ).problems[0],
            /^stock-trader:staleAfterHours must be at least 68 with stock-trader:scheduleExpression cron\(0\/15 9-15 \? \* MON-FRI \*\) leaves up to 66\.25 hours between runs in America\/New_York/,
        );
    });

    it("keeps prod's commented market-hours example a schedule the config accepts, with that window", () => {
        const prod = fs.readFileSync(path.join(PROJECT_ROOT, "Pulumi.prod.yaml"), "utf8");
        const commented = Object.fromEntries([...prod.matchAll(/^ {2}# stock-trader:(\w+): (.+)$/gm)].map((m) => [m[1], m[2]]));
        assert.deepEqual(Object.keys(commented).sort(), ["scheduleExpression", "scheduleTimezone"]);
        assert.equal(parseConfig({ scheduleEnabled: "true", ...commented }).staleAfterHours, 69);
    });

    it("prints the schedule's next start times in its zone and in UTC, its longest gap and its window (npm run show -- schedule)", async () => {
        const run = await runInProcess(show, [
            "--stack",
            "prod",
            "--set",
            "scheduleTimezone=America/New_York",
            "--set",
            "scheduleExpression=cron(0/15 9-15 ? * MON-FRI *)",
            "--from",
            "2027-11-05T20:30Z",
            "--count",
            "3",
            "schedule",
        ]);
        assert.equal(run.status, 0, run.stderr);
        assert.equal(run.stdout.split("\n")[0], "Schedule of the prod stack: cron(0/15 9-15 ? * MON-FRI *) in America/New_York, on");
        assert.deepEqual(run.stdout.split("\n").slice(1, 5), [
            "Next 3 start(s) from 2027-11-05T20:30Z, in America/New_York and in UTC:",
            "  2027-11-08 09:00  2027-11-08T14:00Z",
            "  2027-11-08 09:15  2027-11-08T14:15Z",
            "  2027-11-08 09:30  2027-11-08T14:30Z",
        ]);
        assert.match(run.stdout, /^Longest gap between runs: 66\.25 hours, daylight saving included$/m);
        assert.match(run.stdout, /^Stale-success window: 69 hours without a successful execution raise the no-recent-success alarm$/m);
        const rate = await runInProcess(show, ["schedule"]);
        assert.match(rate.stdout, /^A rate runs at its interval from the schedule's own start/m);
        const bad = await runInProcess(show, ["--from", "2027-02-30T00:00Z", "schedule"]);
        assert.equal(bad.status, 2);
        assert.match(bad.stderr, /^--from must be a time in UTC, such as 2027-03-14T00:00Z, a date the calendar has \(got 2027-02-30T00:00Z\)/);
    });
});

/** The three zones and the dates their clocks change in 2027 (Tokyo's none: New York's dates). */
const ZONES: readonly [string, number, number][] = [
    ["America/New_York", Date.UTC(2027, 2, 14), Date.UTC(2027, 10, 7)],
    ["Europe/London", Date.UTC(2027, 2, 28), Date.UTC(2027, 9, 31)],
    ["Asia/Tokyo", Date.UTC(2027, 2, 14), Date.UTC(2027, 10, 7)],
];

/** A cron Scheduler reads, with the same schedule in cron-parser's five fields. */
const crons = fc
    .record({
        minutes: fc.constantFrom(["0"], ["15"], ["0", "30"], ["45"], ["0", "15", "30", "45"]),
        hours: fc.constantFrom("*", "1", "2", "1-3", "9-15", "0/6"),
        days: fc.constantFrom(["?", "*"], ["?", "MON-FRI"], ["?", "SUN"], ["?", "SAT,SUN"], ["*", "?"], ["1", "?"], ["15", "?"]),
    })
    .map(({ minutes, hours, days: [dom, dow] }) => ({
        aws: `cron(${minutes.join(",")} ${hours} ${dom} * ${dow} *)`,
        standard: `${minutes.join(",")} ${hours} ${dom === "?" ? "*" : dom} * ${dow === "?" ? "*" : dow}`,
        minutes: minutes.map(Number),
    }));

/**
 * cron-parser's runs from `from`, by Scheduler's rules: a run at a local time the expression does
 * not name (cron-parser moves a skipped time past the change) is left out, as is a second run at
 * one local time (a time the clocks repeat runs once).
 */
function oracleRuns(standard: string, minutes: readonly number[], zone: string, from: number, until: number): number[] {
    const runs = CronExpressionParser.parse(standard, { tz: zone, currentDate: new Date(from - 1000) });
    const hours: readonly number[] = CronExpressionParser.parse(standard).fields.hour.values;
    const seen = new Set<string>();
    const kept: number[] = [];
    for (let at = runs.next().getTime(); at <= until; at = runs.next().getTime()) {
        const local = wallClockText(zone, at);
        if (!seen.has(local) && hours.includes(Number(local.slice(11, 13))) && minutes.includes(Number(local.slice(14, 16)))) {
            kept.push(at);
        }
        seen.add(local);
    }
    return kept;
}

describe("the zoned reader against cron-parser, a zone-aware oracle", () => {
    it("starts at the instants the oracle gives, around both of each zone's changes, by Scheduler's daylight-saving rules", () => {
        fc.assert(
            fc.property(crons, fc.constantFrom(...ZONES), fc.boolean(), ({ aws, standard, minutes }, [zone, spring, autumn], inAutumn) => {
                const from = (inAutumn ? autumn : spring) - 3 * 24 * HOUR;
                const until = from + 7 * 24 * HOUR;
                const ours = nextRuns(aws, zone, from, 2000)!.filter((run) => run <= until);
                assert.deepEqual(ours.map(iso), oracleRuns(standard, minutes, zone, from, until).map(iso), `${aws} in ${zone}`);
            }),
            settings(30),
        );
    });

    it("allows a staleness window that covers every gap between the oracle's runs over a year", () => {
        fc.assert(
            fc.property(
                crons.filter(({ minutes }) => minutes.length === 1),
                fc.constantFrom(...ZONES),
                ({ aws, standard, minutes }, [zone]) => {
                    const runs = oracleRuns(standard, minutes, zone, Date.UTC(2027, 0, 1), Date.UTC(2028, 0, 1));
                    const gap = Math.max(...runs.slice(1).map((run, i) => run - runs[i])) / 1000;
                    const ours = scheduleCadence(aws, zone).longestGapSeconds;
                    assert.ok(ours >= gap, `${aws} in ${zone}: the reader's longest gap ${ours} s is shorter than the oracle's ${gap} s`);
                    assert.ok(leastStaleHours(ours)! * 3600 >= gap + 3600, `${aws} in ${zone}: the window does not cover the gap and the run`);
                },
            ),
            settings(12),
        );
    });
});

describe("schedules in a time zone, a name near no zone", () => {
    it("refuses a zone name near no zone without offering one", () => {
        const refused = thrown(() => parseConfig({ scheduleTimezone: "Mars/Olympus_Mons" }), ConfigError);
        assert.deepEqual(refused.problems, [
            'stock-trader:scheduleTimezone must be UTC or an IANA time zone name, such as America/New_York (Intl.supportedValuesOf("timeZone") lists them) ' +
                "(got Mars/Olympus_Mons)",
        ]);
    });
});
