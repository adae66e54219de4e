/**
 * Live updates over server-sent events (`/api/v1/events?token=`). One stream per browser tab;
 * events mark the matching queries stale, batched so that a burst of step events costs one
 * refetch per execution rather than one per event.
 */

import { useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect, useState, useSyncExternalStore } from "react";

import type { ExecutionSummary, StepEvent } from "../api/types";
import { api } from "./context";

const KEEP_EXECUTIONS = 200;
const NO_EVENTS: readonly StepEvent[] = [];

/**
 * The latest step events of recent executions. The API stores a step run when an attempt
 * ends, so "running" and "waiting" are only known from these events.
 */
class LiveSteps {
  private byExecution = new Map<string, Map<string, StepEvent>>();
  private snapshots = new Map<string, readonly StepEvent[]>();
  private listeners = new Set<() => void>();

  add(event: StepEvent): void {
    const steps = new Map(this.byExecution.get(event.execution_id));
    steps.set(event.step_id, event);
    this.byExecution.delete(event.execution_id);
    this.byExecution.set(event.execution_id, steps);
    this.snapshots.set(event.execution_id, [...steps.values()]);
    for (const old of [...this.byExecution.keys()].slice(0, Math.max(0, this.byExecution.size - KEEP_EXECUTIONS))) {
      this.byExecution.delete(old);
      this.snapshots.delete(old);
    }
    for (const listener of this.listeners) listener();
  }

  get(executionId: string): readonly StepEvent[] {
    return this.snapshots.get(executionId) ?? NO_EVENTS;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };
}

export const liveSteps = new LiveSteps();

/** Step events received for one execution, newest per step. */
export function useLiveSteps(executionId: string): readonly StepEvent[] {
  return useSyncExternalStore(liveSteps.subscribe, () => liveSteps.get(executionId));
}

export type StreamState = "connecting" | "live" | "offline";

const FLUSH_MS = 700;

class Batcher {
  private executions = new Set<string>();
  private lists = false;
  private timer: number | null = null;

  constructor(private readonly client: QueryClient) {}

  execution(id: string): void {
    this.executions.add(id);
    this.schedule();
  }

  list(): void {
    this.lists = true;
    this.schedule();
  }

  private schedule(): void {
    if (this.timer === null) this.timer = window.setTimeout(() => this.flush(), FLUSH_MS);
  }

  flush(): void {
    this.timer = null;
    for (const id of this.executions) void this.client.invalidateQueries({ queryKey: ["execution", id] });
    if (this.lists) void this.client.invalidateQueries({ queryKey: ["executions"] });
    this.executions.clear();
    this.lists = false;
  }

  stop(): void {
    if (this.timer !== null) window.clearTimeout(this.timer);
  }
}

function parse<T>(event: MessageEvent<string>): T | null {
  try {
    return JSON.parse(event.data) as T;
  } catch {
    return null;
  }
}

/** Keep one event stream open while signed in; returns its state for the shell's indicator. */
export function useEventStream(token: string | null): StreamState {
  const client = useQueryClient();
  const [state, setState] = useState<StreamState>("connecting");
  useEffect(() => {
    if (!token || typeof EventSource === "undefined") return undefined;
    const batcher = new Batcher(client);
    const source = new EventSource(api.eventsUrl());
    source.onopen = () => setState("live");
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? "offline" : "connecting");
    source.addEventListener("execution", (event) => {
      const summary = parse<ExecutionSummary>(event as MessageEvent<string>);
      if (summary?.id) batcher.execution(summary.id);
      batcher.list();
    });
    source.addEventListener("step", (event) => {
      const step = parse<StepEvent>(event as MessageEvent<string>);
      if (!step?.execution_id) return;
      liveSteps.add(step);
      batcher.execution(step.execution_id);
    });
    return () => {
      source.close();
      batcher.stop();
    };
  }, [client, token]);
  return state;
}
