import * as assert from "node:assert/strict";

/**
 * The cells after the item in the printed cost table's row for `item`: quantity, unit, unit price
 * and monthly amount, as a person reads them (columns stand two or more spaces apart).
 */
export function printedCostRow(lines: readonly string[], item: string): string[] {
    const row = lines.find((l) => l.includes(`  ${item}  `));
    assert.ok(row, `no printed row for ${item}`);
    return row
        .slice(row.indexOf(item) + item.length)
        .trim()
        .split(/ {2,}/);
}
