/**
 * Schedule expressions, validated and read in time as EventBridge Scheduler runs them, so a bad
 * expression fails before `pulumi up` creates anything rather than in the middle of it. The
 * forms are Scheduler's ("Schedule types in EventBridge Scheduler",
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html), the same as
 * EventBridge rules' ("Creating a rule that runs on a schedule",
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html) but for
 * what Scheduler adds: a time zone the cron is read in, with its daylight-saving rules (a local
 * time the clocks skip in spring does not run; one they repeat in autumn runs once), and one-time
 * `at()` schedules, which this project refuses as it needs a schedule that runs more than once.
 * Rules read every cron in UTC; a rate runs at its interval whatever the zone.
 */
import { changesBetween, instantsOf, keepsOneOffset, offsetAt, UTC } from "./time-zones";

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const WEEKDAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

interface CronField {
    name: string;
    min: number;
    max: number;
    /** Names accepted in place of numbers, the first meaning `min`. */
    names?: string[];
    /** Whether `?` ("no specific value") is allowed. */
    question?: boolean;
    /** Extra single-item forms the field allows, such as `L`, `15W` or `3#2`. */
    special?: (item: string, number: (value: string) => number | undefined) => boolean;
}

const FIELDS: CronField[] = [
    { name: "minutes", min: 0, max: 59 },
    { name: "hours", min: 0, max: 23 },
    {
        name: "day-of-month",
        min: 1,
        max: 31,
        question: true,
        special: (item, number) => item === "L" || item === "LW" || (/^\d+W$/.test(item) && number(item.slice(0, -1)) !== undefined),
    },
    { name: "month", min: 1, max: 12, names: MONTHS },
    {
        name: "day-of-week",
        min: 1,
        max: 7,
        names: WEEKDAYS,
        question: true,
        special: (item, number) => {
            if (item === "L") {
                return true;
            }
            const last = /^(.+)L$/.exec(item);
            if (last) {
                return number(last[1]) !== undefined;
            }
            const nth = /^(.+)#([1-5])$/.exec(item);
            return nth !== null && number(nth[1]) !== undefined;
        },
    },
    { name: "year", min: 1970, max: 2199 },
];

/** One value of a cron field, a number or a name, or undefined when it is neither or out of the field's range. */
function fieldNumber(field: CronField, value: string): number | undefined {
    const index = field.names?.indexOf(value.toUpperCase()) ?? -1;
    const parsed = index >= 0 ? field.min + index : /^\d+$/.test(value) ? Number(value) : NaN;
    return parsed >= field.min && parsed <= field.max ? parsed : undefined;
}

/** A cron expression's fields, or undefined when it is not of the form cron(...). */
function cronFields(expression: string): string[] | undefined {
    return /^cron\((.*)\)$/.exec(expression)?.[1].trim().split(/\s+/);
}

/** Why one cron field is invalid, or undefined when it is valid. */
function cronFieldProblem(field: CronField, text: string): string | undefined {
    const number = (value: string) => fieldNumber(field, value);
    const range = (value: string): boolean => {
        if (value === "*") {
            return true;
        }
        const [from, to, ...rest] = value.split("-");
        return rest.length === 0 && number(from) !== undefined && (to === undefined || number(to) !== undefined);
    };
    const item = (value: string): boolean => {
        if (field.special?.(value, number)) {
            return true;
        }
        const [base, step, ...rest] = value.split("/");
        return rest.length === 0 && range(base) && (step === undefined || (/^\d+$/.test(step) && Number(step) >= 1));
    };
    if (text === "?") {
        return field.question ? undefined : `${field.name} cannot be ?`;
    }
    const valid = text.split(",").every(item);
    const names = field.names ? ` or ${field.names[0]}-${field.names.at(-1)}` : "";
    return valid
        ? undefined
        : `${field.name} must be ${field.min}-${field.max}${names} with , - * /${field.special ? " or its special forms" : ""} (got ${text})`;
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;

/** Why a schedule expression is invalid, or undefined when EventBridge accepts it. */
export function scheduleExpressionProblem(expression: string): string | undefined {
    const rate = RATE.exec(expression);
    if (rate) {
        const value = Number(rate[1]);
        const plural = rate[2].endsWith("s");
        if (!/^[1-9]\d*$/.test(rate[1])) {
            return `the rate must be a positive whole number (got ${rate[1]})`;
        }
        return (value === 1) === plural ? `use "${value} ${value === 1 ? rate[2].replace(/s$/, "") : `${rate[2]}s`}"` : undefined;
    }
    const fields = cronFields(expression);
    if (!fields) {
        return "it must be rate(<value> <unit>) or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)";
    }
    if (fields.length !== 6) {
        return `cron needs 6 fields (got ${fields.length})`;
    }
    for (const [i, field] of FIELDS.entries()) {
        const problem = cronFieldProblem(field, fields[i]);
        if (problem) {
            return problem;
        }
    }
    const [, , dayOfMonth, , dayOfWeek] = fields;
    if ((dayOfMonth === "?") === (dayOfWeek === "?")) {
        return "exactly one of day-of-month and day-of-week must be ?";
    }
    return undefined;
}

/** AWS bills a month as 730 hours. */
export const MONTH_HOURS = 730;
const SECONDS_PER_DAY = 86400;
const MS_PER_DAY = SECONDS_PER_DAY * 1000;

/** The values `text` (already valid) selects in a plain field: lists, ranges (wrapping past max), steps and `*`. */
function fieldValues(field: CronField, text: string): Set<number> {
    const number = (value: string) => fieldNumber(field, value)!;
    const values = new Set<number>();
    for (const item of text.split(",")) {
        const [base, stepText] = item.split("/");
        const step = stepText === undefined ? 1 : Number(stepText);
        const [fromText, toText] = base.split("-");
        const from = base === "*" ? field.min : number(fromText);
        // "5/10" runs from 5 to the field's end; "5-50/10" to 50; "50-10" wraps past the end.
        const to = base === "*" ? field.max : toText === undefined ? (stepText === undefined ? from : field.max) : number(toText);
        const span = to >= from ? to - from : field.max - field.min + 1 - (from - to);
        for (let offset = 0; offset <= span; offset += step) {
            values.add(((from - field.min + offset) % (field.max - field.min + 1)) + field.min);
        }
    }
    return values;
}

/** Days in a month of a year (month 1-12). */
const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** The weekday (Monday to Friday) nearest to `day` within its month, as `W` means it. */
function nearestWeekday(year: number, month: number, day: number): number {
    const last = daysInMonth(year, month);
    const target = Math.min(day, last);
    const weekday = new Date(Date.UTC(year, month - 1, target)).getUTCDay();
    if (weekday === 6) {
        return target === 1 ? 3 : target - 1;
    }
    if (weekday === 0) {
        return target === last ? target - 2 : target + 1;
    }
    return target;
}

/** Whether a date is one a day field selects: year, month (1-12), day of the month, weekday (1 = SUN ... 7 = SAT). */
type DayMatcher = (year: number, month: number, day: number, weekday: number) => boolean;

/** Whether a date (UTC) is one the day-of-month field selects. */
function dayOfMonthMatcher(text: string): DayMatcher {
    const plain = new Set<number>();
    const tests: DayMatcher[] = [];
    for (const item of text.split(",")) {
        if (item === "L") {
            tests.push((y, m, d) => d === daysInMonth(y, m));
        } else if (item === "LW") {
            tests.push((y, m, d) => d === nearestWeekday(y, m, daysInMonth(y, m)));
        } else if (item.endsWith("W")) {
            const target = Number(item.slice(0, -1));
            tests.push((y, m, d) => d === nearestWeekday(y, m, target));
        } else {
            fieldValues(FIELDS[2], item).forEach((v) => plain.add(v));
        }
    }
    return (y, m, d, w) => plain.has(d) || tests.some((t) => t(y, m, d, w));
}

/** Whether a date (UTC) is one the day-of-week field selects. */
function dayOfWeekMatcher(text: string): DayMatcher {
    const field = FIELDS[4];
    const number = (value: string) => fieldNumber(field, value)!;
    const plain = new Set<number>();
    const tests: DayMatcher[] = [];
    for (const item of text.split(",")) {
        const last = /^(.+)L$/.exec(item);
        const nth = /^(.+)#([1-5])$/.exec(item);
        if (item === "L") {
            plain.add(7);
        } else if (last) {
            const target = number(last[1]);
            tests.push((y, m, d, w) => w === target && d + 7 > daysInMonth(y, m));
        } else if (nth) {
            const target = number(nth[1]);
            const which = Number(nth[2]);
            tests.push((_y, _m, d, w) => w === target && Math.ceil(d / 7) === which);
        } else {
            fieldValues(field, item).forEach((v) => plain.add(v));
        }
    }
    return (y, m, d, w) => plain.has(w) || tests.some((t) => t(y, m, d, w));
}

/**
 * The Gregorian calendar repeats every 400 years (146,097 days, a whole number of weeks), so a
 * cron whose year is `*` is read over one such cycle; otherwise over the years it names.
 */
const CYCLE_START_YEAR = 2000;
const CYCLE_YEARS = 400;

/** The days of one year a cron fires on, as days since 1 January: how many, the first and last, and the most days between two of them. */
interface YearDays {
    /** The days, as days since 1 January, in order. */
    days: number[];
    count: number;
    first: number;
    last: number;
    longestGapDays: number;
}

/** When a valid cron expression fires: on which days of each year, at which times of day. */
interface CronCalendar {
    /** The years it is read over, in order. */
    years: number[];
    /** The days of `year` it fires on. */
    daysOfYear: (year: number) => YearDays;
    /** The times of day it fires at, in seconds since midnight, in order. */
    timesOfDay: number[];
    /** Whether the calendar repeats after its years (year `*`), or ends (named years). */
    repeats: boolean;
}

function cronCalendar(fields: string[]): CronCalendar {
    const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields;
    const minuteSet = [...fieldValues(FIELDS[0], minutes)].sort((a, b) => a - b);
    const hourSet = [...fieldValues(FIELDS[1], hours)].sort((a, b) => a - b);
    const months = [...fieldValues(FIELDS[3], month)].sort((a, b) => a - b);
    const dayMatches = dayOfMonth === "?" ? dayOfWeekMatcher(dayOfWeek) : dayOfMonthMatcher(dayOfMonth);
    // A year's matching days depend only on whether it is a leap year and on its first weekday:
    // 14 kinds of year, each read once.
    const byKind = new Map<string, YearDays>();
    const daysOfYear = (y: number): YearDays => {
        const start = Date.UTC(y, 0, 1);
        const kind = `${daysInMonth(y, 2)}/${new Date(start).getUTCDay()}`;
        let days = byKind.get(kind);
        if (days === undefined) {
            const matching: number[] = [];
            for (const m of months) {
                const first = Date.UTC(y, m - 1, 1);
                const firstWeekday = new Date(first).getUTCDay();
                const length = daysInMonth(y, m);
                for (let d = 1; d <= length; d++) {
                    if (dayMatches(y, m, d, ((firstWeekday + d - 1) % 7) + 1)) {
                        matching.push((first - start) / MS_PER_DAY + d - 1);
                    }
                }
            }
            days = {
                days: matching,
                count: matching.length,
                first: matching[0],
                last: matching[matching.length - 1],
                longestGapDays: Math.max(0, ...matching.slice(1).map((day, i) => day - matching[i])),
            };
            byKind.set(kind, days);
        }
        return days;
    };
    return {
        years: year === "*" ? Array.from({ length: CYCLE_YEARS }, (_, i) => CYCLE_START_YEAR + i) : [...fieldValues(FIELDS[5], year)].sort((a, b) => a - b),
        daysOfYear,
        timesOfDay: hourSet.flatMap((h) => minuteSet.map((m) => h * 3600 + m * 60)),
        repeats: year === "*",
    };
}

/** What a valid schedule expression means in time: how far apart its runs can be, and how often it runs. */
export interface ScheduleCadence {
    /** The longest time between two consecutive runs, in seconds; Infinity when it runs at most once. */
    longestGapSeconds: number;
    /** Runs in a 730-hour month, on average. */
    runsPerMonth: number;
}

const RATE_UNIT_SECONDS = { minute: 60, hour: 3600, day: SECONDS_PER_DAY };

/**
 * Over which years a cron is read in a zone that changes its clocks: each zone's rules are yearly,
 * and weekdays fall on the same dates every 28 years (from 1901 to 2099), so 28 years hold every
 * way a zone's changes meet a weekly schedule. A cron that names its years is read over those.
 */
export const ZONED_YEARS = { first: 2026, count: 28 } as const;

/**
 * The cadence of a schedule Scheduler accepts (`scheduleExpressionProblem` is undefined), in a time
 * zone (UTC unless given): a rate's own interval, whatever the zone; a cron's by its actual fire
 * times, read in the zone. A cron that names its years is read over those years only; past its
 * last year it never runs.
 */
export function scheduleCadence(expression: string, zone: string = UTC): ScheduleCadence {
    const problem = scheduleExpressionProblem(expression);
    if (problem !== undefined) {
        throw new Error(`not a valid schedule expression (${expression}): ${problem}`);
    }
    const rate = RATE.exec(expression);
    if (rate) {
        const seconds = Number(rate[1]) * RATE_UNIT_SECONDS[rate[2].replace(/s$/, "") as keyof typeof RATE_UNIT_SECONDS];
        return { longestGapSeconds: seconds, runsPerMonth: Math.floor((MONTH_HOURS * 3600) / seconds) };
    }
    const calendar = cronCalendar(cronFields(expression)!);
    const years = zonedYears(calendar);
    // In a zone that keeps one offset, local time is UTC shifted: the gaps are the calendar's own.
    return keepsOneOffset(zone, years[0], years[years.length - 1]) ? calendarCadence(calendar) : zonedCadence(calendar, zone, years);
}

/** The years a cron is read over in a zone that changes its clocks (see ZONED_YEARS). */
const zonedYears = (calendar: CronCalendar): number[] =>
    calendar.repeats ? Array.from({ length: ZONED_YEARS.count }, (_, i) => ZONED_YEARS.first + i) : calendar.years;

/** The cadence of a cron calendar in local time that no offset change moves, over its whole cycle. */
function calendarCadence({ years, daysOfYear, timesOfDay, repeats }: CronCalendar): ScheduleCadence {
    const firstTime = timesOfDay[0];
    const lastTime = timesOfDay[timesOfDay.length - 1];
    let longest = 0;
    for (let i = 1; i < timesOfDay.length; i++) {
        longest = Math.max(longest, timesOfDay[i] - timesOfDay[i - 1]);
    }
    // Between two firing days, the last run of one and the first of the next; within a year,
    // its longest gap between firing days; across years, from one's last firing day to the
    // next one's first; with year `*`, on into the first firing day of the next cycle.
    const between = (days: number) => days * SECONDS_PER_DAY + firstTime - lastTime;
    let firstDay: number | undefined;
    let previousDay: number | undefined;
    let days = 0;
    for (const y of years) {
        const yearDays = daysOfYear(y);
        if (yearDays.count === 0) {
            continue;
        }
        const start = Date.UTC(y, 0, 1) / MS_PER_DAY;
        if (previousDay !== undefined) {
            longest = Math.max(longest, between(start + yearDays.first - previousDay));
        }
        if (yearDays.count > 1) {
            longest = Math.max(longest, between(yearDays.longestGapDays));
        }
        firstDay ??= start + yearDays.first;
        previousDay = start + yearDays.last;
        days += yearDays.count;
    }
    const spanDays = (Date.UTC(years[years.length - 1] + 1, 0, 1) - Date.UTC(years[0], 0, 1)) / MS_PER_DAY;
    if (repeats && firstDay !== undefined && previousDay !== undefined) {
        longest = Math.max(longest, between(firstDay + spanDays - previousDay));
    }
    const runs = days * timesOfDay.length;
    return {
        longestGapSeconds: runs > 1 || (repeats && runs === 1) ? longest : Infinity,
        runsPerMonth: Math.round((runs / spanDays) * (MONTH_HOURS / 24)),
    };
}

/** The instants a firing day's runs start at in the zone: each local time once, a skipped one not at all. */
function dayRuns(zone: string, dayWall: number, timesOfDay: readonly number[]): number[] {
    if (!changesBetween(zone, dayWall - MS_PER_DAY, dayWall + 2 * MS_PER_DAY)) {
        const offset = offsetAt(zone, dayWall);
        return timesOfDay.map((time) => dayWall + time * 1000 - offset);
    }
    // A local time the clocks repeat runs once, at its first instant; one they skip does not run.
    return timesOfDay.flatMap((time) => instantsOf(zone, dayWall + time * 1000).slice(0, 1));
}

/**
 * The cadence of a cron calendar in a zone that changes its clocks, read run by run around each
 * change and day by day elsewhere, over `years`; with year `*`, on into the first run after them.
 */
function zonedCadence(calendar: CronCalendar, zone: string, years: readonly number[]): ScheduleCadence {
    const { daysOfYear, timesOfDay, repeats } = calendar;
    // Within a day no change touches, the runs keep their local spacing.
    const spacing = Math.max(0, ...timesOfDay.slice(1).map((time, i) => time - timesOfDay[i])) * 1000;
    const [firstTime, lastTime] = [timesOfDay[0] * 1000, timesOfDay[timesOfDay.length - 1] * 1000];
    let longest = 0;
    let previous: number | undefined;
    let runs = 0;
    for (const year of years) {
        for (const day of daysOfYear(year).days) {
            const dayWall = Date.UTC(year, 0, 1) + day * MS_PER_DAY;
            let first: number;
            let last: number;
            if (changesBetween(zone, dayWall - MS_PER_DAY, dayWall + 2 * MS_PER_DAY)) {
                const instants = dayRuns(zone, dayWall, timesOfDay);
                if (instants.length === 0) {
                    continue;
                }
                instants.slice(1).forEach((instant, i) => (longest = Math.max(longest, instant - instants[i])));
                [first, last] = [instants[0], instants[instants.length - 1]];
                runs += instants.length;
            } else {
                const offset = offsetAt(zone, dayWall);
                [first, last] = [dayWall + firstTime - offset, dayWall + lastTime - offset];
                longest = Math.max(longest, spacing);
                runs += timesOfDay.length;
            }
            longest = Math.max(longest, first - (previous ?? first));
            previous = last;
        }
    }
    if (repeats && previous !== undefined) {
        // The first run after the years read: the cycle goes on.
        for (let year = years[years.length - 1] + 1; ; year++) {
            const first = daysOfYear(year)
                .days.map((day) => dayRuns(zone, Date.UTC(year, 0, 1) + day * MS_PER_DAY, timesOfDay))
                .find((r) => r.length > 0);
            if (first !== undefined) {
                longest = Math.max(longest, first[0] - previous);
                break;
            }
        }
    }
    const spanDays = (Date.UTC(years[years.length - 1] + 1, 0, 1) - Date.UTC(years[0], 0, 1)) / MS_PER_DAY;
    return {
        longestGapSeconds: runs > 1 || (repeats && runs === 1) ? longest / 1000 : Infinity,
        runsPerMonth: Math.round((runs / spanDays) * (MONTH_HOURS / 24)),
    };
}

/**
 * The next `count` runs of a cron at or after `from`, in the zone, as instants: what Scheduler
 * would start, a skipped local time left out and a repeated one run once. Undefined for a rate,
 * whose runs follow the schedule's own start, which no expression says.
 */
export function nextRuns(expression: string, zone: string, from: number, count: number): number[] | undefined {
    const fields = cronFields(expression);
    if (fields === undefined || scheduleExpressionProblem(expression) !== undefined) {
        return undefined;
    }
    const calendar = cronCalendar(fields);
    const found: number[] = [];
    const start = new Date(from + offsetAt(zone, from));
    const lastYear = calendar.repeats ? start.getUTCFullYear() + CYCLE_YEARS : calendar.years[calendar.years.length - 1];
    for (let year = start.getUTCFullYear() - 1; year <= lastYear && found.length < count; year++) {
        if (!calendar.repeats && !calendar.years.includes(year)) {
            continue;
        }
        for (const day of calendar.daysOfYear(year).days) {
            found.push(...dayRuns(zone, Date.UTC(year, 0, 1) + day * MS_PER_DAY, calendar.timesOfDay).filter((instant) => instant >= from));
            if (found.length >= count) {
                break;
            }
        }
    }
    return found.slice(0, count);
}

/** What Scheduler puts in a request in place of these, when it makes it (Scheduler user guide, "Adding context attributes"). */
const SCHEDULER_EXECUTION_ID = "<aws.scheduler.execution-id>";
const SCHEDULER_SCHEDULED_TIME = "<aws.scheduler.scheduled-time>";

/** The universal target that calls Step Functions' StartExecution with a request of its own (Scheduler user guide, "Using universal targets"). */
export const scheduledStartTarget = (partition: string): string => `arn:${partition}:scheduler:::aws-sdk:sfn:startExecution`;

/**
 * The StartExecution request the schedule makes, through `live`: the execution named after
 * Scheduler's id for the invocation, which its retries share, so that a retry of a start that did
 * reach Step Functions is refused as ExecutionAlreadyExists (or, while that execution runs with
 * the same input, answered with it) instead of starting a second trade. The scheduled time goes in
 * the input: it cannot be the name, as a name refuses the colons the time holds (Step Functions
 * API reference, "StartExecution").
 */
export function scheduledStartRequest(aliasArn: string): { StateMachineArn: string; Name: string; Input: string } {
    return { StateMachineArn: aliasArn, Name: `schedule-${SCHEDULER_EXECUTION_ID}`, Input: JSON.stringify({ scheduledTime: SCHEDULER_SCHEDULED_TIME }) };
}
