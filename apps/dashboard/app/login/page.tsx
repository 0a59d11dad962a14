import type { Metadata } from "next";
import { loginAction } from "../actions";

export const metadata: Metadata = { title: "Log in" };

type Props = { searchParams: Promise<{ next?: string; error?: string }> };

export default async function LoginPage({ searchParams }: Props) {
  const { next, error } = await searchParams;
  return (
    <form action={loginAction} className="login-form" aria-labelledby="login-h">
      <h1 id="login-h">Log in</h1>
      <p className="muted">Enter the admin or viewer token this dashboard was started with.</p>
      <input type="hidden" name="next" value={next ?? "/"} />
      <label htmlFor="token">Access token</label>
      <input id="token" name="token" type="password" autoComplete="current-password" required autoFocus
        aria-describedby={error ? "login-error" : undefined} />
      {error && (
        <p id="login-error" className="error-box" role="alert">
          {error === "rate" ? "Too many failed logins from here: try again in a minute." : "That token is not valid."}
        </p>
      )}
      <button type="submit">Log in</button>
    </form>
  );
}
