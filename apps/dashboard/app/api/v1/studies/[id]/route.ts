import { apiStudy } from "../../../../../lib/api";
import { studyResourceGet } from "../../../../../lib/api-route";

export const dynamic = "force-dynamic";

/** GET /api/v1/studies/{id} — one study with its study file (docs/api.md). */
export const GET = studyResourceGet(async (db, id) => {
  const study = await apiStudy(db, id);
  return study && { study };
});
