/** The end-to-end suite with its real parts: the Automation API, the dev stack file, the process's signals. */
import { processIo, type ToolIo } from "../cli/cli";
import { e2e, processSignals, shortId } from "./driver";
import { automationEngine, automationPrerequisites } from "./automation";
import { STEPS } from "./scenarios";
import { stackCost } from "../local/cost";
import { readStackFile } from "../cli/stack-files";

/** A month, in hours, as the cost model prices fixed costs. */
const MONTH_HOURS = 730;

/** A run's cost by the cost model: its executions on dev's config, and dev's fixed costs for the hours it lasts. */
export function runCost(executions: number, hours: number): number {
    const estimate = stackCost("dev", {}, executions);
    return estimate.perExecutionUsd * executions + (estimate.fixedMonthlyUsd * hours) / MONTH_HOURS;
}

export function main(argv: string[], io: ToolIo = processIo): Promise<number> {
    return e2e(argv, {
        ...io,
        engine: () => automationEngine(),
        prerequisites: automationPrerequisites,
        steps: STEPS,
        baseConfig: () => readStackFile("dev"),
        now: () => new Date(),
        onSignal: processSignals,
        shortId,
        runCost,
    });
}
