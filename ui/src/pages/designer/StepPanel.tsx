/** The side panel of a selected step: identity, credential, parameters, edges and condition. */

import { useMemo, useState } from "react";

import type { App, AppAction, Credential } from "../../api/types";
import { Field } from "../../components/Field";
import type { DesignerAction } from "../../graph/designer";
import { connect, removeEdges, renameStep, setEdgeKind, updateStep } from "../../graph/editing";
import { edgeId, stepNodeId } from "../../graph/ids";
import { fieldsFromSchema } from "../../graph/schemaForm";
import type { EdgeKind, Step, WorkflowDefinition } from "../../graph/types";
import { edgesOf, ID_PATTERN } from "../../graph/types";
import { ExpressionInput } from "./ExpressionInput";
import { ParamsForm } from "./ParamsForm";
import { StepSettings } from "./StepSettings";

export interface StepPanelProps {
  step: Step;
  def: WorkflowDefinition;
  app: App | null;
  action: AppAction | null;
  credentials: Credential[];
  dispatch: (action: DesignerAction) => void;
  errorsFor: (field: string) => string[];
  otherErrors: string[];
  context: Record<string, unknown>;
}

function IdField({ step, def, dispatch }: Pick<StepPanelProps, "step" | "def" | "dispatch">) {
  const [text, setText] = useState(step.id);
  const taken = (def.steps ?? []).some((s) => s.id === text && s !== step);
  const error = !ID_PATTERN.test(text)
    ? "letters, digits and _, not starting with a digit"
    : taken
      ? "another step has this id"
      : null;
  const commit = () => {
    if (error || text === step.id) return setText(step.id);
    dispatch({ type: "edit", def: renameStep(def, step.id, text), select: [stepNodeId(text)] });
  };
  return (
    <Field
      label="Step id"
      htmlFor="step-id"
      path="id"
      required
      errors={error ? [error] : []}
      hint={
        <>
          Used in expressions: <code>{`steps.${text}.result`}</code>
        </>
      }
    >
      <input
        id="step-id"
        value={text}
        onChange={(e) => setText(e.target.value)}
        onBlur={commit}
        onKeyDown={(e) => e.key === "Enter" && commit()}
        data-testid="step-id"
      />
    </Field>
  );
}

function NeedsEditor({
  step,
  def,
  dispatch,
  errors,
}: Pick<StepPanelProps, "step" | "def" | "dispatch"> & { errors: string[] }) {
  const needs = edgesOf(step);
  const target = stepNodeId(step.id);
  const candidates = (def.steps ?? []).filter((s) => s.id !== step.id && !needs.some((n) => n.step === s.id));
  const apply = (next: WorkflowDefinition) => dispatch({ type: "edit", def: next });
  return (
    <fieldset className="needs" data-testid="needs-editor">
      <legend>Runs after</legend>
      {!needs.length ? <p className="muted small-text">Nothing: this step starts when a trigger fires.</p> : null}
      {needs.map((need) => (
        <div key={need.step} className="need-row" data-testid={`need-${need.step}`}>
          <code>{need.step}</code>
          <select
            aria-label={`Edge from ${need.step}`}
            value={need.on}
            onChange={(e) => apply(setEdgeKind(def, edgeId(stepNodeId(need.step), target), e.target.value as EdgeKind))}
            data-testid={`need-kind-${need.step}`}
          >
            <option value="success">on success</option>
            <option value="failure">on failure (error edge)</option>
            <option value="always">always</option>
          </select>
          <button
            type="button"
            className="small"
            aria-label={`Remove edge from ${need.step}`}
            onClick={() => apply(removeEdges(def, [edgeId(stepNodeId(need.step), target)]))}
          >
            ×
          </button>
        </div>
      ))}
      {candidates.length ? (
        <select
          aria-label="Add an edge from"
          value=""
          onChange={(e) => e.target.value && apply(connect(def, stepNodeId(e.target.value), target))}
          data-testid="add-need"
        >
          <option value="">+ run after…</option>
          {candidates.map((s) => (
            <option key={s.id} value={s.id}>
              {s.id}
            </option>
          ))}
        </select>
      ) : null}
      {errors.map((message, i) => (
        <div key={i} className="field-error" role="alert" data-testid="field-error-needs">
          {message}
        </div>
      ))}
      {needs.length > 1 ? (
        <label className="inline">
          Wait for
          <select
            value={step.join ?? "all"}
            onChange={(e) => apply(updateStep(def, step.id, { join: e.target.value as "all" | "any" }))}
            data-testid="step-join"
          >
            <option value="all">all of them</option>
            <option value="any">any of them</option>
          </select>
        </label>
      ) : null}
    </fieldset>
  );
}

function CredentialPicker({
  step,
  app,
  credentials,
  onChange,
  errors,
}: {
  step: Step;
  app: App;
  credentials: Credential[];
  onChange: (name: string | null) => void;
  errors: string[];
}) {
  const own = credentials.filter((c) => c.app === app.name);
  return (
    <Field
      label="Credential"
      htmlFor="step-credential"
      path="credential"
      required={app.credential_fields.some((f) => f.required)}
      errors={errors}
      hint={
        own.length ? undefined : (
          <>
            No {app.title} credential yet: add one under <a href="/credentials">Credentials</a>.
          </>
        )
      }
    >
      <select
        id="step-credential"
        value={step.credential ?? ""}
        onChange={(e) => onChange(e.target.value || null)}
        data-testid="step-credential"
      >
        <option value="">(none)</option>
        {own.map((c) => (
          <option key={c.name} value={c.name}>
            {c.name}
          </option>
        ))}
        {step.credential && !own.some((c) => c.name === step.credential) ? (
          <option value={step.credential}>{step.credential} (missing)</option>
        ) : null}
      </select>
    </Field>
  );
}

export function StepPanel(props: StepPanelProps) {
  const { step, def, app, action, credentials, dispatch, errorsFor, otherErrors, context } = props;
  const fields = useMemo(() => fieldsFromSchema(action?.params_schema), [action]);
  const patch = (changes: Partial<Step>, group?: string) =>
    dispatch({ type: "edit", def: updateStep(def, step.id, changes), ...(group ? { group } : {}) });
  const setParam = (name: string, value: unknown) => {
    const params = { ...(step.params ?? {}) };
    if (value === undefined) delete params[name];
    else params[name] = value;
    patch({ params }, `${step.id}.params.${name}`);
  };
  return (
    <div className="panel-body" data-testid="step-panel">
      <header className="panel-header">
        <div>
          <h2>{step.name || step.id}</h2>
          <div className="muted small-text">
            {app ? `${app.title} · ${action?.title ?? step.action}` : `${step.app}.${step.action}`}{" "}
            {action?.docs_url || app?.docs_url ? (
              <a href={action?.docs_url || app?.docs_url} target="_blank" rel="noreferrer">
                docs
              </a>
            ) : null}
          </div>
        </div>
        <button
          type="button"
          className="danger small"
          onClick={() => dispatch({ type: "delete", ids: [stepNodeId(step.id)] })}
          data-testid="delete-step"
        >
          Delete step
        </button>
      </header>
      {!action ? (
        <div className="error-box">
          The action {step.app}.{step.action} is not installed on this server.
        </div>
      ) : null}
      {action?.description ? <p className="muted small-text">{action.description}</p> : null}
      {otherErrors.map((m, i) => (
        <div key={i} className="field-error" data-testid="step-error">
          {m}
        </div>
      ))}
      <IdField key={step.id} step={step} def={def} dispatch={dispatch} />
      <Field label="Display name" htmlFor="step-name" path="name">
        <input
          id="step-name"
          value={step.name ?? ""}
          onChange={(e) => patch({ name: e.target.value }, `${step.id}.name`)}
          data-testid="step-name"
        />
      </Field>
      {app?.credential_fields.length ? (
        <CredentialPicker
          step={step}
          app={app}
          credentials={credentials}
          onChange={(c) => patch({ credential: c })}
          errors={errorsFor("credential")}
        />
      ) : null}
      <h3>Parameters</h3>
      <ParamsForm
        stepId={step.id}
        fields={fields}
        params={step.params ?? {}}
        onChange={setParam}
        errorsFor={errorsFor}
        context={context}
      />
      <NeedsEditor step={step} def={def} dispatch={dispatch} errors={[...errorsFor("needs"), ...errorsFor("join")]} />
      <Field
        label="Condition (when)"
        htmlFor="step-when"
        path="when"
        errors={errorsFor("when")}
        hint="An expression; when false the step is skipped. Example: trigger.rule_id in ['5710']"
      >
        <ExpressionInput
          id="step-when"
          value={step.when ?? ""}
          onChange={(text) => patch({ when: text.trim() ? text : null }, `${step.id}.when`)}
          context={context}
          mode="expression"
          testId="step-when"
          invalid={errorsFor("when").length > 0}
        />
      </Field>
      <StepSettings step={step} onPatch={patch} errorsFor={errorsFor} context={context} />
    </div>
  );
}
