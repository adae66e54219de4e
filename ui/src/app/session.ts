/**
 * The signed-in session: the API token kept in localStorage so that a reload keeps the user
 * signed in, with a tiny subscription so React re-renders on sign-in and sign-out.
 */

import type { User } from "../api/types";

const TOKEN_KEY = "threatflow.token";
const USER_KEY = "threatflow.user";

export interface Session {
  token: string | null;
  user: User | null;
}

type Listener = () => void;

function readUser(): User | null {
  try {
    const text = localStorage.getItem(USER_KEY);
    return text ? (JSON.parse(text) as User) : null;
  } catch {
    return null;
  }
}

let current: Session = { token: localStorage.getItem(TOKEN_KEY), user: readUser() };
const listeners = new Set<Listener>();

function emit(): void {
  for (const listener of listeners) listener();
}

export const session = {
  get(): Session {
    return current;
  },
  token(): string | null {
    return current.token;
  },
  subscribe(listener: Listener): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
  signIn(token: string, user: User): void {
    localStorage.setItem(TOKEN_KEY, token);
    localStorage.setItem(USER_KEY, JSON.stringify(user));
    current = { token, user };
    emit();
  },
  setUser(user: User): void {
    localStorage.setItem(USER_KEY, JSON.stringify(user));
    current = { ...current, user };
    emit();
  },
  signOut(): void {
    if (!current.token && !current.user) return;
    localStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(USER_KEY);
    current = { token: null, user: null };
    emit();
  },
};
