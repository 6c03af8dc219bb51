import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import aslValidator from "asl-validator";
import type { StateMachineDefinition } from "../model/workflow";
import { currentDiagram, diagramBlock } from "../scripts/mermaid";
import { diagramDefinitions, README } from "../scripts/diagram";
import { ACCOUNT, DEFAULT_VPC, mockArn, named, ofType, runProgram, runStack, type ProgramRun } from "./support/program";
import { readStackFile } from "../local/stack-files";

const FN = (fn: string) => mockArn("lambda", `function:trading-${fn}`);
const CLUSTER = mockArn("ecs", "cluster/batch-cluster");
const TASK_DEFINITION = mockArn("ecs", "task-definition/batch-task:1");

/**
 * The default execution timeout with batchTimeoutSeconds 3600, worked by hand: the checker's 6
 * attempts of 10 s plus waits 15 × (1 + 1.5 + 1.5² + 1.5³ + 1.5⁴) = 197.8 s; a trade function's
 * 4 attempts of 10 s plus 3 waits of 2 s; Record Transaction's waits 20 × (1 + 10 + 100 + 1000 +
 * 10000) = 222220 s; the batch's start retries 10 × (1 + 2 + 4) = 70 s; the batch's 3600 s. That
 * is 226193.8 s, rounded up to the minute. With 900 s for the batch it is 2700 s less.
 */
const DEFAULT_EXECUTION_TIMEOUT_3600 = 226200;

/** The definition the program must deploy, written out from the mock ARNs, not from the builder. */
function expectedDefinition(o: {
    threshold: number;
    command: string[];
    publicIp: "ENABLED" | "DISABLED";
    subnets: string[];
    groups: string[];
    timeout: number;
    container: string;
    executionTimeout: number;
}) {
    return {
        Comment: "Checks a stock price, buys or sells, records the trade and hands it to a Fargate batch job",
        StartAt: "Check Stock Value",
        TimeoutSeconds: o.executionTimeout,
        States: {
            "Check Stock Value": {
                Type: "Task",
                Resource: FN("stock-checker"),
                Retry: [{ ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 15, MaxAttempts: 5, BackoffRate: 1.5 }],
                Next: "Buy or Sell?",
            },
            "Buy or Sell?": {
                Type: "Choice",
                Choices: [{ Variable: "$.stock_price", NumericLessThanEquals: o.threshold, Next: "Buy Stock" }],
                Default: "Sell Stock",
            },
            "Buy Stock": {
                Type: "Task",
                Resource: FN("stock-buyer"),
                Retry: [{ ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 1 }],
                Next: "Record Transaction",
            },
            "Sell Stock": {
                Type: "Task",
                Resource: FN("stock-seller"),
                Retry: [{ ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 2, MaxAttempts: 3, BackoffRate: 1 }],
                Next: "Record Transaction",
            },
            "Record Transaction": {
                Type: "Task",
                Resource: "arn:aws:states:::dynamodb:putItem",
                Parameters: {
                    TableName: "transactions-table",
                    Item: {
                        Id: { "S.$": "$.id" },
                        Type: { "S.$": "$.type" },
                        Price: { "N.$": "$.price" },
                        Quantity: { "N.$": "$.qty" },
                        Timestamp: { "S.$": "$.timestamp" },
                    },
                },
                ResultPath: null,
                Retry: [{ ErrorEquals: ["States.TaskFailed"], IntervalSeconds: 20, MaxAttempts: 5, BackoffRate: 10 }],
                Next: "Run ECS task",
            },
            "Run ECS task": {
                Type: "Task",
                Resource: "arn:aws:states:::ecs:runTask.sync",
                Parameters: {
                    LaunchType: "FARGATE",
                    Cluster: CLUSTER,
                    TaskDefinition: TASK_DEFINITION,
                    NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: o.publicIp, SecurityGroups: o.groups, Subnets: o.subnets } },
                    Overrides: {
                        ContainerOverrides: [{ Name: o.container, Command: o.command, Environment: [{ Name: "TRANSACTION_ID", "Value.$": "$.id" }] }],
                    },
                    PropagateTags: "TASK_DEFINITION",
                },
                TimeoutSeconds: o.timeout,
                ResultSelector: { "TaskArn.$": "$.TaskArn", "ExitCode.$": "$.Containers[0].ExitCode" },
                ResultPath: "$.batch",
                Retry: [
                    {
                        ErrorEquals: ["ECS.AmazonECSException", "ECS.ServerException", "ECS.ThrottlingException"],
                        IntervalSeconds: 10,
                        MaxAttempts: 3,
                        BackoffRate: 2,
                    },
                ],
                Catch: [{ ErrorEquals: ["States.TaskFailed"], ResultPath: "$.error", Next: "Error" }],
                Next: "Success",
            },
            Success: { Type: "Pass", End: true },
            Error: { Type: "Fail", ErrorPath: "$.error.Error", CausePath: "$.error.Cause" },
        },
    };
}

const deployedDefinition = (run: ProgramRun): StateMachineDefinition =>
    JSON.parse(named(run, "aws:sfn/stateMachine:StateMachine", "trading-workflow-state-machine").inputs.definition);

/** Every state reachable from StartAt, following Next, Choices, Default and Catch. */
function reachable(definition: StateMachineDefinition): Set<string> {
    const seen = new Set<string>();
    const visit = (name: string) => {
        if (seen.has(name)) return;
        assert.ok(name in definition.States, `transition to missing state ${name}`);
        seen.add(name);
        const state = definition.States[name] as unknown as Record<string, any>;
        for (const next of [state.Next, state.Default, ...(state.Choices ?? []).map((c: any) => c.Next), ...(state.Catch ?? []).map((c: any) => c.Next)]) {
            if (next !== undefined) visit(next);
        }
    };
    visit(definition.StartAt);
    return seen;
}

const statement = (Sid: string, Action: string | string[], Resource: string | string[], Condition?: object) =>
    Condition ? { Sid, Effect: "Allow", Action, Resource, Condition } : { Sid, Effect: "Allow", Action, Resource };

const BASE_STATEMENTS = [
    statement("InvokeTradingFunctions", "lambda:InvokeFunction", [FN("stock-checker"), FN("stock-buyer"), FN("stock-seller")]),
    statement("RecordTransaction", "dynamodb:PutItem", mockArn("dynamodb", "table/transactions-table")),
    statement("RunBatchTask", "ecs:RunTask", TASK_DEFINITION, { ArnEquals: { "ecs:cluster": CLUSTER } }),
    statement("ManageBatchTask", ["ecs:StopTask", "ecs:DescribeTasks"], mockArn("ecs", "task/batch-cluster/*")),
    statement("TagBatchTask", "ecs:TagResource", mockArn("ecs", "task/batch-cluster/*"), { StringEquals: { "ecs:CreateAction": "RunTask" } }),
    statement("ReceiveBatchTaskEvents", ["events:PutTargets", "events:PutRule", "events:DescribeRule"], mockArn("events", "rule/StepFunctionsGetEventsForECSTaskRule")),
    statement("PassBatchTaskRoles", "iam:PassRole", [`arn:aws:iam::${ACCOUNT}:role/batch-execution-role`, `arn:aws:iam::${ACCOUNT}:role/batch-task-role`], {
        StringEquals: { "iam:PassedToService": "ecs-tasks.amazonaws.com" },
    }),
];
const LOG_DELIVERY = statement(
    "DeliverExecutionLogs",
    [
        "logs:CreateLogDelivery",
        "logs:DeleteLogDelivery",
        "logs:DescribeLogGroups",
        "logs:DescribeResourcePolicies",
        "logs:GetLogDelivery",
        "logs:ListLogDeliveries",
        "logs:PutResourcePolicy",
        "logs:UpdateLogDelivery",
    ],
    "*",
);
const TRACING = statement("WriteTraces", ["xray:GetSamplingRules", "xray:GetSamplingTargets", "xray:PutTelemetryRecords", "xray:PutTraceSegments"], "*");

const trust = (service: string) => ({
    Version: "2012-10-17",
    Statement: [
        { Sid: "AssumeRole", Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", Condition: { StringEquals: { "aws:SourceAccount": ACCOUNT } } },
    ],
});

describe("trading workflow under Pulumi mocks (dev stack config)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runStack("dev");
        assert.equal(run.error, undefined, String(run.error));
    });

    it("deploys exactly the expected definition, every ARN resolved", () => {
        assert.deepEqual(
            deployedDefinition(run),
            expectedDefinition({
                threshold: 50,
                command: ["--arg1", "100", "--arg2", "200"],
                publicIp: "ENABLED",
                subnets: DEFAULT_VPC.publicSubnetIds,
                groups: ["sg-batch-network-egress-https"],
                timeout: 3600,
                container: "batch",
                executionTimeout: DEFAULT_EXECUTION_TIMEOUT_3600,
            }),
        );
    });

    it("leaves no key of the definition empty or dropped", () => {
        const definition = deployedDefinition(run);
        const run_ = definition.States["Run ECS task"] as any;
        const required: [string, unknown][] = [
            ["Check Stock Value.Resource", (definition.States["Check Stock Value"] as any).Resource],
            ["Buy Stock.Resource", (definition.States["Buy Stock"] as any).Resource],
            ["Sell Stock.Resource", (definition.States["Sell Stock"] as any).Resource],
            ["Record Transaction.TableName", (definition.States["Record Transaction"] as any).Parameters.TableName],
            ["Run ECS task.Cluster", run_.Parameters.Cluster],
            ["Run ECS task.TaskDefinition", run_.Parameters.TaskDefinition],
            ["Run ECS task.Subnets", run_.Parameters.NetworkConfiguration.AwsvpcConfiguration.Subnets],
            ["Run ECS task.SecurityGroups", run_.Parameters.NetworkConfiguration.AwsvpcConfiguration.SecurityGroups],
            ["Run ECS task.ContainerOverrides[0].Name", run_.Parameters.Overrides.ContainerOverrides[0].Name],
            ["Run ECS task.ContainerOverrides[0].Command", run_.Parameters.Overrides.ContainerOverrides[0].Command],
        ];
        for (const [where, value] of required) {
            assert.ok(value !== undefined && value !== "" && !(Array.isArray(value) && value.length === 0), `${where} is ${JSON.stringify(value)}`);
        }
        assert.doesNotMatch(named(run, "aws:sfn/stateMachine:StateMachine", "trading-workflow-state-machine").inputs.definition, /undefined|""/);
    });

    it("passes asl-validator with path and ARN checks", () => {
        const result = aslValidator(structuredClone(deployedDefinition(run)), { checkPaths: true, checkArn: true });
        assert.deepEqual(result.errors, []);
        assert.equal(result.isValid, true);
    });

    it("has every transition target, every state reachable and every path ending", () => {
        const definition = deployedDefinition(run);
        assert.deepEqual([...reachable(definition)].sort(), Object.keys(definition.States).sort());
        const terminal = Object.entries(definition.States).filter(([, s]) => s.Type === "Fail" || (s as { End?: boolean }).End === true);
        assert.deepEqual(terminal.map(([name]) => name).sort(), ["Error", "Success"]);
    });

    it("is a STANDARD state machine running as its role, logging at dev's level without execution data", () => {
        const { inputs } = named(run, "aws:sfn/stateMachine:StateMachine", "trading-workflow-state-machine");
        assert.equal(inputs.type, "STANDARD");
        assert.equal(inputs.roleArn, `arn:aws:iam::${ACCOUNT}:role/trading-workflow-role`);
        assert.deepEqual(inputs.loggingConfiguration, {
            logDestination: `${mockArn("logs", "log-group:trading-workflow-logs")}:*`,
            level: "ALL",
            includeExecutionData: false,
        });
        assert.deepEqual(inputs.tracingConfiguration, { enabled: false });
    });

    it("keeps execution logs in a vended-logs group with the configured retention", () => {
        const { inputs } = named(run, "aws:cloudwatch/logGroup:LogGroup", "trading-workflow-logs");
        assert.equal(inputs.namePrefix, "/aws/vendedlogs/states/trading-workflow-");
        assert.equal(inputs.retentionInDays, 7);
    });

    it("lets only Step Functions of this account assume the role", () => {
        assert.deepEqual(JSON.parse(named(run, "aws:iam/role:Role", "trading-workflow-role").inputs.assumeRolePolicy), trust("states.amazonaws.com"));
    });

    it("grants exactly the workflow's statements, plus log delivery because dev logs at ALL", () => {
        const policy = named(run, "aws:iam/rolePolicy:RolePolicy", "trading-workflow-policy");
        assert.equal(policy.inputs.role, "trading-workflow-role-id");
        assert.deepEqual(JSON.parse(policy.inputs.policy), { Version: "2012-10-17", Statement: [...BASE_STATEMENTS, LOG_DELIVERY] });
    });

    it("schedules executions, disabled, with a role that may only start this state machine", () => {
        const rule = named(run, "aws:cloudwatch/eventRule:EventRule", "trading-workflow-schedule");
        assert.equal(rule.inputs.scheduleExpression, "rate(1 hour)");
        assert.equal(rule.inputs.state, "DISABLED");
        const target = named(run, "aws:cloudwatch/eventTarget:EventTarget", "trading-workflow-schedule-target");
        const stateMachineArn = mockArn("states", "stateMachine:trading-workflow-state-machine");
        assert.deepEqual(
            { rule: target.inputs.rule, arn: target.inputs.arn, roleArn: target.inputs.roleArn },
            { rule: "trading-workflow-schedule", arn: stateMachineArn, roleArn: `arn:aws:iam::${ACCOUNT}:role/trading-workflow-schedule-role` },
        );
        assert.deepEqual(JSON.parse(named(run, "aws:iam/role:Role", "trading-workflow-schedule-role").inputs.assumeRolePolicy), trust("events.amazonaws.com"));
        const policy = named(run, "aws:iam/rolePolicy:RolePolicy", "trading-workflow-schedule-policy");
        assert.equal(policy.inputs.role, "trading-workflow-schedule-role-id");
        assert.deepEqual(JSON.parse(policy.inputs.policy), {
            Version: "2012-10-17",
            Statement: [statement("StartTradingExecution", "states:StartExecution", stateMachineArn)],
        });
    });

    it("exports the state machine's outputs", () => {
        assert.equal(run.outputs.stateMachineArn, mockArn("states", "stateMachine:trading-workflow-state-machine"));
        assert.equal(run.outputs.stateMachineName, "trading-workflow-state-machine");
        assert.equal(run.outputs.stateMachineRoleArn, `arn:aws:iam::${ACCOUNT}:role/trading-workflow-role`);
    });

    it("exports every output DESIGN names, and no other", () => {
        assert.deepEqual(Object.keys(run.outputs).sort(), [
            "alarmTopicArn", "batchLogGroupName", "clusterArn", "containerName", "dashboardName", "dashboardUrl", "imageUri",
            "operatorPolicyArn", "repositoryUrl", "securityGroupIds", "stateMachineArn", "stateMachineConsoleUrl", "stateMachineName",
            "stateMachineRoleArn", "stockBuyerFunctionArn", "stockCheckerFunctionArn", "stockSellerFunctionArn", "subnetIds",
            "taskDefinitionArn", "taskExecutionRoleArn", "taskRoleArn", "transactionTableArn", "transactionTableName",
        ]);
    });

    for (const stack of ["dev", "prod"]) {
        it(`gives ${stack} the identical resources, down to every JSON string, on a second evaluation`, async () => {
            const first = await runStack(stack);
            const again = await runProgram(readStackFile(stack), stack);
            const inputs = (r: ProgramRun) =>
                r.resources.map((resource) => [`${resource.type}::${resource.name}`, resource.inputs] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
            assert.deepEqual(inputs(again), inputs(first));
            const definition = (r: ProgramRun) => named(r, "aws:sfn/stateMachine:StateMachine", "trading-workflow-state-machine").inputs.definition;
            const dashboard = (r: ProgramRun) => named(r, "aws:cloudwatch/dashboard:Dashboard", "monitoring-dashboard").inputs.dashboardBody;
            assert.equal(typeof definition(again), "string");
            assert.equal(definition(again), definition(first));
            assert.equal(dashboard(again), dashboard(first));
        });
    }
});

describe("trading workflow under Pulumi mocks (non-default config)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram({
            buyThreshold: "30",
            batchCommand: ["--arg1", "7", "--arg2", "8"],
            batchContainerName: "worker",
            assignPublicIp: "false",
            batchTimeoutSeconds: "900",
            subnetIds: ["subnet-0123456789abcdef0"],
            securityGroupIds: ["sg-0123456789abcdef0"],
            logLevel: "OFF",
            tracingEnabled: "false",
            scheduleEnabled: "true",
            scheduleExpression: "cron(0 14 ? * MON-FRI *)",
        });
        assert.equal(run.error, undefined, String(run.error));
    });

    it("builds the definition from the configured threshold, command, container, network and timeout", () => {
        assert.deepEqual(
            deployedDefinition(run),
            expectedDefinition({
                threshold: 30,
                command: ["--arg1", "7", "--arg2", "8"],
                publicIp: "DISABLED",
                subnets: ["subnet-0123456789abcdef0"],
                groups: ["sg-0123456789abcdef0"],
                timeout: 900,
                container: "worker",
                executionTimeout: DEFAULT_EXECUTION_TIMEOUT_3600 - 2700,
            }),
        );
    });

    it("grants no log delivery or tracing actions when both are off", () => {
        const policy = named(run, "aws:iam/rolePolicy:RolePolicy", "trading-workflow-policy");
        assert.deepEqual(JSON.parse(policy.inputs.policy), { Version: "2012-10-17", Statement: BASE_STATEMENTS });
        assert.equal(named(run, "aws:sfn/stateMachine:StateMachine", "trading-workflow-state-machine").inputs.loggingConfiguration.level, "OFF");
    });

    it("enables the schedule with the configured expression", () => {
        const rule = named(run, "aws:cloudwatch/eventRule:EventRule", "trading-workflow-schedule");
        assert.equal(rule.inputs.state, "ENABLED");
        assert.equal(rule.inputs.scheduleExpression, "cron(0 14 ? * MON-FRI *)");
        assert.equal(ofType(run, "aws:cloudwatch/eventTarget:EventTarget").length, 1);
    });
});

describe("trading workflow with tracing on and logging at ERROR", () => {
    it("adds both the log delivery and the X-Ray statements, and turns tracing on", async () => {
        const run = await runProgram({ tracingEnabled: "true", logLevel: "ERROR" });
        assert.equal(run.error, undefined, String(run.error));
        const policy = named(run, "aws:iam/rolePolicy:RolePolicy", "trading-workflow-policy");
        assert.deepEqual(JSON.parse(policy.inputs.policy), { Version: "2012-10-17", Statement: [...BASE_STATEMENTS, LOG_DELIVERY, TRACING] });
        const { inputs } = named(run, "aws:sfn/stateMachine:StateMachine", "trading-workflow-state-machine");
        assert.deepEqual(inputs.tracingConfiguration, { enabled: true });
        assert.equal(inputs.loggingConfiguration.level, "ERROR");
    });

    it("adds only the X-Ray statements when logging is OFF", async () => {
        const run = await runProgram({ tracingEnabled: "true", logLevel: "OFF" });
        const policy = named(run, "aws:iam/rolePolicy:RolePolicy", "trading-workflow-policy");
        assert.deepEqual(JSON.parse(policy.inputs.policy), { Version: "2012-10-17", Statement: [...BASE_STATEMENTS, TRACING] });
    });
});

describe("README diagrams", () => {
    for (const [name, definition] of Object.entries(diagramDefinitions())) {
        it(`${name}: matches the deployed definition (run npm run diagram when this fails)`, () => {
            const readme = fs.readFileSync(README, "utf8");
            const { from, to } = currentDiagram(readme, name);
            assert.equal(readme.slice(from, to), diagramBlock(name, definition));
        });
    }
});
