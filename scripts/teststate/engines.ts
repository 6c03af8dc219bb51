/**
 * One state of a definition run on each engine: on AWS's, through the TestState API with a
 * mocked result or error; on this machine's, aws-local-stepfunctions with the same mock as the
 * state's handler. Each gives the answer TestState documents: the status, the next state, the
 * output, the error and its cause.
 */
import { TestStateCommand, type SFNClient, type TestStateOutput } from "@aws-sdk/client-sfn";
import type { Json } from "../../local/stand-ins";
import { engineDefinition, engineStateMachine } from "../../local/runner";
import type { Retrier, State, StateMachineDefinition } from "../../model/asl";
import { call, notTheApi, type CallDeps } from "../cli/aws-calls";
import type { Mock } from "./paths";

/** TestState's statuses (API reference, "TestState", Response Elements). */
export type StateStatus = "SUCCEEDED" | "FAILED" | "RETRIABLE" | "CAUGHT_ERROR";

/** One state to run: which, with what input and mock, after how many retries of the retrier its error meets. */
export interface StateRun {
    definition: StateMachineDefinition;
    stateName: string;
    input: Json;
    mock?: Mock;
    retrierRetryCount: number;
}

/** What an engine answered for one state. */
export interface StateAnswer {
    status: StateStatus;
    nextState?: string;
    output?: Json;
    error?: string;
    cause?: string;
    /** For RETRIABLE: how long the retry waits, in seconds. */
    retryBackoffIntervalSeconds?: number;
}

/** Runs one state on an engine. */
export type Engine = (run: StateRun) => Promise<StateAnswer>;

const parsed = (text: string | undefined): Json | undefined => (text === undefined ? undefined : (JSON.parse(text) as Json));

/** The TestState request for a run: the whole definition with `stateName`, the input, the mock and the retry count. */
export function testStateRequest(run: StateRun) {
    return {
        definition: JSON.stringify(run.definition),
        stateName: run.stateName,
        input: JSON.stringify(run.input),
        inspectionLevel: "DEBUG" as const,
        ...(run.mock === undefined
            ? {}
            : {
                  mock: "result" in run.mock ? { result: JSON.stringify(run.mock.result) } : { errorOutput: run.mock.errorOutput },
                  ...("errorOutput" in run.mock ? { stateConfiguration: { retrierRetryCount: run.retrierRetryCount } } : {}),
              }),
    };
}

/** TestState's answer as a StateAnswer. */
export function awsAnswer(response: TestStateOutput): StateAnswer {
    const backoff = response.inspectionData?.errorDetails?.retryBackoffIntervalSeconds;
    return {
        status: response.status!,
        ...(response.nextState === undefined ? {} : { nextState: response.nextState }),
        ...(response.output === undefined ? {} : { output: parsed(response.output) }),
        ...(response.error === undefined ? {} : { error: response.error }),
        ...(response.cause === undefined ? {} : { cause: response.cause }),
        ...(response.status === "RETRIABLE" && backoff !== undefined ? { retryBackoffIntervalSeconds: backoff } : {}),
    };
}

/** The action a TestState call is, as IAM and the tools' messages name it. */
export const TEST_STATE = "states:TestState";

/**
 * AWS's engine: TestState, each call with the tools' timeout, retried while Step Functions
 * throttles it. An answer without a status, which TestState always gives, is not the API's.
 */
export function awsEngine(sfn: SFNClient, deps: CallDeps): Engine {
    return async (run) => {
        const response = await call(TEST_STATE, run.stateName, () => sfn.send(new TestStateCommand(testStateRequest(run))), deps, ["ThrottlingException"]);
        if (response.status === undefined) {
            throw notTheApi(TEST_STATE, run.stateName, "status");
        }
        return awsAnswer(response);
    };
}

/** The wait before retry `count` + 1 of a retrier, as the States Language computes it. */
const backoffSeconds = (retrier: Retrier, count: number) => retrier.IntervalSeconds * retrier.BackoffRate ** count;

interface LocalEvent {
    type: string;
    state?: { name: string; input?: unknown; output?: unknown };
    /** A retry's retrier, and how many retries it has made with this one. */
    retry?: { retrier: Retrier; attempt: number };
    Error?: string;
    Cause?: unknown;
}

const causeText = (cause: unknown): string | undefined => (cause === undefined ? undefined : typeof cause === "string" ? cause : JSON.stringify(cause));

/** The states a state may hand over to: its Next, its choices' and default, its catchers'. */
function transitions(state: State): string[] {
    const named = [
        "Next" in state ? state.Next : undefined,
        ...("Choices" in state ? state.Choices.map((choice) => choice.Next) : []),
        "Default" in state ? state.Default : undefined,
        ...("Catch" in state ? (state.Catch ?? []).map((catcher) => catcher.Next) : []),
    ];
    return [...new Set(named.filter((name): name is string => name !== undefined))];
}

/**
 * The local engine: a definition in which the state runs first and each state it may hand over to is a
 * Succeed state (validated as the full definition it is cut from), so the execution ends as the state hands over, naming the next state and the
 * output it passes on. A mocked error is thrown on the first call and on each of the
 * `retrierRetryCount` retries AWS would already have made; a call after those is a retry the
 * engine makes: RETRIABLE.
 */
export const localEngine: Engine = async (run) => {
    const full = engineDefinition(run.definition);
    const state = full.States[run.stateName];
    const standIns = Object.fromEntries(transitions(state).map((name): [string, State] => [name, { Type: "Succeed" } as unknown as State]));
    const definition = { ...full, StartAt: run.stateName, States: { ...standIns, [run.stateName]: state } };
    let calls = 0;
    const mock = run.mock;
    const handler = (): Json => {
        calls++;
        if (mock === undefined) {
            throw new Error(`${run.stateName} was called with no mock`);
        }
        if ("result" in mock) {
            return structuredClone(mock.result);
        }
        if (calls <= run.retrierRetryCount + 1) {
            const failure = new Error(mock.errorOutput.cause);
            failure.name = mock.errorOutput.error;
            throw failure;
        }
        return {};
    };
    const machine = engineStateMachine(definition, full);
    const execution = machine.run(run.input, {
        overrides: { taskResourceLocalHandlers: { [run.stateName]: handler }, retryIntervalOverrides: { [run.stateName]: 0 } },
    });
    const events: LocalEvent[] = [];
    const logged = (async () => {
        for await (const event of execution.eventLogs) {
            events.push(event as LocalEvent);
        }
    })();
    let output: Json | undefined;
    try {
        output = await execution.result;
    } catch {
        output = undefined;
    }
    await logged;
    const retries = events.filter((e) => e.type === "StateRetried" && e.state?.name === run.stateName);
    const failed = [...events].reverse().find((e) => e.type === "StateFailed" && e.state?.name === run.stateName);
    const retry = retries[run.retrierRetryCount]?.retry;
    if (mock !== undefined && "errorOutput" in mock && retry !== undefined) {
        return {
            status: "RETRIABLE",
            error: mock.errorOutput.error,
            cause: mock.errorOutput.cause,
            retryBackoffIntervalSeconds: backoffSeconds(retry.retrier, retry.attempt - 1),
        };
    }
    const next = events.find((e) => e.type === "StateEntered" && e.state?.name !== run.stateName);
    const caught = events.some((e) => e.type === "StateCaught" && e.state?.name === run.stateName);
    if (next !== undefined) {
        return {
            status: caught ? "CAUGHT_ERROR" : "SUCCEEDED",
            nextState: next.state!.name,
            output: next.state!.input as Json,
            ...(caught && failed !== undefined ? { error: failed.Error, cause: causeText(failed.Cause) } : {}),
        };
    }
    const end = events.find((e) => e.type === "ExecutionFailed");
    if (end !== undefined) {
        return { status: "FAILED", error: end.Error, cause: causeText(end.Cause) };
    }
    return { status: "SUCCEEDED", output };
};
