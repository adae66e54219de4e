/** Run the workflow with test input, then open the execution. */

import { useState } from "react";
import { useNavigate } from "react-router";

import { useApi } from "../../app/context";
import { ErrorBox } from "../../components/Feedback";
import { Modal } from "../../components/Modal";

interface RunDialogProps {
  workflowId: string;
  initialInput: unknown;
  dirty: boolean;
  onSave: () => Promise<boolean>;
  onClose: () => void;
}

export function RunDialog({ workflowId, initialInput, dirty, onSave, onClose }: RunDialogProps) {
  const api = useApi();
  const navigate = useNavigate();
  const [text, setText] = useState(() => JSON.stringify(initialInput ?? {}, null, 2));
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  let parseError: string | null = null;
  try {
    JSON.parse(text);
  } catch (err) {
    parseError = err instanceof Error ? err.message : String(err);
  }
  const run = async () => {
    setBusy(true);
    setError(null);
    try {
      if (dirty && !(await onSave())) {
        setError(new Error("The workflow could not be saved; fix the problems first."));
        return;
      }
      const { execution_id } = await api.runWorkflow(workflowId, JSON.parse(text) as unknown);
      onClose();
      navigate(`/executions/${execution_id}`, { state: { fromDesigner: true } });
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      title="Run with test input"
      onClose={onClose}
      testId="run-dialog"
      wide
      footer={
        <>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="primary"
            disabled={busy || parseError !== null}
            onClick={() => void run()}
            data-testid="run-submit"
          >
            {dirty ? "Save and run" : "Run"}
          </button>
        </>
      }
    >
      <label htmlFor="run-input">Input (the trigger payload, JSON)</label>
      <textarea
        id="run-input"
        className="code"
        rows={14}
        value={text}
        spellCheck={false}
        onChange={(e) => setText(e.target.value)}
        data-testid="run-input"
        aria-invalid={parseError ? true : undefined}
      />
      {parseError ? <div className="field-error">invalid JSON: {parseError}</div> : null}
      {error ? <ErrorBox error={error} /> : null}
    </Modal>
  );
}
