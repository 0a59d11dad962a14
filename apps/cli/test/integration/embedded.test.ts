import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { automl } from "../support";

/**
 * The zero-setup path behind `npm start`: no URLs, so PGlite, the in-memory queue, the
 * coordinator and training threads all run inside the one `automl run` process.
 */
describe("embedded stack", () => {
  const home = mkdtempSync(join(tmpdir(), "automl-home-"));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it("runs a CSV study in place and stores it under AUTOML_HOME", async () => {
    // The inherited environment has no AUTOML_DATABASE_URL / AUTOML_NATS_URL: embedded mode.
    const run = automl(["run", "examples/loans-csv.yaml", "--json", "--no-dashboard"], { AUTOML_HOME: home });
    expect(await run.exited, run.stderr()).toBe(0);
    const out = JSON.parse(run.stdout()) as { study: { status: string; counts: Record<string, number> }; trials: { status: string; cv: { mean: number; folds: number[] } }[]; best: { cv: { mean: number } } };
    expect(out.study.status).toBe("COMPLETED");
    expect(out.study.counts).toEqual({ COMPLETED: 12 });
    expect(out.trials.every((t) => t.cv.folds.length === 5)).toBe(true);
    expect(out.best.cv.mean).toBeGreaterThan(0.85);
    expect(existsSync(join(home, "pgdata", "PG_VERSION"))).toBe(true);
  }, 240_000);
});
