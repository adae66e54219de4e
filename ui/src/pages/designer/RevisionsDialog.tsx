/** Revisions of a workflow: who saved what when, with a view of each and a restore button. */

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";

import type { Workflow } from "../../api/types";
import { useApi } from "../../app/context";
import { useNotify } from "../../app/toasts";
import { ErrorBox, Loading } from "../../components/Feedback";
import { Modal } from "../../components/Modal";
import { Time } from "../../components/Status";
import { definitionToText } from "../../graph/document";

interface RevisionsDialogProps {
  workflow: Workflow;
  dirty: boolean;
  onClose: () => void;
  onRestored: (workflow: Workflow) => void;
}

function RevisionView({ workflowId, revision }: { workflowId: string; revision: number }) {
  const api = useApi();
  const query = useQuery({
    queryKey: ["revision", workflowId, revision],
    queryFn: () => api.getRevision(workflowId, revision),
  });
  if (query.isPending) return <Loading />;
  if (query.isError) return <ErrorBox error={query.error} />;
  return (
    <pre className="code-block revision-text" data-testid="revision-text">
      {definitionToText(query.data.definition, "yaml")}
    </pre>
  );
}

export function RevisionsDialog({ workflow, dirty, onClose, onRestored }: RevisionsDialogProps) {
  const api = useApi();
  const notify = useNotify();
  const [viewing, setViewing] = useState<number | null>(null);
  const [busy, setBusy] = useState(false);
  const revisions = useQuery({ queryKey: ["revisions", workflow.id], queryFn: () => api.listRevisions(workflow.id) });
  const restore = async (revision: number) => {
    if (dirty && !window.confirm("Restoring discards your unsaved changes. Continue?")) return;
    setBusy(true);
    try {
      const restored = await api.restoreRevision(workflow.id, revision);
      notify(`Restored revision ${revision} as revision ${restored.revision}`, "success");
      onRestored(restored);
    } catch (err) {
      notify(err instanceof Error ? err.message : String(err), "error");
    } finally {
      setBusy(false);
    }
  };
  const items = [...(revisions.data?.items ?? [])].sort((a, b) => b.revision - a.revision);
  return (
    <Modal title={`Revisions of ${workflow.name}`} onClose={onClose} testId="revisions-dialog" wide>
      {revisions.isPending ? <Loading /> : null}
      {revisions.isError ? <ErrorBox error={revisions.error} /> : null}
      <div className="revisions">
        <table className="table">
          <thead>
            <tr>
              <th>Revision</th>
              <th>Saved</th>
              <th>By</th>
              <th>Note</th>
              <th>
                <span className="sr-only">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {items.map((r) => (
              <tr
                key={r.revision}
                data-testid="revision-row"
                data-revision={r.revision}
                className={viewing === r.revision ? "selected" : undefined}
              >
                <td>
                  {r.revision}
                  {r.revision === workflow.revision ? <span className="tag">current</span> : null}
                </td>
                <td>
                  <Time value={r.created_at} />
                </td>
                <td>{r.created_by ?? "—"}</td>
                <td>{r.message ?? ""}</td>
                <td className="row-actions">
                  <button
                    type="button"
                    className="small"
                    onClick={() => setViewing(r.revision)}
                    data-testid="revision-view"
                  >
                    View
                  </button>
                  <button
                    type="button"
                    className="small"
                    disabled={busy || r.revision === workflow.revision}
                    onClick={() => void restore(r.revision)}
                    data-testid="revision-restore"
                  >
                    Restore
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {viewing !== null ? <RevisionView workflowId={workflow.id} revision={viewing} /> : null}
      </div>
    </Modal>
  );
}
