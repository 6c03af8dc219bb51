import * as assert from "node:assert/strict";
import { localWorkflow } from "../local/stand-ins";
import { parseConfig } from "../model/config";
import { assumedExecutions, estimateCost } from "../model/cost";
import { alarmSpecs } from "../model/monitoring";
import prices from "../model/prices.json";
import { compareStacks, main, priceRegionNote, renderComparison, renderCost, stackCost, USAGE } from "../scripts/local/cost";
import { loadStackConfig } from "../scripts/cli/stack-files";
import { dollars } from "../scripts/cli/format";
import { printedCostRow } from "./support/cost-output";
import { withStackFile } from "./support/stack-file";
import { runInProcess, runTool } from "./support/tool";
import { transitionCounts } from "./support/worst-case";

const table = prices;

function estimate(raw: Record<string, string>, executionsPerMonth = 730) {
    const config = parseConfig(raw);
    return estimateCost(config, localWorkflow(config, "T").definition, alarmSpecs(config), table, executionsPerMonth);
}

const close = (actual: number, expected: number, label: string) => assert.ok(Math.abs(actual - expected) < 1e-12, `${label}: ${actual} is not ${expected}`);

describe("cost model", () => {
    it("prices one dev execution (ARM64, on-demand, logging ALL) as worked out by hand", () => {
        // the success path's transitions, counted off the definition, × the price of one
        // 2 Lambda requests × $0.0000002                              = 0.0000004
        // 2 × 0.125 GB × 0.1 s = 0.025 GB-s × $0.0000133334           = 0.000000333335
        // 2 write units × $0.000000625                                = 0.00000125
        // 0.25 vCPU × 60 s = 0.0041667 vCPU-h × $0.03238              = 0.000134916667
        // 0.5 GB × 60 s = 0.0083333 GB-h × $0.00356                   = 0.0000296666667
        // logs: 2 × 700 Lambda platform lines + 522 function records (INFO) + 321 EMF document
        //       (its level and timestamp included) + 450 batch + 6000 execution log = 8693 bytes × $0.50/GB
        //       and stored 7 of 30.4167 days × $0.03/GB-month
        // public IPv4 for 60 s: 0.0166667 h × $0.005                  = 0.0000833333333
        const raw = { logLevel: "ALL", logRetentionDays: "7" };
        const transitions = transitionCounts(localWorkflow(parseConfig(raw), "T").definition, "Run ECS task");
        const logGb = 8693 / 1024 ** 3;
        const byHand =
            transitions.success * table.prices.stepFunctionsTransition.usd +
            0.0000004 +
            0.025 * 0.0000133334 +
            0.00000125 +
            (0.25 / 60) * 0.03238 +
            (0.5 / 60) * 0.00356 +
            logGb * 0.5 +
            logGb * (7 / (730 / 24)) * 0.03 +
            (1 / 60) * 0.005;
        const dev = estimate(raw);
        close(dev.perExecutionUsd, byHand, "per execution");
        assert.ok(Math.abs(dev.perExecutionUsd - 0.0004) / 0.0004 < 0.1, `about $0.0004 a run, got ${dev.perExecutionUsd}`);
        assert.deepEqual(dev.transitions, transitions);
    });

    it("adds the fixed monthly parts: each alarm, one dashboard, the 4 trade metrics, the kept images", () => {
        const dev = estimate({});
        // alarms × $0.10 + $3 + 4 × $0.30 + (55 MB + 9 × 0.4 MB) / 1024 × $0.10
        const alarms = alarmSpecs(parseConfig({})).length;
        close(dev.fixedMonthlyUsd, alarms * 0.1 + 3 + 4 * 0.3 + ((55 + 9 * 0.4) / 1024) * 0.1, "fixed");
        const withSchedule = estimate({ scheduleEnabled: "true" });
        close(withSchedule.fixedMonthlyUsd - dev.fixedMonthlyUsd, 0.1, "the no-recent-success alarm");
    });

    it("grows the monthly cost by exactly the per-execution cost per execution", () => {
        const at = (n: number) => estimate({}, n);
        for (const n of [0, 1, 730, 100000]) {
            close(at(n + 1).monthlyUsd - at(n).monthlyUsd, at(n).perExecutionUsd, `from ${n}`);
            close(at(n).monthlyUsd, at(0).monthlyUsd + n * at(0).perExecutionUsd, `at ${n}`);
        }
        const lines = at(1000).lines;
        close(
            lines.reduce((sum, l) => sum + l.monthlyUsd, 0),
            at(1000).monthlyUsd,
            "the lines add up to the total",
        );
    });

    it("models Spot cheaper than on-demand and X86_64 dearer than ARM64, and Spot on X86_64 only", () => {
        const arm = estimate({});
        const x86 = estimate({ batchArchitecture: "X86_64" });
        const x86Spot = estimate({ batchCapacity: "FARGATE_SPOT" });
        assert.equal(parseConfig({ batchCapacity: "FARGATE_SPOT" }).batchArchitecture, "X86_64");
        assert.ok(x86Spot.perExecutionUsd < x86.perExecutionUsd);
        assert.ok(x86.perExecutionUsd > arm.perExecutionUsd);
        assert.throws(
            () =>
                estimateCost(
                    { ...parseConfig({ batchCapacity: "FARGATE_SPOT" }), batchArchitecture: "ARM64" },
                    localWorkflow(parseConfig({}), "T").definition,
                    [],
                    table,
                    1,
                ),
            /no fargateSpotArmVcpuHour: Fargate sells no such capacity/,
        );
        // On-demand x86 compute for the minute: 0.25 × 0.04048 / 60 + 0.5 × 0.004445 / 60.
        close(x86.perExecutionUsd - arm.perExecutionUsd, (0.25 * (0.04048 - 0.03238) + 0.5 * (0.004445 - 0.00356)) / 60, "x86 over ARM");
        assert.deepEqual(x86Spot.transitions, transitionCounts(localWorkflow(parseConfig({ batchCapacity: "FARGATE_SPOT" }), "T").definition, "Run ECS task"));
    });

    it("drops the public IP without one, adds X-Ray with tracing, and no execution logs below ALL", () => {
        const base = { subnetIds: '["subnet-0123456789abcdef0"]', securityGroupIds: '["sg-0123456789abcdef0"]' };
        const withIp = estimate(base);
        const withoutIp = estimate({ ...base, assignPublicIp: "false" });
        close(withIp.perExecutionUsd - withoutIp.perExecutionUsd, (1 / 60) * 0.005, "the IPv4 address");
        assert.ok(!withoutIp.lines.some((l) => l.service === "VPC"));
        const traced = estimate({ tracingEnabled: "true" });
        close(traced.perExecutionUsd - estimate({}).perExecutionUsd, 0.000005, "one X-Ray trace");
        const all = estimate({ logLevel: "ALL" });
        const error = estimate({ logLevel: "ERROR" });
        close(all.perExecutionUsd - error.perExecutionUsd, (6000 / 1024 ** 3) * (0.5 + (14 / (730 / 24)) * 0.03), "execution logs at ALL");
        for (const level of ["TRACE", "DEBUG"]) {
            close(estimate({ functionLogLevel: level }).perExecutionUsd, estimate({}).perExecutionUsd, `functions at ${level}`);
        }
        for (const level of ["WARN", "ERROR", "FATAL"]) {
            close(
                estimate({}).perExecutionUsd - estimate({ functionLogLevel: level }).perExecutionUsd,
                (522 / 1024 ** 3) * (0.5 + (14 / (730 / 24)) * 0.03),
                `no function records at ${level}`,
            );
        }
    });

    it("counts executions from the schedule over AWS's 730-hour month, a cron's by its fire times, and none with the schedule off", () => {
        const runs = (scheduleExpression: string) => assumedExecutions({ scheduleEnabled: true, scheduleExpression }).executionsPerMonth;
        assert.equal(runs("rate(1 hour)"), 730);
        assert.equal(runs("rate(5 minutes)"), 8760);
        assert.equal(runs("rate(1 day)"), 30);
        // Every day at noon: 146,097 runs in 146,097 days, so 730 / 24 a month.
        assert.equal(runs("cron(0 12 * * ? *)"), Math.round(730 / 24));
        // Weekdays at 9: 5 of every 7 days.
        assert.equal(runs("cron(0 9 ? * MON-FRI *)"), Math.round(((5 / 7) * 730) / 24));
        const off = assumedExecutions({ scheduleEnabled: false, scheduleExpression: "rate(1 hour)" });
        assert.equal(off.executionsPerMonth, 0);
        assert.match(off.basis, /the schedule is off.*0 assumed.*--executions-per-month N/);
        assert.throws(() => estimate({}, -1), /executions per month must be a whole number >= 0 \(got -1\)/);
    });

    it("keeps every price with its region, value, unit, source page and the date it was read", () => {
        for (const [name, price] of Object.entries(table.prices)) {
            assert.equal(price.region, "us-east-1", name);
            assert.ok(price.usd > 0, name);
            assert.match(price.source, /^https:\/\/aws\.amazon\.com\//, name);
            assert.match(price.read, /^\d{4}-\d\d-\d\d$/, name);
            assert.ok(price.unit.length > 0 && price.published.length > 0, name);
        }
    });

    it("prices the stack files: prod at its hourly schedule has each of its alarms, X-Ray and Container Insights; dev with its schedule off, none", () => {
        const prod = stackCost("prod", {});
        assert.equal(prod.executionsPerMonth, 730);
        assert.equal(prod.executionsBasis, "the schedule rate(1 hour) runs 730 times in a 730-hour month");
        assert.equal(prod.lines.find((l) => l.item === "alarms")?.quantity, alarmSpecs(loadStackConfig("prod")).length);
        assert.ok(prod.lines.some((l) => l.service === "X-Ray"));
        assert.equal(prod.lines.find((l) => l.item.startsWith("Container Insights metrics"))?.quantity, 16);
        const dev = stackCost("dev", {});
        assert.equal(dev.executionsPerMonth, 0);
        assert.match(dev.executionsBasis, /schedule is off/);
        assert.equal(dev.monthlyUsd, dev.fixedMonthlyUsd);
        assert.equal(stackCost("dev", {}, 500).executionsBasis, "given with --executions-per-month");
    });

    it("names each line as the bill does, says which grow with executions, and names the prices' region", () => {
        const spot = estimate({ batchCapacity: "FARGATE_SPOT", batchArchitecture: "X86_64", containerInsights: "true", tracingEnabled: "true" });
        assert.deepEqual(
            spot.lines.map((l) => [l.service, l.item, l.perExecution]),
            [
                ["Step Functions", "state transitions (success path)", true],
                ["Lambda", "requests", true],
                ["Lambda", "duration at 128 MB, 100 ms each", true],
                ["DynamoDB", "write request units", true],
                ["Fargate Spot", "vCPU (0.25 vCPU, X86_64, 60 s billed)", true],
                ["Fargate Spot", "memory (0.5 GB, 60 s billed)", true],
                ["CloudWatch Logs", "ingestion", true],
                ["CloudWatch Logs", "storage for 14 days", true],
                ["VPC", "public IPv4 address for the task's life", true],
                ["X-Ray", "traces recorded", true],
                ["CloudWatch", "alarms", false],
                ["CloudWatch", "dashboard", false],
                ["CloudWatch", "trade metrics (at most)", false],
                ["ECR", "storage of up to 10 images", false],
                ["CloudWatch", "Container Insights metrics (at most)", false],
            ],
        );
        assert.equal(spot.region, "us-east-1");
        const twoRegions = { ...table, prices: { ...table.prices, alarmMonth: { ...table.prices.alarmMonth, region: "eu-west-1" } } };
        const config = parseConfig({});
        assert.equal(estimateCost(config, localWorkflow(config, "T").definition, alarmSpecs(config), twoRegions, 1).region, "us-east-1, eu-west-1");
    });

    it("counts no interruption loop where the definition has none, however its Catch reads", () => {
        const config = parseConfig({});
        const { definition } = localWorkflow(config, "T");
        const costOf = (d: typeof definition) => estimateCost(config, d, [], table, 1).transitions;
        const noCatch = structuredClone(definition);
        delete (noCatch.States["Run ECS task"] as { Catch?: unknown }).Catch;
        assert.deepEqual(costOf(noCatch), transitionCounts(noCatch, "Run ECS task"));
        assert.equal(costOf(noCatch).perSpotInterruption, 0);
        const choiceWithoutLoop = structuredClone(localWorkflow(parseConfig({ batchCapacity: "FARGATE_SPOT" }), "T").definition);
        for (const name of ["First interruption", "Another interruption"]) {
            (choiceWithoutLoop.States[name] as { Next?: string }).Next = "Success";
        }
        assert.equal(costOf(choiceWithoutLoop).perSpotInterruption, 0);
    });

    it("counts the Lambda requests from the Lambda states a successful execution enters, and names each Task state whose service it does not price", () => {
        const config = parseConfig({});
        const { definition } = localWorkflow(config, "T");
        const run = definition.States["Run ECS task"] as { Next: string };
        const more = {
            ...definition,
            States: {
                ...definition.States,
                "Run ECS task": { ...definition.States["Run ECS task"], Next: "Check Again" },
                "Check Again": { ...definition.States["Check Stock Value"], Next: "Announce" },
                Announce: { Type: "Task" as const, Resource: "arn:aws:states:::sns:publish", Retry: [], Next: run.Next },
            },
        };
        const base = estimateCost(config, definition, alarmSpecs(config), table, 1);
        const extended = estimateCost(config, more, alarmSpecs(config), table, 1);
        const requests = (e: typeof base) => e.lines.find((l) => l.service === "Lambda" && l.item === "requests")!.quantity;
        assert.equal(requests(base), 2, "the checker, then the buyer or the seller");
        assert.equal(requests(extended), requests(base) + 1);
        assert.equal(extended.transitions.success, base.transitions.success + 2);
        assert.deepEqual(
            extended.unpriced.filter((u) => u.state !== "Announce"),
            base.unpriced,
        );
        assert.deepEqual(
            extended.unpriced.filter((u) => u.state === "Announce"),
            [{ state: "Announce", calls: "sns:publish" }],
        );
        const printed = renderCost("dev", { ...extended, executionsBasis: "given" });
        assert.ok(printed.includes("  not priced             Announce, which calls sns:publish: the price table has no price for it"));
        assert.equal(printed.filter((line) => line.includes("not priced")).length, extended.unpriced.length);
    });

    it("ends a comparison with each Task state no row prices, once", () => {
        const unpriced = "Announce, which calls sns:publish: the price table has no price for it";
        assert.deepEqual(
            renderComparison({ rows: [], refusedStacks: [], refusedPairs: [], unpriced: [unpriced] }, [1]).at(-1),
            `Not priced in any row: ${unpriced}`,
        );
    });

    it("prices Container Insights: its 16 metrics each month, and its performance log events with each task", () => {
        const off = estimate({});
        const on = estimate({ containerInsights: "true" });
        // 16 custom metrics × $0.30 a month.
        close(on.fixedMonthlyUsd - off.fixedMonthlyUsd, 16 * 0.3, "metrics");
        // 2 KB of performance log events for the task's minute, ingested and kept 14 days.
        close(on.perExecutionUsd - off.perExecutionUsd, (2048 / 1024 ** 3) * (0.5 + (14 / (730 / 24)) * 0.03), "log events");
    });
});

describe("npm run cost", () => {
    const cost = (...args: string[]) => runInProcess(main, args);

    it("prints JSON with the per-execution and monthly cost and the lines", async () => {
        const run = await cost("--stack", "prod", "--executions-per-month", "100000", "--json");
        assert.equal(run.status, 0, run.stderr);
        const result = JSON.parse(run.stdout);
        assert.equal(result.executionsPerMonth, 100000);
        assert.ok(result.perExecutionUsd > 0 && result.monthlyUsd > result.perExecutionUsd * 100000);
        for (const line of result.lines) {
            assert.deepEqual(Object.keys(line).slice(0, 6), ["service", "item", "quantity", "unit", "unitPriceUsd", "monthlyUsd"]);
        }
    });

    it("prints every quantity as it reads back: thousands separated, no exponent, decimals only where they are", async () => {
        const run = await cost("--stack", "prod", "--executions-per-month", "12345");
        assert.equal(run.status, 0, run.stderr);
        const json = stackCost("prod", {}, 12345);
        assert.match(run.stdout, /^Cost of the prod stack at 12,345 executions a month \(us-east-1 prices\)$/m);
        // The success path's transitions, counted off the prod definition, and the price of one.
        const transitions = transitionCounts(localWorkflow(loadStackConfig("prod"), "T").definition, "Run ECS task").success * 12345;
        const price = table.prices.stepFunctionsTransition.usd;
        const row = new RegExp(
            `^ {2}Step Functions +state transitions \\(success path\\) +${transitions.toLocaleString("en-US")} +state transition +\\$${price} +\\$${(transitions * price).toFixed(4)}$`,
            "m",
        );
        assert.match(run.stdout, row);
        assert.match(run.stdout, /^ {2}Lambda +requests +24,690 +request +\$0\.0000002 +\$0\.0049$/m);
        assert.doesNotMatch(run.stdout, /\de[+-]\d/);
        for (const line of json.lines) {
            const [quantity] = printedCostRow(run.stdout.split("\n"), line.item);
            assert.equal(Number(quantity.replaceAll(",", "")), line.quantity, `${line.item}: ${quantity}`);
        }
    });

    it("compares every accepted architecture and capacity, and never prices ARM64 on Spot", async () => {
        // The repository's stacks by name: a stack file a user or another test adds may be cheaper.
        const run = await cost("--compare", "--stack", "dev", "--stack", "prod");
        assert.equal(run.status, 0, run.stderr);
        assert.doesNotMatch(run.stdout, /\| ARM64 \| FARGATE_SPOT \|/);
        assert.match(run.stdout, /^Cheapest per execution: X86_64 on FARGATE_SPOT \(dev\), \$0\.\d{6} a run\.$/m);
        const [, cheapest] = /^Cheapest per execution: .*?(\$[\d.]+) a run\.$/m.exec(run.stdout)!;
        assert.equal(cheapest, dollars(stackCost("dev", { "stock-trader:batchCapacity": "FARGATE_SPOT" }, 730).perExecutionUsd, 6));
        const every = await cost("--compare");
        assert.equal(every.status, 0, every.stderr);
        for (const stack of ["dev", "prod"]) {
            assert.match(
                every.stdout,
                new RegExp(`^\\| ${stack} \\| X86_64 \\| FARGATE_SPOT \\|`, "m"),
                `without --stack, every stack file, ${stack} among them`,
            );
        }
    });

    it("--compare compares only the stacks --stack names, with --set over each, at --executions-per-month, and as JSON with --json", async () => {
        const run = await cost("--compare", "--stack", "prod", "--set", "logLevel=OFF", "--executions-per-month", "5000", "--json");
        assert.equal(run.status, 0, run.stderr);
        const comparison = JSON.parse(run.stdout) as {
            rows: { stack: string; architecture: string; capacity: string; monthly: { executionsPerMonth: number; usd: number }[] }[];
        };
        assert.deepEqual(
            comparison.rows.map((r) => `${r.stack} ${r.architecture} ${r.capacity}`),
            ["prod ARM64 FARGATE", "prod X86_64 FARGATE", "prod X86_64 FARGATE_SPOT"],
        );
        for (const row of comparison.rows) {
            const overrides = {
                "stock-trader:logLevel": "OFF",
                "stock-trader:batchArchitecture": row.architecture,
                "stock-trader:batchCapacity": row.capacity,
            };
            assert.deepEqual(row.monthly, [{ executionsPerMonth: 5000, usd: stackCost("prod", overrides, 5000).monthlyUsd }]);
        }
        const table = await cost("--compare", "--stack", "dev", "--executions-per-month", "5000");
        assert.match(table.stdout, /^\| stack \| architecture \| capacity \| per execution \| a month at 5,000 \|$/m);
        assert.doesNotMatch(table.stdout, /\| prod \|/);
        const varied = await cost("--compare", "--set", "batchCapacity=FARGATE");
        assert.equal(varied.status, 2);
        assert.match(varied.stderr, /^--compare prices every batchArchitecture and batchCapacity itself: leave batchCapacity out of --set;/);
        const two = await cost("--stack", "dev", "--stack", "prod");
        assert.equal(two.status, 2);
        assert.match(two.stderr, /^give one --stack to price \(got 2\), or --compare to compare several;/);
    });

    it("--compare says once that a stack is refused as it is, blaming no architecture, and exits 1 when it can price none", async () => {
        await withStackFile("config:\n  aws:region: us-east-1\n  stock-trader:logLevel: LOUD\n", async (stack) => {
            const run = await cost("--compare", "--stack", stack);
            assert.equal(run.status, 1);
            assert.equal(run.stderr, "no stack could be priced: each is refused above");
            const notPriced = run.stdout.split("\n").filter((line) => line.startsWith("Not priced"));
            assert.deepEqual(notPriced, [
                `Not priced, the stack refused as it is: ${stack}: stock-trader:logLevel must be one of ALL, ERROR, FATAL, OFF (got LOUD)`,
            ]);
            assert.doesNotMatch(run.stdout, /^Cheapest/m);
            const withDev = await cost("--compare", "--stack", stack, "--stack", "dev");
            assert.equal(withDev.status, 0, withDev.stderr);
            assert.match(withDev.stdout, /^Cheapest per execution: .* \(dev\)/m);
        });
    });

    it("says its prices are us-east-1's where the stack deploys elsewhere, and says nothing where it deploys there", async () => {
        await withStackFile("config:\n  aws:region: eu-west-1\n", async (stack) => {
            const run = await cost("--stack", stack);
            assert.equal(run.status, 0, run.stderr);
            assert.equal(
                run.stdout.trimEnd().split("\n").at(-1),
                `  note: these are us-east-1's prices (model/prices.json); the ${stack} stack deploys to eu-west-1, whose prices may differ`,
            );
        });
        assert.doesNotMatch((await cost("--stack", "dev")).stdout, /note: these are/);
        assert.match(USAGE, /The prices are model\/prices\.json's, us-east-1's; the output says so where a stack deploys elsewhere\./);
    });

    it("exits 2 on a bad option, a bad config or a missing stack file, saying which", async () => {
        const flag = await cost("--executions-per-month", "many");
        assert.equal(flag.status, 2);
        assert.match(flag.stderr, /^--executions-per-month must be an integer from 0 to 1000000000 \(got many\); npm run cost -- --help lists what it takes$/);
        const bad = await cost("--set", "batchCapacity=SPOT");
        assert.equal(bad.status, 2);
        assert.match(
            bad.stderr,
            /^Invalid stack configuration in Pulumi\.dev\.yaml:\n {2}- stock-trader:batchCapacity must be one of FARGATE, FARGATE_SPOT \(got SPOT\)$/,
        );
        const missing = await cost("--stack", "nowhere");
        assert.deepEqual([missing.status, missing.stderr], [2, "no stack file Pulumi.nowhere.yaml"]);
        const help = await cost("--help");
        assert.equal(help.status, 0);
        assert.match(help.stdout, /^usage: npm run cost -- \[options\]/);
    });

    it("runs as npm runs it, exiting 2 on bad usage", () => {
        const run = runTool("bin/cost.ts", ["--executions-per-month", "many"]);
        assert.equal(run.status, 2);
        assert.match(run.stderr, /--executions-per-month must be an integer/);
    });
});

describe("npm run cost, its lines and its refusals", () => {
    const cost = (...args: string[]) => runInProcess(main, args);

    it("counts the transitions a Spot interruption adds, and says none on Fargate", () => {
        const transitionsLine = (capacity: string) => {
            const estimate = stackCost("dev", { "stock-trader:batchCapacity": capacity }, 730);
            return { t: estimate.transitions, line: renderCost("dev", estimate).find((line) => line.startsWith("  state transitions "))! };
        };
        const spot = transitionsLine("FARGATE_SPOT");
        assert.ok(spot.t.perSpotInterruption > 0);
        assert.equal(
            spot.line,
            `  state transitions      ${spot.t.success} on success, ${spot.t.batchFailure} when the batch fails, +${spot.t.perRetry} per retry, +${spot.t.perSpotInterruption} per Spot interruption`,
        );
        const onDemand = transitionsLine("FARGATE");
        assert.match(onDemand.line, /, \+\d+ per retry$/);
    });

    it("says nothing of the prices' region for a stack file that names none, and ends the estimate without an empty line", async () => {
        await withStackFile("config:\n  stock-trader:logLevel: OFF\n", (stack) => {
            assert.equal(priceRegionNote(stack, stackCost(stack, {}, 730)), undefined);
        });
        const run = await cost("--stack", "dev");
        assert.equal(run.status, 0, run.stderr);
        assert.match(run.stdout, /\n {2}state transitions .* per retry\n/);
        assert.ok(!run.stdout.endsWith("\n\n"), "no empty line after the estimate");
    });

    it("writes no cheapest line when no row was priced, only what was not priced and why", () => {
        assert.deepEqual(
            renderComparison(
                {
                    rows: [],
                    refusedStacks: ["t: stock-trader:logLevel must be one of ALL, ERROR, FATAL, OFF (got LOUD)"],
                    refusedPairs: [],
                    unpriced: [],
                },
                [730],
            ),
            [
                "| stack | architecture | capacity | per execution | a month at 730 |",
                "| --- | --- | --- | --- | --- |",
                "",
                "Not priced, the stack refused as it is: t: stock-trader:logLevel must be one of ALL, ERROR, FATAL, OFF (got LOUD)",
            ],
        );
    });

    it("--compare names each key it varies itself that --set gives", async () => {
        const run = await cost("--compare", "--set", "batchArchitecture=X86_64", "--set", "batchCapacity=FARGATE");
        assert.equal(run.status, 2);
        assert.match(run.stderr, /^--compare prices every batchArchitecture and batchCapacity itself: leave batchArchitecture and batchCapacity out of --set;/);
    });

    it("--compare refuses a stack whose file is missing or not YAML, naming it, and throws any other error", async () => {
        await withStackFile("config: [\n", (stack) => {
            const comparison = compareStacks([stack, "nowhere"], {}, [730]);
            assert.deepEqual(comparison.rows, []);
            assert.equal(comparison.refusedStacks.length, 2);
            assert.match(comparison.refusedStacks[0], new RegExp(`^${stack}: Pulumi\\.${stack}\\.yaml:2: not valid YAML: `));
            assert.match(comparison.refusedStacks[1], /^nowhere: .*Pulumi\.nowhere\.yaml/);
        });
        // A name too long for the file system: neither a missing file nor a stack file's problem.
        assert.throws(() => compareStacks(["x".repeat(300)], {}, [730]), { code: "ENAMETOOLONG" });
    });
});
