// Token login. With neither token configured the dashboard is open and everyone is admin (the
// embedded, loopback-only use). Otherwise a login exchanges a token for a session cookie
// `<role>.<expiry>.<hmac>`; the HMAC key is derived from both tokens, so rotating a token logs
// everybody out and a viewer cannot mint an admin session. Node crypto: the proxy runs on Node.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { AccessEnv } from "../env";

export type Role = "admin" | "viewer";
export const SESSION_COOKIE = "automl_session";
export const SESSION_TTL_S = 12 * 3600;

export function isOpen(env: AccessEnv): boolean {
  return !env.AUTOML_DASHBOARD_ADMIN_TOKEN && !env.AUTOML_DASHBOARD_VIEWER_TOKEN;
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/** Constant-time comparison of two strings of any length (compares their hashes). */
function same(a: string, b: string): boolean {
  return timingSafeEqual(digest(a), digest(b));
}

export function roleForToken(token: string, env: AccessEnv): Role | null {
  if (env.AUTOML_DASHBOARD_ADMIN_TOKEN && same(token, env.AUTOML_DASHBOARD_ADMIN_TOKEN)) return "admin";
  if (env.AUTOML_DASHBOARD_VIEWER_TOKEN && same(token, env.AUTOML_DASHBOARD_VIEWER_TOKEN)) return "viewer";
  return null;
}

function mac(payload: string, env: AccessEnv): string {
  const key = `automl-dashboard-session\0${env.AUTOML_DASHBOARD_ADMIN_TOKEN ?? ""}\0${env.AUTOML_DASHBOARD_VIEWER_TOKEN ?? ""}`;
  return createHmac("sha256", key).update(payload).digest("base64url");
}

export function signSession(role: Role, env: AccessEnv, nowS = Math.floor(Date.now() / 1000)): string {
  const payload = `${role}.${nowS + SESSION_TTL_S}`;
  return `${payload}.${mac(payload, env)}`;
}

/** The role a request has: admin when open, else the verified, unexpired cookie's role, else null. */
export function roleFromSession(cookie: string | undefined, env: AccessEnv, nowS = Math.floor(Date.now() / 1000)): Role | null {
  if (isOpen(env)) return "admin";
  if (!cookie) return null;
  const [role, exp, sig] = cookie.split(".");
  if ((role !== "admin" && role !== "viewer") || !exp || !sig) return null;
  if (!same(sig, mac(`${role}.${exp}`, env))) return null;
  if (!(Number(exp) > nowS)) return null;
  return role;
}
