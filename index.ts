import { loadConfig } from "./infra/config";
import { TradingFunctions } from "./infra/functions";
import { TransactionTable } from "./infra/table";

const config = loadConfig();

const transactions = new TransactionTable("transactions", {
    deletionProtection: config.tableDeletionProtection,
    pointInTimeRecovery: config.tablePointInTimeRecovery,
});

const trading = new TradingFunctions("trading", { logRetentionDays: config.logRetentionDays });

export const stockCheckerFunctionArn = trading.functions["stock-checker"].arn;
export const stockBuyerFunctionArn = trading.functions["stock-buyer"].arn;
export const stockSellerFunctionArn = trading.functions["stock-seller"].arn;
export const transactionTableName = transactions.table.name;
export const transactionTableArn = transactions.table.arn;
