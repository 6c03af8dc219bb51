/** A stack file of a test's own in the project, as a user adds one, for a tool or the program to read. */
import * as fs from "node:fs";
import * as path from "node:path";
import { PROJECT_ROOT } from "../../model/project";

let made = 0;

/** Writes `Pulumi.<stack>.yaml` with `text` under a fresh stack name (or `name`), runs `body` with the name, and removes the file after. */
export async function withStackFile<T>(text: string, body: (stack: string) => Promise<T> | T, name = `t-${process.pid}-${++made}`): Promise<T> {
    const where = path.join(PROJECT_ROOT, `Pulumi.${name}.yaml`);
    fs.writeFileSync(where, text);
    try {
        return await body(name);
    } finally {
        fs.rmSync(where, { force: true });
    }
}
