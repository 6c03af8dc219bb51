/**
 * Stack files as Pulumi writes them, and as people break them: secrets, YAML syntax errors,
 * the wrong shape, a directory where the file should be. Each is the caller's problem in one
 * line naming the file (and the line), which the tools print before they exit 2.
 */
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseStackConfig } from "../model/config";
import { callerProblem, refuseCaller } from "../scripts/cli";
import { readStackFileAt, StackFileError, stackFileConfig } from "../scripts/stack-files";
import { thrown } from "./support/thrown";

const refused = (read: () => unknown): string => thrown(read, StackFileError).message;

describe("reading a stack file", () => {
    it("names the file and the line of a YAML syntax error, in one line", () => {
        const message = refused(() =>
            stackFileConfig("config:\n  stock-trader:subnetIds: [subnet-0123abcd,\n  stock-trader:buyThreshold: 40\n", "Pulumi.x.yaml"),
        );
        assert.match(message, /^Pulumi\.x\.yaml:3: not valid YAML: /);
        assert.doesNotMatch(message, /\n/);
    });

    it("refuses a config that is a list, or a file that is not a mapping, instead of ignoring it", () => {
        assert.equal(
            refused(() => stackFileConfig("config:\n  - stock-trader:buyThreshold: 40\n", "Pulumi.x.yaml")),
            "Pulumi.x.yaml: config: must be a mapping of namespace:key to value (got a list)",
        );
        assert.equal(
            refused(() => stackFileConfig("- a\n- b\n", "Pulumi.x.yaml")),
            "Pulumi.x.yaml: must be a mapping with a config: key (got a list)",
        );
        assert.equal(
            refused(() => stackFileConfig("just words\n", "Pulumi.x.yaml")),
            "Pulumi.x.yaml: must be a mapping with a config: key (got a string)",
        );
    });

    it("refuses a directory where the stack file should be", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-files-"));
        try {
            const where = path.join(dir, "Pulumi.x.yaml");
            fs.mkdirSync(where);
            assert.equal(
                refused(() => readStackFileAt(where)),
                "Pulumi.x.yaml: is not a file (a stack file is Pulumi.<stack>.yaml, a YAML file)",
            );
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("goes on with a secret whose value the tools never use, saying so, and the config accepts it", () => {
        const notices: string[] = [];
        const text = "config:\n  aws:region: eu-west-1\n  stock-trader:alarmEmail:\n    secure: v1:abcdEFGH0123456789==\n";
        const raw = stackFileConfig(text, "Pulumi.x.yaml", (line) => notices.push(line));
        assert.deepEqual(notices, [
            "Pulumi.x.yaml: stock-trader:alarmEmail is a secret, which only Pulumi can read; the local tools need only that it is set, and go on",
        ]);
        assert.ok(parseStackConfig(raw).alarmEmail !== undefined, "the alarm address counts as set");
    });

    it("stops at a secret whose value the tools need, saying how to give it, unless --set gives it", () => {
        const text = "config:\n  stock-trader:buyThreshold:\n    secure: v1:abcdEFGH0123456789==\n  aws:secretThing:\n    secure: v1:zz==\n";
        assert.equal(
            refused(() => stackFileConfig(text, "Pulumi.x.yaml")),
            "Pulumi.x.yaml: stock-trader:buyThreshold is a secret, which only Pulumi can read, and the local tools need its value; pass it with --set buyThreshold=VALUE where the tool takes --set",
        );
        assert.deepEqual(stackFileConfig(text, "Pulumi.x.yaml", undefined, new Set(["stock-trader:buyThreshold"])), {});
    });

    it("is the caller's problem: the tools print the one line and exit 2", () => {
        const error = new StackFileError("Pulumi.x.yaml:3", "not valid YAML: bad");
        assert.equal(callerProblem(error, "usage: x"), "Pulumi.x.yaml:3: not valid YAML: bad");
        const printed: string[] = [];
        assert.equal(refuseCaller(error, { err: (line) => printed.push(line) }, "usage: x"), 2);
        assert.deepEqual(printed, ["Pulumi.x.yaml:3: not valid YAML: bad"]);
    });
});
