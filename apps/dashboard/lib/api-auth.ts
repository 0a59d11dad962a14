// Who may read the JSON API (/api/v1/…): the session cookie the pages use, or the same admin and
// viewer tokens sent as `Authorization: Bearer <token>` by scripts. Both roles may read; with no
// token configured the dashboard, and so the API, is open. No "server-only": the proxy uses it.
import type { AccessEnv } from "../env";
import { roleForToken, roleFromSession, type Role } from "./session";

/** The token of an `Authorization: Bearer <token>` header; null without one (or another scheme). */
export function bearerToken(authorization: string | null): string | null {
  const m = /^Bearer +(\S+) *$/i.exec(authorization ?? "");
  return m ? m[1]! : null;
}

/** The role of an API request: a valid session cookie's, else a valid bearer token's, else null (open: admin). */
export function apiRole(authorization: string | null, sessionCookie: string | undefined, env: AccessEnv): Role | null {
  const fromSession = roleFromSession(sessionCookie, env);
  if (fromSession) return fromSession;
  const token = bearerToken(authorization);
  return token === null ? null : roleForToken(token, env);
}

/** The client a failed token counts against: the address the proxy in front gives, else one key for direct clients. */
export function clientKey(headers: Headers): string {
  return headers.get("x-forwarded-for")?.split(",")[0]?.trim() || headers.get("x-real-ip") || "direct";
}

/** The API's error body: `{ "error": { "code", "message" } }`, never HTML. */
export function apiErrorBody(code: string, message: string) {
  return { error: { code, message } };
}
