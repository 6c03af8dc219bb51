import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { configDefault, type StackConfig } from "../model/config";
import { TRANSACTION_TABLE_KEY } from "../model/transaction";

export interface TransactionTableArgs {
    /**
     * Refuse `DeleteTable` until this is turned off, so the trade history survives a stray
     * `pulumi destroy` or console click.
     * @default false
     */
    readonly deletionProtection?: pulumi.Input<boolean>;
    /**
     * Continuous backups, to restore the table to any second of the last 35 days.
     * @default false
     */
    readonly pointInTimeRecovery?: pulumi.Input<boolean>;
}

/** The table's arguments from a stack's validated config. */
export const transactionTableArgs = (config: Pick<StackConfig, "tableDeletionProtection" | "tablePointInTimeRecovery">): TransactionTableArgs => ({
    deletionProtection: config.tableDeletionProtection,
    pointInTimeRecovery: config.tablePointInTimeRecovery,
});

/** The DynamoDB table that records every trade: keyed by the trade's id, on-demand, encrypted. */
export class TransactionTable extends pulumi.ComponentResource {
    readonly table: aws.dynamodb.Table;

    constructor(name: string, args: TransactionTableArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("stock-trader:data:TransactionTable", name, {}, opts);

        this.table = new aws.dynamodb.Table(
            `${name}-table`,
            {
                attributes: [{ name: TRANSACTION_TABLE_KEY.name, type: TRANSACTION_TABLE_KEY.type }],
                hashKey: TRANSACTION_TABLE_KEY.name,
                billingMode: "PAY_PER_REQUEST",
                serverSideEncryption: { enabled: true },
                pointInTimeRecovery: { enabled: args.pointInTimeRecovery ?? configDefault("tablePointInTimeRecovery") },
                deletionProtectionEnabled: args.deletionProtection ?? configDefault("tableDeletionProtection"),
            },
            { parent: this },
        );

        this.registerOutputs({ tableName: this.table.name, tableArn: this.table.arn });
    }
}
