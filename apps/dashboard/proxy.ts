import { NextResponse, type NextRequest } from "next/server";
import { accessEnv } from "./env";
import { apiErrorBody, apiRole, bearerToken, clientKey } from "./lib/api-auth";
import { loginAllowed, recordLoginFailure, sameOrigin } from "./lib/login-limit";
import { roleFromSession, SESSION_COOKIE } from "./lib/session";

/**
 * The JSON API answers JSON, never a redirect to /login: 401 without a valid session or bearer
 * token. A wrong bearer token counts as a failed login of its client (LOGIN_FAILURES_PER_MINUTE,
 * as for the login form), so the API is no faster a way to guess tokens; a limited client gets 429.
 */
function apiGate(req: NextRequest): NextResponse {
  const env = accessEnv();
  const cookie = req.cookies.get(SESSION_COOKIE)?.value;
  const authorization = req.headers.get("authorization");
  const unauthorized = (message: string) =>
    NextResponse.json(apiErrorBody("unauthorized", message), { status: 401, headers: { "www-authenticate": 'Bearer realm="automl"' } });
  if (roleFromSession(cookie, env)) return NextResponse.next();
  if (bearerToken(authorization) === null) return unauthorized("send the dashboard's admin or viewer token as Authorization: Bearer <token>");
  const client = clientKey(req.headers);
  if (!loginAllowed(client)) return NextResponse.json(apiErrorBody("too_many_failures", "too many failed logins from here: try again in a minute"), { status: 429, headers: { "retry-after": "60" } });
  if (apiRole(authorization, undefined, env)) return NextResponse.next();
  recordLoginFailure(client);
  return unauthorized("that token is not valid");
}

/**
 * Every page and server action needs a session when tokens are configured; without one, pages
 * redirect to /login and other requests (server action POSTs) get 401. Server actions check the
 * role again themselves: the proxy decides who may look, the actions who may change things.
 */
export function proxy(req: NextRequest) {
  const isLogin = req.nextUrl.pathname === "/login";
  const isApi = req.nextUrl.pathname === "/api" || req.nextUrl.pathname.startsWith("/api/");
  // A state-changing request (server actions are POSTs) from another origin is refused outright.
  if (req.method !== "GET" && req.method !== "HEAD" && !sameOrigin(req.headers.get("origin"), req.headers.get("x-forwarded-host") ?? req.headers.get("host"))) {
    return new NextResponse("cross-origin request refused", { status: 403 });
  }
  if (isApi) return apiGate(req);
  if (isLogin || roleFromSession(req.cookies.get(SESSION_COOKIE)?.value, accessEnv())) return NextResponse.next();
  if (req.method !== "GET" && req.method !== "HEAD") return new NextResponse("login required", { status: 401 });
  const url = req.nextUrl.clone();
  url.pathname = "/login";
  url.search = "";
  url.searchParams.set("next", req.nextUrl.pathname + req.nextUrl.search);
  return NextResponse.redirect(url);
}

export const config = {
  // Static assets stay reachable; the login page passes too (its action checks origin and rate itself).
  matcher: ["/((?!_next/static|_next/image|favicon.ico).*)"],
};
