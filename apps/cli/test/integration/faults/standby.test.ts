import { describe, expect, it, onTestFinished } from "vitest";
import { freePort } from "@automl/common";
import { postgresAvailable } from "@automl/db/testing";
import { natsAvailable } from "@automl/messaging/testing";
import { automl, coordinatorPair, distributedSuite, stop, type Proc } from "../../support";
import { expectEachTrialOnce, leaderPid, studyEnd, TINY, tinyStudyFile, until, watchDispatches } from "../../faults";
import { CoordinatorApi } from "../../../src/client";

const available = (await postgresAvailable()) && (await natsAvailable());

const TRIALS = 60;
// 2 folds × 30 epochs on 20,000 rows make a trial train for a second or two (epochs are reported
// in batches, so reports alone no longer slow it): the study is still running after three takeovers.
const EPOCHS = 30;
const ROWS = 20_000;
const LEASE_MS = "2000";

async function httpGet(addr: string, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://${addr}${path}`);
  return { status: res.status, body: await res.text() };
}

/** automl_coordinator_leader of the coordinator whose health server is at `addr`. */
async function leaderGauge(addr: string): Promise<number> {
  const m = /^automl_coordinator_leader(?:\{[^}]*\})? (\d)/m.exec((await httpGet(addr, "/metrics")).body);
  return Number(m?.[1]);
}

/**
 * Two `automl coordinator` processes on one database: one leads (schedules), the other stands
 * by and serves every RPC. Workers reach whichever is up. The leader is SIGKILLed three times
 * mid-study (each time the standby takes over and the killed one comes back as the standby);
 * then a leader is paused (SIGSTOP) past its lease and resumed: it must not schedule again.
 */
describe.skipIf(!available)("a standby coordinator", () => {
  const suite = distributedSuite({ AUTOML_ACK_WAIT_MS: "3000", AUTOML_LEADER_LEASE_MS: LEASE_MS });

  it("takes over each time the leader is killed: the study completes once, nothing dispatched twice", async () => {
    const { db, env, procs, names } = suite;
    const pair = await coordinatorPair(env);
    const health = [`127.0.0.1:${await freePort()}`, `127.0.0.1:${await freePort()}`];
    const coordinators: Proc[] = [];
    const start = async (i: 0 | 1) => {
      coordinators[i] = await pair.start(i, { AUTOML_HEALTH_LISTEN: health[i]!, AUTOML_LOG_LEVEL: "info" });
      procs.push(coordinators[i]!);
    };
    await start(0);
    await until(async () => (await leaderPid(db)) === coordinators[0]!.child.pid, "coordinator 0 to lead");
    await start(1);
    // Both ready (one holds, one waits); exactly one leads.
    for (const h of health) expect((await httpGet(h, "/readyz")).status).toBe(200);
    expect([await leaderGauge(health[0]!), await leaderGauge(health[1]!)]).toEqual([1, 0]);

    const dispatches = await watchDispatches(env.AUTOML_NATS_URL!, names);
    onTestFinished(async () => {
      await dispatches.close().catch(() => {});
      // The next test brings coordinators of its own.
      for (const p of procs.splice(0)) await stop(p);
    });
    procs.push(automl(["worker"], pair.workerEnv), automl(["worker"], pair.workerEnv));
    const api = new CoordinatorApi(pair.workerEnv.AUTOML_COORDINATOR_ADDR);
    const study = await api.createStudy(tinyStudyFile("standby", { trials: TRIALS, parallel: 4, epochs: EPOCHS, rows: ROWS }));
    api.close();
    const finished = () => db.trial.count({ where: { studyId: study.id, status: { notIn: ["QUEUED", "RUNNING"] } } });

    const leaders: number[] = [];
    // Each kill a few trials after the previous takeover, while trials are in flight.
    let after = 4;
    for (let kill = 0; kill < 3; kill++) {
      await until(
        async () => (await finished()) >= after && (await db.trial.count({ where: { studyId: study.id, status: { in: ["QUEUED", "RUNNING"] } } })) > 0,
        () => `${after} finished trials and one in flight; logs:\n${procs.map((p) => p.stderr().slice(-1200)).join("\n---\n")}`,
      );
      const pid = await until(() => leaderPid(db), "a leader");
      const i = coordinators.findIndex((c) => c.child.pid === pid) as 0 | 1;
      expect(i, `leader pid ${pid} is one of ours`).toBeGreaterThanOrEqual(0);
      leaders.push(i);
      coordinators[i]!.child.kill("SIGKILL");
      await coordinators[i]!.exited;
      // The standby takes over once the killed leader's lease expired; then the killed one returns as the standby.
      const other = coordinators[1 - i]!.child.pid;
      await until(async () => (await leaderPid(db)) === other, "the standby to take over");
      await start(i);
      after = (await finished()) + 3;
    }
    // The leadership alternated: each kill hit the coordinator that led at that moment.
    expect(leaders).toEqual([0, 1, 0]);

    expect(await studyEnd(db, study.id, 300_000, procs)).toBe("COMPLETED");
    await expectEachTrialOnce(db, study.id, { trials: TRIALS, folds: TINY.folds, epochs: EPOCHS, allCompleted: true });
    // Every trial published, none under a message id JetStream stored twice: the stream stored
    // exactly one message per distinct dispatch, whatever copies new leaders re-published.
    const ids = dispatches.ids();
    const trialIds = new Set((await db.trial.findMany({ where: { studyId: study.id }, select: { id: true } })).map((t) => t.id));
    expect(new Set(ids.map((id) => id.split(":")[0]))).toEqual(trialIds);
    const distinct = new Set(ids);
    expect(await dispatches.stored()).toBe(distinct.size);
    // A second dispatch of a trial happens only for a silent trial the sweep re-sent (none here
    // unless a trial outlived four ack waits); each trial's first dispatch is one message.
    const redispatched = [...distinct].filter((id) => !id.endsWith(":1"));
    console.log(`standby: ${ids.length} publishes, ${distinct.size} distinct dispatches, ${redispatched.length} sweep re-dispatches`);
    for (const id of redispatched) {
      const [trialId, n] = id.split(":");
      const t = await db.trial.findUniqueOrThrow({ where: { id: trialId! } });
      expect(t.attempt, `trial ${t.number} re-dispatched as ${n}`).toBeGreaterThanOrEqual(Number(n) - 1);
    }
    await dispatches.close();
  }, 480_000);

  it("a leader paused past its lease does not schedule when it resumes", async () => {
    const { db, env, procs } = suite;
    const pair = await coordinatorPair(env);
    const a = await pair.start(0);
    procs.push(a);
    await until(async () => (await leaderPid(db)) === a.child.pid, "coordinator a to lead");
    const b = await pair.start(1);
    procs.push(b);
    // No worker: trials stay QUEUED, so every trial row is a scheduling decision to attribute.
    const api = new CoordinatorApi(pair.workerEnv.AUTOML_COORDINATOR_ADDR);
    const first = await api.createStudy(tinyStudyFile("paused-leader", { trials: 6, parallel: 2 }));
    await until(async () => (await db.trial.count({ where: { studyId: first.id } })) === 2, "a's two trials");

    api.close();
    a.child.kill("SIGSTOP");
    await until(async () => (await leaderPid(db)) === b.child.pid, "b to take over");
    // Cancel the study through b and create another: b schedules the new one. (Straight to b: a
    // paused process keeps its connections open, and calls on them wait for it.)
    const toB = new CoordinatorApi(pair.addrs[1]!);
    await toB.cancelStudy(first.id);
    const second = await toB.createStudy(tinyStudyFile("after-takeover", { trials: 6, parallel: 3 }));
    await until(async () => (await db.trial.count({ where: { studyId: second.id } })) === 3, "b's three trials");

    a.child.kill("SIGCONT");
    // a wakes with timers due and a lease it believes it may still hold: it must find out it lost
    // it (logged), and nothing it does may add a trial or finish a study.
    await until(async () => /scheduler lease lost: standing by/.test(a.stderr()), () => `a to notice: ${a.stderr().slice(-800)}`, 30_000);
    await new Promise((r) => setTimeout(r, 3_000));
    expect(await leaderPid(db)).toBe(b.child.pid);
    expect(await db.trial.count({ where: { studyId: second.id } })).toBe(3);
    expect((await db.study.findUniqueOrThrow({ where: { id: second.id } })).status).toBe("RUNNING");
    // b still schedules: stopping it hands the lease back to a, which then leads.
    await toB.cancelStudy(second.id);
    toB.close();
    b.child.kill("SIGTERM");
    await b.exited;
    await until(async () => (await leaderPid(db)) === a.child.pid, "a to lead again once b stopped");
  }, 240_000);
});
