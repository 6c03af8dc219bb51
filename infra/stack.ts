import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../model/config";
import { byFunction, type TradingFunctionName } from "../model/functions";
import { AlarmTopic, alarmTopicArgs } from "./alarm-topic";
import { BatchJob, batchJobArgs } from "./batch";
import { TradingFunctions, tradingFunctionsArgs } from "./functions";
import { WorkflowMonitoring, workflowMonitoringArgs } from "./monitoring";
import { WorkflowRelease, workflowReleaseArgs } from "./release";
import { TransactionTable, transactionTableArgs } from "./table";
import { TradingWorkflow, tradingWorkflowArgs, workflowResources } from "./workflow";

/** Where the stack's parts come from, for a program that builds them from elsewhere or ahead. */
export interface StackSources {
    /** The batch image's build context, a directory (default: batch-container/). */
    readonly batchContext?: string;
    /** The functions' code, bundled ahead (tradingFunctionCode; default: bundled as the functions are constructed). */
    readonly functionCode?: Readonly<Record<TradingFunctionName, string>>;
}

/**
 * Every component of the stack, from a validated config, and every output a user needs. The
 * config only maps onto each component's own arguments (its module's `...Args` function); the
 * components take the same arguments from any other program.
 */
export function tradingStack(config: StackConfig, sources: StackSources = {}) {
    const alarmTopic = new AlarmTopic("monitoring-alarms", alarmTopicArgs(config));
    const table = new TransactionTable("transactions", transactionTableArgs(config));
    const functions = new TradingFunctions("trading", { ...tradingFunctionsArgs(config), code: sources.functionCode });
    const batch = new BatchJob("batch", { table, ...batchJobArgs(config), context: sources.batchContext });
    const workflow = new TradingWorkflow("trading-workflow", {
        // What the Task states call, from whichever component creates it: a state that calls
        // something new gets it in workflowResources.
        resources: workflowResources(functions, table, batch),
        ...tradingWorkflowArgs(config),
    });
    const monitoring = new WorkflowMonitoring("monitoring", { alarmTopic, workflow, functions, table, batch, ...workflowMonitoringArgs(config) });
    // Named as the workflow is, so that the schedule it now holds keeps its resources' names.
    const release = new WorkflowRelease("trading-workflow", { workflow, monitoring, ...workflowReleaseArgs(config) });
    return {
        stateMachineArn: workflow.stateMachine.arn,
        stateMachineAliasArn: release.aliasArn,
        liveStackName: release.liveStack.name,
        rollbackAlarmNames: pulumi.output(monitoring.rollbackAlarms.map((alarm) => alarm.name)),
        stateMachineVersionArn: workflow.stateMachine.stateMachineVersionArn,
        stateMachineName: workflow.stateMachine.name,
        stateMachineRoleArn: workflow.role.arn,
        stockCheckerFunctionArn: functions.functions["stock-checker"].arn,
        stockBuyerFunctionArn: functions.functions["stock-buyer"].arn,
        stockSellerFunctionArn: functions.functions["stock-seller"].arn,
        functionLogGroupNames: pulumi.output(byFunction((fn) => functions.logGroups[fn].name)),
        transactionTableName: table.table.name,
        transactionTableArn: table.table.arn,
        clusterArn: batch.cluster.arn,
        taskDefinitionArn: batch.taskDefinitionArn,
        containerName: batch.containerName,
        taskExecutionRoleArn: batch.executionRole.arn,
        taskRoleArn: batch.taskRole.arn,
        repositoryUrl: batch.repositoryUrl,
        imageUri: batch.imageUri,
        subnetIds: batch.network.subnetIds,
        securityGroupIds: batch.network.securityGroupIds,
        batchLogGroupName: batch.logGroup.name,
        alarmTopicArn: alarmTopic.topic.arn,
        scheduleArn: release.schedule.arn,
        scheduleRoleArn: release.scheduleRole.arn,
        failedStartsQueueArn: monitoring.deadLetterQueue.arn,
        failedStartsQueueUrl: monitoring.deadLetterQueue.url,
        dashboardName: monitoring.dashboard.dashboardName,
        dashboardUrl: monitoring.dashboardUrl,
        stateMachineConsoleUrl: monitoring.stateMachineConsoleUrl,
        operatorPolicyArn: monitoring.operatorPolicy.arn,
    };
}
