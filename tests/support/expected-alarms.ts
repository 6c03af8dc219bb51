/** The alarm inputs the README's table describes, written out by hand for the monitoring tests. */

/** An alarm on one occurrence in 5 minutes; missing data means nothing failed. */
export const occurrenceAlarm = (namespace: string, metricName: string, dimensions: Record<string, string>) => ({
    namespace,
    metricName,
    dimensions,
    statistic: "Sum",
    period: 300,
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
    threshold: 1,
    comparisonOperator: "GreaterThanOrEqualToThreshold",
    treatMissingData: "notBreaching",
});

/** No execution succeeded in each of `hours` hours; missing data means nothing succeeded. */
export const staleAlarm = (hours: number, stateMachineArn: string) => ({
    namespace: "AWS/States",
    metricName: "ExecutionsSucceeded",
    dimensions: { StateMachineArn: stateMachineArn },
    statistic: "Sum",
    period: 3600,
    evaluationPeriods: hours,
    datapointsToAlarm: hours,
    threshold: 1,
    comparisonOperator: "LessThanThreshold",
    treatMissingData: "breaching",
});
