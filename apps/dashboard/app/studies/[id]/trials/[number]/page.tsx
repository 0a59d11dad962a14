import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { getDb } from "../../../../../lib/db";
import { fixed4, integer, shownParams, timestamp } from "../../../../../lib/format";
import { getTrial, type TrialDetail } from "../../../../../lib/queries";
import { Figure, Heatmap, PALETTE, XYChart, type Series } from "../../../../charts";
import { LiveRefresh } from "../../../../live-refresh";
import { StatusBadge } from "../../../../status-badge";
import { rungText } from "../../../../../lib/study-spec";
import { currentRole } from "../../../../../lib/auth";
import { trialModels } from "../../../../../lib/models";
import { TrialModels } from "../../models";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string; number: string }> };

async function load(params: Props["params"]): Promise<TrialDetail | null> {
  const { id, number } = await params;
  const n = Number(number);
  return Number.isInteger(n) && n >= 0 && n < 2 ** 31 ? getTrial(getDb(), id, n) : null;
}

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const d = await load(params);
  return { title: d ? `Trial #${d.trial.number} · ${d.study.name}` : "Trial not found" };
}


export default async function TrialPage({ params }: Props) {
  const d = await load(params);
  if (!d) notFound();
  const { study, trial, folds, epochs, surface, ci } = d;
  const [models, role] = await Promise.all([trialModels(getDb(), trial.id), currentRole()]);
  const foldIds = [...new Set(epochs.map((e) => e.fold))];
  // The objective already has its own column.
  const metricNames = [...new Set(folds.flatMap((f) => Object.keys(f.metrics)))].filter((m) => m !== study.metric).sort();
  const live = study.status === "RUNNING" && (trial.status === "RUNNING" || trial.status === "QUEUED");
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/">Studies</Link> / <Link href={`/studies/${encodeURIComponent(study.id)}`}>{study.name}</Link> /{" "}
        <span aria-current="page">Trial #{trial.number}</span>
      </nav>
      <div className="study-head">
        <h1>Trial #{trial.number}</h1>
        <StatusBadge status={trial.status} />
        <LiveRefresh active={live} />
      </div>
      <p className="meta">
        <span>CV {study.metric}: <strong>{fixed4(trial.cvMean)}</strong>{trial.cvStd != null && <> ± {fixed4(trial.cvStd)}</>}</span>
        <span>95% CI: <strong>{ci ? `[${fixed4(ci.lo)}, ${fixed4(ci.hi)}]` : "—"}</strong></span>
        <span>Backend: <strong>{trial.backend ?? "—"}</strong></span>
        <span>Worker: <strong>{trial.workerId ?? "—"}</strong></span>
        <span>Attempt: <strong>{trial.attempt}</strong></span>
        {(study.pruner?.kind === "asha" || trial.rung !== null) && <span>Rung reached: <strong data-testid="rung">{rungText(trial.rung, study.pruner)}</strong></span>}
        {study.objectives.length > 1 && trial.values.length === study.objectives.length && (
          <span>Objectives: <strong data-testid="objective-values">
            {study.objectives.map((o, j) => `${o.metric} ${o.metric === "params" ? integer(trial.values[j]!) : fixed4(trial.values[j])}`).join(", ")}
          </strong></span>
        )}
        <span>Started: <strong>{trial.startedAt ? timestamp(trial.startedAt) : "—"}</strong></span>
        <span>Finished: <strong>{trial.finishedAt ? timestamp(trial.finishedAt) : "—"}</strong></span>
      </p>
      {trial.error && <p className="error-box" role="alert">{trial.error}{trial.divergedFold != null && ` (fold ${trial.divergedFold}, epoch ${trial.divergedEpoch})`}</p>}
      <TrialModels studyId={study.id} metric={study.metric} trialNumber={trial.number} completed={trial.status === "COMPLETED"} models={models} isAdmin={role === "admin"} />

      <div className="two-col">
        <section aria-labelledby="params-h">
          <h2 id="params-h">Parameters</h2>
          <dl className="params" data-testid="params">
            <dt>parameters</dt><dd>{integer(trial.paramCount)}</dd>
            {shownParams((trial.params ?? {}) as Record<string, unknown>).map(([k, v]) => (
              <div key={k} className="param"><dt>{k}</dt><dd>{v}</dd></div>
            ))}
          </dl>
        </section>
        <section aria-labelledby="folds-h">
          <h2 id="folds-h">Fold scores</h2>
          {folds.length === 0 ? <p className="empty">No fold finished yet.</p> : (
            <div className="table-wrap">
              <table data-testid="folds">
                <caption className="visually-hidden">Score, loss and metrics per cross-validation fold</caption>
                <thead>
                  <tr>
                    <th scope="col" className="num">Fold</th>
                    <th scope="col" className="num">{study.metric}</th>
                    <th scope="col" className="num">Loss</th>
                    <th scope="col" className="num">Epochs</th>
                    {metricNames.map((m) => <th key={m} scope="col" className="num">{m}</th>)}
                  </tr>
                </thead>
                <tbody>
                  {folds.map((f) => (
                    <tr key={f.fold}>
                      <th scope="row" className="num">{f.fold}</th>
                      <td className="num">{fixed4(f.score)}</td>
                      <td className="num">{fixed4(f.loss)}</td>
                      <td className="num">{f.epochs}</td>
                      {metricNames.map((m) => <td key={m} className="num">{fixed4(f.metrics[m])}</td>)}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </section>
      </div>

      <h2>Learning curves</h2>
      {epochs.length === 0 ? <p className="empty">No epoch reported yet.</p> : (
        <div className="charts">
          <Figure title="Loss per epoch (solid: validation, dashed: training)" testId="chart-loss">
            <XYChart
              label={`Training and validation loss per epoch for each of ${foldIds.length} folds`}
              xLabel="epoch" yLabel="loss"
              series={foldIds.flatMap((f, i): Series[] => {
                const es = epochs.filter((e) => e.fold === f);
                const color = PALETTE[i % PALETTE.length]!;
                return [
                  { label: `fold ${f} valid`, color, points: es.map((e) => [e.epoch, e.validLoss]) },
                  { label: `fold ${f} train`, color, dashed: true, points: es.map((e) => [e.epoch, e.trainLoss]) },
                ];
              })}
            />
          </Figure>
          <Figure title={`Validation ${study.metric} per epoch`} testId="chart-metric">
            <XYChart
              label={`Validation ${study.metric} per epoch for each fold`}
              xLabel="epoch" yLabel={study.metric}
              series={foldIds.map((f) => ({ label: `fold ${f}`, points: epochs.filter((e) => e.fold === f).map((e) => [e.epoch, e.validMetric]) }))}
            />
          </Figure>
        </div>
      )}

      <Diagnostics epochs={epochs} />

      {surface && (
        <>
          <h2>Decision surface</h2>
          <div className="surface-wrap">
            <Figure title="Fold 0's model over the input plane" testId="chart-surface"
              note={<>Colour: {study.task === "binary" ? "P(class 1)" : study.task === "multiclass" ? "predicted class" : "prediction"}, pale = low.</>}>
              <Heatmap label={`Decision surface on a ${surface.grid}×${surface.grid} grid`} {...surface} />
            </Figure>
            {surface.regionMap && (
              <Figure title="Activation regions: one colour per on/off pattern of the hidden units" testId="chart-regions"
                note={<>The network is linear inside each region (Hanin &amp; Rolnick).</>}>
                <Heatmap label={`${surface.regions} activation regions on a ${surface.grid}×${surface.grid} grid`} {...surface} values={surface.regionMap} categorical />
              </Figure>
            )}
            <p className="regions" data-testid="regions">
              <strong>{Number.isFinite(surface.regions) ? integer(surface.regions) : "—"}</strong> activation regions
              <span className="muted"> — distinct on/off patterns of the hidden units met on the grid; a lower bound on the
              network&apos;s linear pieces.</span>
            </p>
          </div>
        </>
      )}
    </>
  );
}

/** Per-layer gradient norms (log scale) and dead-unit fractions, averaged over the folds per epoch. */
function Diagnostics({ epochs }: { epochs: TrialDetail["epochs"] }) {
  const withDiag = epochs.filter((e) => e.diagnostics);
  if (withDiag.length === 0) return null;
  const layers = Math.max(...withDiag.map((e) => e.diagnostics!.gradNorms.length));
  const perLayer = (pick: (e: (typeof withDiag)[number]) => (number | null)[]) =>
    Array.from({ length: layers }, (_, l): [number, number][] => {
      const byEpoch = new Map<number, number[]>();
      for (const e of withDiag) {
        const v = pick(e)[l];
        if (v == null || !Number.isFinite(v)) continue;
        byEpoch.set(e.epoch, [...(byEpoch.get(e.epoch) ?? []), v]);
      }
      return [...byEpoch].sort((a, b) => a[0] - b[0]).map(([ep, vs]) => [ep, vs.reduce((s, v) => s + v, 0) / vs.length]);
    });
  const grads = perLayer((e) => e.diagnostics!.gradNorms);
  const dead = perLayer((e) => e.diagnostics!.deadFraction);
  const layerName = (l: number) => (l === layers - 1 ? "output" : `layer ${l + 1}`);
  return (
    <>
      <h2>Diagnostics</h2>
      <div className="charts">
        <Figure title="Gradient norm per layer (log scale, mean over folds)" testId="chart-grad">
          <XYChart label="Mean gradient norm per layer over epochs, log scale" xLabel="epoch" yLabel="‖∇W‖" logY
            series={grads.map((points, l) => ({ label: layerName(l), points }))} />
        </Figure>
        <Figure title="Dead-unit fraction per hidden layer" testId="chart-dead"
          note="Units that output zero for every example of an epoch; only rectifier-like layers have them.">
          <XYChart label="Fraction of dead units per hidden layer over epochs" xLabel="epoch" yLabel="dead fraction"
            series={dead.map((points, l) => ({ label: layerName(l), points })).filter((s) => s.points.length > 0)} />
        </Figure>
      </div>
    </>
  );
}
