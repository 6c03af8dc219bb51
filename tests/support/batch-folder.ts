/**
 * A batch program's folder made for a test: the project's contract with its `local` part (and
 * any other part) replaced, and the files the test names, such as a Node.js script standing in
 * for a program, or a Dockerfile.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { batchContract, type BatchContract } from "../../model/batch-contract";
import { tempDir } from "./temp";

export function batchFolder(contract: Partial<BatchContract> & Pick<BatchContract, "local">, files: Readonly<Record<string, string>> = {}): string {
    const dir = tempDir("batch-");
    fs.writeFileSync(path.join(dir, "contract.json"), JSON.stringify({ ...batchContract(), ...contract }, null, 2));
    for (const [name, text] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), text);
    }
    return dir;
}
