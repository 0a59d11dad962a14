// `npm run build -w @automl/db`: the migrated PGlite data directory that new embedded databases
// start from (src/pgdata-template.ts). Fast when the template of the current key is already there.
import { buildTemplate } from "../src/pgdata-template";

const t0 = performance.now();
const { path, built } = await buildTemplate();
process.stdout.write(`${built ? "built" : "up to date"}: ${path} (${Math.round(performance.now() - t0)} ms)\n`);
