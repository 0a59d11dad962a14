import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "automl dashboard", template: "%s · automl" },
  description: "Studies and architecture leaderboards",
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <header className="site-header">
          <Link href="/" className="brand">
            automl
          </Link>
          <span className="tagline">architecture search</span>
        </header>
        <main>{children}</main>
      </body>
    </html>
  );
}
