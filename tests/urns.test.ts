import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../model/project";
import { readStackFile } from "../scripts/cli/stack-files";
import { keptByTransforms } from "./support/awsx-children";
import { runProgram, type ProgramRun } from "./support/program";

/**
 * The URNs of every resource a stack deployed from any release holds, with every optional resource on (an alarm
 * email): the engine matches a program's resources to a stack's by URN, so a URN that changes
 * without an alias deletes the resource and creates another.
 */
const RELEASED: Record<string, string[]> = require("./fixtures/released-urns.json");

/**
 * The released URNs no stack finds any more, each with its upgrade note: what the first `pulumi up`
 * on the release that dropped it creates, replaces or deletes. docs/deploying.md shows each note.
 */
const RETIRED: Record<string, string> = require("./fixtures/retired-urns.json");

describe("resource URNs under mocks: existing stacks keep their resources", () => {
    for (const [stack, released] of Object.entries(RELEASED)) {
        describe(`the ${stack} stack`, () => {
            let run: ProgramRun;
            before(async () => {
                run = await runProgram({ ...readStackFile(stack), alarmEmail: "ops@example.com" }, stack);
                assert.equal(run.error, undefined);
            });

            it("finds each released resource at its URN, through an alias, or through an alias a transform gives one of awsx's children, or retires it with an upgrade note", async () => {
                const reachable = new Set([...run.resources.flatMap((r) => [r.options.urn, ...r.options.aliases]), ...(await keptByTransforms(run, stack))]);
                const guide = fs.readFileSync(path.join(PROJECT_ROOT, "docs", "deploying.md"), "utf8").replace(/\s+/g, " ");
                const unnoted = released.filter(
                    (urn) =>
                        !reachable.has(urn) &&
                        !(RETIRED[urn] !== undefined && /\b(creates|replaces|deletes)\b/.test(RETIRED[urn]) && guide.includes(RETIRED[urn])),
                );
                assert.deepEqual(unnoted, []);
            });

            it("gives no two resources one URN or alias", () => {
                const all = run.resources.flatMap((r) => [r.options.urn, ...r.options.aliases]);
                assert.deepEqual(
                    all.filter((urn, i) => all.indexOf(urn) !== i),
                    [],
                );
            });

            it("parents every resource on the stack or on a component the program registered", () => {
                const components = new Set(run.resources.filter((r) => r.type.startsWith("stock-trader:")).map((r) => r.options.urn));
                assert.deepEqual(
                    run.resources.filter((r) => r.options.parent !== "" && !components.has(r.options.parent)).map((r) => r.name),
                    [],
                );
            });

            it("creates the alarm topic in its own component, before the workflow that may publish to it", () => {
                const topic = run.resources.find((r) => r.type === "aws:sns/topic:Topic")!;
                assert.equal(topic.options.parent, `urn:pulumi:${stack}::stock-trader::stock-trader:operations:AlarmTopic::monitoring-alarms`);
                const order = run.resources.map((r) => r.type);
                assert.ok(order.indexOf("stock-trader:operations:AlarmTopic") < order.indexOf("stock-trader:workflow:TradingWorkflow"));
            });
        });
    }
});
