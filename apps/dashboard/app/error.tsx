"use client";

// Shown when a page throws, typically because Postgres is unreachable or misconfigured;
// the details stay in the server log (digest links the two).
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <>
      <h1>Something went wrong</h1>
      <p className="empty">
        The dashboard could not load its data{error.digest ? ` (ref ${error.digest})` : ""}.{" "}
        <button type="button" onClick={reset}>Try again</button>
      </p>
    </>
  );
}
