/** Shapes of the REST API `/api/v1` (see docs/api.md). */

import type { WorkflowDefinition } from "../graph/types";

export interface User {
  id: string;
  username: string;
  is_admin: boolean;
}

export interface LoginResult {
  token: string;
  user: User;
}

export interface Problem {
  path: string;
  message: string;
  code?: string;
}

export interface ErrorBody {
  error: string;
  message: string;
  problems?: Problem[];
}

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export interface WorkflowSummary {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  revision: number;
  tags: string[];
  triggers: { id: string; type: string }[];
  step_count: number;
  created_at: string;
  updated_at: string;
}

export interface Hook {
  hook_id: string;
  trigger_id: string;
  url: string;
  enabled: boolean;
  workflow_id?: string;
}

export interface Workflow extends WorkflowSummary {
  definition: WorkflowDefinition;
  hooks: Hook[];
}

export interface RevisionSummary {
  revision: number;
  created_at: string;
  created_by: string | null;
  message: string | null;
}

export interface Revision extends RevisionSummary {
  definition: WorkflowDefinition;
}

export interface ValidationResult {
  valid: boolean;
  problems: Problem[];
}

export const EXECUTION_STATUSES = ["queued", "running", "waiting", "succeeded", "failed", "cancelled"] as const;
export type ExecutionStatus = (typeof EXECUTION_STATUSES)[number];

export const EXECUTION_SOURCES = ["webhook", "schedule", "manual", "api"] as const;
export type ExecutionSource = (typeof EXECUTION_SOURCES)[number];

export type StepStatus = "pending" | "running" | "waiting" | "succeeded" | "failed" | "skipped" | "cancelled";

export interface ExecutionSummary {
  id: string;
  workflow_id: string;
  workflow_name: string;
  revision: number;
  status: ExecutionStatus;
  source: ExecutionSource;
  trigger_id: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
  error: string | null;
}

export interface StepError {
  type: string;
  message: string;
  retryable: boolean;
}

export interface StepRun {
  step_id: string;
  attempt: number;
  status: StepStatus;
  input: unknown;
  output: unknown;
  output_truncated: boolean;
  error: StepError | null;
  started_at: string | null;
  finished_at: string | null;
  duration_ms: number | null;
}

export interface Execution extends ExecutionSummary {
  payload: unknown;
  result: unknown;
  definition: WorkflowDefinition;
  steps: StepRun[];
}

export interface StepEvent {
  execution_id: string;
  step_id: string;
  status: StepStatus;
  attempt: number;
  started_at: string | null;
  finished_at: string | null;
}

export interface CredentialField {
  name: string;
  title: string;
  secret: boolean;
  required: boolean;
  default: unknown;
  description: string;
}

export interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  default?: unknown;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  $ref?: string;
  $defs?: Record<string, JsonSchema>;
  additionalProperties?: boolean | JsonSchema;
  minimum?: number;
  maximum?: number;
  examples?: unknown[];
  [key: string]: unknown;
}

export interface AppAction {
  name: string;
  title: string;
  description: string;
  docs_url: string;
  params_schema: JsonSchema;
}

export interface App {
  name: string;
  title: string;
  category: string;
  description: string;
  docs_url: string;
  version: string;
  source: string;
  credential_fields: CredentialField[];
  actions: AppAction[];
}

export interface Credential {
  name: string;
  app: string;
  fields: Record<string, unknown>;
  created_at: string;
  updated_at: string;
}

export interface CredentialTest {
  ok: boolean;
  message: string;
}

export interface ExecutionFilters {
  status?: string;
  workflow_id?: string;
  source?: string;
  since?: string;
  until?: string;
}

/** The value the API shows instead of a stored secret; sending it back keeps the secret. */
export const MASKED = "********";
