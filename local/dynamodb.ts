import type { AddressInfo } from "node:net";
import { CreateTableCommand, DynamoDBClient, ScanCommand, waitUntilTableExists, type AttributeValue } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { TRANSACTION_TABLE_KEY } from "../model/transaction";

/** Credentials the emulator accepts; it checks their form, never their value. */
export const EMULATOR_ENV = {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
} as const;

/** An in-memory DynamoDB on a random loopback port, holding the transaction table. */
export interface LocalDynamoDB {
    endpoint: string;
    tableName: string;
    client: DynamoDBClient;
    /** Every item in the table. */
    scan(): Promise<Record<string, AttributeValue>[]>;
    stop(): Promise<void>;
}

/**
 * Starts dynalite in this process and creates the table with the key schema `infra/` deploys (or
 * another string key), and returns once the table is ACTIVE. CreateTable answers while the table
 * is CREATING, and a table takes reads and writes only once it is ACTIVE (DynamoDB API
 * Reference, CreateTable); the emulator makes it ACTIVE on a timer of its own, so a first write
 * sent at once could find no table.
 */
export async function startLocalDynamoDB(tableName = "TransactionTable", key: string = TRANSACTION_TABLE_KEY.name): Promise<LocalDynamoDB> {
    const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
    await new Promise<void>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, "127.0.0.1", resolve);
    });
    const { port } = server.address() as AddressInfo;
    const endpoint = `http://127.0.0.1:${port}`;
    const client = new DynamoDBClient({
        endpoint,
        region: EMULATOR_ENV.AWS_REGION,
        credentials: { accessKeyId: EMULATOR_ENV.AWS_ACCESS_KEY_ID, secretAccessKey: EMULATOR_ENV.AWS_SECRET_ACCESS_KEY },
        // Every execution running at once may record its trade at once; the emulator is in this
        // process, so the SDK's default of 50 sockets would only queue them.
        requestHandler: { httpAgent: { maxSockets: 1000 } },
    });
    const stop = async () => {
        client.destroy();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
    };
    try {
        await client.send(
            new CreateTableCommand({
                TableName: tableName,
                AttributeDefinitions: [{ AttributeName: key, AttributeType: TRANSACTION_TABLE_KEY.type }],
                KeySchema: [{ AttributeName: key, KeyType: "HASH" }],
                BillingMode: "PAY_PER_REQUEST",
            }),
        );
        // The SDK's waiter polls DescribeTable until the table is ACTIVE; the emulator's takes milliseconds.
        await waitUntilTableExists({ client, maxWaitTime: 10, minDelay: 0.01, maxDelay: 0.1 }, { TableName: tableName });
    } catch (error) {
        await stop();
        throw error;
    }
    return {
        endpoint,
        tableName,
        client,
        async scan() {
            const items: Record<string, AttributeValue>[] = [];
            let startKey: Record<string, AttributeValue> | undefined;
            do {
                const page = await client.send(new ScanCommand({ TableName: tableName, ExclusiveStartKey: startKey }));
                items.push(...(page.Items ?? []));
                startKey = page.LastEvaluatedKey;
            } while (startKey);
            return items;
        },
        stop,
    };
}
