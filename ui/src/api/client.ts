/**
 * A small typed client for the REST API.
 *
 * Every failed call raises {@link ApiError} carrying the API's `error` type, `message` and
 * `problems`, so screens show what the server said. A 401 also tells the session listener,
 * which signs the user out.
 */

import type { WorkflowDefinition } from "../graph/types";
import type {
  App,
  Credential,
  CredentialTest,
  ErrorBody,
  Execution,
  ExecutionFilters,
  ExecutionSummary,
  Hook,
  LoginResult,
  Page,
  Problem,
  Revision,
  RevisionSummary,
  User,
  ValidationResult,
  Workflow,
  WorkflowSummary,
} from "./types";

export const API_BASE = "/api/v1";

/** An error answered by the API (or a network failure, with type `network`). */
export class ApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly problems: Problem[];

  constructor(status: number, body: ErrorBody) {
    super(body.message);
    this.name = "ApiError";
    this.status = status;
    this.type = body.error;
    this.problems = body.problems ?? [];
  }
}

type Fetch = typeof fetch;

export interface ClientOptions {
  fetch?: Fetch;
  getToken: () => string | null;
  onUnauthorized?: () => void;
}

interface RequestOptions {
  method?: string;
  json?: unknown;
  text?: string;
  contentType?: string;
  query?: Record<string, string | number | undefined | null>;
  raw?: boolean;
}

/** Build `?a=1&b=2` from the defined, non-empty values. */
export function queryString(query: RequestOptions["query"]): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : "";
}

async function errorFrom(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>;
    if (typeof body.message === "string") {
      return new ApiError(response.status, {
        error: body.error ?? "error",
        message: body.message,
        problems: body.problems ?? [],
      });
    }
  } catch {
    // Not JSON: a proxy or a crashed server; fall through to a generic message.
  }
  const message = `${response.status} ${response.statusText || "error"}${text ? `: ${text.slice(0, 200)}` : ""}`;
  return new ApiError(response.status, { error: "http", message });
}

/** The API client; one instance per session. */
export class ApiClient {
  private readonly fetchImpl: Fetch;
  private readonly options: ClientOptions;

  constructor(options: ClientOptions) {
    this.options = options;
    this.fetchImpl = options.fetch ?? ((...args) => globalThis.fetch(...args));
  }

  private headers(options: RequestOptions): Headers {
    const headers = new Headers({ Accept: "application/json" });
    const token = this.options.getToken();
    if (token) headers.set("Authorization", `Bearer ${token}`);
    if (options.json !== undefined) headers.set("Content-Type", "application/json");
    if (options.text !== undefined) headers.set("Content-Type", options.contentType ?? "text/plain");
    return headers;
  }

  private async send(path: string, options: RequestOptions = {}): Promise<Response> {
    const init: RequestInit = { method: options.method ?? "GET", headers: this.headers(options) };
    if (options.json !== undefined) init.body = JSON.stringify(options.json);
    if (options.text !== undefined) init.body = options.text;
    let response: Response;
    try {
      response = await this.fetchImpl(`${API_BASE}${path}${queryString(options.query)}`, init);
    } catch (err) {
      const message = `cannot reach the server: ${err instanceof Error ? err.message : String(err)}`;
      throw new ApiError(0, { error: "network", message });
    }
    if (response.status === 401) this.options.onUnauthorized?.();
    if (!response.ok) throw await errorFrom(response);
    return response;
  }

  private async json<T>(path: string, options: RequestOptions = {}): Promise<T> {
    const response = await this.send(path, options);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  // --- session ---------------------------------------------------------------------------
  login(username: string, password: string): Promise<LoginResult> {
    return this.json("/auth/login", { method: "POST", json: { username, password } });
  }
  async logout(): Promise<void> {
    await this.send("/auth/logout", { method: "POST" });
  }
  me(): Promise<User> {
    return this.json("/auth/me");
  }

  // --- workflows -------------------------------------------------------------------------
  listWorkflows(q = "", cursor?: string | null, limit = 50): Promise<Page<WorkflowSummary>> {
    return this.json("/workflows", { query: { q, cursor, limit } });
  }
  getWorkflow(id: string): Promise<Workflow> {
    return this.json(`/workflows/${encodeURIComponent(id)}`);
  }
  createWorkflow(definition: WorkflowDefinition, message?: string): Promise<Workflow> {
    return this.json("/workflows", { method: "POST", json: { definition, message } });
  }
  importWorkflow(text: string): Promise<Workflow> {
    const contentType = text.trimStart().startsWith("{") ? "application/json" : "text/yaml";
    return this.json("/workflows/import", { method: "POST", text, contentType });
  }
  saveWorkflow(id: string, definition: WorkflowDefinition, message?: string): Promise<Workflow> {
    const path = `/workflows/${encodeURIComponent(id)}`;
    return this.json(path, { method: "PUT", json: { definition, message } });
  }
  setWorkflowEnabled(id: string, enabled: boolean): Promise<Workflow> {
    return this.json(`/workflows/${encodeURIComponent(id)}`, { method: "PATCH", json: { enabled } });
  }
  async deleteWorkflow(id: string): Promise<void> {
    await this.send(`/workflows/${encodeURIComponent(id)}`, { method: "DELETE" });
  }
  async exportWorkflow(id: string, format: "yaml" | "json"): Promise<string> {
    const path = `/workflows/${encodeURIComponent(id)}/export`;
    return (await this.send(path, { query: { format } })).text();
  }
  listRevisions(id: string): Promise<{ items: RevisionSummary[] }> {
    return this.json(`/workflows/${encodeURIComponent(id)}/revisions`);
  }
  getRevision(id: string, revision: number): Promise<Revision> {
    return this.json(`/workflows/${encodeURIComponent(id)}/revisions/${revision}`);
  }
  restoreRevision(id: string, revision: number): Promise<Workflow> {
    const path = `/workflows/${encodeURIComponent(id)}/revisions/${revision}/restore`;
    return this.json(path, { method: "POST" });
  }
  validateWorkflow(definition: WorkflowDefinition): Promise<ValidationResult> {
    return this.json("/workflows/validate", { method: "POST", json: { definition } });
  }
  runWorkflow(id: string, input: unknown): Promise<{ execution_id: string }> {
    const path = `/workflows/${encodeURIComponent(id)}/run`;
    return this.json(path, { method: "POST", json: { input } });
  }

  // --- executions ------------------------------------------------------------------------
  listExecutions(filters: ExecutionFilters, cursor?: string | null, limit = 50): Promise<Page<ExecutionSummary>> {
    return this.json("/executions", { query: { ...filters, cursor, limit } });
  }
  getExecution(id: string): Promise<Execution> {
    return this.json(`/executions/${encodeURIComponent(id)}`);
  }
  cancelExecution(id: string): Promise<ExecutionSummary> {
    return this.json(`/executions/${encodeURIComponent(id)}/cancel`, { method: "POST" });
  }
  rerunExecution(id: string, fromStep?: string): Promise<{ execution_id: string }> {
    const json = fromStep ? { from_step: fromStep } : {};
    return this.json(`/executions/${encodeURIComponent(id)}/rerun`, { method: "POST", json });
  }

  // --- apps, credentials, hooks, schedules -----------------------------------------------
  listApps(): Promise<{ items: App[] }> {
    return this.json("/apps");
  }
  listCredentials(): Promise<{ items: Credential[] }> {
    return this.json("/credentials");
  }
  createCredential(name: string, app: string, fields: Record<string, unknown>): Promise<Credential> {
    return this.json("/credentials", { method: "POST", json: { name, app, fields } });
  }
  updateCredential(name: string, fields: Record<string, unknown>): Promise<Credential> {
    const path = `/credentials/${encodeURIComponent(name)}`;
    return this.json(path, { method: "PUT", json: { fields } });
  }
  async deleteCredential(name: string): Promise<void> {
    await this.send(`/credentials/${encodeURIComponent(name)}`, { method: "DELETE" });
  }
  testCredential(name: string): Promise<CredentialTest> {
    return this.json(`/credentials/${encodeURIComponent(name)}/test`, { method: "POST" });
  }
  listHooks(): Promise<{ items: Hook[] }> {
    return this.json("/hooks");
  }
  previewSchedule(cron: string, timezone = "UTC", count = 5): Promise<{ times: string[] }> {
    return this.json("/schedules/preview", { query: { cron, timezone, count } });
  }

  /** The URL of the server-sent events stream (EventSource cannot send headers). */
  eventsUrl(): string {
    return `${API_BASE}/events${queryString({ token: this.options.getToken() })}`;
  }
}

/** A message to show for any thrown value. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
