import type { StackConfig } from "../infra/config";
import { buildDefinition, type StateMachineDefinition } from "../infra/definition";

/** Placeholder account and region for ARNs that only need to look like AWS's. */
const ACCOUNT = "000000000000";
const REGION = "us-east-1";

/** Stand-in ARNs for the deployed resources, one per Lambda state and for the batch job. */
export const LOCAL_ARNS = {
    checker: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:stock-checker`,
    buyer: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:stock-buyer`,
    seller: `arn:aws:lambda:${REGION}:${ACCOUNT}:function:stock-seller`,
    cluster: `arn:aws:ecs:${REGION}:${ACCOUNT}:cluster/stock-trader-local`,
    taskDefinition: `arn:aws:ecs:${REGION}:${ACCOUNT}:task-definition/stock-trader-batch:1`,
} as const;

/**
 * The definition the program would deploy for this config, built by the same builder, with
 * stand-in ARNs and the local table name.
 */
export function localDefinition(config: StackConfig, tableName: string): StateMachineDefinition {
    return buildDefinition({
        checkerArn: LOCAL_ARNS.checker,
        buyerArn: LOCAL_ARNS.buyer,
        sellerArn: LOCAL_ARNS.seller,
        tableName,
        buyThreshold: config.buyThreshold,
        batch: {
            clusterArn: LOCAL_ARNS.cluster,
            taskDefinitionArn: LOCAL_ARNS.taskDefinition,
            containerName: config.batchContainerName,
            command: config.batchCommand,
            subnetIds: config.subnetIds ?? ["subnet-00000000000000000"],
            securityGroupIds: config.securityGroupIds ?? ["sg-00000000000000000"],
            assignPublicIp: config.assignPublicIp,
            timeoutSeconds: config.batchTimeoutSeconds,
        },
    });
}
