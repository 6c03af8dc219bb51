/**
 * Every config key changes something a user would see: for each key, a value the config accepts
 * other than the default, drawn from the key's own domain, gives the program under mocks other
 * registered resources (their inputs, types or names) or other stack outputs than a baseline run.
 * A key that is validated and then dropped leaves both the same, and fails here.
 */
import * as assert from "node:assert/strict";
import fc from "fast-check";
import { CONFIG_DOMAINS, CONFIG_KEYS, FARGATE_MEMORY_BY_CPU, parseConfig, type StackConfig } from "../model/config";
import { accepts, settings, validValue, type Raw } from "./support/arbitraries";
import { runProgram, type ProgramRun } from "./support/program";

/**
 * The baseline each key is drawn against, where the keys it works with are set so that it can
 * show: the stale window needs the schedule on, the interruption retries need Spot, a network
 * key needs the other one, a public IP can only be turned off in the stack's own subnets, and a
 * deployment's percentage and interval need a gradual deployment type.
 */
const OWN_NETWORK: Raw = { subnetIds: '["subnet-0123456789abcdef0"]', securityGroupIds: '["sg-0123456789abcdef0"]' };
const BASELINES: Partial<Record<keyof StackConfig, Raw>> = {
    // 2048 MiB goes with 256, 512 and 1024 CPU units, so the CPU can change on its own.
    batchCpu: { batchMemory: "2048" },
    staleAfterHours: { scheduleEnabled: "true" },
    batchInterruptionRetries: { batchCapacity: "FARGATE_SPOT" },
    subnetIds: OWN_NETWORK,
    securityGroupIds: OWN_NETWORK,
    assignPublicIp: OWN_NETWORK,
    // A percentage and an interval apply to gradual deployments only.
    deploymentPercentage: { deploymentType: "CANARY" },
    deploymentIntervalMinutes: { deploymentType: "CANARY" },
};

/** Where a key's domain is wider than what it accepts beside the baseline's other keys: the memory the default 256 CPU units take. */
const VALUES: Partial<Record<keyof StackConfig, fc.Arbitrary<string>>> = {
    batchMemory: fc.constantFrom(...FARGATE_MEMORY_BY_CPU.get(256)!.map(String)),
};

/** What a user sees of a run: every registered resource's type, name and inputs, and the stack outputs. */
const seen = (run: ProgramRun) =>
    JSON.stringify({
        resources: [...run.resources].sort((a, b) => `${a.type}::${a.name}`.localeCompare(`${b.type}::${b.name}`)).map((r) => [r.type, r.name, r.inputs]),
        outputs: run.outputs,
    });

describe("every config key has an effect a user can see", () => {
    const baselines = new Map<string, Promise<string>>();
    const baseline = (raw: Raw) => {
        const key = JSON.stringify(raw);
        if (!baselines.has(key)) {
            baselines.set(
                key,
                runProgram(raw).then((run) => {
                    assert.equal(run.error, undefined, String(run.error));
                    return seen(run);
                }),
            );
        }
        return baselines.get(key)!;
    };

    for (const key of CONFIG_KEYS) {
        it(key, async () => {
            const base = BASELINES[key] ?? {};
            const parsedBase = parseConfig(base);
            const changed = (VALUES[key] ?? validValue(CONFIG_DOMAINS[key]))
                .map((value) => ({ ...base, [key]: value }))
                .filter((raw) => {
                    const config = accepts(raw);
                    return config !== undefined && JSON.stringify(config[key]) !== JSON.stringify(parsedBase[key]);
                });
            await fc.assert(
                fc.asyncProperty(changed, async (raw) => {
                    const run = await runProgram(raw);
                    assert.equal(run.error, undefined, String(run.error));
                    assert.notEqual(seen(run), await baseline(base), `${key}=${raw[key]} changes nothing the program registers or outputs`);
                }),
                settings(1),
            );
        });
    }
});
