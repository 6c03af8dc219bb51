import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../model/config";
import { TRANSACTION_TABLE_KEY } from "../model/transaction";

export interface TransactionTableArgs {
    /** The stack settings the table uses: deletion protection and point-in-time recovery. */
    readonly config: Pick<StackConfig, "tableDeletionProtection" | "tablePointInTimeRecovery">;
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
                pointInTimeRecovery: { enabled: args.config.tablePointInTimeRecovery },
                deletionProtectionEnabled: args.config.tableDeletionProtection,
            },
            { parent: this },
        );

        this.registerOutputs({ tableName: this.table.name, tableArn: this.table.arn });
    }
}
