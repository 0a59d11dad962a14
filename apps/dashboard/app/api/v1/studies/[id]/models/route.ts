import type { NextRequest } from "next/server";
import { BadRequest } from "../../../../../../lib/api";
import { apiError, apiHandler, apiJson } from "../../../../../../lib/api-route";
import { getDb } from "../../../../../../lib/db";
import { apiStudyModels } from "../../../../../../lib/models";

export const dynamic = "force-dynamic";

/** GET /api/v1/studies/{id}/models — the study's models, newest first, with their download URLs (docs/api.md). */
export function GET(req: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  return apiHandler(async () => {
    const [first] = req.nextUrl.searchParams.keys();
    if (first !== undefined) throw new BadRequest(`${first}: unknown query parameter (this endpoint takes none)`);
    const { id } = await params;
    const page = await apiStudyModels(getDb(), id);
    return page ? apiJson(page) : apiError(404, "not_found", `study ${id} not found`);
  });
}
