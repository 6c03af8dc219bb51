import { BatchJob } from "./infra/batch";
import { loadConfig } from "./infra/config";
import { TradingFunctions } from "./infra/functions";
import { TransactionTable } from "./infra/table";
import { TradingWorkflow } from "./infra/workflow";

const config = loadConfig();

const transactions = new TransactionTable("transactions", {
    deletionProtection: config.tableDeletionProtection,
    pointInTimeRecovery: config.tablePointInTimeRecovery,
});

const trading = new TradingFunctions("trading", { logRetentionDays: config.logRetentionDays });

const batch = new BatchJob("batch", {
    tableName: transactions.table.name,
    tableArn: transactions.table.arn,
    containerName: config.batchContainerName,
    cpu: config.batchCpu,
    memory: config.batchMemory,
    architecture: config.batchArchitecture,
    logRetentionDays: config.logRetentionDays,
    containerInsights: config.containerInsights,
    imagesToKeep: config.batchImagesToKeep,
    subnetIds: config.subnetIds,
    securityGroupIds: config.securityGroupIds,
});

const workflow = new TradingWorkflow("trading-workflow", {
    checkerArn: trading.functions["stock-checker"].arn,
    buyerArn: trading.functions["stock-buyer"].arn,
    sellerArn: trading.functions["stock-seller"].arn,
    tableName: transactions.table.name,
    tableArn: transactions.table.arn,
    buyThreshold: config.buyThreshold,
    batch: {
        clusterArn: batch.cluster.arn,
        taskDefinitionArn: batch.taskDefinitionArn,
        containerName: batch.containerName,
        subnetIds: batch.subnetIds,
        securityGroupIds: batch.securityGroupIds,
        assignPublicIp: config.assignPublicIp,
        command: config.batchCommand,
        timeoutSeconds: config.batchTimeoutSeconds,
    },
    batchRoles: {
        taskExecutionRoleArn: batch.executionRole.arn,
        taskRoleArn: batch.taskRole.arn,
    },
    logLevel: config.logLevel,
    logRetentionDays: config.logRetentionDays,
    tracingEnabled: config.tracingEnabled,
    schedule: { enabled: config.scheduleEnabled, expression: config.scheduleExpression },
});

export const stateMachineArn = workflow.stateMachine.arn;
export const stateMachineName = workflow.stateMachine.name;
export const stateMachineRoleArn = workflow.role.arn;
export const stockCheckerFunctionArn = trading.functions["stock-checker"].arn;
export const stockBuyerFunctionArn = trading.functions["stock-buyer"].arn;
export const stockSellerFunctionArn = trading.functions["stock-seller"].arn;
export const transactionTableName = transactions.table.name;
export const transactionTableArn = transactions.table.arn;
export const clusterArn = batch.cluster.arn;
export const taskDefinitionArn = batch.taskDefinitionArn;
export const containerName = batch.containerName;
export const taskExecutionRoleArn = batch.executionRole.arn;
export const taskRoleArn = batch.taskRole.arn;
export const repositoryUrl = batch.repositoryUrl;
export const imageUri = batch.imageUri;
export const subnetIds = batch.subnetIds;
export const securityGroupIds = batch.securityGroupIds;
