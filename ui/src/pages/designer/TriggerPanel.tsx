/**
 * The side panel of a selected trigger: the webhook's URL and a curl command to test it, its
 * secret and HMAC settings; a schedule's cron with its next five run times; a manual trigger's
 * test input.
 */

import { useQuery } from "@tanstack/react-query";
import { useDeferredValue, useState } from "react";

import type { Credential, Hook } from "../../api/types";
import { useApi } from "../../app/context";
import { absoluteUrl, curlCommand } from "../../app/webhook";
import { CopyButton } from "../../components/CopyButton";
import { Field } from "../../components/Field";
import { Time } from "../../components/Status";
import type { DesignerAction } from "../../graph/designer";
import { updateTrigger } from "../../graph/editing";
import { triggerNodeId } from "../../graph/ids";
import type { ScheduleTrigger, Trigger, WebhookTrigger, WorkflowDefinition } from "../../graph/types";
import { JsonEditor } from "./JsonEditor";

interface TriggerPanelProps {
  trigger: Trigger;
  def: WorkflowDefinition;
  hooks: Hook[];
  credentials: Credential[];
  dispatch: (action: DesignerAction) => void;
  errorsFor: (field: string) => string[];
  onRun: () => void;
}

function WebhookSettings({
  trigger,
  hooks,
  credentials,
  patch,
  errorsFor,
}: {
  trigger: WebhookTrigger;
  hooks: Hook[];
  credentials: Credential[];
  patch: (p: Partial<WebhookTrigger>, group?: string) => void;
  errorsFor: (f: string) => string[];
}) {
  const hook = hooks.find((h) => h.trigger_id === trigger.id);
  return (
    <>
      {hook ? (
        <div className="webhook-url">
          <label htmlFor="webhook-url">Webhook URL</label>
          <div className="copy-row">
            <input id="webhook-url" readOnly value={absoluteUrl(hook.url)} data-testid="webhook-url" />
            <CopyButton text={absoluteUrl(hook.url)} testId="copy-webhook-url" />
          </div>
          <label>Test it with curl</label>
          <pre className="code-block" data-testid="webhook-curl">
            {curlCommand(hook.url, trigger)}
          </pre>
          <CopyButton text={curlCommand(hook.url, trigger)} label="Copy curl" testId="copy-curl" />
          {!hook.enabled ? <p className="muted">This hook is disabled (the workflow or the trigger is off).</p> : null}
        </div>
      ) : (
        <p className="muted" data-testid="webhook-unsaved">
          Save the workflow to get this webhook's URL.
        </p>
      )}
      <Field
        label="Secret header"
        htmlFor="secret-header"
        path="secret_header"
        errors={errorsFor("secret_header")}
        hint="Header that must carry the shared secret, for example X-Threatflow-Secret"
      >
        <input
          id="secret-header"
          value={trigger.secret_header ?? ""}
          onChange={(e) => patch({ secret_header: e.target.value || null }, "secret_header")}
          data-testid="secret-header"
        />
      </Field>
      <Field
        label="Secret credential"
        htmlFor="secret-credential"
        path="secret_credential"
        errors={errorsFor("secret_credential")}
        hint="Credential whose field 'secret' holds the shared secret (also the HMAC key)"
      >
        <select
          id="secret-credential"
          value={trigger.secret_credential ?? ""}
          onChange={(e) => patch({ secret_credential: e.target.value || null })}
          data-testid="secret-credential"
        >
          <option value="">(none)</option>
          {credentials.map((c) => (
            <option key={c.name} value={c.name}>
              {c.name} ({c.app})
            </option>
          ))}
        </select>
      </Field>
      <Field
        label="HMAC header"
        htmlFor="hmac-header"
        path="hmac_header"
        errors={errorsFor("hmac_header")}
        hint="Header carrying the hex HMAC-SHA256 of the body ('sha256=' prefix allowed)"
      >
        <input
          id="hmac-header"
          value={trigger.hmac_header ?? ""}
          onChange={(e) => patch({ hmac_header: e.target.value || null }, "hmac_header")}
          data-testid="hmac-header"
        />
      </Field>
    </>
  );
}

function SchedulePreview({ cron, timezone }: { cron: string; timezone: string }) {
  const api = useApi();
  const deferred = useDeferredValue(`${cron}\n${timezone}`);
  const [c, tz] = deferred.split("\n") as [string, string];
  const preview = useQuery({
    queryKey: ["cron", c, tz],
    queryFn: () => api.previewSchedule(c, tz, 5),
    enabled: c.trim() !== "",
    retry: false,
  });
  if (preview.isError)
    return (
      <div className="field-error" data-testid="cron-error">
        {preview.error.message}
      </div>
    );
  if (!preview.data) return null;
  return (
    <div data-testid="cron-preview">
      <span className="muted small-text">Next runs:</span>
      <ol className="next-runs">
        {preview.data.times.map((t) => (
          <li key={t}>
            <Time value={t} />
          </li>
        ))}
      </ol>
    </div>
  );
}

function ScheduleSettings({
  trigger,
  patch,
  errorsFor,
}: {
  trigger: ScheduleTrigger;
  patch: (p: Partial<ScheduleTrigger>, group?: string) => void;
  errorsFor: (f: string) => string[];
}) {
  return (
    <>
      <Field
        label="Cron"
        htmlFor="cron"
        path="cron"
        required
        errors={errorsFor("cron")}
        hint="minute hour day-of-month month day-of-week, for example */5 * * * *"
      >
        <input
          id="cron"
          className="code"
          value={trigger.cron}
          onChange={(e) => patch({ cron: e.target.value }, "cron")}
          data-testid="cron"
        />
      </Field>
      <Field label="Time zone" htmlFor="timezone" path="timezone" errors={errorsFor("timezone")}>
        <input
          id="timezone"
          value={trigger.timezone ?? "UTC"}
          onChange={(e) => patch({ timezone: e.target.value }, "timezone")}
          data-testid="timezone"
        />
      </Field>
      <SchedulePreview cron={trigger.cron} timezone={trigger.timezone ?? "UTC"} />
      <JsonEditor
        label="Input of each run"
        id="schedule-input"
        value={trigger.input ?? {}}
        onChange={(v) => patch({ input: v as Record<string, unknown> }, "input")}
        testId="schedule-input"
        errors={errorsFor("input")}
      />
    </>
  );
}

export function TriggerPanel({ trigger, def, hooks, credentials, dispatch, errorsFor, onRun }: TriggerPanelProps) {
  const [name, setName] = useState(trigger.name ?? "");
  const patch = (changes: Partial<Trigger>, group?: string) =>
    dispatch({
      type: "edit",
      def: updateTrigger(def, trigger.id, changes),
      ...(group ? { group: `trigger.${trigger.id}.${group}` } : {}),
    });
  return (
    <div className="panel-body" data-testid="trigger-panel">
      <header className="panel-header">
        <div>
          <h2>{trigger.name || trigger.id}</h2>
          <div className="muted small-text">{trigger.type} trigger</div>
        </div>
        <button
          type="button"
          className="danger small"
          onClick={() => dispatch({ type: "delete", ids: [triggerNodeId(trigger.id)] })}
          data-testid="delete-trigger"
        >
          Delete trigger
        </button>
      </header>
      <Field label="Display name" htmlFor="trigger-name" path="name">
        <input
          id="trigger-name"
          value={name}
          onChange={(e) => {
            setName(e.target.value);
            patch({ name: e.target.value }, "name");
          }}
          data-testid="trigger-name"
        />
      </Field>
      <label className="inline">
        <input
          type="checkbox"
          checked={trigger.enabled !== false}
          onChange={(e) => patch({ enabled: e.target.checked })}
          data-testid="trigger-enabled"
        />{" "}
        Enabled
      </label>
      {trigger.type === "webhook" ? (
        <WebhookSettings
          trigger={trigger}
          hooks={hooks}
          credentials={credentials}
          patch={patch}
          errorsFor={errorsFor}
        />
      ) : null}
      {trigger.type === "schedule" ? <ScheduleSettings trigger={trigger} patch={patch} errorsFor={errorsFor} /> : null}
      {trigger.type === "manual" ? (
        <p>
          Runs when started by hand.{" "}
          <button type="button" className="primary small" onClick={onRun} data-testid="trigger-run">
            Run with test input…
          </button>
        </p>
      ) : null}
    </div>
  );
}
