import type { NextRequest } from "next/server";
import { apiError, apiHandler } from "../../../lib/api-route";

export const dynamic = "force-dynamic";

/** Any other path under /api: a JSON 404 (API clients should not get the HTML not-found page). */
export function GET(req: NextRequest) {
  return apiHandler(async () => apiError(404, "not_found", `no endpoint ${req.nextUrl.pathname} (docs/api.md lists them)`));
}
