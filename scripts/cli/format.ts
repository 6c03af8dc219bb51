/** How the tools print numbers, so that what a person reads is what the JSON says. */

/**
 * A number in plain decimal notation that reads back to exactly the same number: the shortest
 * digits that round-trip (as `String` gives them), never an exponent, thousands separated by
 * commas, and a fraction only where the value has one. `Number(text.replaceAll(",", ""))` is the value.
 */
export function exactNumber(value: number): string {
    if (!Number.isFinite(value)) {
        throw new RangeError(`not a finite number: ${value}`);
    }
    // String() gives the shortest digits that round-trip, in exponent form below 1e-6 and from 1e21.
    const [mantissa, exponent = "0"] = String(Math.abs(value)).split("e");
    const [whole, fraction = ""] = mantissa.split(".");
    const digits = whole + fraction;
    const point = whole.length + Number(exponent);
    const integer = point <= 0 ? "0" : digits.slice(0, point).padEnd(point, "0");
    const decimals = point <= 0 ? "0".repeat(-point) + digits : digits.slice(point);
    return `${value < 0 ? "-" : ""}${integer.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}${decimals ? `.${decimals}` : ""}`;
}

/**
 * An amount in dollars rounded to `digits` decimals, with thousands separators; an amount that
 * is not zero but rounds to zero says so (`<$0.0001`) instead of reading as nothing.
 */
export function dollars(value: number, digits: number): string {
    const rounded = Number(value.toFixed(digits));
    if (rounded === 0 && value > 0) {
        return `<$${(10 ** -digits).toFixed(digits)}`;
    }
    return `$${rounded.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits })}`;
}
