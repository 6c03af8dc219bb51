/**
 * awsx's components are remote: their children (the image's docker-build Image, the task
 * definition) are registered by awsx's provider, which the mocks do not run. What a component's
 * transform makes of each child is therefore read off the transform itself, called with the
 * child as awsx registers it (pulumi-awsx awsx/ecr/image.ts: a docker-build Image named after
 * `imageName`; awsx/ecs/fargateTaskDefinition.ts: a TaskDefinition named as the component).
 */
import * as pulumi from "@pulumi/pulumi";
import { imageTransform, taskDefinitionTransform } from "../../infra/batch";
import { urnOf, PROJECT, type ProgramRun } from "./program";

/** A resource's URN, read from its Output. */
const urnOfResource = (resource: pulumi.Resource) => new Promise<string>((resolve) => resource.urn.apply(resolve));

/** The child awsx registers for a component of this program, and the transform the program gives the component. */
export function awsxChildren(run: ProgramRun) {
    return run.resources.flatMap((r) => {
        const parent = new pulumi.DependencyResource(r.options.parent);
        if (r.type === "awsx:ecr:Image") {
            return [
                {
                    component: r,
                    type: "docker-build:index:Image",
                    name: String(r.inputs.imageName),
                    transform: imageTransform(parent, r.name, "src-0000000000000000"),
                },
            ];
        }
        if (r.type === "awsx:ecs:FargateTaskDefinition") {
            return [{ component: r, type: "aws:ecs/taskDefinition:TaskDefinition", name: r.name, transform: taskDefinitionTransform(parent) }];
        }
        return [];
    });
}

/** The URNs a stack's resources may be found at through the aliases the transforms give awsx's children. */
export async function keptByTransforms(run: ProgramRun, stack: string): Promise<string[]> {
    const urns: string[] = [];
    for (const child of awsxChildren(run)) {
        const result = (await child.transform({
            type: child.type,
            name: child.name,
            custom: true,
            props: { tags: ["repo:live"] },
            opts: {},
        }))!;
        for (const alias of (result.opts.aliases ?? []) as (string | { name?: string; parent: pulumi.Resource })[]) {
            urns.push(typeof alias === "string" ? alias : urnOf(stack, PROJECT, await urnOfResource(alias.parent), child.type, alias.name ?? child.name));
        }
    }
    return urns;
}
