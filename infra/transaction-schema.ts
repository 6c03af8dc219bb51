/**
 * The shape of a TransactionTable item, shared by the table, the workflow definition and the
 * local emulator. No Pulumi import, so local runs load it cheaply.
 */

/** The partition key. */
export const TRANSACTION_TABLE_KEY = { name: "Id", type: "S" } as const;

/** Where each attribute of a recorded trade comes from in the buyer's or seller's result. */
export const TRANSACTION_ATTRIBUTES = [
    { name: "Id", type: "S", from: "$.id" },
    { name: "Type", type: "S", from: "$.type" },
    { name: "Price", type: "N", from: "$.price" },
    { name: "Quantity", type: "N", from: "$.qty" },
    { name: "Timestamp", type: "S", from: "$.timestamp" },
] as const;
