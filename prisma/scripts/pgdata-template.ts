// `npm run build -w @automl/db`: the migrated PGlite data directory that new embedded databases
// start from (src/pgdata-template.ts). Fast when the template of the current key is already there.
// Best effort: without a template new databases are made with initdb, as before, so a failure
// here (a read-only tree, a full disk) is reported and does not fail the build.
import { buildTemplate } from "../src/pgdata-template";

const t0 = performance.now();
try {
  const { path, built } = await buildTemplate();
  process.stdout.write(`${built ? "built" : "up to date"}: ${path} (${Math.round(performance.now() - t0)} ms)\n`);
} catch (err) {
  process.stdout.write(`@automl/db: no data-directory template (${err instanceof Error ? err.message : String(err)}); new embedded databases run initdb\n`);
}
