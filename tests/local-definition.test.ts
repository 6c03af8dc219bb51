import * as assert from "node:assert/strict";
import { localResources } from "../local/definition";
import { parseConfig } from "../model/config";

describe("the local stand-ins for the deployed resources", () => {
    it("gives ARNs of AWS's forms for a placeholder account, the local table, and the stack's own network where it names one", () => {
        const arn = (service: string, resource: string, region = "us-east-1") => `arn:aws:${service}:${region}:000000000000:${resource}`;
        assert.deepEqual(localResources(parseConfig({}), "Trades"), {
            functions: {
                "stock-checker": arn("lambda", "function:stock-checker"),
                "stock-buyer": arn("lambda", "function:stock-buyer"),
                "stock-seller": arn("lambda", "function:stock-seller"),
            },
            table: { name: "Trades", arn: arn("dynamodb", "table/Trades") },
            batch: {
                clusterArn: arn("ecs", "cluster/stock-trader-local"),
                taskDefinitionArn: arn("ecs", "task-definition/stock-trader-batch:1"),
                containerName: "batch",
                taskExecutionRoleArn: arn("iam", "role/stock-trader-batch-execution", ""),
                taskRoleArn: arn("iam", "role/stock-trader-batch-task", ""),
                subnetIds: ["subnet-00000000000000000"],
                securityGroupIds: ["sg-00000000000000000"],
                assignPublicIp: true,
            },
        });
        const own = localResources(
            parseConfig({ subnetIds: '["subnet-0123abcd"]', securityGroupIds: '["sg-0123abcd"]', assignPublicIp: "false", batchContainerName: "worker" }),
            "T",
        ).batch;
        assert.deepEqual([own.subnetIds, own.securityGroupIds, own.assignPublicIp, own.containerName], [["subnet-0123abcd"], ["sg-0123abcd"], false, "worker"]);
    });
});
