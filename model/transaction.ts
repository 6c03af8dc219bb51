/**
 * The shape of a TransactionTable item, shared by the table, the workflow definition and the
 * local emulator. The key and the attributes the batch program writes come from the batch
 * program's own contract, so the two cannot drift apart.
 */
import { BATCH_ATTRIBUTES, BATCH_ENV } from "../batch-container/src/contract";

export { BATCH_ATTRIBUTES, BATCH_ENV };

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
