import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { currentRole } from "../../../../lib/auth";
import { getDb } from "../../../../lib/db";
import { integer } from "../../../../lib/format";
import { getImportance } from "../../../../lib/ablations";
import { getStudyHead, getStudyPlots, type StudyHead, type StudyPlots } from "../../../../lib/queries";
import { objectiveLabel } from "../../../../lib/study-spec";
import { Figure, ParallelCoordinates, XYChart } from "../../../charts";
import { ImportanceList } from "../../../importance-list";
import { StudyHeader } from "../study-header";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ id: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const study = await getStudyHead(getDb(), (await params).id);
  return { title: study ? `${study.name} plots` : "Study not found" };
}

export default async function PlotsPage({ params }: Props) {
  const db = getDb();
  const study = await getStudyHead(db, (await params).id);
  if (!study) notFound();
  const [plots, role, importance] = await Promise.all([getStudyPlots(db, study), currentRole(), getImportance(db, study.id)]);
  const { history, pareto, sample } = plots;
  const thinned = sample.length < plots.completed;
  const activations = [...new Set(sample.map((s) => s.activation))].sort();
  return (
    <>
      <StudyHeader study={study} tab="plots" isAdmin={role === "admin"} />
      {plots.completed === 0 ? <p className="empty">No completed trials yet.</p> : (
        <>
          <p className="muted">
            {integer(plots.completed)} completed trials{thinned ? `; scatter plots show an evenly spaced sample of ${integer(sample.length)} plus every improvement and the whole Pareto front` : ""}.
          </p>
          <div className="charts">
            <Figure title="Optimization history" testId="chart-history">
              <XYChart label={`CV ${study.metric} of each trial and the best so far, by trial number`} xLabel="trial number" yLabel={`CV ${study.metric}`}
                series={[
                  { label: "trial", kind: "points", points: history.map((h) => [h.number, h.score]) },
                  { label: "best so far", kind: "step", color: "#d9480f", points: history.map((h) => [h.number, h.best]) },
                ]} />
            </Figure>
            {study.objectives.length > 1 ? <ObjectivesFront study={study} plots={plots} /> : (
              <Figure title="Pareto front: score against parameter count" testId="chart-pareto"
                note="Front: trials no smaller trial beats. Parameter axis is logarithmic.">
                <XYChart label={`CV ${study.metric} against parameter count, with the Pareto front`} xLabel="parameters" yLabel={`CV ${study.metric}`} logX
                  series={[
                    { label: "trial", kind: "points", points: sample.map((s) => [s.paramCount, s.score]) },
                    { label: "Pareto front", kind: "step", color: "#2b8a3e", points: pareto.map((p) => [p.paramCount, p.score]) },
                  ]} />
              </Figure>
            )}
          </div>
          <Figure title="Parallel coordinates (colour: CV score, darker/orange = better)" testId="chart-parallel"
            note={`Activation axis: ${activations.map((a, i) => `${i} = ${a}`).join(", ")}.`}>
            <ParallelCoordinates label="Hyperparameters of each sampled trial, linked across axes, coloured by score"
              axes={[
                { label: "depth", values: sample.map((s) => s.depth) },
                { label: "mean width", values: sample.map((s) => s.widthMean), log: true },
                { label: "activation", values: sample.map((s) => activations.indexOf(s.activation)) },
                { label: "learning rate", values: sample.map((s) => s.learningRate), log: true },
                { label: "batch size", values: sample.map((s) => s.batchSize), log: true },
                { label: "parameters", values: sample.map((s) => s.paramCount), log: true },
                { label: `CV ${study.metric}`, values: sample.map((s) => study.direction === "minimize" ? -s.score : s.score) },
              ]} />
          </Figure>
          {/* The same importance the study page shows (one query, one component): never "missing" on one and shown on the other. */}
          <h2>Parameter importance</h2>
          <ImportanceList importance={importance} />
        </>
      )}
    </>
  );
}

/**
 * Multi-objective studies: the first two objectives (y = first, x = second, as the score-vs-size
 * chart), every sampled trial, and the trials on the front of all the objectives drawn larger.
 * With exactly two objectives the front is also joined as a staircase.
 */
function ObjectivesFront({ study, plots }: { study: StudyHead; plots: StudyPlots }) {
  const [oy, ox] = study.objectives as [StudyHead["objectives"][number], StudyHead["objectives"][number]];
  const n = study.objectives.length;
  const onFront = new Set(plots.front.map((t) => t.number));
  const xy = (v: number[]): [number, number] => [v[1]!, v[0]!];
  const rest = plots.sample.filter((s) => s.values.length === n && !onFront.has(s.number));
  const front = [...plots.front].sort((a, b) => a.values[1]! - b.values[1]! || a.values[0]! - b.values[0]!);
  const numbers = plots.front.map((t) => `#${t.number}`).join(", ");
  return (
    <Figure title={`Pareto front: ${oy.metric} against ${ox.metric}`} testId="chart-pareto"
      note={<>
        Front: trials no other trial beats on every objective ({study.objectives.map((o) => `${o.metric} ${o.direction === "maximize" ? "↑" : "↓"}`).join(", ")}
        {n > 2 ? "; the axes show the first two" : ""}){ox.metric === "params" || oy.metric === "params" ? "; the parameter axis is logarithmic" : ""}.{" "}
        <span data-testid="front-trials">{plots.front.length} on the front: {numbers || "none yet"}</span>
      </>}>
      <XYChart label={`${objectiveLabel(oy)} against ${objectiveLabel(ox)}, with the Pareto front`} xLabel={objectiveLabel(ox)} yLabel={objectiveLabel(oy)}
        logX={ox.metric === "params"} logY={oy.metric === "params"}
        series={[
          { label: "trial", kind: "points", points: rest.map((s) => xy(s.values)), titles: rest.map((s) => `#${s.number}`) },
          ...(n === 2 ? [{ label: "Pareto front", kind: "step" as const, color: "#2b8a3e", points: front.map((t) => xy(t.values)) }] : []),
          { label: "on the front", kind: "points", color: "#2b8a3e", r: 4.5, points: front.map((t) => xy(t.values)), titles: front.map((t) => `#${t.number}`) },
        ]} />
    </Figure>
  );
}
