/**
 * EventBridge schedule expressions, validated as EventBridge documents them, so a bad
 * expression fails before `pulumi up` creates anything rather than in the middle of it.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-scheduled-rule-pattern.html
 */

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

/** Why one cron field is invalid, or undefined when it is valid. */
function cronFieldProblem(field: CronField, text: string): string | undefined {
    const number = (value: string): number | undefined => {
        const index = field.names?.indexOf(value.toUpperCase()) ?? -1;
        const parsed = index >= 0 ? field.min + index : /^\d+$/.test(value) ? Number(value) : NaN;
        return parsed >= field.min && parsed <= field.max ? parsed : undefined;
    };
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
    return valid ? undefined : `${field.name} must be ${field.min}-${field.max}${names} with , - * /${field.special ? " or its special forms" : ""} (got ${text})`;
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
    const cron = /^cron\((.*)\)$/.exec(expression);
    if (!cron) {
        return "it must be rate(<value> <unit>) or cron(<minutes> <hours> <day-of-month> <month> <day-of-week> <year>)";
    }
    const fields = cron[1].trim().split(/\s+/);
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
