import { studyResourceGet } from "../../../../../../lib/api-route";
import { apiStudyModels } from "../../../../../../lib/models";

export const dynamic = "force-dynamic";

/** GET /api/v1/studies/{id}/models — the study's models, newest first, with their download URLs (docs/api.md). */
export const GET = studyResourceGet(apiStudyModels);
