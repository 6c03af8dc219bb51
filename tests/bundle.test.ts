import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { compileFunction } from "node:vm";
import { bundle } from "../infra/bundle";
import { PROJECT_ROOT } from "../model/project";

describe("function bundles", () => {
    for (const fn of ["stock-checker", "stock-buyer", "stock-seller"]) {
        it(`bundles ${fn} byte-identically every time`, () => {
            const entry = `functions/${fn}.ts`;
            const digests = [1, 2, 3].map(() =>
                createHash("sha256")
                    .update(bundle([entry])[entry])
                    .digest("hex"),
            );
            assert.equal(new Set(digests).size, 1);
        });

        it(`bundles ${fn} without machine-specific paths`, () => {
            const code = bundle([`functions/${fn}.ts`])[`functions/${fn}.ts`];
            assert.ok(!code.includes(PROJECT_ROOT), "the bundle must not embed the checkout's absolute path");
            assert.match(code, /\/\/ contracts\/functions\.ts/);
        });
    }

    it("bundles several handlers in one run, each exactly as it bundles alone", () => {
        const entries = ["functions/stock-checker.ts", "functions/stock-buyer.ts", "functions/stock-seller.ts"];
        const together = bundle(entries);
        assert.deepEqual(Object.keys(together), entries);
        for (const entry of entries) {
            assert.equal(together[entry], bundle([entry])[entry]);
        }
        assert.notEqual(together[entries[1]], together[entries[2]]);
    });

    it("writes one CommonJS file for Node.js: UTF-8 as written, modern syntax kept, no legal comments and no source map", () => {
        const entry = "tests/fixtures/bundle-entry.ts";
        const code = bundle([entry])[entry];
        assert.ok(code.includes("prices \u2264 "), "non-ASCII text stays as written, not escaped");
        assert.ok(code.includes("??"), "syntax Node.js runs natively is not lowered");
        assert.ok(!code.includes("legal comment") && !code.includes("sourceMappingURL"));
        const module = { exports: {} as { label?: string; orZero?: (value?: number) => number } };
        compileFunction(code, ["module", "exports", "require"])(module, module.exports, require);
        assert.equal(module.exports.label, "prices \u2264 99");
        assert.equal(module.exports.orZero?.(), 0);
    });

    it("gives the same bundle whatever the working directory", () => {
        const here = bundle(["functions/stock-buyer.ts"]);
        const cwd = process.cwd();
        process.chdir("/");
        try {
            assert.deepEqual(bundle(["functions/stock-buyer.ts"]), here);
        } finally {
            process.chdir(cwd);
        }
    });
});
