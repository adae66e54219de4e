/** Loads a workflow, the app catalog and the credentials, then opens the designer. */

import { useQuery } from "@tanstack/react-query";
import { ReactFlowProvider } from "@xyflow/react";
import { useParams } from "react-router";

import { useApi } from "../../app/context";
import { ErrorBox, Loading } from "../../components/Feedback";
import { Designer } from "./Designer";

export function DesignerPage() {
  const { id = "" } = useParams();
  const api = useApi();
  const workflow = useQuery({
    queryKey: ["workflow", id],
    queryFn: () => api.getWorkflow(id),
    staleTime: Infinity,
    gcTime: 0,
  });
  const apps = useQuery({ queryKey: ["apps"], queryFn: () => api.listApps(), staleTime: 300_000 });
  const credentials = useQuery({ queryKey: ["credentials"], queryFn: () => api.listCredentials() });
  const failed = workflow.error ?? apps.error;
  if (failed)
    return (
      <ErrorBox
        error={failed}
        title="Cannot open the designer"
        onRetry={() => void Promise.all([workflow.refetch(), apps.refetch()])}
      />
    );
  if (!workflow.data || !apps.data) return <Loading label="Opening the designer…" />;
  return (
    <ReactFlowProvider>
      <Designer
        key={workflow.data.id}
        initial={workflow.data}
        apps={apps.data.items}
        credentials={credentials.data?.items ?? []}
      />
    </ReactFlowProvider>
  );
}
