import Link from "next/link";
import type { ReactNode } from "react";
import { fixed4, integer, timestamp } from "../../../lib/format";
import { modelHref, refitCommand, type ModelSummary } from "../../../lib/models";

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/** Download JSON / ONNX links of one model, or why there are none. */
function Downloads({ m, label }: { m: ModelSummary; label: string }) {
  if (!m.onDisk && m.inBucket) {
    return <span className="muted" data-testid="model-in-bucket">in the model bucket: <code>npx automl export-model {m.id} -o model.onnx</code></span>;
  }
  if (!m.onDisk) {
    return <span className="muted" data-testid="model-missing">file not on the dashboard&apos;s machine</span>;
  }
  return (
    <span className="downloads">
      <a href={modelHref(m.id, "json")} download aria-label={`Download ${label} as JSON`} data-testid="download-json">Download JSON</a>
      <a href={modelHref(m.id, "onnx")} download aria-label={`Download ${label} as ONNX`} data-testid="download-onnx">Download ONNX</a>
    </span>
  );
}

/** What a model stands for: CV score of its trial, refit rows and epochs, in-sample score. */
function Provenance({ m, metric }: { m: ModelSummary; metric: string }) {
  const s = m.source;
  return (
    <>
      <span>CV {s.metric ?? metric}: <strong data-testid="model-cv">{fixed4(s.cvMean)}</strong>{s.cvStd != null && <> ± {fixed4(s.cvStd)}</>}</span>
      <span>Refit: <strong data-testid="model-refit">{s.trainRows != null ? integer(s.trainRows) : "—"} rows, {s.epochs ?? "—"} epochs</strong></span>
      <span title="On the rows it was trained on: not an estimate of generalization">In-sample {s.metric ?? metric}: <strong>{fixed4(s.trainScore)}</strong></span>
      <span>Model: <code title={m.id} data-testid="model-id">{m.id.slice(0, 12)}</code> ({kib(m.size)})</span>
      <span>Refit at: <strong>{timestamp(m.createdAt)}</strong></span>
    </>
  );
}

function CommandHint({ command, children }: { command: string; children: ReactNode }) {
  return (
    <p className="muted refit-hint" data-testid="refit-hint">
      {children} <code>{command}</code> where the CLI reaches the study&apos;s database (docs/models.md).
    </p>
  );
}

/**
 * The study page's models: the newest as the final model (trial link, scores, downloads), earlier
 * ones in a list. Without any, admins of a study with a completed trial see the refit command.
 */
export function FinalModel({ studyId, metric, models, isAdmin, hasCompleted }: { studyId: string; metric: string; models: ModelSummary[]; isAdmin: boolean; hasCompleted: boolean }) {
  const [final, ...earlier] = models;
  const base = `/studies/${encodeURIComponent(studyId)}`;
  if (!final) {
    return isAdmin && hasCompleted ? <CommandHint command={refitCommand(studyId)}>No model yet: refit the best trial on all rows with</CommandHint> : null;
  }
  return (
    <section aria-labelledby="final-model-h" className="model-box" data-testid="final-model">
      <h2 id="final-model-h">Final model</h2>
      <p className="meta">
        <span>Trial: {final.trialNumber === null ? <strong>—</strong> : <Link href={`${base}/trials/${final.trialNumber}`} data-testid="model-trial">#{final.trialNumber}</Link>}</span>
        <Provenance m={final} metric={metric} />
      </p>
      <Downloads m={final} label="the final model" />
      {earlier.length > 0 && (
        <details className="earlier-models">
          <summary>Earlier models ({earlier.length})</summary>
          <div className="table-wrap">
            <table data-testid="earlier-models">
              <thead>
                <tr>
                  <th scope="col">Model</th>
                  <th scope="col" className="num">Trial</th>
                  <th scope="col" className="num">CV {metric}</th>
                  <th scope="col">Refit at</th>
                  <th scope="col">Download</th>
                </tr>
              </thead>
              <tbody>
                {earlier.map((m) => (
                  <tr key={m.id}>
                    <th scope="row"><code title={m.id}>{m.id.slice(0, 12)}</code></th>
                    <td className="num">{m.trialNumber === null ? "—" : <Link href={`${base}/trials/${m.trialNumber}`}>#{m.trialNumber}</Link>}</td>
                    <td className="num">{fixed4(m.source.cvMean)}</td>
                    <td>{timestamp(m.createdAt)}</td>
                    <td><Downloads m={m} label={`model ${m.id.slice(0, 12)}`} /></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </details>
      )}
    </section>
  );
}

/** The trial page's models (downloads), or for admins of a completed trial without one, the refit command. */
export function TrialModels({ studyId, metric, trialNumber, completed, models, isAdmin }: { studyId: string; metric: string; trialNumber: number; completed: boolean; models: ModelSummary[]; isAdmin: boolean }) {
  if (models.length === 0) {
    return isAdmin && completed ? <CommandHint command={refitCommand(studyId, trialNumber)}>No model of this trial yet: refit it on all rows with</CommandHint> : null;
  }
  return (
    <section aria-labelledby="trial-models-h" className="model-box" data-testid="trial-models">
      <h2 id="trial-models-h">{models.length === 1 ? "Model" : `Models (${models.length})`}</h2>
      {models.map((m) => (
        <div key={m.id} className="model-row" data-testid="trial-model">
          <p className="meta"><Provenance m={m} metric={metric} /></p>
          <Downloads m={m} label={`model ${m.id.slice(0, 12)}`} />
        </div>
      ))}
    </section>
  );
}
