/** The session's client for importing, exporting and deleting OpenAPI apps. */

import { AppsApi } from "../../api/apps";
import { session } from "../../app/session";

const appsApi = new AppsApi({ getToken: session.token, onUnauthorized: session.signOut });

export function useAppsApi(): AppsApi {
  return appsApi;
}
