/** IAM documents the tests expect, written out by hand from the project's rules, not from the code. */

/** A role's trust policy: one service may assume it, on behalf of one account only. */
export const expectedTrust = (service: string, account: string) => ({
    Version: "2012-10-17",
    Statement: [
        {
            Sid: "AssumeRole",
            Effect: "Allow",
            Principal: { Service: service },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": account } },
        },
    ],
});

/** The alarm topic's policy: only CloudWatch alarms of one account (`alarms`, an ARN pattern) may publish to it. */
export const expectedTopicPolicy = (topicArn: string, account: string, alarms: string) => ({
    Version: "2012-10-17",
    Statement: [
        {
            Sid: "CloudWatchAlarmsOfThisAccount",
            Effect: "Allow",
            Principal: { Service: "cloudwatch.amazonaws.com" },
            Action: "sns:Publish",
            Resource: topicArn,
            Condition: { StringEquals: { "aws:SourceAccount": account }, ArnLike: { "aws:SourceArn": alarms } },
        },
    ],
});
