import { describe, expect, it, vi } from "vitest";

import { ApiClient, ApiError, queryString } from "./client";

interface Call {
  url: string;
  init: RequestInit;
}

function client(response: () => Response, token: string | null = "tok") {
  const calls: Call[] = [];
  const onUnauthorized = vi.fn();
  const fetchImpl = async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return response();
  };
  const api = new ApiClient({ fetch: fetchImpl as typeof fetch, getToken: () => token, onUnauthorized });
  return { api, calls, onUnauthorized };
}

const json = (status: number, body: unknown) => () =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

describe("ApiClient", () => {
  it("sends the bearer token and JSON bodies", async () => {
    const { api, calls } = client(json(200, { id: "w1" }));
    await api.saveWorkflow("w/1", { name: "x" }, "note");
    const call = calls[0];
    expect(call?.url).toBe("/api/v1/workflows/w%2F1");
    expect(call?.init.method).toBe("PUT");
    const headers = new Headers(call?.init.headers);
    expect(headers.get("Authorization")).toBe("Bearer tok");
    expect(headers.get("Content-Type")).toBe("application/json");
    expect(JSON.parse(String(call?.init.body))).toEqual({ definition: { name: "x" }, message: "note" });
  });

  it("turns the API's error body into an ApiError with its problems", async () => {
    const body = {
      error: "workflow_invalid",
      message: "workflow has 1 problem(s)",
      problems: [{ path: "steps[0].params.title", message: "required", code: "missing" }],
    };
    const { api } = client(json(422, body));
    const error = await api.validateWorkflow({ name: "x" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 422, type: "workflow_invalid", message: "workflow has 1 problem(s)" });
    expect((error as ApiError).problems).toHaveLength(1);
  });

  it("reports a 401 to the session and still raises", async () => {
    const { api, onUnauthorized } = client(json(401, { error: "unauthorized", message: "token expired" }));
    await expect(api.me()).rejects.toThrow("token expired");
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it("explains answers that are not JSON and network failures", async () => {
    const { api } = client(() => new Response("Bad gateway", { status: 502, statusText: "Bad Gateway" }));
    await expect(api.listApps()).rejects.toThrow("502 Bad Gateway: Bad gateway");
    const offline = new ApiClient({
      fetch: (async () => {
        throw new TypeError("Failed to fetch");
      }) as typeof fetch,
      getToken: () => null,
    });
    await expect(offline.listApps()).rejects.toMatchObject({ type: "network", status: 0 });
  });

  it("passes filters and cursors as query parameters, leaving empty ones out", async () => {
    const { api, calls } = client(json(200, { items: [], next_cursor: null }));
    await api.listExecutions({ status: "failed", workflow_id: "", since: "2026-01-01T00:00:00.000Z" }, "c2", 50);
    expect(calls[0]?.url).toBe(
      "/api/v1/executions?status=failed&since=2026-01-01T00%3A00%3A00.000Z&cursor=c2&limit=50",
    );
    expect(queryString({ a: undefined, b: null, c: "" })).toBe("");
  });

  it("imports YAML or JSON with the matching content type", async () => {
    const { api, calls } = client(json(201, { id: "w" }));
    await api.importWorkflow("name: x\n");
    await api.importWorkflow('{"name": "x"}');
    expect(new Headers(calls[0]?.init.headers).get("Content-Type")).toBe("text/yaml");
    expect(new Headers(calls[1]?.init.headers).get("Content-Type")).toBe("application/json");
    expect(calls[0]?.init.body).toBe("name: x\n");
  });

  it("returns nothing for 204 and text for exports", async () => {
    const { api } = client(() => new Response(null, { status: 204 }));
    await expect(api.deleteWorkflow("w")).resolves.toBeUndefined();
    const exporter = client(() => new Response("format: 1\n", { status: 200 }));
    await expect(exporter.api.exportWorkflow("w", "yaml")).resolves.toBe("format: 1\n");
    expect(exporter.calls[0]?.url).toBe("/api/v1/workflows/w/export?format=yaml");
  });

  it("puts the token in the events URL, since EventSource sends no headers", () => {
    expect(client(json(200, {}), "a b").api.eventsUrl()).toBe("/api/v1/events?token=a+b");
  });
});
