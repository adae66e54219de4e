import { describe, expect, it, vi } from "vitest";

import { AppsApi, documentContentType } from "./apps";
import { ApiError } from "./client";

interface Call {
  url: string;
  init: RequestInit;
}

function appsApi(response: () => Response, token: string | null = "tok") {
  const calls: Call[] = [];
  const onUnauthorized = vi.fn();
  const fetchImpl = async (url: RequestInfo | URL, init?: RequestInit) => {
    calls.push({ url: String(url), init: init ?? {} });
    return response();
  };
  const api = new AppsApi({ fetch: fetchImpl as typeof fetch, getToken: () => token, onUnauthorized });
  return { api, calls, onUnauthorized };
}

const json = (status: number, body: unknown) => () =>
  new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });

const IMPORTED = { name: "tiny", title: "Tiny", version: 1, actions: 2, warnings: [] };

describe("AppsApi", () => {
  it("posts the raw document with its content type, the token and the optional name", async () => {
    const { api, calls } = appsApi(json(201, IMPORTED));
    await expect(api.importApp("openapi: 3.0.0\n", "  my app ")).resolves.toEqual(IMPORTED);
    await api.importApp('{"openapi": "3.0.0"}', "   ");
    expect(calls[0]?.url).toBe("/api/v1/apps/import?name=my+app");
    expect(calls[0]?.init.method).toBe("POST");
    expect(calls[0]?.init.body).toBe("openapi: 3.0.0\n");
    const headers = new Headers(calls[0]?.init.headers);
    expect(headers.get("Authorization")).toBe("Bearer tok");
    expect(headers.get("Content-Type")).toBe("application/yaml");
    expect(calls[1]?.url).toBe("/api/v1/apps/import");
    expect(new Headers(calls[1]?.init.headers).get("Content-Type")).toBe("application/json");
  });

  it("raises the server's message for a document that is not OpenAPI", async () => {
    const body = {
      error: "invalid_input",
      message: "not an OpenAPI document: no 'openapi' or 'swagger' version field",
    };
    const { api } = appsApi(json(400, body));
    const error = await api.importApp("hello: world").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 400, type: "invalid_input", message: body.message });
  });

  it("deletes and exports by encoded name, and reports a 401 to the session", async () => {
    const deleted = appsApi(() => new Response(null, { status: 204 }));
    await expect(deleted.api.deleteApp("a/b")).resolves.toBeUndefined();
    expect(deleted.calls[0]).toMatchObject({ url: "/api/v1/apps/a%2Fb", init: { method: "DELETE" } });
    const exported = appsApi(json(200, { name: "tiny", version: 3, source_url: "", spec: {} }));
    await expect(exported.api.exportApp("tiny")).resolves.toMatchObject({ version: 3 });
    expect(exported.calls[0]?.url).toBe("/api/v1/apps/tiny/export");
    const expired = appsApi(json(401, { error: "unauthorized", message: "token expired" }));
    await expect(expired.api.deleteApp("tiny")).rejects.toThrow("token expired");
    expect(expired.onUnauthorized).toHaveBeenCalledOnce();
  });

  it("explains answers that are not JSON and network failures", async () => {
    const { api } = appsApi(() => new Response("Bad gateway", { status: 502, statusText: "Bad Gateway" }));
    await expect(api.exportApp("x")).rejects.toThrow("502 Bad Gateway: Bad gateway");
    const offline = new AppsApi({
      fetch: (async () => {
        throw new TypeError("Failed to fetch");
      }) as typeof fetch,
      getToken: () => null,
    });
    await expect(offline.deleteApp("x")).rejects.toMatchObject({ type: "network", status: 0 });
  });

  it("sends JSON-looking text as JSON and anything else as YAML", () => {
    expect(documentContentType('  \n{"openapi": "3.1.0"}')).toBe("application/json");
    expect(documentContentType("[]")).toBe("application/json");
    expect(documentContentType("swagger: '2.0'")).toBe("application/yaml");
    expect(documentContentType("")).toBe("application/yaml");
  });
});
