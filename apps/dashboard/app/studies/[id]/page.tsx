import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { getDb } from "../../../lib/db";
import { fixed4, integer, objective, sig3, widths } from "../../../lib/format";
import { getLeaderboard, TRIAL_STATUSES } from "../../../lib/queries";
import { StatusBadge } from "../../status-badge";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const board = await getLeaderboard(getDb(), (await params).id);
  return { title: board ? `${board.study.name} leaderboard` : "Study not found" };
}

export default async function LeaderboardPage({ params }: Props) {
  const board = await getLeaderboard(getDb(), (await params).id);
  if (!board) notFound();
  const { study, counts, rows } = board;
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/">Studies</Link> / <span aria-current="page">{study.name}</span>
      </nav>
      <div className="study-head">
        <h1>{study.name}</h1>
        <StatusBadge status={study.status} />
      </div>
      <p className="meta">
        <span>Task: <strong>{study.task}</strong></span>
        <span>Objective: <strong>{objective(study.metric, study.direction)}</strong></span>
        <span>Budget: <strong>{integer(study.budgetTrials)} trials</strong></span>
      </p>
      <dl className="counts" aria-label="Trials by status">
        {TRIAL_STATUSES.map((s) => (
          <div key={s} className={counts[s] === 0 ? "zero" : undefined}>
            <dt>{s}</dt>
            <dd>{integer(counts[s])}</dd>
          </div>
        ))}
      </dl>
      <h2>Leaderboard</h2>
      {rows.length === 0 ? (
        <p className="empty">No completed trials yet.</p>
      ) : (
        <div className="table-wrap">
          <table data-testid="leaderboard">
            <caption className="visually-hidden">
              Completed trials ranked by cross-validated {study.metric}, {study.direction === "minimize" ? "lowest" : "highest"} first
            </caption>
            <thead>
              <tr>
                <th scope="col" className="num">Rank</th>
                <th scope="col" className="num">Trial</th>
                <th scope="col" className="num" aria-sort={study.direction === "minimize" ? "ascending" : "descending"}>
                  CV mean
                </th>
                <th scope="col" className="num">CV std</th>
                <th scope="col" className="num">Depth</th>
                <th scope="col">Widths</th>
                <th scope="col">Activation</th>
                <th scope="col" className="num">Learning rate</th>
                <th scope="col" className="num">Batch size</th>
                <th scope="col" className="num">Parameters</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.id} data-testid="leaderboard-row">
                  <th scope="row" className="num">{r.rank}</th>
                  <td className="num">#{r.number}</td>
                  <td className="num">{fixed4(r.cvMean)}</td>
                  <td className="num">{fixed4(r.cvStd)}</td>
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
      )}
    </>
  );
}
