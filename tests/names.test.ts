/**
 * Every name the program gives AWS fits AWS's limit for its kind (NAME_LIMITS), for the stack
 * files and for the longest stack name Pulumi allows.
 */
import * as assert from "node:assert/strict";
import { NAME_LIMITS } from "../model/platform-rules";
import { runProgram, runStack, type Registered } from "./support/program";

/** Pulumi's auto-name: the logical name, a hyphen and seven random characters. */
const AUTO_NAME_SUFFIX = 8;
/** The provider's unique suffix after a name prefix (a timestamp and a counter, 26 characters). */
const PREFIX_SUFFIX = 26;

/** The name AWS will see: one the program sets, a prefix and the provider's suffix, or Pulumi's auto-name. */
function physicalName(resource: Registered): { name: string; length: number } {
    const given = resource.inputs.family ?? resource.inputs.dashboardName ?? resource.inputs.name;
    if (typeof given === "string") {
        return { name: given, length: given.length };
    }
    if (typeof resource.inputs.namePrefix === "string") {
        return { name: `${resource.inputs.namePrefix}…`, length: resource.inputs.namePrefix.length + PREFIX_SUFFIX };
    }
    return { name: `${resource.name}-xxxxxxx`, length: resource.name.length + AUTO_NAME_SUFFIX };
}

describe("the names the program gives AWS", () => {
    const longest = "s".repeat(100);
    // The stack files' runs are the suite's shared ones: this test only reads them.
    for (const [stack, program] of [
        ["dev", () => runStack("dev")],
        ["prod", () => runStack("prod")],
        [longest, () => runProgram({ scheduleEnabled: "true" }, longest)],
    ] as const) {
        it(`fit every limit for the stack ${stack.length > 20 ? `named with ${stack.length} characters` : stack}`, async () => {
            const run = await program();
            assert.equal(run.error, undefined, String(run.error));
            const limited = run.resources.filter((r) => Object.hasOwn(NAME_LIMITS, r.type));
            assert.ok(limited.length >= 20, `only ${limited.length} named resources`);
            for (const resource of limited) {
                const { name, length } = physicalName(resource);
                const { max, source } = NAME_LIMITS[resource.type];
                assert.ok(length <= max, `${resource.type} ${name}: ${length} characters, at most ${max} (${source})`);
            }
        });
    }
});
