/**
 * The project's reader of EventBridge cron expressions (model/schedule.ts) against a maintained
 * parser of AWS's dialect, aws-cron-parser: over generated expressions, the longest gap between
 * two runs is the same by both. The parser reads a narrower dialect than AWS documents: it throws
 * on wrap-around ranges (`22-2`, `FRI-MON`) and `LW`, and finds no
 * run for `L` alone in the day of the week. Those expressions are left out here, and listed by
 * the last test, so that a change in either reader shows.
 */
import * as assert from "node:assert/strict";
import awsCron from "aws-cron-parser";
import fc from "fast-check";
import { scheduleCadence } from "../model/schedule";
import { scheduleExpressions, settings } from "./support/arbitraries";

/** From 2027 over 28 years, the cycle in which dates fall on the same weekdays again (no century year in it skips a leap day). */
const FROM = Date.UTC(2027, 0, 1);
const UNTIL = Date.UTC(2055, 0, 1);
/** Enough runs for a schedule every few minutes to show its weekly and monthly gaps. */
const MAX_RUNS = 20_000;

/** The longest gap between two runs by aws-cron-parser, or undefined where it cannot read the expression. */
function parserLongestGap(expression: string): number | undefined {
    try {
        const parsed = awsCron.parse(expression.slice("cron(".length, -1));
        let at = awsCron.next(parsed, new Date(FROM));
        if (at === null) {
            return undefined;
        }
        let longest = 0;
        for (let runs = 0; runs < MAX_RUNS; runs++) {
            const next = awsCron.next(parsed, new Date(at.getTime() + 1000));
            if (next === null || next.getTime() >= UNTIL) {
                return runs === 0 ? Infinity : longest;
            }
            longest = Math.max(longest, (next.getTime() - at.getTime()) / 1000);
            at = next;
        }
        return longest;
    } catch {
        return undefined;
    }
}

const crons = scheduleExpressions.filter((expression) => expression.startsWith("cron("));

describe("the cron reader against aws-cron-parser", () => {
    it("finds the same longest gap between runs for every expression both read", () => {
        fc.assert(
            fc.property(crons, (expression) => {
                const theirs = parserLongestGap(expression);
                fc.pre(theirs !== undefined);
                assert.equal(scheduleCadence(expression).longestGapSeconds, theirs, expression);
            }),
            settings(25),
        );
    });

    it("reads what the parser does not: wrap-around ranges, LW, and L alone in the day of the week", () => {
        for (const expression of ["cron(0 22-2 * * ? *)", "cron(0 9 ? * FRI-MON *)", "cron(0 12 LW * ? *)", "cron(0 12 ? * L *)"]) {
            assert.equal(parserLongestGap(expression), undefined, `aws-cron-parser now reads ${expression}: compare it in the property`);
            assert.ok(Number.isFinite(scheduleCadence(expression).longestGapSeconds), expression);
        }
    });
});
