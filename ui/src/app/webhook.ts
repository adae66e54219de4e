/** What the trigger panel shows for a webhook: its full URL and a curl command to test it. */

import type { WebhookTrigger } from "../graph/types";

/** A hook URL as the browser can call it (the server may answer a path). */
export function absoluteUrl(url: string, origin = globalThis.location?.origin ?? ""): string {
  return url.startsWith("/") ? `${origin}${url}` : url;
}

/** The curl command that fires a webhook with a sample body and the configured headers. */
export function curlCommand(url: string, trigger: WebhookTrigger): string {
  const lines = [`curl -X POST '${absoluteUrl(url)}'`, `  -H 'Content-Type: application/json'`];
  if (trigger.secret_header) lines.push(`  -H '${trigger.secret_header}: <secret>'`);
  if (trigger.hmac_header) lines.push(`  -H '${trigger.hmac_header}: sha256=<hex HMAC-SHA256 of the body>'`);
  lines.push(`  -d '{"rule_id": "5710", "srcip": "203.0.113.7"}'`);
  return lines.join(" \\\n");
}
