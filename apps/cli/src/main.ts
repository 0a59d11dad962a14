import { availableParallelism } from "node:os";
import { parseArgs } from "node:util";
import { AppError, createLogger, exitCodeOf, grpcClientSecurity, startHealthServer, type Logger } from "@automl/common";
import { natsCredentials, natsTls } from "@automl/messaging";
import { StudyStatus } from "@automl/proto";
import { refreshImportance } from "@automl/coordinator";
import { CoordinatorApi } from "./client";
import { startDashboard } from "./dashboard";
import { parseEnv, type CliEnv } from "./env";
import { leaderboardTable, objectivesOf, progressLine, studyJson } from "./format";
import { migrate, startDistributedCoordinator, startDistributedWorker, startEmbeddedStack } from "./stack";
import { prepareStudyFile, type DatasetDelivery } from "./study-input";
import { ablate, importance } from "./ablate";
import { exportTrialsCommand } from "./export-trials";
import { USAGE } from "./usage";
import { token } from "./tokens";
import { exportModelCommand, predictCommand, refitCommand, refitStudy, refitSummary, refitThroughWorker, type RefitResult } from "./models";
import { storedStudyFile } from "@automl/coordinator";


/** Dataset files go by upload in the distributed mode, in place in the embedded one. */
function studyText(path: string | undefined, env: CliEnv): Promise<string> {
  if (!path) throw new AppError("INVALID_ARGUMENT", "a study file path is required");
  const delivery: DatasetDelivery = env.AUTOML_DATABASE_URL ? { mode: "upload", natsUrl: env.AUTOML_NATS_URL, credentials: natsCredentials(env), tls: natsTls(env) } : { mode: "embedded" };
  return prepareStudyFile(path, delivery);
}

const tokensConfigured = (env: CliEnv) => Boolean(env.AUTOML_DASHBOARD_ADMIN_TOKEN || env.AUTOML_DASHBOARD_VIEWER_TOKEN);

/** Resolves on SIGINT/SIGTERM. */
function untilSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
}

/** Creates the study, shows progress on stderr until it ends, prints the result on stdout. */
/** `onFinished` runs once the study stopped running, before the result is printed. */
async function followStudy(api: CoordinatorApi, studyFile: string, json: boolean, onFinished?: (studyId: string) => Promise<void>): Promise<number> {
  let study = await api.createStudy(studyFile);
  const tty = process.stderr.isTTY;
  let last = "";
  while (study.status === StudyStatus.STUDY_STATUS_RUNNING) {
    const line = progressLine(study);
    if (line !== last) {
      process.stderr.write(tty ? `\r\x1b[K${line}` : `${line}\n`);
      last = line;
    }
    await new Promise((r) => setTimeout(r, 400));
    study = await api.getStudy(study.id);
  }
  process.stderr.write(tty ? `\r\x1b[K${progressLine(study)}\n` : `${progressLine(study)}\n`);
  await onFinished?.(study.id);
  if (json) {
    const trials = await api.listTrials(study.id, false);
    process.stdout.write(`${JSON.stringify(studyJson(study, trials), null, 2)}\n`);
  } else {
    // A Pareto front needs every completed trial, not only the top of the first objective.
    const ranked = await api.listTrials(study.id, true, objectivesOf(study).length > 1 ? 0 : 15);
    process.stdout.write(`\n${leaderboardTable(study, ranked, 15)}\n`);
  }
  return study.status === StudyStatus.STUDY_STATUS_COMPLETED ? 0 : 1;
}

async function run(args: string[], env: CliEnv, log: Logger): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: "boolean" }, "no-dashboard": { type: "boolean" } } });
  const studyFile = await studyText(positionals[0], env);
  if (env.AUTOML_DATABASE_URL) {
    // Distributed mode: a coordinator (and workers) already run against Postgres and NATS.
    const api = new CoordinatorApi(env.AUTOML_COORDINATOR_ADDR, grpcClientSecurity(env));
    let model: RefitResult | undefined;
    // `final: { refit: true }`: a refit job for a worker once the study completed (models.ts).
    const finish = async (id: string) => {
      const s = await api.getStudy(id);
      if (s.status !== StudyStatus.STUDY_STATUS_COMPLETED || !storedStudyFile(JSON.parse(s.specJson)).final?.refit) return;
      model = await refitThroughWorker(env, id, undefined).catch((err: unknown) => {
        process.stderr.write(`refit failed: ${err instanceof Error ? err.message : String(err)}\n`);
        return undefined;
      });
    };
    try {
      const code = await followStudy(api, studyFile, values.json ?? false, finish);
      if (model && !values.json) process.stdout.write(`\n${refitSummary(model)}\n`);
      return code;
    } finally {
      api.close();
    }
  }
  // One training thread per core; the main thread keeps PGlite, the coordinator and the queue.
  const stack = await startEmbeddedStack(env, log, Math.max(1, availableParallelism()));
  const api = new CoordinatorApi(stack.coordinatorAddr, stack.coordinatorSecurity);
  try {
    // The embedded database is at hand: store the study's parameter importance for the dashboard.
    const importanceOf = (id: string) => refreshImportance(stack.db, id).then(() => undefined, (err: unknown) => log.warn({ err, studyId: id }, "parameter importance not computed"));
    // `final: { refit: true }`: the best trial trained on all rows into a model, once the study completed.
    let model: RefitResult | undefined;
    const finish = async (id: string) => {
      await importanceOf(id);
      const s = await stack.db.study.findUnique({ where: { id } });
      if (!s || s.status !== "COMPLETED" || !storedStudyFile(s.spec).final?.refit) return;
      process.stderr.write("refitting the best trial on all rows …\n");
      model = await refitStudy(stack.db, id, undefined, env, log).catch((err: unknown) => {
        process.stderr.write(`refit failed: ${err instanceof Error ? err.message : String(err)}\n`);
        return undefined;
      });
    };
    const code = await followStudy(api, studyFile, values.json ?? false, finish);
    if (model && !values.json) process.stdout.write(`\n${refitSummary(model)}\n`);
    if (values["no-dashboard"] || values.json) return code;
    const dash = await startDashboard({
      databaseUrl: stack.databaseUrl,
      coordinatorAddr: stack.coordinatorAddr,
      grpcToken: stack.coordinatorSecurity.token,
      port: env.AUTOML_DASHBOARD_PORT,
      host: "127.0.0.1",
      protectedByTokens: tokensConfigured(env),
    });
    process.stderr.write(`\ndashboard: ${dash.url}  (Ctrl-C to stop)\n`);
    await Promise.race([untilSignal(), new Promise((r) => dash.child.once("exit", r))]);
    await dash.stop();
    return code;
  } finally {
    api.close();
    await stack.stop();
  }
}

async function study(args: string[], env: CliEnv): Promise<number> {
  const [sub, arg] = args;
  const api = new CoordinatorApi(env.AUTOML_COORDINATOR_ADDR, grpcClientSecurity(env));
  try {
    switch (sub) {
      case "create": {
        const s = await api.createStudy(await studyText(arg, env));
        process.stdout.write(`${s.id}\n`);
        return 0;
      }
      case "list": {
        for (const s of await api.listStudies()) process.stdout.write(`${s.id}  ${progressLine(s)}  ${StudyStatus[s.status].replace("STUDY_STATUS_", "").toLowerCase()}\n`);
        return 0;
      }
      case "show": {
        const s = await api.getStudy(arg ?? "");
        process.stdout.write(`${JSON.stringify(studyJson(s, []).study, null, 2)}\n`);
        return 0;
      }
      case "cancel": {
        const s = await api.cancelStudy(arg ?? "");
        process.stdout.write(`${progressLine(s)}  cancelled\n`);
        return 0;
      }
      default:
        throw new AppError("INVALID_ARGUMENT", `study: unknown subcommand ${sub ?? "(none)"}; expected create, list, show or cancel`);
    }
  } finally {
    api.close();
  }
}

async function leaderboard(args: string[], env: CliEnv): Promise<number> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { json: { type: "boolean" } } });
  const api = new CoordinatorApi(env.AUTOML_COORDINATOR_ADDR, grpcClientSecurity(env));
  try {
    const s = await api.getStudy(positionals[0] ?? "");
    const ranked = await api.listTrials(s.id, true);
    process.stdout.write(values.json ? `${JSON.stringify(studyJson(s, ranked), null, 2)}\n` : `${leaderboardTable(s, ranked)}\n`);
    return 0;
  } finally {
    api.close();
  }
}

async function exportTrials(args: string[], env: CliEnv): Promise<number> {
  const api = new CoordinatorApi(env.AUTOML_COORDINATOR_ADDR, grpcClientSecurity(env));
  try {
    return await exportTrialsCommand(args, api);
  } finally {
    api.close();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const env = parseEnv(process.env);
  const log = createLogger("automl", env.AUTOML_LOG_LEVEL === "info" && (command === "run" || command === "ablate" || command === "token" || command === "refit") ? "warn" : env.AUTOML_LOG_LEVEL);
  switch (command) {
    case "run":
      return run(rest, env, log);
    case "migrate": {
      await migrate(env, log);
      return 0;
    }
    case "coordinator": {
      const c = await startDistributedCoordinator(env, log);
      const health = env.AUTOML_HEALTH_LISTEN ? await startHealthServer(env.AUTOML_HEALTH_LISTEN, c.ready, c.coordinator.metrics) : undefined;
      await untilSignal();
      await health?.close();
      await c.stop();
      return 0;
    }
    case "worker": {
      const w = await startDistributedWorker(env, log);
      const health = env.AUTOML_HEALTH_LISTEN ? await startHealthServer(env.AUTOML_HEALTH_LISTEN, () => w.consuming(), w.metrics) : undefined;
      await untilSignal();
      await w.stop({ graceMs: env.AUTOML_SHUTDOWN_GRACE_MS });
      await w.close();
      await health?.close();
      return 0;
    }
    case "dashboard": {
      if (!env.AUTOML_DATABASE_URL) throw new AppError("INVALID_ARGUMENT", "AUTOML_DATABASE_URL: required for the dashboard");
      const d = await startDashboard({
        databaseUrl: env.AUTOML_DATABASE_URL,
        coordinatorAddr: env.AUTOML_COORDINATOR_ADDR,
        port: env.AUTOML_DASHBOARD_PORT,
        host: env.AUTOML_DASHBOARD_HOST,
        protectedByTokens: tokensConfigured(env),
      });
      process.stderr.write(`dashboard: ${d.url}\n`);
      await Promise.race([untilSignal(), new Promise((r) => d.child.once("exit", r))]);
      await d.stop();
      return 0;
    }
    case "study":
      return study(rest, env);
    case "ablate":
      return ablate(rest, env, log);
    case "importance":
      return importance(rest, env);
    case "leaderboard":
      return leaderboard(rest, env);
    case "export-trials":
      return exportTrials(rest, env);
    case "token":
      return token(rest, env, log);
    case "refit":
      return refitCommand(rest, env, log);
    case "export-model":
      return exportModelCommand(rest, env);
    case "predict":
      return predictCommand(rest, env);
    case undefined:
    case "help":
    case "--help":
      process.stdout.write(`${USAGE}\n`);
      return command === undefined ? 2 : 0;
    default:
      throw new AppError("INVALID_ARGUMENT", `unknown command ${command}\n${USAGE}`);
  }
}

// process.exit drops what a pipe has not taken yet (a large --json document): exit once stdout has drained.
const exitAfterOutput = (code: number) => process.stdout.write("", () => process.exit(code));

main(process.argv.slice(2)).then(
  (code) => exitAfterOutput(code),
  (err: unknown) => {
    const code = err instanceof AppError ? exitCodeOf(err.code) : 1;
    process.stderr.write(`automl: ${err instanceof Error ? err.message : String(err)}\n`);
    exitAfterOutput(code);
  },
);
