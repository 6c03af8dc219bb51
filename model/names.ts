/**
 * Names the program gives resources that AWS names by the caller's choice rather than Pulumi's
 * auto-naming: one per stack, stable across deploys, in the characters such names allow.
 */

/**
 * The names AWS allows for what the program names: a dashboard name or a task definition family
 * (CloudWatch PutDashboard; ECS RegisterTaskDefinition) takes letters, digits, `-` and `_`, at
 * most 255 of them; a CloudFormation stack name letters, digits and `-`, at most 128, starting
 * with a letter (CloudFormation CreateStack).
 */
const NAME_FORMS = {
    default: { disallowed: /[^A-Za-z0-9_-]/g, maxLength: 255 },
    cloudformation: { disallowed: /[^A-Za-z0-9-]/g, maxLength: 128 },
} as const;

export type NameForm = keyof typeof NAME_FORMS;

/**
 * `<project>-<stack>`, then `-<suffix>` if one is given, in the characters the form allows (a
 * Pulumi stack name may also hold periods, which become hyphens, as any other character the form
 * refuses), at most its length: a long stack name is cut, never the suffix. A CloudFormation
 * name that would not start with a letter starts with `s-`.
 */
export function stackScopedName(project: string, stack: string, suffix?: string, form: NameForm = "default"): string {
    const { disallowed, maxLength } = NAME_FORMS[form];
    const clean = (text: string) => text.replace(disallowed, "-");
    const tail = suffix === undefined ? "" : `-${clean(suffix)}`;
    const head = clean(`${project}-${stack}`);
    const lead = form === "cloudformation" && !/^[A-Za-z]/.test(head) ? "s-" : "";
    return (lead + head).slice(0, maxLength - tail.length) + tail;
}

/** The CloudFormation stack that holds a Pulumi stack's `live` alias: one per stack, so operators and the deploy job find it by name. */
export const liveStackName = (project: string, stack: string): string => stackScopedName(project, stack, "live", "cloudformation");
