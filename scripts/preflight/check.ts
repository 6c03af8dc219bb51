/** What every preflight check reports: one line of outcome and, unless it passed, one line saying how to fix it. */
export type CheckStatus = "pass" | "warn" | "fail";

export interface CheckResult {
    /** A stable name for scripts reading --json. */
    id: string;
    /** What is checked, as the text output labels it. */
    title: string;
    status: CheckStatus;
    detail: string;
    fix?: string;
}

export const pass = (id: string, title: string, detail: string): CheckResult => ({ id, title, status: "pass", detail });
export const warn = (id: string, title: string, detail: string, fix: string): CheckResult => ({ id, title, status: "warn", detail, fix });
export const fail = (id: string, title: string, detail: string, fix: string): CheckResult => ({ id, title, status: "fail", detail, fix });

/**
 * A check that could not run because the one it depends on did not pass: a failure that names
 * that one, as nothing says this part of the account is ready.
 */
export const notChecked = (id: string, title: string, dependsOn: string): CheckResult =>
    fail(id, title, `not checked until "${dependsOn}" passes`, `fix "${dependsOn}" above, then run the preflight again`);
