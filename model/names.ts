/**
 * Names the program gives resources that AWS names by the caller's choice rather than Pulumi's
 * auto-naming: one per stack, stable across deploys, in the characters such names allow.
 */

/** The longest a dashboard name or a task definition family may be (CloudWatch PutDashboard; ECS RegisterTaskDefinition). */
const MAX_NAME_LENGTH = 255;

/**
 * `<project>-<stack>`, then `-<suffix>` if one is given, in letters, digits, `-` and `_` (a
 * Pulumi stack name may also hold periods, which become hyphens), at most 255 characters: a long
 * stack name is cut, never the suffix.
 */
export function stackScopedName(project: string, stack: string, suffix?: string): string {
    const clean = (text: string) => text.replace(/[^A-Za-z0-9_-]/g, "-");
    const tail = suffix === undefined ? "" : `-${clean(suffix)}`;
    return clean(`${project}-${stack}`).slice(0, MAX_NAME_LENGTH - tail.length) + tail;
}
