import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { TRANSACTION_TABLE_KEY } from "./transaction-schema";

export interface TransactionTableArgs {
    /** Refuse `DeleteTable` until this is turned off. @default false */
    deletionProtection: boolean;
    /** Keep continuous backups for point-in-time restore. @default false */
    pointInTimeRecovery: boolean;
}

/** The DynamoDB table that records every trade. */
export class TransactionTable extends pulumi.ComponentResource {
    readonly table: aws.dynamodb.Table;

    constructor(name: string, args: TransactionTableArgs, opts?: pulumi.ComponentResourceOptions) {
        super("stock-trader:data:TransactionTable", name, {}, opts);

        this.table = new aws.dynamodb.Table(
            `${name}-table`,
            {
                attributes: [{ name: TRANSACTION_TABLE_KEY.name, type: TRANSACTION_TABLE_KEY.type }],
                hashKey: TRANSACTION_TABLE_KEY.name,
                billingMode: "PAY_PER_REQUEST",
                serverSideEncryption: { enabled: true },
                pointInTimeRecovery: { enabled: args.pointInTimeRecovery },
                deletionProtectionEnabled: args.deletionProtection,
            },
            { parent: this },
        );

        this.registerOutputs({ tableName: this.table.name, tableArn: this.table.arn });
    }
}
