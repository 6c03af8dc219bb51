/**
 * Time zones as EventBridge Scheduler reads a schedule in one: the IANA names Node.js knows, each
 * zone's offset from UTC at any instant, and a local wall-clock time turned into the instants it
 * names, none where the clocks skip it and two where they repeat it. Zone data is Node.js's own
 * (its ICU's tz database), read through Intl once per zone and year.
 */

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const WEEK_MS = 7 * DAY_MS;

/** Scheduler's default zone, which no offset change ever moves. */
export const UTC = "UTC";

/** The zones a schedule may name: UTC, and every IANA zone this Node.js knows (`Intl.supportedValuesOf("timeZone")`). */
export const TIME_ZONES: readonly string[] = [UTC, ...Intl.supportedValuesOf("timeZone").filter((zone) => zone !== UTC)];

const formatters = new Map<string, Intl.DateTimeFormat>();

/** How an en-US formatter with a 23-hour clock writes a date and time: `M/D/YYYY, HH:MM:SS`. */
const EN_US_READING = /^(\d{1,2})\/(\d{1,2})\/(\d{4}), (\d{2}):(\d{2}):(\d{2})$/;

/** The formatter that reads a zone's wall clock: en-US, a 23-hour clock, every field as a number; one per zone. */
export function wallClockFormatter(zone: string): Intl.DateTimeFormat {
    let formatter = formatters.get(zone);
    if (formatter === undefined) {
        formatter = new Intl.DateTimeFormat("en-US", {
            timeZone: zone,
            hourCycle: "h23",
            year: "numeric",
            month: "numeric",
            day: "numeric",
            hour: "numeric",
            minute: "numeric",
            second: "numeric",
        });
        formatters.set(zone, formatter);
    }
    return formatter;
}

/** The zone's wall clock at an instant, as the instant that reading would be in UTC. */
function wallClock(zone: string, instant: number): number {
    // The formatted text is read, not its parts: a third of the time, and this runs for every reading of an offset.
    const text = wallClockFormatter(zone).format(instant);
    const reading = EN_US_READING.exec(text);
    if (reading === null) {
        throw new Error(`Intl read ${zone} at ${new Date(instant).toISOString()} as "${text}", not as M/D/YYYY, HH:MM:SS`);
    }
    const [, month, day, year, hour, minute, second] = reading.map(Number);
    return Date.UTC(year, month - 1, day, hour, minute, second);
}

/** The zone's offset from UTC at an instant, read from Intl, in milliseconds (local minus UTC). */
const offsetFromIntl = (zone: string, instant: number): number => wallClock(zone, Math.floor(instant / 1000) * 1000) - Math.floor(instant / 1000) * 1000;

/** A zone's offsets over the years read so far: each year's offset as it begins, and each change, in order. */
interface ZoneOffsets {
    years: Set<number>;
    /** Instants from which an offset holds, ascending: each year's first instant, and each change. */
    changes: { at: number; offset: number }[];
}

const zones = new Map<string, ZoneOffsets>();

/**
 * Reads a zone's offset changes within a year from Intl: the offset once a week, then, between two
 * readings that differ, the second of the change by bisection. Zones change their clocks at most a
 * few times a year and never twice within a week. The year's first instant comes first, with the
 * offset it begins with. Read anew at each call: `offsetAt` keeps what it reads.
 */
export function readYear(zone: string, year: number): { at: number; offset: number }[] {
    const end = Date.UTC(year + 1, 0, 1);
    let at = Date.UTC(year, 0, 1);
    let offset = offsetFromIntl(zone, at);
    const changes = [{ at, offset }];
    while (at < end) {
        const next = Math.min(at + WEEK_MS, end);
        const nextOffset = offsetFromIntl(zone, next);
        if (nextOffset !== offset) {
            let [low, high] = [at, next];
            while (high - low > 1000) {
                const middle = low + Math.floor((high - low) / 2000) * 1000;
                if (offsetFromIntl(zone, middle) === offset) {
                    low = middle;
                } else {
                    high = middle;
                }
            }
            changes.push({ at: high, offset: nextOffset });
        }
        [at, offset] = [next, nextOffset];
    }
    return changes;
}

/** The zone's offsets, with the years around `instant` read. */
function offsetsAround(zone: string, instant: number): ZoneOffsets {
    let known = zones.get(zone);
    if (known === undefined) {
        known = { years: new Set(), changes: [] };
        zones.set(zone, known);
    }
    const year = new Date(instant).getUTCFullYear();
    let added = false;
    for (const y of [year - 1, year, year + 1]) {
        if (!known.years.has(y)) {
            known.years.add(y);
            known.changes.push(...readYear(zone, y));
            added = true;
        }
    }
    if (added) {
        known.changes.sort((a, b) => a.at - b.at);
    }
    return known;
}

/** The zone's offset from UTC at an instant, in milliseconds (local minus UTC). */
export function offsetAt(zone: string, instant: number): number {
    if (zone === UTC) {
        return 0;
    }
    const { changes } = offsetsAround(zone, instant);
    let [low, high] = [0, changes.length];
    while (low < high) {
        const middle = (low + high) >> 1;
        if (changes[middle].at <= instant) {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    return changes[low - 1].offset;
}

/** Whether the zone changes its offset between two instants. */
export function changesBetween(zone: string, from: number, to: number): boolean {
    return zone !== UTC && offsetAt(zone, from) !== offsetAt(zone, to);
}

/** Whether the zone keeps one offset from the start of `fromYear` to the end of `toYear`: no daylight saving, no change of its standard time. */
export function keepsOneOffset(zone: string, fromYear: number, toYear: number): boolean {
    if (zone === UTC) {
        return true;
    }
    const offsets = new Set<number>();
    for (let year = fromYear; year <= toYear; year++) {
        offsetsAround(zone, Date.UTC(year, 6, 1))
            .changes.filter((change) => change.at >= Date.UTC(fromYear, 0, 1) && change.at < Date.UTC(toYear + 1, 0, 1))
            .forEach((change) => offsets.add(change.offset));
    }
    return offsets.size <= 1;
}

/**
 * The instants a local wall-clock time (given as that reading in UTC) names in the zone, earliest
 * first: none where the clocks skip it (spring forward), two where they repeat it (fall back),
 * one otherwise. A zone's offset is read a day either side, as no zone changes twice in a day.
 */
export function instantsOf(zone: string, wall: number): number[] {
    const candidates = new Set([wall - offsetAt(zone, wall - DAY_MS), wall - offsetAt(zone, wall + DAY_MS)]);
    return [...candidates].filter((instant) => instant + offsetAt(zone, instant) === wall).sort((a, b) => a - b);
}

/** The zone's wall clock at an instant, as `YYYY-MM-DD HH:MM`. */
export function wallClockText(zone: string, instant: number): string {
    return new Date(instant + offsetAt(zone, instant)).toISOString().slice(0, 16).replace("T", " ");
}
