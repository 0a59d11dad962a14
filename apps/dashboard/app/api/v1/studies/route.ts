import type { NextRequest } from "next/server";
import { apiStudies, parseStudiesQuery } from "../../../../lib/api";
import { apiHandler, apiJson } from "../../../../lib/api-route";
import { getDb } from "../../../../lib/db";

export const dynamic = "force-dynamic";

/** GET /api/v1/studies?status=&limit=&cursor= — studies newest first (docs/api.md). */
export function GET(req: NextRequest) {
  return apiHandler(async () => apiJson(await apiStudies(getDb(), parseStudiesQuery(req.nextUrl.searchParams))));
}
