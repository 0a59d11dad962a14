import type { NextRequest } from "next/server";
import { apiStudy, BadRequest } from "../../../../../lib/api";
import { apiError, apiHandler, apiJson } from "../../../../../lib/api-route";
import { getDb } from "../../../../../lib/db";

export const dynamic = "force-dynamic";

/** GET /api/v1/studies/{id} — one study with its study file (docs/api.md). */
export function GET(req: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  return apiHandler(async () => {
    const [first] = req.nextUrl.searchParams.keys();
    if (first !== undefined) throw new BadRequest(`${first}: unknown query parameter (this endpoint takes none)`);
    const { id } = await params;
    const study = await apiStudy(getDb(), id);
    return study ? apiJson({ study }) : apiError(404, "not_found", `study ${id} not found`);
  });
}
