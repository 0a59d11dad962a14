import Link from "next/link";
import { integer, objective, timestamp } from "../../../lib/format";
import type { StudyHead } from "../../../lib/queries";
import { LiveRefresh } from "../../live-refresh";
import { StatusBadge } from "../../status-badge";
import { CancelStudyButton } from "../../study-forms";

/** Breadcrumb, title, status, cancel (admins, running studies) and the Leaderboard/Plots tabs. */
export function StudyHeader({ study, tab, isAdmin }: { study: StudyHead; tab: "leaderboard" | "plots" | "ablation"; isAdmin: boolean }) {
  const base = `/studies/${encodeURIComponent(study.id)}`;
  return (
    <>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link href="/">Studies</Link> / <span aria-current="page">{study.name}</span>
      </nav>
      <div className="study-head">
        <h1>{study.name}</h1>
        <StatusBadge status={study.status} />
        <LiveRefresh active={study.status === "RUNNING"} />
        {isAdmin && study.status === "RUNNING" && <CancelStudyButton studyId={study.id} name={study.name} />}
      </div>
      <p className="meta">
        <span>Task: <strong>{study.task}</strong></span>
        {study.objectives.length > 1
          ? <span>Objectives: <strong>{study.objectives.map((o) => objective(o.metric, o.direction)).join(", ")}</strong></span>
          : <span>Objective: <strong>{objective(study.metric, study.direction)}</strong></span>}
        <span>Pruner: <strong data-testid="pruner">{study.pruner?.label ?? "none"}</strong></span>
        <span>Budget: <strong>{integer(study.budgetTrials)} trials</strong></span>
        {study.folds && <span>CV: <strong>{study.folds} folds</strong></span>}
        <span>Started: <strong>{timestamp(study.createdAt)}</strong></span>
        {study.finishedAt && <span>Finished: <strong>{timestamp(study.finishedAt)}</strong></span>}
      </p>
      <nav aria-label="Study views" className="tabs">
        <Link href={base} aria-current={tab === "leaderboard" ? "page" : undefined}>Leaderboard</Link>
        <Link href={`${base}/plots`} aria-current={tab === "plots" ? "page" : undefined}>Plots</Link>
        <Link href={`${base}/ablation`} aria-current={tab === "ablation" ? "page" : undefined}>Ablation</Link>
      </nav>
    </>
  );
}
