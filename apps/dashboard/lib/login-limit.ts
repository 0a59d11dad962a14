// Failed logins are limited per client: after LOGIN_FAILURES_PER_MINUTE failures within a minute,
// further attempts from that client are refused without looking at the token (so a limited client
// learns nothing), until the oldest failure is a minute old. In memory: one dashboard process.

export const LOGIN_FAILURES_PER_MINUTE = 10;
const WINDOW_MS = 60_000;
const failures = new Map<string, number[]>();

function recent(key: string, now: number): number[] {
  const kept = (failures.get(key) ?? []).filter((t) => now - t < WINDOW_MS);
  if (kept.length) failures.set(key, kept);
  else failures.delete(key);
  return kept;
}

/** Whether `key` (the client's address) may try a token now. */
export function loginAllowed(key: string, now = Date.now()): boolean {
  return recent(key, now).length < LOGIN_FAILURES_PER_MINUTE;
}

export function recordLoginFailure(key: string, now = Date.now()): void {
  recent(key, now);
  failures.set(key, [...(failures.get(key) ?? []), now]);
  // Bounded: a flood of spoofed addresses cannot grow the map without limit.
  if (failures.size > 10_000) failures.delete(failures.keys().next().value!);
}

/**
 * Whether an Origin header names this host (Next.js checks server actions the same way; the
 * proxy makes it explicit for every state-changing request). No Origin (same-origin navigations of
 * older clients, curl): allowed, the session cookie (SameSite=Strict) is then what protects.
 */
export function sameOrigin(origin: string | null, host: string | null): boolean {
  if (!origin) return true;
  try {
    return host !== null && new URL(origin).host === host;
  } catch {
    return false;
  }
}
