import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { getAblations, type AblationView } from "../../../../lib/ablations";
import { currentRole } from "../../../../lib/auth";
import { getDb } from "../../../../lib/db";
import { fixed4, timestamp } from "../../../../lib/format";
import { getStudyHead } from "../../../../lib/queries";
import { StudyHeader } from "../study-header";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const study = await getStudyHead(getDb(), (await params).id);
  return { title: study ? `${study.name} ablations` : "Study not found" };
}

export default async function AblationPage({ params }: Props) {
  const id = (await params).id;
  const [study, ablations, role] = await Promise.all([getStudyHead(getDb(), id), getAblations(getDb(), id), currentRole()]);
  if (!study) notFound();
  return (
    <>
      <StudyHeader study={study} tab="ablation" isAdmin={role === "admin"} />
      {ablations.length === 0 ? (
        <p className="empty">No ablation of this study yet: <code>npx automl ablate {study.id}</code> runs one for the best trial.</p>
      ) : (
        ablations.map((a) => <Ablation key={a.id} a={a} />)
      )}
    </>
  );
}

const signed = (x: number | null) => (x === null ? "—" : `${x >= 0 ? "+" : ""}${x.toFixed(4)}`);
const pValue = (p: number | null) => (p === null ? "—" : p < 1e-4 ? "< 0.0001" : p.toFixed(4));
const tValue = (t: number | null) => (t === null ? "—" : Number.isFinite(t) ? t.toFixed(2) : t > 0 ? "+∞" : "−∞");

/** The CI of Δ as a bar on a shared axis with zero marked: a bar that crosses zero is no evidence. */
function CiBar({ row, lo, hi, minimize }: { row: AblationView["rows"][number]; lo: number; hi: number; minimize: boolean }) {
  if (row.ciLow === null || row.ciHigh === null || row.meanDiff === null) return <span className="muted">—</span>;
  const W = 120;
  const x = (v: number) => ((v - lo) / (hi - lo)) * W;
  const better = minimize ? row.meanDiff < 0 : row.meanDiff > 0;
  return (
    <svg width={W} height={14} className="ci-bar" role="img" aria-label={`${row.ciLow.toFixed(4)} to ${row.ciHigh.toFixed(4)}`}>
      <line x1={x(0)} x2={x(0)} y1={0} y2={14} stroke="#8a93a3" strokeDasharray="2 2" />
      <rect x={x(row.ciLow)} y={4} width={Math.max(1, x(row.ciHigh) - x(row.ciLow))} height={6} rx={2} fill={row.significant ? (better ? "#1b6b3a" : "#a3211b") : "#9fb3d9"} />
      <circle cx={x(row.meanDiff)} cy={7} r={3} fill="#1c2230" />
    </svg>
  );
}

function Ablation({ a }: { a: AblationView }) {
  const tested = a.rows.filter((r) => r.ciLow !== null && r.ciHigh !== null);
  const ends = tested.flatMap((r) => [r.ciLow!, r.ciHigh!]).filter(Number.isFinite);
  const span = Math.max(1e-6, ...ends.map(Math.abs));
  const level = Math.round(a.level * 100);
  return (
    <section aria-labelledby={`abl-${a.id}`} data-testid="ablation">
      <h2 id={`abl-${a.id}`}>
        Ablation of <Link href={`/studies/${encodeURIComponent(a.baseStudyId)}`}>{a.baseStudyName ?? a.baseStudyId}</Link>
        {a.baseTrialNumber !== null && <> trial #{a.baseTrialNumber}</>}
      </h2>
      <p className="meta">
        <span>Variants ran in <Link href={`/studies/${encodeURIComponent(a.studyId)}`}>{a.studyName}</Link></span>
        <span>Base re-run: <strong>{fixed4(a.baseMean)}</strong> {a.metric}</span>
        <span>{timestamp(a.createdAt)}</span>
      </p>
      <div className="table-wrap">
        <table data-testid="ablation-table">
          <caption className="visually-hidden">Each variant against the base over the same folds and seed</caption>
          <thead>
            <tr>
              <th scope="col">Factor</th>
              <th scope="col">Variant</th>
              <th scope="col" className="num">Mean {a.metric}</th>
              <th scope="col" className="num">Δ vs base</th>
              <th scope="col" className="num">{level}% CI of Δ</th>
              <th scope="col" title="Interval of Δ; dashed line at 0">CI</th>
              <th scope="col" className="num">t</th>
              <th scope="col" className="num">p</th>
              <th scope="col" className="num" title={a.correction === "holm" ? "Holm–Bonferroni adjusted" : "Benjamini–Hochberg adjusted"}>Adjusted p</th>
              <th scope="col">Significant</th>
            </tr>
          </thead>
          <tbody>
            {a.rows.map((r) => (
              <tr key={r.position} data-testid="ablation-row" className={r.significant ? "significant" : undefined}>
                <th scope="row">{r.factor}</th>
                <td>{r.trialNumber !== null ? <Link href={`/studies/${encodeURIComponent(a.studyId)}/trials/${r.trialNumber}`}>{r.variant}</Link> : r.variant}</td>
                {r.skipReason ? (
                  <td colSpan={8} className="muted">skipped: {r.skipReason}</td>
                ) : (
                  <>
                    <td className="num">{r.meanScore === null ? "no result" : r.meanScore.toFixed(4)}</td>
                    <td className="num">{signed(r.meanDiff)}</td>
                    <td className="num ci">{r.ciLow === null ? "—" : `${signed(r.ciLow)} – ${signed(r.ciHigh)}`}</td>
                    <td><CiBar row={r} lo={-span} hi={span} minimize={a.direction === "minimize"} /></td>
                    <td className="num">{tValue(r.t)}</td>
                    <td className="num">{pValue(r.p)}</td>
                    <td className="num">{pValue(r.pAdjusted)}</td>
                    <td>{r.significant ? <span className="tag sig" title={`adjusted p ≤ 0.05`}>✱ yes</span> : <span className="muted">no</span>}</td>
                  </>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <p className="muted chart-note">
        Δ = variant − base per fold, same folds and initialisation seed. Nadeau–Bengio corrected resampled t-test (variance × (1/J + {a.testTrainRatio.toFixed(3)})),
        p-values adjusted over the variants ({a.correction === "holm" ? "Holm–Bonferroni" : "Benjamini–Hochberg"}).
        {a.direction === "minimize" && ` ${a.metric} is minimized: Δ < 0 is better.`}
      </p>
    </section>
  );
}
