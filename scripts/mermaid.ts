/**
 * Renders a state machine definition as a Mermaid flowchart. Pure, so the README's diagram is
 * generated from the same builder the program deploys, and a test can tell when it is stale.
 */
import type { State, StateMachineDefinition } from "../model/workflow";

export const DIAGRAM_START = "<!-- diagram:start (npm run diagram) -->";
export const DIAGRAM_END = "<!-- diagram:end -->";

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
                lines.push(`  ${id(name)} -->|"${choice.Variable} ≤ ${choice.NumericLessThanEquals}"| ${id(choice.Next)}`);
            }
            lines.push(`  ${id(name)} -->|otherwise| ${id(state.Default)}`);
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
export function diagramBlock(definition: StateMachineDefinition): string {
    return `${DIAGRAM_START}\n\`\`\`mermaid\n${renderMermaid(definition)}\n\`\`\`\n${DIAGRAM_END}`;
}

/** Replaces the block between the markers; throws when the markers are missing. */
export function replaceDiagram(readme: string, definition: StateMachineDefinition): string {
    const start = readme.indexOf(DIAGRAM_START);
    const end = readme.indexOf(DIAGRAM_END);
    if (start < 0 || end < start) {
        throw new Error(`README.md must contain the markers ${DIAGRAM_START} and ${DIAGRAM_END}`);
    }
    return readme.slice(0, start) + diagramBlock(definition) + readme.slice(end + DIAGRAM_END.length);
}
