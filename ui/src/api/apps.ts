/**
 * The calls that manage apps imported from OpenAPI documents: import, export and delete.
 *
 * They behave like {@link ApiClient}'s: bearer token, a 401 tells the session, and every failure
 * raises an {@link ApiError} with the server's message.
 */

import { API_BASE, ApiError, type ClientOptions, queryString } from "./client";
import type { ErrorBody } from "./types";

/** What `POST /apps/import` answers: `version` counts the imports of this name (1, 2, …). */
export interface ImportedApp {
  name: string;
  title: string;
  version: number;
  actions: number;
  warnings: string[];
}

/** What `GET /apps/{name}/export` answers: the stored app spec and its import version. */
export interface AppExport {
  name: string;
  version: number;
  source_url: string;
  spec: Record<string, unknown>;
}

/** The content type for a document's text: JSON when it starts like JSON, else YAML. */
export function documentContentType(text: string): string {
  const first = text.trimStart()[0];
  return first === "{" || first === "[" ? "application/json" : "application/yaml";
}

async function apiErrorFrom(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => "");
  try {
    const body = JSON.parse(text) as Partial<ErrorBody>;
    if (typeof body.message === "string") {
      return new ApiError(response.status, { error: body.error ?? "error", message: body.message });
    }
  } catch {
    // Not JSON (a proxy, a crashed server): fall through to the status line.
  }
  const message = `${response.status} ${response.statusText || "error"}${text ? `: ${text.slice(0, 200)}` : ""}`;
  return new ApiError(response.status, { error: "http", message });
}

export class AppsApi {
  private readonly fetchImpl: typeof fetch;
  private readonly options: ClientOptions;

  constructor(options: ClientOptions) {
    this.options = options;
    this.fetchImpl = options.fetch ?? ((...args) => globalThis.fetch(...args));
  }

  private async send(path: string, init: RequestInit, query?: Record<string, string | undefined>): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set("Accept", "application/json");
    const token = this.options.getToken();
    if (token) headers.set("Authorization", `Bearer ${token}`);
    let response: Response;
    try {
      response = await this.fetchImpl(`${API_BASE}${path}${queryString(query)}`, { ...init, headers });
    } catch (err) {
      const message = `cannot reach the server: ${err instanceof Error ? err.message : String(err)}`;
      throw new ApiError(0, { error: "network", message });
    }
    if (response.status === 401) this.options.onUnauthorized?.();
    if (!response.ok) throw await apiErrorFrom(response);
    return response;
  }

  /** Import `text` (an OpenAPI 3.x or Swagger 2.0 document) as the app `name`, or as named by its title. */
  async importApp(text: string, name?: string): Promise<ImportedApp> {
    const init = { method: "POST", body: text, headers: { "Content-Type": documentContentType(text) } };
    const response = await this.send("/apps/import", init, { name: name?.trim() || undefined });
    return (await response.json()) as ImportedApp;
  }

  async exportApp(name: string): Promise<AppExport> {
    const response = await this.send(`/apps/${encodeURIComponent(name)}/export`, { method: "GET" });
    return (await response.json()) as AppExport;
  }

  /** Delete an imported app (the server refuses built-in and package apps with a 409). */
  async deleteApp(name: string): Promise<void> {
    await this.send(`/apps/${encodeURIComponent(name)}`, { method: "DELETE" });
  }
}
