import { timestamp } from "../lib/format";
import type { ImportanceView } from "../lib/ablations";

/** Parameter importance as a bar list (share of the surrogate's variance each parameter explains alone). */
export function ImportanceList({ importance }: { importance: ImportanceView | null }) {
  if (!importance) {
    return <p className="muted" data-testid="importance-empty">Parameter importance is computed by <code>automl importance &lt;study-id&gt;</code> or <code>automl ablate</code>.</p>;
  }
  const max = Math.max(1e-9, ...importance.params.map((p) => p.importance));
  return (
    <figure className="chart importance" data-testid="importance">
      <figcaption>Parameter importance</figcaption>
      <ol className="bars">
        {importance.params.map((p) => (
          <li key={p.param} data-testid="importance-row">
            <span className="bar-label">{p.param}</span>
            <span className="bar-track" aria-hidden="true"><span className="bar-fill" style={{ width: `${(100 * p.importance) / max}%` }} /></span>
            <span className="num">{(100 * p.importance).toFixed(1)}%</span>
          </li>
        ))}
      </ol>
      <p className="muted chart-note">
        fANOVA main effects of a random forest over {importance.trials} completed trials ({importance.method}); the rest of the variance is interactions. Computed {timestamp(importance.computedAt)}.
      </p>
    </figure>
  );
}
