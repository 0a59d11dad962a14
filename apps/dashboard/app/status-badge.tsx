/** A status word with a colour; the word itself carries the meaning, colour only helps scanning. */
export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status.toLowerCase()}`}>{status}</span>;
}
