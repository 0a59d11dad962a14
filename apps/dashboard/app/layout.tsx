import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { accessIsOpen, currentRole } from "../lib/auth";
import { logoutAction } from "./actions";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "automl dashboard", template: "%s · automl" },
  description: "Studies and architecture leaderboards",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  const [open, role] = await Promise.all([accessIsOpen(), currentRole()]);
  return (
    <html lang="en">
      <body>
        <header className="site-header">
          <Link href="/" className="brand">
            automl
          </Link>
          <span className="tagline">architecture search</span>
          {!open && role && (
            <form action={logoutAction} className="session">
              <span data-testid="role">{role}</span>
              <button type="submit">Log out</button>
            </form>
          )}
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
