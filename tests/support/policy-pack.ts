import type { PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { policies } from "../../policy/policies";
import type { Registered } from "./program";

/** One resource as a policy sees it. */
export interface Candidate {
    type: string;
    name: string;
    props: Record<string, any>;
    stack?: string;
}

const isResourcePolicy = (p: ResourceValidationPolicy | StackValidationPolicy): p is ResourceValidationPolicy => "validateResource" in p;

const urn = (c: Candidate) => `urn:pulumi:${c.stack ?? "dev"}::stock-trader::${c.type}::${c.name}`;

/** The violations one policy reports for some resources, called as the Pulumi CLI calls it. */
export async function violations(policy: ResourceValidationPolicy | StackValidationPolicy, candidates: Candidate[]): Promise<string[]> {
    const reported: string[] = [];
    const report = (message: string) => reported.push(message);
    const common = {
        stackTags: new Map<string, string>(),
        getConfig: <T extends object>() => ({}) as T,
        notApplicable: (reason?: string): never => {
            throw new Error(`not applicable: ${reason}`);
        },
    };
    if (isResourcePolicy(policy)) {
        for (const candidate of candidates) {
            const args = {
                ...common,
                type: candidate.type,
                name: candidate.name,
                urn: urn(candidate),
                props: candidate.props,
                opts: {},
            } as unknown as ResourceValidationArgs;
            for (const validate of [policy.validateResource ?? []].flat()) {
                await validate(args, report);
            }
        }
    } else {
        const resources = candidates.map((c) => ({ type: c.type, name: c.name, urn: urn(c), props: c.props }) as unknown as PolicyResource);
        await policy.validateStack({ ...common, resources }, report);
    }
    return reported;
}

export const fromProgram = (resources: Registered[], stack: string): Candidate[] =>
    resources.map((r) => ({ type: r.type, name: r.name, props: r.state, stack }));

/** Every violation of every policy in the pack, as "policy: message". */
export async function packViolations(candidates: Candidate[]): Promise<string[]> {
    const all: string[] = [];
    for (const policy of policies) {
        all.push(...(await violations(policy, candidates)).map((message) => `${policy.name}: ${message}`));
    }
    return all;
}
