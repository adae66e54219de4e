/** Import a native YAML or JSON workflow, from a file or pasted text. */

import { useState } from "react";

import type { Workflow } from "../api/types";
import { useApi } from "../app/context";
import { ErrorBox } from "../components/Feedback";
import { Modal } from "../components/Modal";

export function ImportDialog({ onClose, onImported }: { onClose: () => void; onImported: (wf: Workflow) => void }) {
  const api = useApi();
  const [text, setText] = useState("");
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const readFile = async (file: File | undefined) => {
    if (file) setText(await file.text());
  };
  const submit = async () => {
    setBusy(true);
    setError(null);
    try {
      onImported(await api.importWorkflow(text));
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      title="Import a workflow"
      onClose={onClose}
      testId="import-dialog"
      wide
      footer={
        <>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button
            type="button"
            className="primary"
            disabled={!text.trim() || busy}
            onClick={() => void submit()}
            data-testid="import-submit"
          >
            Import
          </button>
        </>
      }
    >
      <label>
        File (.yaml, .yml or .json)
        <input
          type="file"
          accept=".yaml,.yml,.json,text/yaml,application/json"
          onChange={(e) => void readFile(e.target.files?.[0])}
          data-testid="import-file"
        />
      </label>
      <label>
        Or paste the document
        <textarea
          className="code"
          rows={16}
          value={text}
          onChange={(e) => setText(e.target.value)}
          spellCheck={false}
          data-testid="import-text"
        />
      </label>
      {error ? <ErrorBox error={error} title="The server refused this document" /> : null}
    </Modal>
  );
}
