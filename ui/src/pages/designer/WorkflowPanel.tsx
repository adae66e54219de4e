/** Settings of the workflow itself, shown when nothing is selected. */

import { Field } from "../../components/Field";
import type { DesignerAction } from "../../graph/designer";
import type { WorkflowDefinition } from "../../graph/types";
import { JsonEditor } from "./JsonEditor";

interface WorkflowPanelProps {
  def: WorkflowDefinition;
  dispatch: (action: DesignerAction) => void;
  errorsFor: (field: string) => string[];
}

export function WorkflowPanel({ def, dispatch, errorsFor }: WorkflowPanelProps) {
  const patch = (changes: Partial<WorkflowDefinition>, group?: string) =>
    dispatch({ type: "edit", def: { ...def, ...changes }, ...(group ? { group: `workflow.${group}` } : {}) });
  return (
    <div className="panel-body" data-testid="workflow-panel">
      <header className="panel-header">
        <h2>Workflow</h2>
      </header>
      <p className="muted small-text">
        Select a node or an edge to edit it. Drag actions from the palette; connect a node's bottom handle to another's
        top.
      </p>
      <Field label="Name" htmlFor="wf-name" path="name" required errors={errorsFor("name")}>
        <input
          id="wf-name"
          value={def.name}
          onChange={(e) => patch({ name: e.target.value }, "name")}
          data-testid="workflow-name"
        />
      </Field>
      <Field label="Description" htmlFor="wf-description" path="description" errors={errorsFor("description")}>
        <textarea
          id="wf-description"
          rows={3}
          value={def.description ?? ""}
          onChange={(e) => patch({ description: e.target.value }, "description")}
          data-testid="workflow-description"
        />
      </Field>
      <Field label="Tags" htmlFor="wf-tags" path="tags" hint="Comma separated" errors={errorsFor("tags")}>
        <input
          id="wf-tags"
          value={(def.tags ?? []).join(", ")}
          onChange={(e) =>
            patch(
              {
                tags: e.target.value
                  .split(",")
                  .map((t) => t.trim())
                  .filter(Boolean),
              },
              "tags",
            )
          }
          data-testid="workflow-tags"
        />
      </Field>
      <Field
        label="Timeout (s)"
        htmlFor="wf-timeout"
        path="timeout"
        hint="Longest run of one execution"
        errors={errorsFor("timeout")}
      >
        <input
          id="wf-timeout"
          type="number"
          min={1}
          value={def.timeout ?? 3600}
          onChange={(e) => patch({ timeout: e.target.valueAsNumber || 3600 }, "timeout")}
          data-testid="workflow-timeout"
        />
      </Field>
      <JsonEditor
        id="vars"
        label="Variables (vars)"
        value={def.vars ?? {}}
        onChange={(v) => patch({ vars: v as Record<string, unknown> }, "vars")}
        testId="workflow-vars"
        errors={errorsFor("vars")}
        hint="Constants for expressions: vars.<name>"
      />
      <JsonEditor
        id="input_schema"
        label="Input schema"
        value={def.input_schema ?? {}}
        onChange={(v) =>
          patch(
            { input_schema: v && Object.keys(v as object).length ? (v as Record<string, unknown>) : null },
            "input_schema",
          )
        }
        testId="workflow-input-schema"
        errors={errorsFor("input_schema")}
        hint="JSON Schema the trigger payload must match (empty: any)"
      />
    </div>
  );
}
