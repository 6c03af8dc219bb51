import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { bundle, bundleAsync } from "./bundle";
import { STACK_ENV } from "../contracts/telemetry";
import { componentSettings, type FunctionLogLevel, type StackConfig } from "../model/config";
import {
    byFunction,
    FUNCTION_ARCHITECTURE,
    FUNCTION_MEMORY_MB,
    FUNCTION_TIMEOUT_SECONDS,
    handlerSource,
    TRADING_FUNCTIONS,
    type TradingFunctionName,
} from "../model/functions";
import { functionPolicy, serviceTrustPolicy } from "../model/policies";
import { LAMBDA_RUNTIME } from "../model/project";

export interface TradingFunctionsArgs {
    /** Days CloudWatch keeps each function's log group: one of the retention periods it accepts. @default 14 */
    readonly logRetentionDays?: number;
    /** The functions' application log level: Lambda drops their log records below it. @default "INFO" */
    readonly logLevel?: FunctionLogLevel;
    /** Active X-Ray tracing of each invocation, which also lets the roles write traces. @default false */
    readonly tracing?: boolean;
    /** Each function's code, as tradingFunctionCode bundles it. @default bundled by the component as it is constructed */
    readonly code?: Readonly<Record<TradingFunctionName, string>>;
}

/** The functions' arguments from a stack's validated config. */
export const tradingFunctionsArgs = (config: Pick<StackConfig, "logRetentionDays" | "functionLogLevel" | "tracingEnabled">): TradingFunctionsArgs => ({
    logRetentionDays: config.logRetentionDays,
    logLevel: config.functionLogLevel,
    tracing: config.tracingEnabled,
});

const HANDLERS = TRADING_FUNCTIONS.map(handlerSource);
const byHandler = (bundles: Record<string, string>) => byFunction((fn) => bundles[handlerSource(fn)]);

/** Each trading function's handler bundled, by function, by esbuild's service: the caller goes on meanwhile. */
export async function tradingFunctionCode(): Promise<Record<TradingFunctionName, string>> {
    return byHandler(await bundleAsync(HANDLERS));
}

/**
 * The checker, buyer and seller Lambdas. Each has its own log group and its own role, which
 * may write to that log group and do nothing else. The code is bundled by esbuild while the
 * program runs (tradingFunctionCode, or the component as it is constructed without it), so
 * `pulumi up` needs no separate build step.
 */
export class TradingFunctions extends pulumi.ComponentResource {
    readonly functions: Record<TradingFunctionName, aws.lambda.Function>;
    /**
     * Each function's newest published version, by its qualified ARN: every change to a function's
     * code or configuration publishes one, and the workflow invokes it, so that a state machine
     * version is the whole release, its functions' code included.
     */
    readonly versionArns: Record<TradingFunctionName, pulumi.Output<string>>;
    /** Each function's log group, where its records (and Lambda's own lines) go. */
    readonly logGroups: Record<TradingFunctionName, aws.cloudwatch.LogGroup>;

    constructor(name: string, args: TradingFunctionsArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        const settings = componentSettings("TradingFunctions", {
            logRetentionDays: ["logRetentionDays", args.logRetentionDays],
            logLevel: ["functionLogLevel", args.logLevel],
            tracing: ["tracingEnabled", args.tracing],
        });
        super("stock-trader:functions:TradingFunctions", name, {}, opts);

        const code = args.code ?? byHandler(bundle(HANDLERS));
        // Lambda may assume the roles only on behalf of this account's functions.
        const trust = aws
            .getCallerIdentityOutput({}, { parent: this })
            .accountId.apply((account) => JSON.stringify(serviceTrustPolicy("lambda.amazonaws.com", account)));
        const created = byFunction((fn) => this.createFunction(`${name}-${fn}`, code[fn], trust, settings));
        this.functions = byFunction((fn) => created[fn].fn);
        this.versionArns = byFunction((fn) => created[fn].fn.qualifiedArn);
        this.logGroups = byFunction((fn) => created[fn].logGroup);

        this.registerOutputs(byFunction((fn) => this.versionArns[fn]));
    }

    private createFunction(
        name: string,
        code: string,
        trust: pulumi.Output<string>,
        settings: Pick<StackConfig, "logRetentionDays" | "functionLogLevel" | "tracingEnabled">,
    ) {
        const logGroup = new aws.cloudwatch.LogGroup(`${name}-logs`, { retentionInDays: settings.logRetentionDays }, { parent: this });
        const role = new aws.iam.Role(`${name}-role`, { assumeRolePolicy: trust }, { parent: this });
        const logPolicy = new aws.iam.RolePolicy(
            `${name}-logs-policy`,
            { role: role.id, policy: logGroup.arn.apply((arn) => JSON.stringify(functionPolicy(arn, settings.tracingEnabled))) },
            { parent: this },
        );
        const fn = new aws.lambda.Function(
            name,
            {
                runtime: LAMBDA_RUNTIME,
                architectures: [FUNCTION_ARCHITECTURE],
                handler: "index.handler",
                memorySize: FUNCTION_MEMORY_MB,
                timeout: FUNCTION_TIMEOUT_SECONDS,
                role: role.arn,
                code: new pulumi.asset.AssetArchive({
                    "index.js": new pulumi.asset.StringAsset(code),
                }),
                // Lambda writes each console record as a JSON line and drops those below the level.
                loggingConfig: { logFormat: "JSON", applicationLogLevel: settings.functionLogLevel, logGroup: logGroup.name },
                // The trade metrics' Stack dimension.
                environment: { variables: { [STACK_ENV]: pulumi.getStack() } },
                // Active tracing samples each invocation, so a trace runs from the state machine through the functions.
                ...(settings.tracingEnabled ? { tracingConfig: { mode: "Active" } } : {}),
                // Each change to the code or the configuration publishes a version (CreateFunction
                // and PublishVersion), and qualifiedArn names the newest: the workflow invokes it.
                publish: true,
            },
            { parent: this, dependsOn: [logPolicy] },
        );
        return { fn, logGroup };
    }
}
