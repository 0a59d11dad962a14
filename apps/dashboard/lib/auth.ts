import "server-only";
import { cookies } from "next/headers";
import { accessEnv } from "../env";
import { isOpen, roleFromSession, SESSION_COOKIE, type Role } from "./session";

/** The current request's role (the proxy has already turned away requests without one). */
export async function currentRole(): Promise<Role | null> {
  return roleFromSession((await cookies()).get(SESSION_COOKIE)?.value, accessEnv());
}

export async function accessIsOpen(): Promise<boolean> {
  return isOpen(accessEnv());
}
