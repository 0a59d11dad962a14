// The Pareto front of a multi-objective study, from the objective vectors the coordinator stores
// in Trial.values (study-file order). The front itself is @automl/search's paretoFront (the code
// the sampler and the CLI use): O(n log n) for two objectives, pairwise for more.
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
  const rows = await db.trial.findMany({
    where: { studyId, status: "COMPLETED", NOT: { values: { isEmpty: true } } },
    select: { number: true, values: true },
    orderBy: { number: "asc" },
  });
  const scored = rows.filter((r) => r.values.length === objectives.length);
  return paretoFront(scored.map((r) => r.values), objectives.map((o) => o.direction)).map((i) => scored[i]!);
}
