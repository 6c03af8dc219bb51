/**
 * npm run test:e2e: deploys a throwaway stack to a sandbox account, runs every scenario the
 * stand-ins cannot settle, each a named step with its result and duration, and removes the stack.
 * The Pulumi engine is behind `Engine` (the Automation API in automation.ts), so that the
 * driver's order, guards, cleanup and exit codes are tested without an account.
 */
import { randomBytes } from "node:crypto";
import type { CpuArchitecture } from "../../model/config";
import { parseStackFileConfig } from "../../model/stack-file";
import { AwsFailure, classify } from "../cli/aws-calls";
import { parseFlags, REGION, refuseCaller, type OptionTable, type TextForm, type ToolIo, UsageError } from "../cli/cli";
import { fail, pass, type CheckResult } from "../preflight/check";
import { stillRunning } from "../cli/progress";

/** An e2e stack's name: the prefix the guards and the sweep require, so a run never touches dev or prod. */
export const E2E_PREFIX = "e2e-";
const ACCOUNT_ID: TextForm = { test: /^\d{12}$/, form: "a 12-digit AWS account ID" };

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

/** What the driver needs of Pulumi. */
export interface Engine {
    /** Creates the stack with its config; one that cannot be given its config is removed again. */
    createStack(name: string, config: Readonly<Record<string, string>>): Promise<EngineStack>;
    selectStack(name: string): Promise<EngineStack>;
    listStacks(): Promise<{ name: string; lastUpdate?: Date }[]>;
    /** The e2e stacks that have a stack file in the project folder, by name. */
    stackFiles(): string[];
    /** Removes a stack's file from the project folder, where it is still there. */
    removeStackFile(name: string): void;
}

/** Who the credentials are, and until when they last (none: they do not expire). */
export interface Caller {
    account: string;
    expires?: Date;
}

/**
 * What the driver checks before it creates anything, each as the preflight checks it: the
 * credentials in the run's region, the Pulumi CLI and its login, and Docker with Buildx.
 */
export interface Prerequisites {
    /** The region the AWS SDK resolves from the environment (AWS_REGION, the profile), if any. */
    environmentRegion(): Promise<string | undefined>;
    /** The caller, by STS in `region`; a failure is thrown classified (an AwsFailure). */
    caller(region: string): Promise<Caller>;
    /** The Pulumi CLI, at least as new as the SDK, and its login. */
    pulumi(): Promise<CheckResult[]>;
    /** Docker, Buildx, and a build for the image's architecture. */
    docker(architecture: CpuArchitecture): Promise<CheckResult[]>;
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
    prerequisites: Prerequisites;
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
                             --older-than-hours ago (default 6, longer than a run may take), left by killed runs
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

/** Why a step failed: an AWS call's failure as every tool classifies it, or the step's own words. */
function stepFailure(error: unknown): string {
    return (error instanceof AwsFailure ? error : classify("the step's AWS call", "", error))?.message ?? (error as Error).message;
}

/** A check as the driver prints it, in one line: what passed, or what did not and how to fix it. */
export function checkLine(check: CheckResult): string {
    const mark = check.status === "pass" ? "✔" : check.status === "warn" ? "!" : "✖";
    return `${mark} ${check.title}: ${check.detail}${check.fix === undefined ? "" : ` (fix: ${check.fix})`}`;
}

/** Prints the checks, one line each, and says whether all of them let the run go on. */
function passed(checks: readonly CheckResult[], deps: E2eDeps): boolean {
    checks.forEach((check) => (check.status === "fail" ? deps.err : deps.out)(checkLine(check)));
    return checks.every((check) => check.status !== "fail");
}

const hours = (seconds: number) => `${(seconds / 3600).toFixed(1)} hours`;

/**
 * The caller's credentials, in the run's region: usable, in the sandbox account, and lasting the
 * run's budget, so that no step fails midway for want of them.
 */
async function credentialsCheck(deps: E2eDeps, region: string, account: string, budgetSeconds: number): Promise<CheckResult> {
    const title = "AWS credentials";
    let caller: Caller;
    try {
        caller = await deps.prerequisites.caller(region);
    } catch (error) {
        if (!(error instanceof AwsFailure)) {
            throw error;
        }
        return fail("credentials", title, error.what, error.fix ?? "run this again");
    }
    if (caller.account !== account) {
        return fail(
            "credentials",
            title,
            `the credentials are for account ${caller.account}, not --account ${account}: refusing to deploy there`,
            "sign in to the sandbox account (AWS_PROFILE), or give its ID as --account",
        );
    }
    if (caller.expires !== undefined) {
        const left = caller.expires.getTime() - deps.now().getTime();
        if (left < budgetSeconds * 1000) {
            return fail(
                "credentials",
                title,
                `they expire at ${caller.expires.toISOString()}, in ${Math.max(0, Math.floor(left / 60_000))} min, and the run may take ${hours(budgetSeconds)}`,
                `sign in for a session of at least ${Math.ceil(budgetSeconds / 3600)} hours (the role's MaxSessionDuration, role-duration-seconds, or the SSO session)`,
            );
        }
    }
    return pass(
        "credentials",
        title,
        `account ${caller.account}, ${caller.expires === undefined ? "credentials that do not expire" : `until ${caller.expires.toISOString()}`}`,
    );
}

/**
 * Everything a run needs before it creates anything: the region, the credentials for the run's
 * length, the Pulumi CLI and its login, Docker with Buildx. Each is printed in one line.
 */
async function prerequisitesMet(deps: E2eDeps, account: string, region: string | undefined, architecture: CpuArchitecture, budgetSeconds: number) {
    const regionCheck =
        region === undefined
            ? fail(
                  "region",
                  "Region",
                  "no region: neither --region, the dev stack file's aws:region nor the environment (AWS_REGION, the profile) names one",
                  "give --region R",
              )
            : pass("region", "Region", region);
    const [credentials, pulumi, docker] = await Promise.all([
        region === undefined
            ? fail("credentials", "AWS credentials", 'not checked until "Region" passes', "give --region R")
            : credentialsCheck(deps, region, account, budgetSeconds),
        deps.prerequisites.pulumi(),
        deps.prerequisites.docker(architecture),
    ]);
    return passed([regionCheck, credentials, ...pulumi, ...docker], deps);
}

async function sweep(deps: E2eDeps, olderThanHours: number): Promise<number> {
    if (!passed(await deps.prerequisites.pulumi(), deps)) {
        return 1;
    }
    const engine = deps.engine();
    const cutoff = deps.now().getTime() - olderThanHours * 3600 * 1000;
    const stacks = await engine.listStacks();
    const stale = stacks.filter((s) => s.name.startsWith(E2E_PREFIX) && (s.lastUpdate === undefined || s.lastUpdate.getTime() < cutoff));
    deps.out(`${stale.length} ${E2E_PREFIX} stack(s) last updated more than ${olderThanHours} hour(s) ago`);
    let failed = 0;
    for (const { name } of stale) {
        try {
            await teardown(await engine.selectStack(name), deps.out);
            engine.removeStackFile(name);
        } catch (error) {
            failed++;
            deps.err(`could not remove ${name}: ${(error as Error).message}`);
        }
    }
    // A stack file whose stack the backend no longer has was left by a run killed outright.
    const inBackend = new Set(stacks.map((s) => s.name));
    for (const name of engine.stackFiles().filter((file) => file.startsWith(E2E_PREFIX) && !inBackend.has(file))) {
        engine.removeStackFile(name);
        deps.out(`Removed Pulumi.${name}.yaml, whose stack is gone`);
    }
    return failed === 0 ? 0 : 1;
}

/** The run: its prerequisites, then the steps in order, and the teardown whatever happens. */
async function run(deps: E2eDeps, account: string, regionFlag: string | undefined, keep: boolean, steps: readonly Step[]): Promise<number> {
    const base = deps.baseConfig();
    const region = regionFlag ?? base["aws:region"] ?? (await deps.prerequisites.environmentRegion());
    const config = { ...base, ...(region === undefined ? {} : { "aws:region": region }) };
    const architecture = parseStackFileConfig(config, "Pulumi.dev.yaml").batchArchitecture;
    const budgetSeconds = steps.reduce((sum, step) => sum + step.budgetSeconds, 0);
    if (!(await prerequisitesMet(deps, account, region, architecture, budgetSeconds)) || region === undefined) {
        deps.err("Nothing was created: fix what failed above, then run this again");
        return 1;
    }
    const engine = deps.engine();
    const name = `${E2E_PREFIX}${deps.shortId()}`;
    assertE2eStack(name);
    let interrupted: string | undefined;
    let upUnderWay = false;
    let stack: EngineStack | undefined;
    // Handled from before the stack exists, so that a signal during its creation still removes it.
    const unsubscribe = deps.onSignal((signal) => {
        interrupted = signal;
        deps.err(`${signal}: stopping, then removing ${name}`);
        if (upUnderWay) {
            void stack?.cancel();
        }
    });
    let failed = false;
    try {
        deps.out(`Creating ${name} in account ${account}, ${region}`);
        try {
            stack = await engine.createStack(name, config);
        } catch (error) {
            deps.err(`could not create ${name}: ${(error as Error).message.trim().split("\n")[0]}`);
            return 1;
        }
        const created = stack;
        const context: StepContext = {
            stack: created,
            account,
            region,
            outputs: {},
            deploy: async (values = {}) => {
                await created.setConfig(values);
                upUnderWay = true;
                try {
                    context.outputs = await created.up(deps.out);
                } finally {
                    upUnderWay = false;
                }
                return context.outputs;
            },
            log: deps.out,
        };
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
                deps.out(`✖ ${step.name} (${elapsed(started, deps.now())}): ${stepFailure(error)}`);
            } finally {
                stop();
            }
        }
    } finally {
        unsubscribe();
        if (stack === undefined) {
            engine.removeStackFile(name);
        } else if (keep && interrupted === undefined) {
            deps.out(`Kept ${name}. Remove it with: pulumi destroy --stack ${name} --yes && pulumi stack rm ${name} --yes`);
        } else {
            try {
                await teardown(stack, deps.out);
                engine.removeStackFile(name);
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
    if (values.sweep) {
        return sweep(deps, Number(values["older-than-hours"]));
    }
    try {
        return await run(deps, values.account!, values.region, values.keep, deps.steps);
    } catch (error) {
        // The dev stack file the run starts from, missing or refused: the caller's to fix.
        return refuseCaller(error, deps, usage(deps.steps), "dev");
    }
}

/** A short random id for a stack name. */
export const shortId = (): string => randomBytes(4).toString("hex");

/** SIGINT and SIGTERM, handled while a run lasts. */
export function processSignals(handler: (signal: string) => void): () => void {
    const signals = ["SIGINT", "SIGTERM"] as const;
    signals.forEach((signal) => process.on(signal, handler));
    return () => signals.forEach((signal) => process.off(signal, handler));
}
