/** Credential forms: secret fields are write-only. */

import { MASKED, type App } from "../api/types";

/**
 * The fields to send for a credential form. Secret inputs start empty: on edit, an empty
 * secret is sent masked, which tells the server to keep the stored value. On create, empty
 * optional fields are left out so the app's defaults apply.
 */
export function credentialPayload(app: App, values: Record<string, string>, editing: boolean): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const field of app.credential_fields) {
    const value = values[field.name] ?? "";
    if (field.secret && editing && value === "") fields[field.name] = MASKED;
    else if (value !== "" || field.required || editing) fields[field.name] = value;
  }
  return fields;
}
