/**
 * npm run test:e2e: deploys a throwaway stack to a sandbox account, runs every scenario the
 * stand-ins cannot settle, each a named step with its result and duration, and removes the stack.
 * The Pulumi engine is behind `Engine` (the Automation API in e2e-automation.ts), so that the
 * driver's order, guards, cleanup and exit codes are tested without an account.
 */
import { randomBytes } from "node:crypto";
import { parseFlags, refuseCaller, type OptionTable, type TextForm, type ToolIo, UsageError } from "./cli";
import { stillRunning } from "./progress";

/** An e2e stack's name: the prefix the guards and the sweep require, so a run never touches dev or prod. */
export const E2E_PREFIX = "e2e-";
const ACCOUNT_ID: TextForm = { test: /^\d{12}$/, form: "a 12-digit AWS account ID" };
const REGION: TextForm = { test: /^[a-z]{2}(-[a-z]+)+-\d$/, form: "an AWS region, such as us-east-1" };

/** One stack as the engine holds it. */
export interface EngineStack {
    readonly name: string;
    /** Sets config values (namespaced keys) on the stack. */
    setConfig(values: Readonly<Record<string, string>>): Promise<void>;
    /** Removes config keys (namespaced) from the stack, so that they take their defaults again. */
    removeConfig(keys: readonly string[]): Promise<void>;
    /** `pulumi up`, the engine's lines to `onOutput`; resolves to the stack's outputs, rejects when the update fails. */
    up(onOutput: (line: string) => void): Promise<Record<string, unknown>>;
    destroy(onOutput: (line: string) => void): Promise<void>;
    /** Asks the engine to stop the update under way. */
    cancel(): Promise<void>;
    /** Removes the stack (and its config) from the backend. */
    remove(): Promise<void>;
}

/** What the driver needs of Pulumi and AWS. */
export interface Engine {
    /** The account the caller's credentials are in (STS GetCallerIdentity). */
    callerAccount(): Promise<string>;
    createStack(name: string, config: Readonly<Record<string, string>>): Promise<EngineStack>;
    selectStack(name: string): Promise<EngineStack>;
    listStacks(): Promise<{ name: string; lastUpdate?: Date }[]>;
}

/** What a step gets: the stack under test, its outputs after the last deploy, and a way to deploy again. */
export interface StepContext {
    readonly stack: EngineStack;
    readonly account: string;
    readonly region: string;
    outputs: Record<string, unknown>;
    /** Sets these config values and runs `pulumi up` again; the outputs are refreshed. */
    deploy(values?: Readonly<Record<string, string>>): Promise<Record<string, unknown>>;
    log: (line: string) => void;
}

/** A named step: what it proves, which claim it settles, and how long it may take. */
export interface Step {
    name: string;
    proves: string;
    settles: string;
    budgetSeconds: number;
    /** How many executions it starts, for the run's cost. */
    executions: number;
    /** Resolves (passed), resolves to a reason (skipped, where the account cannot show it), or rejects (failed). */
    run(context: StepContext): Promise<void | { skipped: string }>;
}

export interface E2eDeps extends ToolIo {
    engine: () => Engine;
    steps: readonly Step[];
    /** The stack's starting config: the dev stack file's. */
    baseConfig: () => Record<string, string>;
    now: () => Date;
    /** Registers a handler for SIGINT and SIGTERM; returns how to unregister it. */
    onSignal: (handler: (signal: string) => void) => () => void;
    shortId: () => string;
    /** What a run of `executions` executions over `hours` costs, from the cost model. */
    runCost: (executions: number, hours: number) => number;
}

export const OPTIONS = {
    account: { type: "string", pattern: ACCOUNT_ID },
    region: { type: "string", pattern: REGION },
    keep: { type: "boolean", default: false },
    sweep: { type: "boolean", default: false },
    "older-than-hours": { type: "string", default: "6", integer: { min: 1, max: 720 } },
    plan: { type: "boolean", default: false },
    cost: { type: "boolean", default: false },
    help: { type: "boolean", default: false },
} as const satisfies OptionTable;

/** The run's steps with their budgets, the whole run's longest duration, and its cost from the cost model. */
export function plan(steps: readonly Step[], runCost: E2eDeps["runCost"]): string[] {
    const seconds = steps.reduce((sum, step) => sum + step.budgetSeconds, 0);
    const executions = steps.reduce((sum, step) => sum + step.executions, 0);
    const width = Math.max(...steps.map((step) => step.name.length));
    return [
        ...steps.map((step) => `${step.name.padEnd(width)}  at most ${formatSeconds(step.budgetSeconds).padStart(6)}  ${step.settles}`),
        "",
        `${steps.length} steps, at most ${(seconds / 3600).toFixed(1)} hours, ${executions} executions: about $${runCost(executions, seconds / 3600).toFixed(2)} a run (dev's config, npm run cost's model)`,
    ];
}

export function usage(steps: readonly Step[]): string {
    const total = steps.reduce((sum, step) => sum + step.budgetSeconds, 0);
    return `usage: npm run test:e2e -- --account ACCOUNT_ID [--region R] [--keep]
       npm run test:e2e -- --sweep [--older-than-hours N]

Deploys a stack named ${E2E_PREFIX}<id> from the dev stack file to the account the credentials
are in, which must be --account, runs each step below and prints its result and duration, then
destroys and removes the stack, also on a failure, SIGINT or SIGTERM.

  --account ACCOUNT_ID       the sandbox account; the run refuses any other
  --region R                 the region to deploy to (default: the dev stack file's aws:region)
  --keep                     leave the stack for inspection, and print how to remove it
  --plan                     print the steps, what a run takes at most and what it costs, and exit
  --cost                     print only what a run takes at most and what it costs, and exit
  --sweep                    destroy and remove the ${E2E_PREFIX} stacks last updated more than
                             --older-than-hours ago (default 6, twice a run), left by runs that were killed
  --help                     print this help

Steps (${steps.length}, at most ${Math.ceil(total / 60)} minutes in all):
${steps.map((step, i) => `  ${String(i + 1).padStart(2)}. ${step.name} (at most ${formatSeconds(step.budgetSeconds)}): ${step.proves}`).join("\n")}

Exit codes: 0 every step passed (or skipped where the account cannot show it), or the sweep
removed what it found; 1 a step failed, the caller is in another account, or a stack could not
be removed; 2 bad usage.`;
}

const formatSeconds = (seconds: number): string => (seconds >= 60 ? `${Math.round(seconds / 60)} min` : `${seconds} s`);
const elapsed = (from: Date, to: Date) => `${((to.getTime() - from.getTime()) / 1000).toFixed(1)} s`;

/** Throws unless the name is an e2e stack's: the last guard before anything is destroyed. */
export function assertE2eStack(name: string): void {
    if (!name.startsWith(E2E_PREFIX)) {
        throw new Error(`refusing to touch stack ${name}: only ${E2E_PREFIX} stacks are the end-to-end suite's`);
    }
}

/** Destroys and removes a stack, guarded by its name. */
async function teardown(stack: EngineStack, out: (line: string) => void): Promise<void> {
    assertE2eStack(stack.name);
    out(`Destroying ${stack.name}`);
    await stack.destroy(out);
    await stack.remove();
    out(`Removed ${stack.name}`);
}

async function sweep(deps: E2eDeps, olderThanHours: number): Promise<number> {
    const engine = deps.engine();
    const cutoff = deps.now().getTime() - olderThanHours * 3600 * 1000;
    const stale = (await engine.listStacks()).filter((s) => s.name.startsWith(E2E_PREFIX) && (s.lastUpdate === undefined || s.lastUpdate.getTime() < cutoff));
    deps.out(`${stale.length} ${E2E_PREFIX} stack(s) last updated more than ${olderThanHours} hour(s) ago`);
    let failed = 0;
    for (const { name } of stale) {
        try {
            await teardown(await engine.selectStack(name), deps.out);
        } catch (error) {
            failed++;
            deps.err(`could not remove ${name}: ${(error as Error).message}`);
        }
    }
    return failed === 0 ? 0 : 1;
}

/** The run: guards, the steps in order, and the teardown whatever happens. */
async function run(deps: E2eDeps, account: string, region: string | undefined, keep: boolean, steps: readonly Step[]): Promise<number> {
    const engine = deps.engine();
    const caller = await engine.callerAccount();
    if (caller !== account) {
        deps.err(`the credentials are for account ${caller}, not --account ${account}: refusing to deploy there`);
        return 1;
    }
    const name = `${E2E_PREFIX}${deps.shortId()}`;
    assertE2eStack(name);
    const config = { ...deps.baseConfig(), ...(region === undefined ? {} : { "aws:region": region }) };
    const stackRegion = config["aws:region"] ?? "us-east-1";
    deps.out(`Creating ${name} in account ${account}, ${stackRegion}`);
    const stack = await engine.createStack(name, config);
    let interrupted: string | undefined;
    let upUnderWay = false;
    const unsubscribe = deps.onSignal((signal) => {
        interrupted = signal;
        deps.err(`${signal}: stopping, then removing ${name}`);
        if (upUnderWay) {
            void stack.cancel();
        }
    });
    const context: StepContext = {
        stack,
        account,
        region: stackRegion,
        outputs: {},
        deploy: async (values = {}) => {
            await stack.setConfig(values);
            upUnderWay = true;
            try {
                context.outputs = await stack.up(deps.out);
            } finally {
                upUnderWay = false;
            }
            return context.outputs;
        },
        log: deps.out,
    };
    let failed = false;
    try {
        for (const [i, step] of steps.entries()) {
            if (interrupted !== undefined) {
                deps.out(`- ${step.name}: not run (${interrupted})`);
                failed = true;
                continue;
            }
            if (failed) {
                deps.out(`- ${step.name}: not run (a step before it failed)`);
                continue;
            }
            deps.out(`▶ ${i + 1}/${steps.length} ${step.name}`);
            const started = deps.now();
            const stop = stillRunning(deps.out, step.name);
            try {
                const result = await step.run(context);
                const took = elapsed(started, deps.now());
                deps.out(result === undefined ? `✔ ${step.name} (${took})` : `- ${step.name} skipped (${took}): ${result.skipped}`);
            } catch (error) {
                failed = true;
                deps.out(`✖ ${step.name} (${elapsed(started, deps.now())}): ${(error as Error).message}`);
            } finally {
                stop();
            }
        }
    } finally {
        unsubscribe();
        if (keep && interrupted === undefined) {
            deps.out(`Kept ${name}. Remove it with: pulumi destroy --stack ${name} --yes && pulumi stack rm ${name} --yes`);
        } else {
            try {
                await teardown(stack, deps.out);
            } catch (error) {
                failed = true;
                deps.err(`could not remove ${name}: ${(error as Error).message}; npm run test:e2e -- --sweep removes it later`);
            }
        }
    }
    return failed || interrupted !== undefined ? 1 : 0;
}

export async function e2e(argv: string[], deps: E2eDeps): Promise<number> {
    let values;
    try {
        values = parseFlags(argv, OPTIONS);
        if (!values.help && !values.plan && !values.cost && !values.sweep && values.account === undefined) {
            throw new UsageError("give --account ACCOUNT_ID, the sandbox account to deploy to (or --sweep)");
        }
        if (values.sweep && (values.account !== undefined || values.keep)) {
            throw new UsageError("--sweep takes neither --account nor --keep: it removes old e2e- stacks of the current backend");
        }
    } catch (error) {
        return refuseCaller(error, deps, usage(deps.steps));
    }
    if (values.help) {
        deps.out(usage(deps.steps));
        return 0;
    }
    if (values.plan || values.cost) {
        const lines = plan(deps.steps, deps.runCost);
        (values.plan ? lines : lines.slice(-1)).forEach((line) => deps.out(line));
        return 0;
    }
    return values.sweep ? sweep(deps, Number(values["older-than-hours"])) : run(deps, values.account!, values.region, values.keep, deps.steps);
}

/** A short random id for a stack name. */
export const shortId = (): string => randomBytes(4).toString("hex");

/** SIGINT and SIGTERM, handled while a run lasts. */
export function processSignals(handler: (signal: string) => void): () => void {
    const signals = ["SIGINT", "SIGTERM"] as const;
    signals.forEach((signal) => process.on(signal, handler));
    return () => signals.forEach((signal) => process.off(signal, handler));
}
