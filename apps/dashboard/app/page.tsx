import Link from "next/link";
import { currentRole } from "../lib/auth";
import { getDb } from "../lib/db";
import { fixed4, integer, objective, timestamp } from "../lib/format";
import { listStudies } from "../lib/queries";
import { LiveRefresh } from "./live-refresh";
import { StatusBadge } from "./status-badge";
import { CreateStudyForm } from "./study-forms";

// Always read the database per request; nothing here can be prerendered at build time.
export const dynamic = "force-dynamic";

export default async function StudiesPage() {
  const [studies, role] = await Promise.all([listStudies(getDb()), currentRole()]);
  return (
    <>
      <div className="study-head">
        <h1>Studies</h1>
        <LiveRefresh active={studies.some((s) => s.status === "RUNNING")} />
      </div>
      {studies.length === 0 ? (
        <p className="empty">
          No studies yet. Start one with <code>npx automl run examples/xor.yaml</code>{role === "admin" ? " or below" : ""}.
        </p>
      ) : (
        <div className="table-wrap">
          <table data-testid="studies">
            <caption className="visually-hidden">Studies, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Task</th>
                <th scope="col">Objective</th>
                <th scope="col">Progress</th>
                <th scope="col" className="num">Best CV</th>
                <th scope="col">Started</th>
                <th scope="col">Finished</th>
              </tr>
            </thead>
            <tbody>
              {studies.map((s) => (
                <tr key={s.id}>
                  <th scope="row">
                    <Link href={`/studies/${encodeURIComponent(s.id)}`}>{s.name}</Link>
                  </th>
                  <td><StatusBadge status={s.status} /></td>
                  <td>{s.task}</td>
                  <td>{objective(s.metric, s.direction)}</td>
                  <td>
                    <div className="progress">
                      <progress
                        value={Math.min(s.finished, s.budgetTrials)}
                        max={Math.max(s.budgetTrials, 1)}
                        aria-label={`${s.name}: ${s.finished} of ${s.budgetTrials} trials finished`}
                      />
                      <span className="num">
                        {integer(s.finished)} / {integer(s.budgetTrials)}
                      </span>
                      {s.running > 0 && <span className="muted">{integer(s.running)} running</span>}
                    </div>
                  </td>
                  <td className="num">{fixed4(s.best)}</td>
                  <td>
                    <time dateTime={s.createdAt.toISOString()}>{timestamp(s.createdAt)}</time>
                  </td>
                  <td>{s.finishedAt ? <time dateTime={s.finishedAt.toISOString()}>{timestamp(s.finishedAt)}</time> : "—"}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {/* Viewers never get the form; the action refuses them anyway. */}
      {role === "admin" && <CreateStudyForm />}
    </>
  );
}
