// The Pareto front of a multi-objective study, from the objective vectors the coordinator stores
// in Trial.values (study-file order). The front itself is @automl/search's paretoFront (the code
// the sampler and the CLI use): O(n log n) for two objectives, pairwise for more. With two
// objectives SQL finds the front first (a grouped running minimum, below), so that 100k trials
// do not cross the wire to find a front of dozens.
import type { Db } from "@automl/db/client";
import { paretoFront } from "@automl/search";
import type { StudyObjective } from "./study-spec";

export interface FrontTrial {
  number: number;
  values: number[];
}

/**
 * The COMPLETED trials no other COMPLETED trial beats on every objective, by trial number.
 * Trials whose vector has the wrong length (stored before the objectives were known) are left
 * out; a non-finite value keeps a trial off the front (paretoFront ranks those last). Empty for a
 * single-objective study.
 */
export async function paretoFrontTrials(db: Db, studyId: string, objectives: readonly StudyObjective[]): Promise<FrontTrial[]> {
  if (objectives.length < 2) return [];
  if (objectives.length === 2) return front2d(db, studyId, objectives);
  const rows = await db.trial.findMany({
    where: { studyId, status: "COMPLETED", NOT: { values: { isEmpty: true } } },
    select: { number: true, values: true },
    orderBy: { number: "asc" },
  });
  const scored = rows.filter((r) => r.values.length === objectives.length);
  return paretoFront(scored.map((r) => r.values), objectives.map((o) => o.direction)).map((i) => scored[i]!);
}

/**
 * Two objectives, minimize form s = ±value. A trial is dominated iff another has a smaller s₀ and
 * an s₁ no larger, or the same s₀ and a smaller s₁. So: per distinct s₀ its smallest s₁ (GROUP
 * BY), the running minimum of those over strictly smaller s₀ (a ROWS frame that starts unbounded
 * Postgres aggregates incrementally, O(n log n) with the sort; a RANGE … EXCLUDE GROUP frame
 * would be recomputed per row, quadratic), and a trial survives iff it holds its group's minimum
 * and beats the running one. What survives is the front; paretoFront still has the last word.
 * Non-finite vectors are left out, as paretoFront leaves them off the front (abs(NaN) sorts
 * above 'Infinity' in Postgres).
 */
async function front2d(db: Db, studyId: string, objectives: readonly StudyObjective[]): Promise<FrontTrial[]> {
  const [d0, d1] = objectives.map((o) => (o.direction === "maximize" ? -1 : 1));
  const rows = await db.$queryRaw<FrontTrial[]>`
    WITH t AS (
      SELECT number, "values", ${d0}::float8 * "values"[1] AS s0, ${d1}::float8 * "values"[2] AS s1
      FROM "Trial"
      WHERE "studyId" = ${studyId} AND status = 'COMPLETED' AND cardinality("values") = 2
        AND abs("values"[1]) < 'Infinity'::float8 AND abs("values"[2]) < 'Infinity'::float8
    ), g AS (
      SELECT s0, min(s1) AS m FROM t GROUP BY s0
    ), r AS (
      SELECT s0, m, min(m) OVER (ORDER BY s0 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before
      FROM g
    )
    SELECT t.number, t."values" FROM t JOIN r USING (s0)
    WHERE t.s1 = r.m AND (r.before IS NULL OR r.before > t.s1)
    ORDER BY t.number`;
  return paretoFront(rows.map((r) => r.values), objectives.map((o) => o.direction)).map((i) => rows[i]!);
}
