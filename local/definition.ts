import { formatArn, partitionOf } from "../model/arn";
import type { StackConfig } from "../model/config";
import { byFunction } from "../model/functions";
import { buildWorkflow, type Workflow, type WorkflowResources } from "../model/workflow";

/** Placeholder account and region for ARNs that only need to look like AWS's. */
const ACCOUNT = "000000000000";
const REGION = "us-east-1";
/** A stand-in ARN in the placeholder account and region (an IAM one with region ""). */
export const localArn = (service: string, resource: string, region = REGION) =>
    formatArn({ partition: partitionOf(REGION), service, region, account: ACCOUNT, resource });
const arn = localArn;

/**
 * Stand-ins for the deployed resources: ARNs of the right form, the local table, and the
 * network the stack names (or placeholders for the default VPC's).
 */
export function localResources(config: StackConfig, tableName: string): WorkflowResources {
    return {
        functions: byFunction((fn) => arn("lambda", `function:${fn}`)),
        table: { name: tableName, arn: arn("dynamodb", `table/${tableName}`) },
        batch: {
            clusterArn: arn("ecs", "cluster/stock-trader-local"),
            taskDefinitionArn: arn("ecs", "task-definition/stock-trader-batch:1"),
            containerName: config.batchContainerName,
            taskExecutionRoleArn: arn("iam", "role/stock-trader-batch-execution", ""),
            taskRoleArn: arn("iam", "role/stock-trader-batch-task", ""),
            subnetIds: config.subnetIds ?? ["subnet-00000000000000000"],
            securityGroupIds: config.securityGroupIds ?? ["sg-00000000000000000"],
            assignPublicIp: config.assignPublicIp,
        },
    };
}

/** The workflow the program would deploy for this config, built by the same model. */
export function localWorkflow(config: StackConfig, tableName: string): Workflow {
    return buildWorkflow({ config, resources: localResources(config, tableName) });
}
