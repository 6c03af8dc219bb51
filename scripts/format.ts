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
    const [mantissa, exponentText = "0"] = String(Math.abs(value)).split("e");
    const [whole, fraction = ""] = mantissa.split(".");
    let digits = whole + fraction;
    let point = whole.length + Number(exponentText);
    if (point <= 0) {
        digits = "0".repeat(1 - point) + digits;
        point = 1;
    } else if (point > digits.length) {
        digits += "0".repeat(point - digits.length);
    }
    const integer = digits.slice(0, point).replace(/^0+(?=\d)/, "");
    const decimals = digits.slice(point).replace(/0+$/, "");
    const sign = value < 0 && digits.replace(/0/g, "") !== "" ? "-" : "";
    return `${sign}${integer.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}${decimals ? `.${decimals}` : ""}`;
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
