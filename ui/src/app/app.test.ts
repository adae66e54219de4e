import { describe, expect, it } from "vitest";

import type { App } from "../api/types";
import { credentialPayload } from "./credentials";
import { absoluteUrl, curlCommand } from "./webhook";

const HIVE: App = {
  name: "thehive",
  title: "TheHive",
  category: "Case Management",
  description: "",
  docs_url: "",
  version: "1",
  source: "builtin",
  actions: [],
  credential_fields: [
    { name: "url", title: "URL", secret: false, required: true, default: null, description: "" },
    { name: "api_key", title: "API key", secret: true, required: true, default: null, description: "" },
    { name: "organisation", title: "Organisation", secret: false, required: false, default: null, description: "" },
  ],
};

describe("credential payloads", () => {
  it("sends what was typed when creating, without empty optional fields", () => {
    expect(credentialPayload(HIVE, { url: "http://hive", api_key: "k", organisation: "" }, false)).toEqual({
      url: "http://hive",
      api_key: "k",
    });
  });

  it("keeps a stored secret that was left empty on edit, and can clear other fields", () => {
    expect(credentialPayload(HIVE, { url: "http://new", api_key: "", organisation: "" }, true)).toEqual({
      url: "http://new",
      api_key: "********",
      organisation: "",
    });
    expect(credentialPayload(HIVE, { url: "u", api_key: "rotated" }, true).api_key).toBe("rotated");
  });
});

describe("webhook helpers", () => {
  it("makes paths absolute and leaves full URLs alone", () => {
    expect(absoluteUrl("/api/v1/hooks/abc", "http://soc:8000")).toBe("http://soc:8000/api/v1/hooks/abc");
    expect(absoluteUrl("https://x/api/v1/hooks/abc", "http://soc:8000")).toBe("https://x/api/v1/hooks/abc");
  });

  it("adds the secret and HMAC headers the trigger expects to the curl command", () => {
    const plain = curlCommand("http://h/api/v1/hooks/a", { id: "w", type: "webhook" });
    expect(plain).toContain("curl -X POST 'http://h/api/v1/hooks/a'");
    expect(plain).not.toContain("X-Secret");
    const signed = curlCommand("http://h/x", {
      id: "w",
      type: "webhook",
      secret_header: "X-Secret",
      hmac_header: "X-Sig",
    });
    expect(signed).toContain("-H 'X-Secret: <secret>'");
    expect(signed).toContain("-H 'X-Sig: sha256=");
  });
});
