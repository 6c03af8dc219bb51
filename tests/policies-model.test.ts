import * as assert from "node:assert/strict";
import { parseArn } from "../model/arn";
import {
    allow,
    batchExecutionPolicy,
    batchTaskPolicy,
    functionPolicy,
    liveStackPolicy,
    logStreamsArn,
    serviceTrustPolicy,
    scheduleRolePolicy,
} from "../model/policies";
import { expectedTrust } from "./support/expected-iam";
import { TRACING } from "./support/mock-arns";

const ACCOUNT = "123456789012";
const LOG_GROUP = `arn:aws:logs:us-east-1:${ACCOUNT}:log-group:fn-logs`;

describe("IAM documents of the model", () => {
    it("lets one service assume a role on behalf of one account only", () => {
        assert.deepEqual(serviceTrustPolicy("lambda.amazonaws.com", ACCOUNT), expectedTrust("lambda.amazonaws.com", ACCOUNT));
    });

    it("lets a function write its own log group's streams, and send traces only when tracing is on", () => {
        const logs = { Sid: "WriteOwnLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${LOG_GROUP}:*` };
        assert.deepEqual(functionPolicy(LOG_GROUP, false), { Version: "2012-10-17", Statement: [logs] });
        assert.deepEqual(functionPolicy(LOG_GROUP, true), { Version: "2012-10-17", Statement: [logs, TRACING] });
    });

    it("lets the batch task update items of the transaction table, nothing else", () => {
        const table = `arn:aws:dynamodb:us-east-1:${ACCOUNT}:table/trades`;
        assert.deepEqual(batchTaskPolicy(table), {
            Version: "2012-10-17",
            Statement: [{ Sid: "MarkTransactionProcessed", Effect: "Allow", Action: "dynamodb:UpdateItem", Resource: table }],
        });
    });

    it("lets ECS sign in to ECR, pull this repository's image and write this log group", () => {
        const repository = `arn:aws:ecr:us-east-1:${ACCOUNT}:repository/batch`;
        assert.deepEqual(batchExecutionPolicy(repository, LOG_GROUP), {
            Version: "2012-10-17",
            Statement: [
                { Sid: "AuthenticateToRegistry", Effect: "Allow", Action: "ecr:GetAuthorizationToken", Resource: "*" },
                {
                    Sid: "PullBatchImage",
                    Effect: "Allow",
                    Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                    Resource: repository,
                },
                { Sid: "WriteBatchLogs", Effect: "Allow", Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: `${LOG_GROUP}:*` },
            ],
        });
    });

    it("lets the schedule start this state machine only, and only through live, and send a start it could not make to its own queue", () => {
        const machine = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:trading`;
        const queue = `arn:aws:sqs:us-east-1:${ACCOUNT}:failed-starts`;
        assert.deepEqual(scheduleRolePolicy(machine, queue), {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "StartTradingExecution",
                    Effect: "Allow",
                    Action: "states:StartExecution",
                    Resource: machine,
                    Condition: { "ForAnyValue:StringEquals": { "states:StateMachineQualifier": "live" } },
                },
                { Sid: "SendFailedStarts", Effect: "Allow", Action: "sqs:SendMessage", Resource: queue },
            ],
        });
    });

    it("writes a condition only when there is one", () => {
        assert.deepEqual(Object.keys(allow("A", "s3:GetObject", "arn:aws:s3:::b/*")), ["Sid", "Effect", "Action", "Resource"]);
        assert.deepEqual(allow("A", "s3:GetObject", "*", { Bool: { "aws:SecureTransport": "true" } }).Condition, { Bool: { "aws:SecureTransport": "true" } });
        assert.equal(logStreamsArn(LOG_GROUP), `${LOG_GROUP}:*`);
    });

    it("reads an ARN's parts, the resource with its colons, and refuses what is not an ARN", () => {
        assert.deepEqual(parseArn(`arn:aws-cn:logs:cn-north-1:${ACCOUNT}:log-group:x:*`), {
            partition: "aws-cn",
            service: "logs",
            region: "cn-north-1",
            account: ACCOUNT,
            resource: "log-group:x:*",
        });
        assert.deepEqual(parseArn("arn:aws:iam::123456789012:role/r").region, "");
        for (const bad of ["arn:aws:s3", "urn:aws:s3:::b:c", ""]) {
            assert.throws(() => parseArn(bad), { message: `not an ARN: ${bad}` });
        }
    });
});

describe("IAM documents of the model: the live stack's service role", () => {
    it("lets CloudFormation manage this state machine's aliases and read these alarms, nothing else", () => {
        const machine = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:trading`;
        const alarms = [
            `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:executions-failed`,
            `arn:aws:cloudwatch:us-east-1:${ACCOUNT}:alarm:executions-timed-out`,
        ];
        assert.deepEqual(liveStackPolicy(machine, alarms), {
            Version: "2012-10-17",
            Statement: [
                {
                    Sid: "ManageLiveAlias",
                    Effect: "Allow",
                    Action: [
                        "states:CreateStateMachineAlias",
                        "states:DeleteStateMachineAlias",
                        "states:DescribeStateMachineAlias",
                        "states:UpdateStateMachineAlias",
                    ],
                    Resource: machine,
                },
                { Sid: "ReadRollbackAlarms", Effect: "Allow", Action: "cloudwatch:DescribeAlarms", Resource: alarms },
            ],
        });
    });
});
