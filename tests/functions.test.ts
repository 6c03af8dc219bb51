import * as assert from "node:assert/strict";
import type { Context, Handler } from "aws-lambda";
import { createStockChecker, handler as checker } from "../functions/stock-checker";
import { handler as buyer } from "../functions/stock-buyer";
import { handler as seller } from "../functions/stock-seller";
import { createTradeHandler } from "../functions/trade";

const context = {} as Context;
const noop = () => undefined;
const invoke = <R = unknown>(handler: Handler, event: unknown) =>
    Promise.resolve(handler(event, context, noop)) as Promise<R>;

describe("stock-checker", () => {
    it("returns { stock_price } as an integer from 0 to 99, each of them in time", async () => {
        const seen = new Set<number>();
        // The chance that 5,000 fair draws miss any one of the 100 prices is below 1e-19.
        for (let i = 0; i < 5000; i++) {
            const result = await invoke<{ stock_price: number }>(checker, {});
            assert.deepEqual(Object.keys(result), ["stock_price"]);
            assert.ok(Number.isInteger(result.stock_price) && result.stock_price >= 0 && result.stock_price <= 99, String(result.stock_price));
            seen.add(result.stock_price);
        }
        assert.equal(seen.size, 100, "every price from 0 to 99 is drawn");
    });

    it("uses the injected price source", async () => {
        assert.deepEqual(await invoke(createStockChecker(() => 42), {}), { stock_price: 42 });
    });

    for (const bad of [100, -1, 1.5, Number.NaN, 1e300]) {
        it(`rejects a price source that gives ${bad}`, async () => {
            await assert.rejects(invoke(createStockChecker(() => bad), {}), /stock_price must be an integer from 0 to 99/);
        });
    }
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

for (const [name, handler, type] of [["stock-buyer", buyer, "buy"], ["stock-seller", seller, "sell"]] as const) {
    describe(name, () => {
        it(`returns { id, price, type, qty, timestamp } with type "${type}" and numbers as strings`, async () => {
            const before = Date.now();
            const result = await invoke<Record<string, unknown>>(handler, { stock_price: 37 });
            assert.deepEqual(Object.keys(result).sort(), ["id", "price", "qty", "timestamp", "type"]);
            assert.match(String(result.id), UUID);
            assert.equal(result.price, "37");
            assert.equal(result.type, type);
            assert.match(String(result.qty), /^([1-9]|10)$/);
            assert.match(String(result.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
            const at = Date.parse(String(result.timestamp));
            assert.ok(at >= before && at <= Date.now());
        });

        it("gives every trade a unique id", async () => {
            const ids = new Set<string>();
            for (let i = 0; i < 5000; i++) {
                ids.add((await invoke<{ id: string }>(handler, { stock_price: i % 100 })).id);
            }
            assert.equal(ids.size, 5000);
        });

        const badEvents: [string, unknown, string][] = [
            ["a missing event", undefined, "nothing"],
            ["a null event", null, "nothing"],
            ["an event without stock_price", {}, "nothing"],
            ["a non-numeric stock_price", { stock_price: "12" }, '"12"'],
            ["a null stock_price", { stock_price: null }, "null"],
            ["a negative stock_price", { stock_price: -1 }, "-1"],
            ["a NaN stock_price", { stock_price: Number.NaN }, "NaN"],
            ["an infinite stock_price", { stock_price: Number.POSITIVE_INFINITY }, "Infinity"],
            ["a stock_price DynamoDB would overflow on", { stock_price: 1e300 }, "1e+300"],
            ["a stock_price DynamoDB would underflow on", { stock_price: 5e-324 }, "5e-324"],
            ["a fractional stock_price", { stock_price: 12.5 }, "12.5"],
            ["a stock_price above the checker's range", { stock_price: 100 }, "100"],
        ];
        for (const [label, event, got] of badEvents) {
            it(`rejects ${label}, naming the field and the expected form`, async () => {
                await assert.rejects(invoke(handler, event), (error: Error) => {
                    assert.equal(error.message, `stock_price must be an integer from 0 to 99 (got ${got})`);
                    return true;
                });
            });
        }
    });
}

describe("trade logic", () => {
    it("is shared by buy and sell, with injectable id, quantity and clock", async () => {
        const deps = { newId: () => "fixed", quantity: () => 7, now: () => new Date("2026-01-02T03:04:05.000Z") };
        for (const type of ["buy", "sell"] as const) {
            assert.deepEqual(await invoke(createTradeHandler(type, deps), { stock_price: 0 }), {
                id: "fixed",
                price: "0",
                type,
                qty: "7",
                timestamp: "2026-01-02T03:04:05.000Z",
            });
        }
    });
});
