import * as assert from "node:assert/strict";
import { localResources } from "../local/stand-ins";
import { parseArn } from "../model/arn";
import { parseConfig } from "../model/config";
import { TRADING_FUNCTIONS } from "../model/functions";

/** Every string in a value, with the path it is at. */
const strings = (value: unknown, path = ""): [string, string][] =>
    typeof value === "string"
        ? [[path, value]]
        : value !== null && typeof value === "object"
          ? Object.entries(value).flatMap(([key, item]) => strings(item, `${path}.${key}`))
          : [];

describe("the local stand-ins for the deployed resources", () => {
    // Built in each test, so that a mutation run knows which tests read them.
    const stand = () => localResources(parseConfig({}), "Trades");

    it("gives every ARN AWS's form, in the placeholder account, regional except IAM's", () => {
        const resources = stand();
        const arns = strings(resources).filter(([path]) => /Arn$|^\.functions\./.test(path));
        assert.ok(arns.length > TRADING_FUNCTIONS.length);
        for (const [path, arn] of arns) {
            const parsed = parseArn(arn);
            assert.equal(parsed.account, "000000000000", path);
            assert.equal(parsed.region, parsed.service === "iam" ? "" : "us-east-1", path);
        }
    });

    it("names each trading function's first published version, the local table and the batch task's two roles", () => {
        const resources = stand();
        assert.deepEqual(
            TRADING_FUNCTIONS.map((fn) => parseArn(resources.functions[fn]).resource),
            TRADING_FUNCTIONS.map((fn) => `function:${fn}:1`),
        );
        assert.deepEqual(resources.table, { name: "Trades", arn: "arn:aws:dynamodb:us-east-1:000000000000:table/Trades" });
        assert.deepEqual(
            [resources.batch.taskExecutionRoleArn, resources.batch.taskRoleArn],
            ["arn:aws:iam::000000000000:role/stock-trader-batch-execution", "arn:aws:iam::000000000000:role/stock-trader-batch-task"],
        );
    });

    it("uses the stack's own network and container name where it names them, and placeholders of AWS's ID forms otherwise", () => {
        const resources = stand();
        assert.match(resources.batch.subnetIds.join(), /^subnet-[0-9a-f]{17}$/);
        assert.match(resources.batch.securityGroupIds.join(), /^sg-[0-9a-f]{17}$/);
        const own = localResources(
            parseConfig({ subnetIds: '["subnet-0123abcd"]', securityGroupIds: '["sg-0123abcd"]', assignPublicIp: "false", batchContainerName: "worker" }),
            "T",
        ).batch;
        assert.deepEqual([own.subnetIds, own.securityGroupIds, own.assignPublicIp, own.containerName], [["subnet-0123abcd"], ["sg-0123abcd"], false, "worker"]);
    });
});
