/**
 * Every condition of every IAM policy the program writes (role trust policies, role policies,
 * managed policies, topic and queue policies) uses an operator that fits its key's type as the
 * Service Authorization Reference documents it: a multivalued key only with a set operator.
 */
import * as assert from "node:assert/strict";
import { conditionMisfits, policyDocumentsIn } from "./support/grants";
import { runProgram, runStack, type ProgramRun } from "./support/program";

describe("IAM conditions as AWS evaluates them", () => {
    it("finds a single-valued operator on a multivalued key, and a set operator on a single-valued key", async () => {
        const misfits = await conditionMisfits({
            Statement: [
                { Sid: "Qualifier", Condition: { StringEquals: { "states:StateMachineQualifier": "live" } } },
                { Sid: "Account", Condition: { "ForAnyValue:StringEquals": { "aws:SourceAccount": "123456789012" } } },
                {
                    Sid: "Fits",
                    Condition: { "ForAnyValue:StringEquals": { "states:StateMachineQualifier": "live" }, StringEquals: { "aws:SourceAccount": "1" } },
                },
                { Sid: "Presence", Condition: { Null: { "states:StateMachineQualifier": "false" } } },
            ],
        });
        assert.deepEqual(misfits, [
            "Qualifier: StringEquals on states:StateMachineQualifier, a ArrayOfString key: write ForAnyValue:StringEquals or ForAllValues:StringEquals",
            "Account: ForAnyValue:StringEquals on aws:SourceAccount, a String key: a set operator on a single-valued key",
        ]);
    });

    it("refuses a condition key the Service Authorization Reference does not document", async () => {
        await assert.rejects(
            conditionMisfits({ Statement: [{ Condition: { StringEquals: { "states:StateMachineQualifer": "live" } } }] }),
            /states:StateMachineQualifer is not a condition key the Service Authorization Reference documents/,
        );
    });

    const runs: [string, () => Promise<ProgramRun>][] = [
        ["dev", () => runStack("dev")],
        ["prod", () => runStack("prod")],
        [
            "every optional part on",
            () => runProgram({ scheduleEnabled: "true", tracingEnabled: "true", batchCapacity: "FARGATE_SPOT", alarmEmail: "ops@example.com" }),
        ],
    ];
    for (const [label, program] of runs) {
        it(`writes no condition whose operator misfits its key, in any policy of the ${label} program`, async () => {
            const run = await program();
            assert.equal(run.error, undefined, String(run.error));
            const documents = run.resources.flatMap((resource) => policyDocumentsIn(resource.inputs).map((document) => ({ resource, document })));
            const types = new Set(documents.map(({ resource }) => resource.type));
            for (const type of ["aws:iam/role:Role", "aws:iam/rolePolicy:RolePolicy", "aws:iam/policy:Policy", "aws:sns/topicPolicy:TopicPolicy"]) {
                assert.ok(types.has(type), `the program writes a ${type}`);
            }
            const misfits: string[] = [];
            for (const { resource, document } of documents) {
                misfits.push(...(await conditionMisfits(document)).map((misfit) => `${resource.name}: ${misfit}`));
            }
            assert.deepEqual(misfits, []);
        });
    }
});
