import * as assert from "node:assert/strict";

/** What `run` throws, which must be a `type`; the test fails when it throws anything else, or nothing. */
export function thrown<E extends Error>(run: () => unknown, type: abstract new (...args: never[]) => E): E {
    try {
        run();
    } catch (error) {
        assert.ok(error instanceof type, String(error));
        return error;
    }
    assert.fail(`expected a ${type.name}`);
}
