import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { currentRole } from "../../../../lib/auth";
import { getDb } from "../../../../lib/db";
import { integer } from "../../../../lib/format";
import { getStudyHead, getStudyPlots } from "../../../../lib/queries";
import { Figure, ParallelCoordinates, XYChart } from "../../../charts";
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
  const [plots, role] = await Promise.all([getStudyPlots(db, study), currentRole()]);
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
            <Figure title="Pareto front: score against parameter count" testId="chart-pareto"
              note="Front: trials no smaller trial beats. Parameter axis is logarithmic.">
              <XYChart label={`CV ${study.metric} against parameter count, with the Pareto front`} xLabel="parameters" yLabel={`CV ${study.metric}`} logX
                series={[
                  { label: "trial", kind: "points", points: sample.map((s) => [s.paramCount, s.score]) },
                  { label: "Pareto front", kind: "step", color: "#2b8a3e", points: pareto.map((p) => [p.paramCount, p.score]) },
                ]} />
            </Figure>
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
          <p className="muted">Parameter importance and ablation effects appear once the search and ablation engines record them.</p>
        </>
      )}
    </>
  );
}
