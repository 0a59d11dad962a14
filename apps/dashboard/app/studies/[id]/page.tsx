import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { currentRole } from "../../../lib/auth";
import { getDb } from "../../../lib/db";
import { fixed4, integer, sig3, widths } from "../../../lib/format";
import { leaderboardHref, parseLeaderboardQuery, SORT_KEYS, SORT_LABELS, type LeaderboardQuery, type SortKey } from "../../../lib/leaderboard-query";
import { getLeaderboard, getStudyHead, TRIAL_STATUSES, type Leaderboard } from "../../../lib/queries";
import { getImportance } from "../../../lib/ablations";
import { rungText, type StudyObjective } from "../../../lib/study-spec";
import { ImportanceList } from "../../importance-list";
import { StatusBadge } from "../../status-badge";
import { studyModels } from "../../../lib/models";
import { FinalModel } from "./models";
import { StudyHeader } from "./study-header";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string }>; searchParams: Promise<Record<string, string | string[] | undefined>> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const study = await getStudyHead(getDb(), (await params).id);
  return { title: study ? `${study.name} leaderboard` : "Study not found" };
}

export default async function LeaderboardPage({ params, searchParams }: Props) {
  const q = parseLeaderboardQuery(await searchParams);
  const id = (await params).id;
  const [board, role, importance, models] = await Promise.all([getLeaderboard(getDb(), id, q), currentRole(), getImportance(getDb(), id), studyModels(getDb(), id)]);
  if (!board) notFound();
  const { study, counts } = board;
  return (
    <>
      <StudyHeader study={study} tab="leaderboard" isAdmin={role === "admin"} />
      <dl className="counts" aria-label="Trials by status">
        {TRIAL_STATUSES.map((s) => (
          <div key={s} className={counts[s] === 0 ? "zero" : undefined}>
            <dt>{s}</dt>
            <dd>{integer(counts[s])}</dd>
          </div>
        ))}
      </dl>
      <FinalModel studyId={study.id} metric={study.metric} models={models} isAdmin={role === "admin"} hasCompleted={counts.COMPLETED > 0} />
      <h2>Leaderboard</h2>
      <Filters board={board} q={q} />
      {board.rows.length === 0 ? (
        <p className="empty">{q.status === "COMPLETED" && !q.activation && q.depth === undefined && q.width === undefined && !q.pareto ? "No completed trials yet." : "No trials match these filters."}</p>
      ) : (
        <>
          <StatsNote board={board} />
          <Table board={board} q={q} />
          <Pager board={board} q={q} />
        </>
      )}
      <h2>Parameter importance</h2>
      <ImportanceList importance={importance} />
    </>
  );
}

/** What the rank, interval and group columns mean: stated on the page, not only in a tooltip. */
function StatsNote({ board }: { board: Leaderboard }) {
  const { study } = board;
  const k = study.folds;
  return (
    <p className="muted stats-note" data-testid="stats-note">
      <strong>Rank</strong> is the trial&apos;s place among all {integer(board.counts.COMPLETED)} completed trials by CV {study.metric}
      {" "}({study.direction === "minimize" ? "lower" : "higher"} is better), whatever the sort and filters.{" "}
      <strong>95% CI</strong>: t-interval of the CV mean with the Nadeau–Bengio correction for overlapping training sets
      (variance × (1/k + n<sub>test</sub>/n<sub>train</sub>){k ? `, k = ${k}` : ""}), clipped to the metric&apos;s range.{" "}
      <strong>Group</strong>: each trial against the best by a corrected paired t-test over the shared folds; the{" "}
      {integer(board.compared)} p-values are Holm-adjusted together; <em>≈ best</em> = not significantly different at 5%,
      {" "}<em>worse</em> = adjusted p ≤ 0.05.
    </p>
  );
}

/** A plain GET form: the filters live in the URL, work without JavaScript and can be shared. */
function Filters({ board, q }: { board: Leaderboard; q: LeaderboardQuery }) {
  return (
    <form method="get" className="filters" aria-label="Filter and sort trials">
      <div className="field">
        <label htmlFor="f-status">Status</label>
        <select id="f-status" name="status" defaultValue={q.status}>
          {TRIAL_STATUSES.map((s) => <option key={s} value={s}>{s}</option>)}
          <option value="ANY">any</option>
        </select>
      </div>
      <div className="field">
        <label htmlFor="f-activation">Activation</label>
        <select id="f-activation" name="activation" defaultValue={q.activation ?? ""}>
          <option value="">any</option>
          {board.activations.map((a) => <option key={a} value={a}>{a}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor="f-depth">Depth</label>
        <select id="f-depth" name="depth" defaultValue={q.depth ?? ""}>
          <option value="">any</option>
          {board.depths.map((d) => <option key={d} value={d}>{d}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor="f-width">Width (any layer)</label>
        <input id="f-width" name="width" type="number" min={1} inputMode="numeric" defaultValue={q.width ?? ""} />
      </div>
      {board.study.objectives.length > 1 && (
        <div className="field">
          <label htmlFor="f-pareto">Pareto front only</label>
          <input id="f-pareto" name="pareto" type="checkbox" value="1" defaultChecked={q.pareto} />
        </div>
      )}
      <div className="field">
        <label htmlFor="f-sort">Sort by</label>
        <select id="f-sort" name="sort" defaultValue={q.sort}>
          {SORT_KEYS.map((k) => <option key={k} value={k}>{SORT_LABELS[k]}</option>)}
        </select>
      </div>
      <div className="field">
        <label htmlFor="f-dir">Order</label>
        <select id="f-dir" name="dir" defaultValue={q.dir ?? ""}>
          <option value="">natural</option>
          <option value="asc">ascending</option>
          <option value="desc">descending</option>
        </select>
      </div>
      <button type="submit">Apply</button>
      <Link href={leaderboardHref(board.study.id, q, { sort: "cvMean", dir: undefined, status: "COMPLETED", activation: undefined, depth: undefined, width: undefined, pareto: false, page: 1 })}>Reset</Link>
    </form>
  );
}

function effectiveDir(board: Leaderboard, q: LeaderboardQuery): "asc" | "desc" {
  return q.dir ?? (q.sort === "cvMean" ? (board.study.direction === "minimize" ? "asc" : "desc") : "asc");
}

/** A column header that sorts by its key; clicking the active one flips the direction. */
function SortHeader({ board, q, k, children }: { board: Leaderboard; q: LeaderboardQuery; k: SortKey; children: string }) {
  const active = q.sort === k;
  const dir = effectiveDir(board, q);
  const next = active ? (dir === "asc" ? "desc" : "asc") : undefined;
  return (
    <th scope="col" className="num" aria-sort={active ? (dir === "asc" ? "ascending" : "descending") : undefined}>
      <Link href={leaderboardHref(board.study.id, q, { sort: k, dir: next, page: 1 })} className="sort-link"
        aria-label={`Sort by ${children}${active ? `, now ${dir === "asc" ? "ascending" : "descending"}` : ""}`}>
        {children}
        <span aria-hidden="true">{active ? (dir === "asc" ? " ▲" : " ▼") : ""}</span>
      </Link>
    </th>
  );
}

const pText = (p: number) => (p < 0.001 ? "< 0.001" : p.toFixed(3));

/** A multi-objective row's value of one objective: a count for params, a CV mean otherwise. */
const objectiveCell = (o: StudyObjective, v: number | undefined) => (v === undefined ? "—" : o.metric === "params" ? integer(v) : fixed4(v));

function Table({ board, q }: { board: Leaderboard; q: LeaderboardQuery }) {
  const { study, rows } = board;
  const multi = study.objectives.length > 1;
  // Rungs exist under a rung-based pruner; rows of an older study may carry them without one.
  // Objective, Pareto and rung columns come right after the trial number: visible without
  // scrolling the wide table.
  const showRung = study.pruner?.kind === "asha" || rows.some((r) => r.rung !== null);
  const base = `/studies/${encodeURIComponent(study.id)}`;
  const h = (k: SortKey, label: string) => <SortHeader board={board} q={q} k={k}>{label}</SortHeader>;
  return (
    <div className="table-wrap">
      <table data-testid="leaderboard">
        <caption className="visually-hidden">
          Trials sorted by {SORT_LABELS[q.sort]}, {effectiveDir(board, q) === "asc" ? "ascending" : "descending"}; CV is cross-validated {study.metric}
        </caption>
        <thead>
          <tr>
            <th scope="col" className="num" title="Global rank among the study's completed trials by CV mean">Rank</th>
            {h("number", "Trial")}
            {multi && study.objectives.map((o) => (
              <th key={o.metric} scope="col" className="num" data-testid="objective-col">{o.metric} ({o.direction === "maximize" ? "max" : "min"})</th>
            ))}
            {multi && <th scope="col" title="Non-dominated over all the study's objectives">Pareto</th>}
            {showRung && <th scope="col" className="num" title="Highest pruner rung reached (0-based) and, under ASHA, its epoch">Rung</th>}
            {h("cvMean", "CV mean")}
            {h("cvStd", "CV std")}
            <th scope="col" className="num">95% CI</th>
            <th scope="col" title="Significance group against the best: corrected paired t-test, Holm-adjusted p">Group</th>
            {h("depth", "Depth")}
            <th scope="col">Widths</th>
            <th scope="col">Activation</th>
            {h("learningRate", "Learning rate")}
            <th scope="col" className="num">Batch size</th>
            {h("paramCount", "Parameters")}
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.id} data-testid="leaderboard-row" className={r.tiedWithBest ? "tied" : undefined}>
              <th scope="row" className="num" data-testid="rank">{r.rank ?? "—"}</th>
              <td className="num">
                <Link href={`${base}/trials/${r.number}`} aria-label={`Trial ${r.number} details`}>#{r.number}</Link>
              </td>
              {multi && study.objectives.map((o, j) => (
                <td key={o.metric} className="num">{objectiveCell(o, r.values.length === study.objectives.length ? r.values[j] : undefined)}</td>
              ))}
              {multi && <td>{r.onFront ? <span className="tag best">front</span> : ""}</td>}
              {showRung && <td className="num" data-testid="rung">{rungText(r.rung, study.pruner)}</td>}
              <td className="num">{r.status === "COMPLETED" ? fixed4(r.cvMean) : <StatusBadge status={r.status} />}</td>
              <td className="num">{fixed4(r.cvStd)}</td>
              <td className="num ci">{r.ci ? `${fixed4(r.ci.lo)} – ${fixed4(r.ci.hi)}` : "—"}</td>
              <td data-testid="group">
                {r.group === "best" ? <span className="tag best">best</span>
                  : r.vsBest && r.group ? (
                    <span className={r.group === "tied" ? "tag tie" : "muted"} title={`p = ${r.vsBest.p.toPrecision(3)}, Holm-adjusted ${r.vsBest.pAdjusted.toPrecision(3)}`}>
                      {r.group === "tied" ? "≈ best" : "worse"} (p<sub>adj</sub> {pText(r.vsBest.pAdjusted)})
                    </span>)
                  : "—"}
              </td>
              <td className="num">{r.depth}</td>
              <td>{widths(r.widths)}</td>
              <td>{r.activation}</td>
              <td className="num">{sig3(r.learningRate)}</td>
              <td className="num">{r.batchSize}</td>
              <td className="num">{integer(r.paramCount)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Pager({ board, q }: { board: Leaderboard; q: LeaderboardQuery }) {
  const pages = Math.max(1, Math.ceil(board.total / board.pageSize));
  const first = (board.page - 1) * board.pageSize + 1;
  const last = Math.min(board.total, board.page * board.pageSize);
  return (
    <nav className="pager" aria-label="Leaderboard pages">
      <span data-testid="page-info">{integer(first)}–{integer(last)} of {integer(board.total)}</span>
      {board.page > 1 ? <Link href={leaderboardHref(board.study.id, q, { page: board.page - 1 })} rel="prev">← Previous</Link> : <span className="muted">← Previous</span>}
      <span>Page {integer(board.page)} of {integer(pages)}</span>
      {board.page < pages ? <Link href={leaderboardHref(board.study.id, q, { page: board.page + 1 })} rel="next">Next →</Link> : <span className="muted">Next →</span>}
    </nav>
  );
}
