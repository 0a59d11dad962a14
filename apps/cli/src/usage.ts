/**
 * The CLI's help: one line per command with its arguments and flags. `automl help` prints it, and
 * apps/cli/test/docs.test.ts checks every `npx automl …` in the docs against it, so a command or
 * flag added here should be documented in docs/cli.md and vice versa.
 */
export const USAGE = `usage: automl <command>

  run <study-file> [--json] [--no-dashboard]   run a study to completion and print its leaderboard
  migrate                                      apply database migrations (needs AUTOML_DATABASE_URL)
  coordinator                                  serve the coordinator (needs AUTOML_DATABASE_URL, AUTOML_NATS_URL)
  worker                                       run a worker (needs AUTOML_NATS_URL, AUTOML_COORDINATOR_ADDR)
  dashboard                                    serve the dashboard (needs AUTOML_DATABASE_URL)
  study create <study-file> | list | show <id> | cancel <id>
  leaderboard <study-id> [--json]
  export-trials <study-id | name> [--format csv|jsonl] [-o <file>]
                                               one row per trial (params, CV folds, rung, timings) for pandas
  ablate <study-id | study-file> [--base <trial>] [--json] [--correction holm|bh]
                                               one-factor ablation of the best (or --base) trial, with corrected t-tests
  importance <study-id> [--json]               parameter importance (fANOVA) of a study (needs AUTOML_DATABASE_URL)
  token create --role <worker|client|viewer> [--name <name>] | list | revoke <id|name>
                                               gRPC role tokens: create prints the secret once (needs AUTOML_DATABASE_URL)
  refit <study-id|name> [--trial <id|#n>] [--json]
                                               train a trial (default: the best) on all rows into a model under AUTOML_HOME/models
  export-model <model> --format onnx|json -o <file>
                                               write a model as ONNX (opset 13, preprocessing inside) or as its JSON artifact
  predict <model> <file.csv> [-o <out.csv>] [--proba]
                                               predict every row of a CSV (streamed); <model> is an id, id prefix or .json file
  help                                         this list

Without AUTOML_DATABASE_URL, \`run\` uses the embedded stack (PGlite, in-memory queue, in-process workers).
Exit codes: 0 success, 2 bad input, 1 anything else.`;
