import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { componentSettings, type StackConfig } from "../model/config";
import { alarmTopicPolicy } from "../model/monitoring";

export interface AlarmTopicArgs {
    /**
     * An address to subscribe to the topic; it must confirm the subscription. A plain value: it
     * decides whether the subscription exists.
     * @default no subscription
     */
    readonly email?: string;
}

/** The topic's arguments from a stack's validated config. */
export const alarmTopicArgs = (config: Pick<StackConfig, "alarmEmail">): AlarmTopicArgs => ({ email: config.alarmEmail });

/** The component type that held the topic before it had its own, for the aliases that keep existing stacks' resources. */
const FORMER_PARENT = pulumi.createUrn("monitoring", "stock-trader:operations:WorkflowMonitoring");

/**
 * The SNS topic the alarms notify, with the policy that lets CloudWatch publish to it and the
 * optional email subscription. Its own component, created before everything else, so that any
 * component (a workflow state that publishes, the alarms) can be given it.
 */
export class AlarmTopic extends pulumi.ComponentResource {
    readonly topic: aws.sns.Topic;

    /** Its resources keep the names they had under the monitoring component: `name` is `monitoring-alarms`. */
    constructor(name: string, args: AlarmTopicArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        const { alarmEmail } = componentSettings("AlarmTopic", { email: ["alarmEmail", args.email] });
        super("stock-trader:operations:AlarmTopic", name, {}, opts);
        const moved = (former: string): pulumi.CustomResourceOptions => ({ parent: this, aliases: [{ name: former, parent: FORMER_PARENT }] });

        // Not encrypted: the AWS-managed alias/aws/sns key would not let CloudWatch publish
        // (docs/operations.md shows who may publish and what each sends).
        this.topic = new aws.sns.Topic(name, {}, moved(name));
        new aws.sns.TopicPolicy(
            `${name}-policy`,
            { arn: this.topic.arn, policy: this.topic.arn.apply((arn) => JSON.stringify(alarmTopicPolicy(arn))) },
            moved(`${name}-policy`),
        );
        if (alarmEmail) {
            new aws.sns.TopicSubscription(`${name}-email`, { topic: this.topic.arn, protocol: "email", endpoint: alarmEmail }, moved("monitoring-alarm-email"));
        }
        this.registerOutputs({ topicArn: this.topic.arn });
    }
}
