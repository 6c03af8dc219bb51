/**
 * Renders a state machine definition as a Mermaid flowchart. Pure, so the README's diagram is
 * generated from the same builder the program deploys, and a test can tell when it is stale.
 */
import type { Condition, State, StateMachineDefinition } from "../../model/workflow";

/** The README's markers around the diagram called `name`. */
export const diagramMarkers = (name: string) => ({
    start: `<!-- diagram:${name}:start (npm run diagram) -->`,
    end: `<!-- diagram:${name}:end -->`,
});

function node(id: string, name: string, state: State): string {
    switch (state.Type) {
        case "Task":
            return `${id}["${name}"]`;
        case "Choice":
            return `${id}{"${name}"}`;
        case "Pass":
            return `${id}(["${name}"])`;
        case "Fail":
            return `${id}[["${name} (Fail)"]]`;
    }
}

/** A Choice rule in words; quotes become Mermaid's #quot; so the label stays one string. */
export function describeCondition(condition: Condition): string {
    if ("Not" in condition) {
        return `not ${describeCondition(condition.Not)}`;
    }
    const text =
        "NumericLessThanEquals" in condition
            ? `${condition.Variable} ≤ ${condition.NumericLessThanEquals}`
            : "NumericLessThan" in condition
              ? `${condition.Variable} < ${condition.NumericLessThan}`
              : "StringMatches" in condition
                ? `${condition.Variable} matches ${condition.StringMatches}`
                : `${condition.Variable} is ${condition.IsPresent ? "present" : "absent"}`;
    return text.replaceAll('"', "#quot;");
}

export function renderMermaid(definition: StateMachineDefinition): string {
    const names = Object.keys(definition.States);
    const ids = new Map(names.map((name, i) => [name, `s${i}`]));
    const id = (name: string) => ids.get(name) ?? name;
    const lines = ["flowchart TD", "  start((start))"];
    for (const name of names) {
        lines.push(`  ${node(id(name), name, definition.States[name])}`);
    }
    lines.push(`  start --> ${id(definition.StartAt)}`);
    for (const name of names) {
        const state = definition.States[name];
        if (state.Type === "Choice") {
            for (const choice of state.Choices) {
                lines.push(`  ${id(name)} -->|"${describeCondition(choice)}"| ${id(choice.Next)}`);
            }
            lines.push(`  ${id(name)} -->|otherwise| ${id(state.Default)}`);
        } else if (state.Type === "Pass" && state.Next !== undefined) {
            lines.push(`  ${id(name)} --> ${id(state.Next)}`);
        } else if (state.Type === "Task") {
            lines.push(`  ${id(name)} --> ${id(state.Next)}`);
            for (const catcher of state.Catch ?? []) {
                lines.push(`  ${id(name)} -.->|"${catcher.ErrorEquals.join(", ")}"| ${id(catcher.Next)}`);
            }
        }
    }
    return lines.join("\n");
}

/** The README block: the markers around a fenced mermaid diagram. */
export function diagramBlock(name: string, definition: StateMachineDefinition): string {
    const { start, end } = diagramMarkers(name);
    return `${start}\n\`\`\`mermaid\n${renderMermaid(definition)}\n\`\`\`\n${end}`;
}

/** The README's current block called `name`, markers included; throws when the markers are missing. */
export function currentDiagram(readme: string, name: string): { from: number; to: number } {
    const { start, end } = diagramMarkers(name);
    const from = readme.indexOf(start);
    const at = readme.indexOf(end);
    if (from < 0 || at < from) {
        throw new Error(`the document must contain the markers ${start} and ${end}, in that order`);
    }
    return { from, to: at + end.length };
}

/** Replaces the block called `name`. */
export function replaceDiagram(readme: string, name: string, definition: StateMachineDefinition): string {
    const { from, to } = currentDiagram(readme, name);
    return readme.slice(0, from) + diagramBlock(name, definition) + readme.slice(to);
}
