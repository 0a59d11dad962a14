import "server-only";
import { cookies, headers } from "next/headers";
import { NextResponse, type NextRequest } from "next/server";
import type { Db } from "@automl/db/client";
import { accessEnv } from "../env";
import { apiErrorBody, apiRole } from "./api-auth";
import { BadRequest } from "./api";
import { getDb } from "./db";
import { SESSION_COOKIE } from "./session";

const NO_STORE = { "cache-control": "no-store" };

export const apiJson = (body: unknown, status = 200) => NextResponse.json(body, { status, headers: NO_STORE });
export const apiError = (status: number, code: string, message: string) => NextResponse.json(apiErrorBody(code, message), { status, headers: NO_STORE });

/**
 * Runs an API handler: checks access again (the proxy already did; a handler never relies on it
 * alone), turns BadRequest into 400 and anything else into a 500 without details.
 */
export async function apiHandler(handle: () => Promise<NextResponse>): Promise<NextResponse> {
  const role = apiRole((await headers()).get("authorization"), (await cookies()).get(SESSION_COOKIE)?.value, accessEnv());
  if (!role) return apiError(401, "unauthorized", "send the dashboard's admin or viewer token as Authorization: Bearer <token>");
  try {
    return await handle();
  } catch (err) {
    if (err instanceof BadRequest) return apiError(400, "bad_request", err.message);
    console.error("api: request failed", err);
    return apiError(500, "internal", "the request failed; the dashboard's log has the details");
  }
}

/**
 * GET of one study's resource, `/api/v1/studies/{id}…`, which takes no query parameters: `load`
 * answers the body, or null when there is no such study (a 404).
 */
export function studyResourceGet(load: (db: Db, id: string) => Promise<object | null>) {
  return (req: NextRequest, { params }: { params: Promise<{ id: string }> }) =>
    apiHandler(async () => {
      const [first] = req.nextUrl.searchParams.keys();
      if (first !== undefined) throw new BadRequest(`${first}: unknown query parameter (this endpoint takes none)`);
      const { id } = await params;
      const body = await load(getDb(), id);
      return body ? apiJson(body) : apiError(404, "not_found", `study ${id} not found`);
    });
}
