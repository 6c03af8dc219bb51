/**
 * The floor npm run bench:program measures the program against: a program generated from a
 * recorded run registers the same resources as the program, with the same options and inputs,
 * invokes the same provider functions and exports the same outputs, and does nothing else.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { floorSource, sdkClass, source } from "../scripts/bench/floor";
import { readStackFile } from "../scripts/cli/stack-files";
import { runProgram, runStack, type ProgramRun, type Registered } from "./support/program";
import { tempDir } from "./support/temp";

/** A registration as the engine would compare two: everything but the order, inputs as source (assets by their content). */
async function registration(resource: Registered, registered: ReadonlySet<string>) {
    const { dependencies, ...options } = resource.options;
    return {
        type: resource.type,
        name: resource.name,
        inputs: await source(resource.inputs),
        ...options,
        dependencies: dependencies.filter((urn) => registered.has(urn)).sort(),
    };
}

async function registrations(run: ProgramRun) {
    const registered = new Set(run.resources.map((r) => r.options.urn));
    const all = await Promise.all(run.resources.map((r) => registration(r, registered)));
    return all.sort((a, b) => a.urn.localeCompare(b.urn));
}

describe("npm run bench:program's floor", () => {
    it("registers every resource of the dev program with its type, name, parent, options and inputs, invokes what it invokes and exports its outputs", async () => {
        const recorded = await runStack("dev");
        assert.equal(recorded.error, undefined);
        const file = path.join(tempDir("floor-"), "floor-dev.ts");
        fs.writeFileSync(file, await floorSource(recorded));
        const floor = await runProgram(readStackFile("dev"), "dev", file);
        assert.equal(floor.error, undefined);
        assert.ok(
            recorded.resources.some((r) => !r.options.custom && r.options.remote),
            "awsx's components are among them",
        );
        const has = (option: (r: Registered) => boolean) => recorded.resources.some(option);
        assert.ok(
            has((r) => r.options.transforms > 0) && has((r) => r.options.aliases.length > 0) && has((r) => r.options.customTimeouts.update !== ""),
            "and options beyond the parent: transforms, aliases, timeouts",
        );
        assert.deepEqual(await registrations(floor), await registrations(recorded));
        assert.deepEqual(
            floor.calls.map((c) => c.token),
            recorded.calls.map((c) => c.token),
        );
        assert.deepEqual(floor.outputs, recorded.outputs);
    });

    it("constructs each provider resource through its SDK's class, found by its type token, and refuses a token no SDK class declares", () => {
        assert.deepEqual(sdkClass("aws:lambda/function:Function"), { npm: "@pulumi/aws", path: ["lambda", "Function"] });
        assert.deepEqual(sdkClass("time:index/sleep:Sleep"), { npm: "@pulumiverse/time", path: ["Sleep"] });
        assert.deepEqual(sdkClass("awsx:ecs:FargateTaskDefinition"), { npm: "@pulumi/awsx", path: ["ecs", "FargateTaskDefinition"] });
        assert.deepEqual(sdkClass("docker-build:index:Image"), { npm: "@pulumi/docker-build", path: ["Image"] });
        for (const type of [
            "aws:lambda/function:Functions",
            "aws:lambda/function:LayerVersion",
            "random:index/randomId:RandomId",
            "stock-trader:batch:BatchJob",
        ]) {
            assert.throws(
                () => sdkClass(type),
                new RegExp(
                    `^Error: the floor has no SDK class for ${type}: expected a class of @pulumi/aws, @pulumi/awsx, @pulumi/docker-build, @pulumiverse/time whose __pulumiType is ${type}$`,
                ),
            );
        }
    });
});
