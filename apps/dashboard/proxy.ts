import { NextResponse, type NextRequest } from "next/server";
import { accessEnv } from "./env";
import { sameOrigin } from "./lib/login-limit";
import { roleFromSession, SESSION_COOKIE } from "./lib/session";

/**
 * Every page and server action needs a session when tokens are configured; without one, pages
 * redirect to /login and other requests (server action POSTs) get 401. Server actions check the
 * role again themselves: the proxy decides who may look, the actions who may change things.
 */
export function proxy(req: NextRequest) {
  const isLogin = req.nextUrl.pathname === "/login";
  // A state-changing request (server actions are POSTs) from another origin is refused outright.
  if (req.method !== "GET" && req.method !== "HEAD" && !sameOrigin(req.headers.get("origin"), req.headers.get("x-forwarded-host") ?? req.headers.get("host"))) {
    return new NextResponse("cross-origin request refused", { status: 403 });
  }
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
