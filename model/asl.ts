/**
 * The Amazon States Language as this project writes it: the state types, their retriers and
 * catchers, and the definition. Generic in the state names, so a definition whose transitions
 * name a state it lacks does not compile. Imports nothing.
 */
export interface Retrier {
    ErrorEquals: string[];
    IntervalSeconds: number;
    MaxAttempts: number;
    BackoffRate: number;
}

export interface Catcher<N extends string = string> {
    ErrorEquals: string[];
    ResultPath: string;
    Next: N;
}

export interface TaskState<N extends string = string> {
    Type: "Task";
    Resource: string;
    Parameters?: Record<string, unknown>;
    TimeoutSeconds?: number;
    ResultSelector?: Record<string, string>;
    ResultPath?: string | null;
    Retry: Retrier[];
    Catch?: Catcher<N>[];
    Next: N;
}

/** The Choice rule comparisons this workflow uses. */
export type Condition =
    | { Variable: string; NumericLessThanEquals: number }
    | { Variable: string; NumericLessThan: number }
    | { Variable: string; StringMatches: string }
    | { Variable: string; IsPresent: boolean }
    | { Not: Condition };

export type ChoiceRule<N extends string = string> = Condition & { Next: N };

export interface ChoiceState<N extends string = string> {
    Type: "Choice";
    Choices: ChoiceRule<N>[];
    Default: N;
}

export interface PassState<N extends string = string> {
    Type: "Pass";
    Parameters?: Record<string, unknown>;
    ResultPath?: string;
    Next?: N;
    End?: true;
}

export interface FailState {
    Type: "Fail";
    ErrorPath: string;
    CausePath: string;
}

export type State<N extends string = string> = TaskState<N> | ChoiceState<N> | PassState<N> | FailState;

/** A definition whose transitions (`Next`, `Default`, `StartAt`) name only states of `N`. */
export interface StateMachineDefinition<N extends string = string> {
    Comment: string;
    StartAt: N;
    /** The execution's own timeout: past it, the execution ends TIMED_OUT. */
    TimeoutSeconds: number;
    States: Record<string, State<N>>;
}
