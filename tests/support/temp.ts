/**
 * Temporary folders for tests, removed when the test run ends: a mocha root hook, loaded with
 * every run (.mocharc.json and npm run test:file), so `npm test` leaves the system's temp folder
 * as it found it. A folder a loaded module still reads (a bundle a test required) goes too: the
 * module stays in memory.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const made: string[] = [];

/** A new folder under the system's temp folder, removed when the run ends. */
export function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    made.push(dir);
    return dir;
}

export const mochaHooks = {
    afterAll(): void {
        for (const dir of made.splice(0)) {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    },
};
