/**
 * What a stack costs to run: a pure function from the stack's config, the workflow definition
 * and a price table to a per-execution and a monthly cost, line by line. The usage of one
 * execution is counted from the definition itself (the states it enters) and from the sizes
 * the program deploys; what cannot be read from the program is an assumption, named below.
 */
import { tradeMetrics } from "../contracts/telemetry";
import { lambdaKeepsLine } from "./platform-rules";
import type { StackConfig } from "./keys";
import { MONTH_HOURS, scheduleCadence } from "./schedule";
import { FUNCTION_MEMORY_MB } from "./functions";
import type { AlarmSpec } from "./monitoring";
import { parseArn } from "./arn";
import { STATES, type State, type StateMachineDefinition } from "./workflow";

export interface Price {
    region: string;
    usd: number;
    unit: string;
    published: string;
    source: string;
    read: string;
}

export type PriceName =
    | "stepFunctionsTransition"
    | "lambdaRequest"
    | "lambdaArmGbSecond"
    | "dynamodbWriteRequestUnit"
    | "fargateArmVcpuHour"
    | "fargateArmGbHour"
    | "fargateX86VcpuHour"
    | "fargateX86GbHour"
    | "fargateSpotX86VcpuHour"
    | "fargateSpotX86GbHour"
    | "publicIpv4Hour"
    | "logsIngestionGb"
    | "logsStorageGbMonth"
    | "alarmMonth"
    | "dashboardMonth"
    | "ecrStorageGbMonth"
    | "xrayTrace"
    | "customMetricMonth";

export interface PriceTable {
    note: string;
    prices: Record<PriceName, Price>;
}

/**
 * What one execution uses that the program does not fix, each with why. Change them here, and
 * the cost model, its tests and the README's figures follow.
 */
export const ASSUMPTIONS = {
    /** Handlers take about 1 ms warm; cold starts add their init time, billed since 2025. */
    lambdaBilledMsPerInvocation: 100,
    /** Fargate bills from image pull to task stop, at least a minute; the program itself runs about a second. */
    fargateBilledSeconds: 60,
    /** The task's public IPv4 address exists for its life: pull, run and stop. */
    taskLifeSeconds: 60,
    /** Each of the two trade records is under 1 KB: one write unit for the put, one for the update. */
    writeUnitsPerExecution: 2,
    /** Lambda's START, END and REPORT lines in JSON, per invocation. */
    lambdaLogBytesPerInvocation: 700,
    /** The batch program's three JSON log lines. */
    batchLogBytes: 450,
    /**
     * The functions' own records at functionLogLevel INFO or below: the check (about 224 bytes)
     * and the trade (about 298), in Lambda's JSON format with its timestamp, level and request id.
     */
    functionRecordBytes: 522,
    /** The trade's embedded metric format document as a function writes it (a sell at 99 on prod, at ERROR), ingested like any log line. */
    tradeMetricDocumentBytes: Buffer.byteLength(
        `${JSON.stringify(tradeMetrics({ type: "sell", price: 99 }, "prod", new Date(Date.UTC(2026, 0, 1)), "ERROR"))}\n`,
    ),
    /** The trade metrics: Trades and TradePrice for each of buy and sell, billed as custom metrics all month at most. */
    tradeMetrics: 4,
    /** Execution log events at level ALL, without execution data: about 400 bytes for each of ~15 events. */
    stateMachineLogBytesAtAll: 6000,
    /** The node:22-alpine base layers plus the bundle, compressed. */
    imageBaseMb: 55,
    /** Each further image kept shares the base layers and adds its own bundle layer. */
    imageLayerMb: 0.4,
    /** AWS bills a month as 730 hours. */
    hoursPerMonth: MONTH_HOURS,
    /**
     * Container Insights reports ECS's 16 Container Insights metrics for the cluster and the task
     * definition family, billed as custom metrics pro-rated by the hour they report: all month at
     * most, when a task runs every hour.
     */
    containerInsightsMetrics: 16,
    /** Its performance log events: a task and a container event a minute, about 1 KB each, for the task's life. */
    containerInsightsLogBytesPerTask: 2048,
};

export interface CostLine {
    service: string;
    item: string;
    /** In a month. */
    quantity: number;
    unit: string;
    unitPriceUsd: number;
    monthlyUsd: number;
    /** Whether the line grows with the number of executions. */
    perExecution: boolean;
}

export interface CostEstimate {
    region: string;
    executionsPerMonth: number;
    perExecutionUsd: number;
    fixedMonthlyUsd: number;
    monthlyUsd: number;
    /** State transitions of one execution on each path. */
    transitions: { success: number; batchFailure: number; perRetry: number; perSpotInterruption: number };
    lines: CostLine[];
    /** Task states a successful execution enters whose service the estimate does not price: each with what it calls. */
    unpriced: { state: string; calls: string }[];
}

export type CostConfig = Pick<
    StackConfig,
    | "batchCpu"
    | "batchMemory"
    | "batchArchitecture"
    | "batchCapacity"
    | "assignPublicIp"
    | "logLevel"
    | "logRetentionDays"
    | "tracingEnabled"
    | "batchImagesToKeep"
    | "containerInsights"
    | "functionLogLevel"
>;

const next = (state: State): string | undefined => ("Next" in state ? state.Next : undefined);

/**
 * The states one execution enters, from StartAt: at the trade choice any branch (they are the
 * same length), and after `Run ECS task` either its Next (success) or its Catch (failure, taking
 * each Choice's first rule, which is the not-interrupted one). Each state entered is a transition.
 */
function path(definition: StateMachineDefinition, batchFails: boolean): string[] {
    const entered: string[] = [];
    for (let name: string | undefined = definition.StartAt; name !== undefined;) {
        const state: State = definition.States[name];
        entered.push(name);
        if (state.Type === "Choice") {
            name = batchFails ? state.Choices[0].Next : state.Default;
        } else if (state.Type === "Task" && name === STATES.runEcsTask && batchFails) {
            name = state.Catch?.[0]?.Next;
        } else {
            name = next(state);
        }
    }
    return entered;
}

/** What a Task state calls, as the estimate prices it: a Lambda function, a DynamoDB put, the batch task, or something it does not price. */
function callOf(resource: string): "lambda" | "dynamodb" | "ecs" | undefined {
    const arn = parseArn(resource);
    if (arn.service === "lambda") {
        return "lambda";
    }
    return arn.resource === "dynamodb:putItem" ? "dynamodb" : arn.resource === "ecs:runTask.sync" ? "ecs" : undefined;
}

/**
 * The states a Spot interruption adds: from Run ECS task's Catch, through the Choice rule that
 * runs the batch again, back into Run ECS task. 0 when the definition never runs it again.
 */
function interruptionLoop(definition: StateMachineDefinition): number {
    const run = definition.States[STATES.runEcsTask];
    const choiceName = run?.Type === "Task" ? run.Catch?.[0]?.Next : undefined;
    const choice = choiceName === undefined ? undefined : definition.States[choiceName];
    if (choice?.Type !== "Choice") {
        return 0;
    }
    const again = choice.Choices.find((rule) => next(definition.States[rule.Next]) === STATES.runEcsTask);
    if (!again) {
        return 0;
    }
    let count = 1;
    for (let name: string | undefined = again.Next; name !== STATES.runEcsTask && name !== undefined; name = next(definition.States[name])) {
        count++;
    }
    return count + 1;
}

/** The functions' log records are console.info calls, which Lambda writes at INFO with a timestamp. */
const INFO_RECORD = { level: "INFO", timestamp: "1970-01-01T00:00:00.000Z" };

const MB_PER_GB = 1024;
const BYTES_PER_GB = 1024 ** 3;

/** A Fargate price by name; AWS sells no Fargate Spot for ARM64, so the table has no such price and a config asking for one is refused. */
function fargatePrice(prices: PriceTable["prices"], name: string): Price {
    if (!Object.hasOwn(prices, name)) {
        throw new RangeError(`the price table has no ${name}: Fargate sells no such capacity (Fargate Spot runs X86_64 tasks only)`);
    }
    return prices[name as PriceName];
}

export function estimateCost(
    config: CostConfig,
    definition: StateMachineDefinition,
    alarms: readonly AlarmSpec[],
    table: PriceTable,
    executionsPerMonth: number,
): CostEstimate {
    if (!Number.isInteger(executionsPerMonth) || executionsPerMonth < 0) {
        throw new RangeError(`executions per month must be a whole number >= 0 (got ${executionsPerMonth})`);
    }
    const p = table.prices;
    const a = ASSUMPTIONS;
    const arch = config.batchArchitecture === "ARM64" ? "Arm" : "X86";
    const spot = config.batchCapacity === "FARGATE_SPOT" ? "Spot" : "";
    const vcpuPrice = fargatePrice(p, `fargate${spot}${arch}VcpuHour`);
    const gbPrice = fargatePrice(p, `fargate${spot}${arch}GbHour`);
    const success = path(definition, false);
    const tasks = success.flatMap((name) => {
        const state = definition.States[name];
        return state.Type === "Task" ? [{ state: name, resource: state.Resource, call: callOf(state.Resource) }] : [];
    });
    const transitions = {
        success: success.length,
        batchFailure: path(definition, true).length,
        perRetry: 1,
        perSpotInterruption: interruptionLoop(definition),
    };
    // The checker, then the buyer or the seller: the Lambda states a successful execution enters.
    const invocations = tasks.filter((task) => task.call === "lambda").length;
    const logBytes =
        invocations * a.lambdaLogBytesPerInvocation +
        (lambdaKeepsLine(INFO_RECORD, config.functionLogLevel) ? a.functionRecordBytes : 0) +
        a.tradeMetricDocumentBytes +
        a.batchLogBytes +
        (config.logLevel === "ALL" ? a.stateMachineLogBytesAtAll : 0) +
        (config.containerInsights ? a.containerInsightsLogBytesPerTask : 0);
    const logGb = logBytes / BYTES_PER_GB;
    const fargateHours = a.fargateBilledSeconds / 3600;
    const vcpu = config.batchCpu / 1024;
    const memoryGb = config.batchMemory / MB_PER_GB;

    const variable: [string, string, number, Price][] = [
        ["Step Functions", "state transitions (success path)", transitions.success, p.stepFunctionsTransition],
        ["Lambda", "requests", invocations, p.lambdaRequest],
        [
            "Lambda",
            `duration at ${FUNCTION_MEMORY_MB} MB, ${a.lambdaBilledMsPerInvocation} ms each`,
            invocations * (FUNCTION_MEMORY_MB / MB_PER_GB) * (a.lambdaBilledMsPerInvocation / 1000),
            p.lambdaArmGbSecond,
        ],
        ["DynamoDB", "write request units", a.writeUnitsPerExecution, p.dynamodbWriteRequestUnit],
        [
            `Fargate${spot ? " Spot" : ""}`,
            `vCPU (${vcpu} vCPU, ${config.batchArchitecture}, ${a.fargateBilledSeconds} s billed)`,
            vcpu * fargateHours,
            vcpuPrice,
        ],
        [`Fargate${spot ? " Spot" : ""}`, `memory (${memoryGb} GB, ${a.fargateBilledSeconds} s billed)`, memoryGb * fargateHours, gbPrice],
        ["CloudWatch Logs", "ingestion", logGb, p.logsIngestionGb],
        ["CloudWatch Logs", `storage for ${config.logRetentionDays} days`, logGb * (config.logRetentionDays / (a.hoursPerMonth / 24)), p.logsStorageGbMonth],
    ];
    if (config.assignPublicIp) {
        variable.push(["VPC", "public IPv4 address for the task's life", a.taskLifeSeconds / 3600, p.publicIpv4Hour]);
    }
    if (config.tracingEnabled) {
        variable.push(["X-Ray", "traces recorded", 1, p.xrayTrace]);
    }
    const fixed: [string, string, number, Price][] = [
        ["CloudWatch", "alarms", alarms.length, p.alarmMonth],
        ["CloudWatch", "dashboard", 1, p.dashboardMonth],
        ["CloudWatch", "trade metrics (at most)", a.tradeMetrics, p.customMetricMonth],
        [
            "ECR",
            `storage of up to ${config.batchImagesToKeep} images`,
            (a.imageBaseMb + a.imageLayerMb * (config.batchImagesToKeep - 1)) / 1024,
            p.ecrStorageGbMonth,
        ],
    ];
    if (config.containerInsights) {
        fixed.push(["CloudWatch", "Container Insights metrics (at most)", a.containerInsightsMetrics, p.customMetricMonth]);
    }
    const line = ([service, item, quantity, price]: [string, string, number, Price], times: number, perExecution: boolean): CostLine => ({
        service,
        item,
        quantity: quantity * times,
        unit: price.unit,
        unitPriceUsd: price.usd,
        monthlyUsd: quantity * times * price.usd,
        perExecution,
    });
    const perExecutionUsd = variable.reduce((sum, [, , quantity, price]) => sum + quantity * price.usd, 0);
    const lines = [...variable.map((v) => line(v, executionsPerMonth, true)), ...fixed.map((f) => line(f, 1, false))];
    const fixedMonthlyUsd = fixed.reduce((sum, [, , quantity, price]) => sum + quantity * price.usd, 0);
    const regions = new Set(Object.values(p).map((price) => price.region));
    return {
        region: [...regions].join(", "),
        executionsPerMonth,
        perExecutionUsd,
        fixedMonthlyUsd,
        monthlyUsd: fixedMonthlyUsd + perExecutionUsd * executionsPerMonth,
        transitions,
        lines,
        unpriced: tasks.filter((task) => task.call === undefined).map((task) => ({ state: task.state, calls: parseArn(task.resource).resource })),
    };
}

/** How many executions a month are priced when none is given, and why. */
export interface AssumedExecutions {
    executionsPerMonth: number;
    basis: string;
}

/**
 * The executions a month the stack starts on its own: its schedule's runs in a 730-hour month
 * (a cron's counted from its fire times), or none with the schedule off, since then only an
 * operator starts executions and their number is theirs to give.
 */
export function assumedExecutions(config: Pick<StackConfig, "scheduleEnabled" | "scheduleExpression">): AssumedExecutions {
    if (!config.scheduleEnabled) {
        return {
            executionsPerMonth: 0,
            basis: "the schedule is off, so no execution starts on its own: 0 assumed; give --executions-per-month N for the executions you start",
        };
    }
    const runs = scheduleCadence(config.scheduleExpression).runsPerMonth;
    return { executionsPerMonth: runs, basis: `the schedule ${config.scheduleExpression} runs ${runs} times in a ${MONTH_HOURS}-hour month` };
}
