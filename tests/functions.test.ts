import * as assert from "node:assert/strict";
import type { Context, Handler } from "aws-lambda";
import { createStockChecker, handler as checker } from "../functions/stock-checker";
import { handler as buyer } from "../functions/stock-buyer";
import { handler as seller } from "../functions/stock-seller";
import { LOG_LEVEL_ENV } from "../contracts/telemetry";
import { createTradeHandler, defaultTradeDeps } from "../functions/trade";
import { lambdaKeepsLine } from "../model/platform-rules";
import { LAMBDA_LOG_LEVELS } from "../model/limits";
import { capturingConsole, capturingOutput, lambdaContext } from "./support/function-output";

const context = lambdaContext("req-0");
const noop = () => undefined;
const invoke = <R = unknown>(handler: Handler, event: unknown, ctx: Context = context) => Promise.resolve(handler(event, ctx, noop)) as Promise<R>;

describe("stock-checker", () => {
    it("returns { stock_price } as an integer from 0 to 99, each of them in time", async () => {
        const checker = createStockChecker(undefined, capturingOutput());
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
        assert.deepEqual(
            await invoke(
                createStockChecker(() => 42, capturingOutput()),
                {},
            ),
            { stock_price: 42 },
        );
    });

    it("logs each check with its price, the request id and whether it was the instance's first", async () => {
        const output = capturingOutput();
        const checker = createStockChecker(() => 42, output);
        await invoke(checker, {}, lambdaContext("req-1"));
        await invoke(checker, {}, lambdaContext("req-2"));
        assert.deepEqual(output.captured, {
            info: [
                { message: "checked price", requestId: "req-1", coldStart: true, price: 42 },
                { message: "checked price", requestId: "req-2", coldStart: false, price: 42 },
            ],
            error: [],
            metrics: [],
        });
    });

    for (const bad of [100, -1, 1.5, Number.NaN, 1e300]) {
        it(`rejects a price source that gives ${bad}, logging the error first`, async () => {
            const output = capturingOutput();
            await assert.rejects(
                invoke(
                    createStockChecker(() => bad, output),
                    {},
                ),
                /stock_price must be an integer from 0 to 99/,
            );
            assert.deepEqual(output.captured.info, []);
            assert.equal(output.captured.error.length, 1);
            assert.match(String(output.captured.error[0].error), /^stock_price must be an integer from 0 to 99/);
            assert.deepEqual(
                { ...output.captured.error[0], error: "" },
                { message: "failed", requestId: "req-0", coldStart: true, error: "", price: Number.isFinite(bad) ? bad : null },
            );
        });
    }
});

describe("the deployed handlers", () => {
    it("log through the console, which Lambda formats as JSON, and write trade metrics to stdout", async () => {
        const saved = process.env.STOCK_TRADER_STACK;
        process.env.STOCK_TRADER_STACK = "prod";
        try {
            const checked = await capturingConsole(() => invoke<{ stock_price: number }>(checker, {}));
            assert.deepEqual(checked.info, [{ message: "checked price", requestId: "req-0", coldStart: true, price: checked.result.stock_price }]);
            assert.deepEqual(checked.stdout, []);
            for (const [handler, type] of [
                [buyer, "buy"],
                [seller, "sell"],
            ] as const) {
                const traded = await capturingConsole(() => invoke<{ id: string }>(handler, { stock_price: 7 }));
                assert.equal((traded.info as { trade: { id: string } }[])[0].trade.id, traded.result.id);
                assert.equal(traded.stdout.length, 1);
                assert.ok(traded.stdout[0].endsWith("}\n"), "one EMF document per line");
                assert.deepEqual(pick(JSON.parse(traded.stdout[0]), ["Stack", "TradeType", "Trades", "TradePrice"]), {
                    Stack: "prod",
                    TradeType: type,
                    Trades: 1,
                    TradePrice: 7,
                });
                const failed = await capturingConsole(() => invoke(handler, {}).catch((e: Error) => e.message));
                assert.equal((failed.error as { message: string }[])[0].message, "failed");
            }
        } finally {
            if (saved === undefined) delete process.env.STOCK_TRADER_STACK;
            else process.env.STOCK_TRADER_STACK = saved;
        }
    });
});

describe("the trade metrics under Lambda's log-level filtering", () => {
    it("reads a line as Lambda's guide says: by its level, INFO when the level is missing or unknown or the timestamp is not RFC 3339", () => {
        const at = "2026-01-02T03:04:05.000Z";
        assert.equal(lambdaKeepsLine({ level: "WARN", timestamp: at }, "WARN"), true);
        assert.equal(lambdaKeepsLine({ level: "debug", timestamp: at }, "INFO"), false);
        assert.equal(lambdaKeepsLine({ timestamp: at }, "WARN"), false);
        assert.equal(lambdaKeepsLine({ timestamp: at }, "INFO"), true);
        assert.equal(lambdaKeepsLine({ level: "SEVERE", timestamp: at }, "WARN"), false);
        assert.equal(lambdaKeepsLine({ level: "FATAL" }, "ERROR"), false);
        assert.equal(lambdaKeepsLine({ level: "FATAL", timestamp: at }, "ERROR"), true);
    });

    for (const level of LAMBDA_LOG_LEVELS) {
        it(`are kept at functionLogLevel ${level}: each document carries the level Lambda gives the function`, async () => {
            const saved = process.env[LOG_LEVEL_ENV];
            process.env[LOG_LEVEL_ENV] = level;
            try {
                const traded = await capturingConsole(() => invoke(buyer, { stock_price: 7 }));
                assert.equal(traded.stdout.length, 1);
                assert.ok(lambdaKeepsLine(JSON.parse(traded.stdout[0]), level), traded.stdout[0]);
            } finally {
                if (saved === undefined) delete process.env[LOG_LEVEL_ENV];
                else process.env[LOG_LEVEL_ENV] = saved;
            }
        });
    }
});

const pick = (record: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.map((key) => [key, record[key]]));

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

for (const [name, type] of [
    ["stock-buyer", "buy"],
    ["stock-seller", "sell"],
] as const) {
    describe(name, () => {
        const handler = createTradeHandler(type, defaultTradeDeps, capturingOutput());
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
            it(`rejects ${label}, naming the field and the expected form, and logs it first`, async () => {
                const output = capturingOutput();
                const message = `stock_price must be an integer from 0 to 99 (got ${got})`;
                await assert.rejects(invoke(createTradeHandler(type, defaultTradeDeps, output), event), { message });
                assert.deepEqual(output.captured, {
                    info: [],
                    error: [JSON.parse(JSON.stringify({ message: "failed", requestId: "req-0", coldStart: true, error: message, event }))],
                    metrics: [],
                });
            });
        }
    });
}

describe("trade logic", () => {
    const deps = { newId: () => "fixed", quantity: () => 7, now: () => new Date("2026-01-02T03:04:05.000Z") };

    it("logs each trade with its id, type, price and quantity, and counts it in an EMF document of the stack", async () => {
        const saved = process.env.STOCK_TRADER_STACK;
        try {
            for (const [stack, type] of [
                ["dev", "buy"],
                [undefined, "sell"],
            ] as const) {
                if (stack === undefined) delete process.env.STOCK_TRADER_STACK;
                else process.env.STOCK_TRADER_STACK = stack;
                const output = capturingOutput();
                const handler = createTradeHandler(type, deps, output);
                await invoke(handler, { stock_price: 42 }, lambdaContext("req-7"));
                await invoke(handler, { stock_price: 42 }, lambdaContext("req-8"));
                const trade = { id: "fixed", type, price: 42, quantity: 7 };
                assert.deepEqual(output.captured.info, [
                    { message: "traded", requestId: "req-7", coldStart: true, trade },
                    { message: "traded", requestId: "req-8", coldStart: false, trade },
                ]);
                const emf = {
                    level: "INFO",
                    timestamp: "2026-01-02T03:04:05.000Z",
                    _aws: {
                        Timestamp: Date.parse("2026-01-02T03:04:05.000Z"),
                        CloudWatchMetrics: [
                            {
                                Namespace: "StockTrader",
                                Dimensions: [["Stack", "TradeType"]],
                                Metrics: [
                                    { Name: "Trades", Unit: "Count" },
                                    { Name: "TradePrice", Unit: "None" },
                                ],
                            },
                        ],
                    },
                    Stack: stack ?? "unknown",
                    TradeType: type,
                    Trades: 1,
                    TradePrice: 42,
                };
                assert.deepEqual(output.captured.metrics, [emf, emf]);
                assert.deepEqual(output.captured.error, []);
            }
        } finally {
            if (saved === undefined) delete process.env.STOCK_TRADER_STACK;
            else process.env.STOCK_TRADER_STACK = saved;
        }
    });

    it("is shared by buy and sell, with injectable id, quantity and clock", async () => {
        for (const type of ["buy", "sell"] as const) {
            assert.deepEqual(await invoke(createTradeHandler(type, deps, capturingOutput()), { stock_price: 0 }), {
                id: "fixed",
                price: "0",
                type,
                qty: "7",
                timestamp: "2026-01-02T03:04:05.000Z",
            });
        }
    });
});
