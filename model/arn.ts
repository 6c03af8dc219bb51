/**
 * Every ARN the project reads or writes, parsed and formatted in one place, with the partition
 * taken from the region as CDK's `formatArn` does: a stack in a China or GovCloud region gets the
 * ARNs that exist there.
 */

/** The parts of an ARN: arn:partition:service:region:account:resource. */
export interface ArnParts {
    partition: string;
    service: string;
    region: string;
    account: string;
    resource: string;
}

/** The partitions whose regions do not belong to `aws`, by the prefix of their region names. */
const PARTITIONS: readonly (readonly [string, string])[] = [
    ["cn-", "aws-cn"],
    ["us-gov-", "aws-us-gov"],
    ["us-isob-", "aws-iso-b"],
    ["us-iso-", "aws-iso"],
    ["eu-isoe-", "aws-iso-e"],
    ["us-isof-", "aws-iso-f"],
];

/** The AWS partition a region belongs to. */
export function partitionOf(region: string): string {
    return PARTITIONS.find(([prefix]) => region.startsWith(prefix))?.[1] ?? "aws";
}

export function parseArn(arn: string): ArnParts {
    const parts = arn.split(":");
    if (parts.length < 6 || parts[0] !== "arn") {
        throw new Error(`not an ARN: ${arn}`);
    }
    const [, partition, service, region, account, ...resource] = parts;
    return { partition, service, region, account, resource: resource.join(":") };
}

/**
 * An ARN from its parts. The partition defaults to the region's; a global resource (an IAM role,
 * a Step Functions integration) has no region, so it names its partition.
 */
export function formatArn(parts: Omit<ArnParts, "partition"> & { partition?: string }): string {
    if (parts.partition === undefined && parts.region === "") {
        throw new Error(`an ARN without a region needs its partition (${parts.service}:${parts.resource})`);
    }
    return `arn:${parts.partition ?? partitionOf(parts.region)}:${parts.service}:${parts.region}:${parts.account}:${parts.resource}`;
}

/** A Step Functions service integration's resource, such as `ecs:runTask.sync`, in a partition. */
export const integrationArn = (partition: string, integration: string): string =>
    formatArn({ partition, service: "states", region: "", account: "", resource: integration });

/**
 * A Step Functions name, of a state machine or an execution, as the API reference allows it (CreateStateMachine,
 * StartExecution): 1 to 80 characters, none of them white space, a bracket `< > { } [ ]`, a
 * wildcard `? *`, one of `" # % \\ ^ | ~ \` $ & , ; : /`, a control character (U+0000-001F,
 * U+007F-009F, U+FFFE-FFFF) or a surrogate (U+D800-DFFF).
 */
export const STEP_FUNCTIONS_NAME = String.raw`[^\s<>{}\[\]?*"#%\\^|~\x60$&,;:/\u0000-\u001f\u007f-\u009f\ufffe\uffff\ud800-\udfff]{1,80}`;

/**
 * A Step Functions state machine's ARN, in any partition: unqualified, or qualified with a version
 * number or an alias name (developer guide, "How Step Functions associates executions with a
 * version or alias"), each of which StartExecution takes.
 */
export const STATE_MACHINE_ARN = new RegExp(`^arn:aws[a-z-]*:states:[a-z0-9-]+:\\d{12}:stateMachine:${STEP_FUNCTIONS_NAME}(?::${STEP_FUNCTIONS_NAME})?$`);
/** A Step Functions execution's ARN, in any partition. */
export const EXECUTION_ARN = new RegExp(`^arn:aws[a-z-]*:states:[a-z0-9-]+:\\d{12}:execution:${STEP_FUNCTIONS_NAME}:${STEP_FUNCTIONS_NAME}$`);

/**
 * Every revision of a task definition's family, from the ARN of one revision: what RunTask may
 * be granted on so that an execution started before a deploy, or redriven after it, can still
 * run the revision its definition names.
 */
export function everyRevision(taskDefinitionArn: string): string {
    const parts = parseArn(taskDefinitionArn);
    return formatArn({ ...parts, resource: parts.resource.replace(/:\d+$/, "") + ":*" });
}

/** A Lambda function's unqualified ARN, from the ARN of one of its versions or aliases (or from itself). */
export function unqualifiedFunction(functionArn: string): string {
    const parts = parseArn(functionArn);
    return formatArn({ ...parts, resource: parts.resource.split(":").slice(0, 2).join(":") });
}

/**
 * Every published version of a Lambda function (`function:<name>:*`), from the ARN of one: what
 * InvokeFunction may be granted on so that each workflow version invokes the function versions
 * it names, and the unqualified ARN, which runs `$LATEST`, is not granted.
 */
export function everyVersion(functionArn: string): string {
    return `${unqualifiedFunction(functionArn)}:*`;
}
