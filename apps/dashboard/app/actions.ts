"use server";

import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { revalidatePath } from "next/cache";
import { accessEnv } from "../env";
import { currentRole } from "../lib/auth";
import { cancelStudy as grpcCancel, createStudy as grpcCreate, userMessage } from "../lib/coordinator";
import { loginAllowed, recordLoginFailure } from "../lib/login-limit";
import { roleForToken, SESSION_COOKIE, SESSION_TTL_S, signSession } from "../lib/session";

export interface ActionState {
  error?: string;
  ok?: string;
}

const FORBIDDEN = "403 forbidden: this needs the admin role";
const MAX_STUDY_FILE = 256 * 1024;

// Server actions are public HTTP endpoints: each one checks the role itself, whatever the page
// showed, so a viewer posting the action by hand is refused just the same.
async function isAdmin(): Promise<boolean> {
  return (await currentRole()) === "admin";
}

export async function createStudyAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  if (!(await isAdmin())) return { error: FORBIDDEN };
  const text = form.get("studyFile");
  if (typeof text !== "string" || text.trim() === "") return { error: "study file: required" };
  if (text.length > MAX_STUDY_FILE) return { error: `study file: larger than ${MAX_STUDY_FILE} bytes` };
  let id: string;
  try {
    id = await grpcCreate(text);
  } catch (err) {
    return { error: userMessage(err) };
  }
  revalidatePath("/");
  redirect(`/studies/${encodeURIComponent(id)}`);
}

export async function cancelStudyAction(_prev: ActionState, form: FormData): Promise<ActionState> {
  if (!(await isAdmin())) return { error: FORBIDDEN };
  const id = form.get("studyId");
  if (typeof id !== "string" || !id) return { error: "study_id: required" };
  try {
    await grpcCancel(id);
  } catch (err) {
    return { error: userMessage(err) };
  }
  revalidatePath(`/studies/${encodeURIComponent(id)}`);
  return { ok: "cancelled" };
}

/** Only same-site paths, so ?next= cannot send a fresh session off to another origin. */
const safeNext = (v: FormDataEntryValue | null) => (typeof v === "string" && v.startsWith("/") && !v.startsWith("//") ? v : "/");

export async function loginAction(form: FormData): Promise<void> {
  const token = form.get("token");
  const next = safeNext(form.get("next"));
  const env = accessEnv();
  const h = await headers();
  // The client's address as the proxy in front (if any) gives it; else one key for direct clients.
  const client = h.get("x-forwarded-for")?.split(",")[0]?.trim() || h.get("x-real-ip") || "direct";
  if (!loginAllowed(client)) redirect(`/login?error=rate&next=${encodeURIComponent(next)}`);
  const role = typeof token === "string" ? roleForToken(token, env) : null;
  if (!role) {
    recordLoginFailure(client);
    redirect(`/login?error=1&next=${encodeURIComponent(next)}`);
  }
  (await cookies()).set(SESSION_COOKIE, signSession(role, env), {
    httpOnly: true,
    // Strict: the session never rides along on a request another site starts.
    sameSite: "strict",
    // Secure when served over TLS (directly or behind a TLS-terminating proxy that says so).
    secure: h.get("x-forwarded-proto") === "https" || process.env.AUTOML_DASHBOARD_SECURE_COOKIE === "true",
    path: "/",
    maxAge: SESSION_TTL_S,
  });
  redirect(next);
}

export async function logoutAction(): Promise<void> {
  (await cookies()).delete(SESSION_COOKIE);
  redirect("/login");
}
