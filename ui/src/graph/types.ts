/**
 * The native workflow format, version 1, as TypeScript types.
 *
 * Mirrors `src/threatflow/engine/model.py`. Fields with defaults on the server are optional
 * here because documents are stored without their default values.
 */

export interface Position {
  x: number;
  y: number;
}

export type TriggerType = "webhook" | "schedule" | "manual";

export interface TriggerBase {
  id: string;
  type: TriggerType;
  name?: string;
  enabled?: boolean;
  position?: Position | null;
}

export interface WebhookTrigger extends TriggerBase {
  type: "webhook";
  secret_header?: string | null;
  secret_credential?: string | null;
  hmac_header?: string | null;
}

export interface ScheduleTrigger extends TriggerBase {
  type: "schedule";
  cron: string;
  timezone?: string;
  input?: Record<string, unknown>;
}

export interface ManualTrigger extends TriggerBase {
  type: "manual";
}

export type Trigger = WebhookTrigger | ScheduleTrigger | ManualTrigger;

export type EdgeKind = "success" | "failure" | "always";

export interface Need {
  step: string;
  on?: EdgeKind;
}

export interface Retry {
  attempts?: number;
  backoff?: number;
  factor?: number;
  max_backoff?: number;
  jitter?: number;
  on?: string[];
}

export interface Foreach {
  items: unknown;
  concurrency?: number;
}

export interface Step {
  id: string;
  name?: string;
  description?: string;
  app: string;
  action: string;
  params?: Record<string, unknown>;
  needs?: (string | Need)[];
  join?: "all" | "any";
  when?: string | null;
  foreach?: Foreach | null;
  retry?: Retry;
  timeout?: number | null;
  on_error?: "fail" | "continue";
  credential?: string | null;
  position?: Position | null;
}

export interface WorkflowDefinition {
  format?: 1;
  name: string;
  description?: string;
  tags?: string[];
  triggers?: Trigger[];
  input_schema?: Record<string, unknown> | null;
  vars?: Record<string, unknown>;
  steps?: Step[];
  timeout?: number;
  output?: unknown;
}

/** Identifiers of steps and triggers, as the server checks them. */
export const ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The `needs` list of a step with plain ids turned into success edges. */
export function edgesOf(step: Step): Required<Need>[] {
  return (step.needs ?? []).map((need) =>
    typeof need === "string" ? { step: need, on: "success" } : { step: need.step, on: need.on ?? "success" },
  );
}

/** Write a needs list back in its shortest form: plain ids for success edges. */
export function compactNeeds(needs: Required<Need>[]): (string | Need)[] {
  return needs.map((need) => (need.on === "success" ? need.step : { step: need.step, on: need.on }));
}
