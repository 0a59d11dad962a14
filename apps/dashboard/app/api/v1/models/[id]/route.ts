import { NextResponse, type NextRequest } from "next/server";
import { parseModelFormat } from "../../../../../lib/api";
import { apiError, apiHandler } from "../../../../../lib/api-route";
import { getDb } from "../../../../../lib/db";
import { modelDownload } from "../../../../../lib/models";

export const dynamic = "force-dynamic";

/**
 * GET /api/v1/models/{id}?format=json|onnx — a model's file as an attachment, served only when its
 * bytes hash to the id (docs/api.md).
 */
export function GET(req: NextRequest, { params }: { params: Promise<{ id: string }> }) {
  return apiHandler(async () => {
    const format = parseModelFormat(req.nextUrl.searchParams);
    const { id } = await params;
    const r = await modelDownload(getDb(), id, format);
    if (!r.ok) return apiError(r.status, r.code, r.message);
    return new NextResponse(new Blob([r.body as Uint8Array<ArrayBuffer>]), {
      status: 200,
      headers: {
        "content-type": r.contentType,
        "content-disposition": `attachment; filename="${r.filename}"`,
        // The JSON's bytes are the model; the ONNX file is derived from them.
        "x-model-id": r.id,
        "x-content-type-options": "nosniff",
        "cache-control": "no-store",
      },
    });
  });
}
