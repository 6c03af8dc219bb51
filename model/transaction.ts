/**
 * The shape of a TransactionTable item, shared by the table, the workflow definition and the
 * local emulator. The key, and the variables and attributes the batch program uses, come from
 * the batch program's contract, so the two cannot drift apart.
 */
import { batchContract } from "./batch-contract";

/** The variables the batch program reads: the trade's id, which the workflow sets, and the table's name. */
export const BATCH_ENV = batchContract().environment;

/** The attributes the batch program reads and sets on the trade's item. */
export const BATCH_ATTRIBUTES = { key: batchContract().table.key, processedAt: batchContract().table.processedAt } as const;

/** The partition key. */
export const TRANSACTION_TABLE_KEY = { name: BATCH_ATTRIBUTES.key, type: "S" } as const;

/** Where each attribute of a recorded trade comes from in the buyer's or seller's result. */
export const TRANSACTION_ATTRIBUTES = [
    { name: TRANSACTION_TABLE_KEY.name, type: TRANSACTION_TABLE_KEY.type, from: "$.id" },
    { name: "Type", type: "S", from: "$.type" },
    { name: "Price", type: "N", from: "$.price" },
    { name: "Quantity", type: "N", from: "$.qty" },
    { name: "Timestamp", type: "S", from: "$.timestamp" },
] as const;
