import { NextResponse, type NextRequest } from "next/server";
import { accessEnv } from "./env";
import { roleFromSession, SESSION_COOKIE } from "./lib/session";

/**
 * Every page and server action needs a session when tokens are configured; without one, pages
 * redirect to /login and other requests (server action POSTs) get 401. Server actions check the
 * role again themselves: the proxy decides who may look, the actions who may change things.
 */
export function proxy(req: NextRequest) {
  if (roleFromSession(req.cookies.get(SESSION_COOKIE)?.value, accessEnv())) return NextResponse.next();
  if (req.method !== "GET" && req.method !== "HEAD") return new NextResponse("login required", { status: 401 });
  const url = req.nextUrl.clone();
  url.pathname = "/login";
  url.search = "";
  url.searchParams.set("next", req.nextUrl.pathname + req.nextUrl.search);
  return NextResponse.redirect(url);
}

export const config = {
  // Static assets and the login page itself stay reachable.
  matcher: ["/((?!_next/static|_next/image|favicon.ico|login).*)"],
};
