"use client";

import { useRouter } from "next/navigation";
import { useEffect } from "react";

/**
 * Re-renders the server components of the current page every `intervalMs` while `active`
 * (the study is RUNNING): router.refresh() fetches fresh RSC output and keeps client state and
 * scroll position, so a running study updates without a reload. Pauses in hidden tabs.
 */
export function LiveRefresh({ active, intervalMs = 2000 }: { active: boolean; intervalMs?: number }) {
  const router = useRouter();
  useEffect(() => {
    if (!active) return;
    const id = setInterval(() => {
      if (document.visibilityState === "visible") router.refresh();
    }, intervalMs);
    return () => clearInterval(id);
  }, [active, intervalMs, router]);
  return active ? <span className="live" role="status">live · updating every {Math.round(intervalMs / 1000)} s</span> : null;
}
