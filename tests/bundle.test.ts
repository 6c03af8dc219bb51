import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { bundle } from "../functions/build";
import { PROJECT_ROOT } from "../model/project";

describe("function bundles", () => {
    for (const fn of ["stock-checker", "stock-buyer", "stock-seller"]) {
        it(`bundles ${fn} byte-identically every time`, () => {
            const digests = [1, 2, 3].map(() => createHash("sha256").update(bundle(`functions/${fn}.ts`)).digest("hex"));
            assert.equal(new Set(digests).size, 1);
        });

        it(`bundles ${fn} without machine-specific paths`, () => {
            const code = bundle(`functions/${fn}.ts`);
            assert.ok(!code.includes(PROJECT_ROOT), "the bundle must not embed the checkout's absolute path");
            assert.match(code, /\/\/ functions\/trade\.ts/);
        });
    }

    it("gives the same bundle whatever the working directory", () => {
        const here = bundle("functions/stock-buyer.ts");
        const cwd = process.cwd();
        process.chdir("/");
        try {
            assert.equal(bundle("functions/stock-buyer.ts"), here);
        } finally {
            process.chdir(cwd);
        }
    });
});
