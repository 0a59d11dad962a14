import Link from "next/link";

export default function NotFound() {
  return (
    <>
      <h1>Not found</h1>
      <p className="empty">
        There is no such study. <Link href="/">Back to all studies</Link>
      </p>
    </>
  );
}
