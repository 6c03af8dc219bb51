import * as assert from "node:assert/strict";
import fc from "fast-check";
import { settings } from "./support/arbitraries";
import { EXECUTION_ARN, formatArn, integrationArn, parseArn, partitionOf, STATE_MACHINE_ARN } from "../model/arn";

describe("ARNs", () => {
    it("take the partition from the region", () => {
        const cases: [string, string][] = [
            ["us-east-1", "aws"],
            ["eu-west-1", "aws"],
            ["cn-north-1", "aws-cn"],
            ["cn-northwest-1", "aws-cn"],
            ["us-gov-west-1", "aws-us-gov"],
            ["us-iso-east-1", "aws-iso"],
            ["us-isob-east-1", "aws-iso-b"],
            ["eu-isoe-west-1", "aws-iso-e"],
            ["us-isof-south-1", "aws-iso-f"],
        ];
        for (const [region, partition] of cases) {
            assert.equal(partitionOf(region), partition, region);
        }
    });

    it("format a regional ARN in its region's partition, and a global one in the partition it names", () => {
        assert.equal(
            formatArn({ service: "ecs", region: "cn-north-1", account: "123456789012", resource: "task/c/*" }),
            "arn:aws-cn:ecs:cn-north-1:123456789012:task/c/*",
        );
        assert.equal(
            formatArn({ partition: "aws-us-gov", service: "iam", region: "", account: "123456789012", resource: "role/r" }),
            "arn:aws-us-gov:iam::123456789012:role/r",
        );
        assert.throws(() => formatArn({ service: "iam", region: "", account: "1", resource: "role/r" }), {
            message: "an ARN without a region needs its partition (iam:role/r)",
        });
        assert.equal(integrationArn("aws-cn", "ecs:runTask.sync"), "arn:aws-cn:states:::ecs:runTask.sync");
    });

    it("parse back what they format, a resource with colons included", () => {
        const parts = { partition: "aws-cn", service: "logs", region: "cn-north-1", account: "123456789012", resource: "log-group:x:*" };
        assert.deepEqual(parseArn(formatArn(parts)), parts);
        for (const bad of ["", "arn:aws:s3", "not:an:arn:at:all:x"]) {
            assert.throws(() => parseArn(bad), { message: `not an ARN: ${bad}` });
        }
    });

    it("take a state machine's and an execution's name exactly as the Step Functions API reference allows it", () => {
        // The API reference's list, character by character: what a name must not contain.
        const FORBIDDEN = new Set([...' \t\n\r\f\v<>{}[]?*"#%\\^|~`$&,;:/']);
        const allowed = (name: string) =>
            name.length >= 1 &&
            name.length <= 80 &&
            [...name].every((c) => {
                const code = c.codePointAt(0)!;
                const control = code <= 0x1f || (code >= 0x7f && code <= 0x9f) || code === 0xfffe || code === 0xffff;
                return !FORBIDDEN.has(c) && !/\s/u.test(c) && !control && code <= 0xffff;
            });
        const name = fc.oneof(
            fc.string({ unit: "grapheme", maxLength: 90 }),
            fc.string({ unit: "binary", maxLength: 90 }),
            fc.stringMatching(/^[A-Za-z0-9_.@-]{1,85}$/),
        );
        fc.assert(
            fc.property(name, (n) => {
                assert.equal(EXECUTION_ARN.test(`arn:aws:states:us-east-1:123456789012:execution:trading:${n}`), allowed(n), JSON.stringify(n));
                assert.equal(STATE_MACHINE_ARN.test(`arn:aws:states:us-east-1:123456789012:stateMachine:${n}`), allowed(n), JSON.stringify(n));
            }),
            settings(500),
        );
    });

    it("recognize state machine and execution ARNs in any partition", () => {
        assert.ok(STATE_MACHINE_ARN.test("arn:aws-cn:states:cn-north-1:123456789012:stateMachine:trading"));
        assert.ok(!STATE_MACHINE_ARN.test("arn:aws:states:us-east-1:123456789012:execution:trading:x"));
        // A version's ARN and an alias's are the state machine's with a qualifier, and StartExecution takes both.
        assert.ok(STATE_MACHINE_ARN.test("arn:aws:states:us-east-1:123456789012:stateMachine:trading:12"));
        assert.ok(STATE_MACHINE_ARN.test("arn:aws:states:us-east-1:123456789012:stateMachine:trading:live"));
        assert.ok(!STATE_MACHINE_ARN.test("arn:aws:states:us-east-1:123456789012:stateMachine:trading:live:2"));
        assert.ok(!STATE_MACHINE_ARN.test("arn:aws:states:us-east-1:123456789012:stateMachine:trading:"));
        assert.ok(EXECUTION_ARN.test("arn:aws-us-gov:states:us-gov-west-1:123456789012:execution:trading:x"));
        assert.ok(!EXECUTION_ARN.test("arn:aws:lambda:us-east-1:123456789012:function:x"));
    });
});
