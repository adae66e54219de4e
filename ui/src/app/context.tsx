/** The API client, the session and toasts, shared through React context. */

import { createContext, useContext, useSyncExternalStore } from "react";

import { ApiClient } from "../api/client";
import { session, type Session } from "./session";

export const api = new ApiClient({ getToken: session.token, onUnauthorized: session.signOut });

const ApiContext = createContext<ApiClient>(api);

export function useApi(): ApiClient {
  return useContext(ApiContext);
}

export function useSession(): Session {
  return useSyncExternalStore(session.subscribe, session.get);
}
