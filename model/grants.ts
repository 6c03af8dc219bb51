/**
 * The permissions states need, merged into a policy's statements: each Task state names what it
 * needs, and statements of the same `sid` become one.
 */
import { allow, type Condition, type PolicyStatement } from "./policies";

/** One permission a state needs, and why; grants with the same `sid` are merged into one statement. */
export interface Grant {
    sid: string;
    actions: string[];
    resources: string[];
    condition?: Condition;
    /** Why the state needs it, and why no narrower resource or condition does: the docs' permissions table shows it. */
    why: string;
}

/** Merges grants by `sid` in the order the states name them; one action or resource is written as a string. */
export function unionOfGrants(grants: Grant[]): PolicyStatement[] {
    const merged = new Map<string, Grant>();
    for (const grant of grants) {
        const existing = merged.get(grant.sid);
        if (!existing) {
            merged.set(grant.sid, { ...grant, resources: [...grant.resources] });
            continue;
        }
        if (existing.actions.join() !== grant.actions.join() || JSON.stringify(existing.condition) !== JSON.stringify(grant.condition)) {
            throw new Error(`workflow grants named ${grant.sid} differ in their actions or condition`);
        }
        existing.resources.push(...grant.resources.filter((r) => !existing.resources.includes(r)));
    }
    const one = (values: string[]) => (values.length === 1 ? values[0] : values);
    return [...merged.values()].map((g) => allow(g.sid, one(g.actions), one(g.resources), g.condition));
}
