import type { NextRequest } from "next/server";
import { apiTrials, parseTrialsQuery } from "../../../../../../lib/api";
import { apiError, apiHandler, apiJson } from "../../../../../../lib/api-route";
import { getDb } from "../../../../../../lib/db";

export const dynamic = "force-dynamic";

/** GET /api/v1/studies/{id}/trials?status=&sort=&limit=&cursor= — one page of trials (docs/api.md). */
export function GET(req: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  return apiHandler(async () => {
    const { id } = await params;
    const page = await apiTrials(getDb(), id, parseTrialsQuery(id, req.nextUrl.searchParams));
    return page ? apiJson(page) : apiError(404, "not_found", `study ${id} not found`);
  });
}
