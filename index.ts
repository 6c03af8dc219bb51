import * as pulumi from "@pulumi/pulumi";
import { BatchJob } from "./infra/batch";
import { TradingFunctions } from "./infra/functions";
import { WorkflowMonitoring } from "./infra/monitoring";
import { TransactionTable } from "./infra/table";
import { TradingWorkflow } from "./infra/workflow";
import { parseStackConfig } from "./model/config";
import { byFunction } from "./model/functions";

// Every key is validated before any resource is registered.
const config = parseStackConfig(pulumi.runtime.allConfig());

const table = new TransactionTable("transactions", { config });
const functions = new TradingFunctions("trading", { config });
const batch = new BatchJob("batch", { table, config });
const workflow = new TradingWorkflow("trading-workflow", { functions, table, batch, config });
const monitoring = new WorkflowMonitoring("monitoring", { workflow, functions, table, batch, config });

export const stateMachineArn = workflow.stateMachine.arn;
export const stateMachineName = workflow.stateMachine.name;
export const stateMachineRoleArn = workflow.role.arn;
export const stockCheckerFunctionArn = functions.functions["stock-checker"].arn;
export const stockBuyerFunctionArn = functions.functions["stock-buyer"].arn;
export const stockSellerFunctionArn = functions.functions["stock-seller"].arn;
export const functionLogGroupNames = pulumi.output(byFunction((fn) => functions.logGroups[fn].name));
export const transactionTableName = table.table.name;
export const transactionTableArn = table.table.arn;
export const clusterArn = batch.cluster.arn;
export const taskDefinitionArn = batch.taskDefinitionArn;
export const containerName = batch.containerName;
export const taskExecutionRoleArn = batch.executionRole.arn;
export const taskRoleArn = batch.taskRole.arn;
export const repositoryUrl = batch.repositoryUrl;
export const imageUri = batch.imageUri;
export const subnetIds = batch.network.subnetIds;
export const securityGroupIds = batch.network.securityGroupIds;
export const batchLogGroupName = batch.logGroup.name;
export const alarmTopicArn = monitoring.alarmTopic.arn;
export const dashboardName = monitoring.dashboard.dashboardName;
export const dashboardUrl = monitoring.dashboardUrl;
export const stateMachineConsoleUrl = monitoring.stateMachineConsoleUrl;
export const operatorPolicyArn = monitoring.operatorPolicy.arn;
