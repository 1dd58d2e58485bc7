/**
 * The runbooks end to end on the simulated farm (issue 5), with the real agents, a real SQLite journal and the
 * invariant checker: xen1 crashes, failover to xen2; xen1 comes back, the resync runs, failback; a planned
 * switchover and back; the refusals; and a panel that dies in the middle of a failover.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../lib/db";
import type { FarmService } from "../../lib/farm/farm-service";
import type { RunbookEngine } from "../../lib/runbooks/engine";
import type { JobView } from "../../lib/runbooks/types";
import { applyFault, type TFault } from "../../agents/sim/faults";
import type { AppError } from "../../lib/errors";
import { createTempSimFarm, waitFor, waitForWholeFarm, type TempSimFarm } from "../helpers/sim";
import {
  finished,
  migratedDb,
  runbookRequest as request,
  startPanel as startPanelOn,
} from "../helpers/runbooks";

const SPEED = 20;

let farm: TempSimFarm;
let db: Db;
let service: FarmService;
let engine: RunbookEngine;

const startPanel = () => startPanelOn(farm, db);

beforeAll(async () => {
  farm = createTempSimFarm();
  farm.store.setSpeed(SPEED);
  db = migratedDb(farm);
  ({ service, engine } = startPanel());
  await service.start();
  await waitForWholeFarm(service, 20_000);
}, 60_000);
afterAll(async () => {
  service?.stop();
  await db?.$disconnect();
  farm?.remove();
});

const fault = (f: TFault) => farm.store.update((w) => applyFault(w, f));
const world = () => farm.store.read();
const refusal = async (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error("expected a refusal");
    },
    (e: AppError) => e,
  );

const failedStep = (job: JobView) => job.steps.find((s) => s.status === "failed");
const runningOn = (host: string) =>
  Object.values(world().vms)
    .filter((v) => v.host === host && v.domId !== null)
    .map((v) => v.name)
    .sort();

describe("failover, failback, switchover on the simulated farm", () => {
  it("refuses a failover away from a host that answers: that is a switchover", async () => {
    const { plan } = (await engine.submit(
      request({ kind: "failover", from: "xen1", to: "xen2", dryRun: true }),
    )) as {
      plan: { blockers: Array<{ rule: string }> };
    };
    // Also refused by the promotion gate: xen1 is Primary for r1 and r3.
    expect(plan.blockers.map((b) => b.rule)).toEqual(["source-reachable", "two-primaries", "two-primaries"]);
    const err = await refusal(engine.submit(request({ kind: "failover", from: "xen1", to: "xen2" })));
    expect(err.code).toBe("CONFLICT");
    expect(await db.job.count()).toBe(0);
  });

  it("xen1 crashes: the plan waits for the operator to confirm it is off, then shows steps and the memory plan", async () => {
    fault({ action: "crash", host: "xen1" });
    await waitFor(
      () => service.getView().hosts.find((h) => h.name === "xen1")?.reachable === false,
      10_000,
      "xen1 down",
    );
    const unconfirmed = await engine.plan(request({ kind: "failover", from: "xen1", to: "xen2" }));
    expect(unconfirmed.blockers.map((b) => `${b.resource}:${b.rule}`)).toEqual([
      "r1:confirm-peer-down",
      "r3:confirm-peer-down",
    ]);
    const plan = await engine.plan(
      request({ kind: "failover", from: "xen1", to: "xen2", confirmDown: true }),
    );
    expect(plan.blockers).toEqual([]);
    expect(plan.resources).toEqual(["r1", "r3"]);
    expect(plan.memory?.fits).toBe(true);
    expect(plan.memory!.totalAfterMiB).toBeLessThanOrEqual(plan.memory!.capacityMiB);
    const started = plan.memory!.incoming.filter((i) => i.startMiB !== null).map((i) => i.name);
    expect(started.sort()).toEqual(["cron1", "db1", "irc1"]); // the required ones (default policy)
    expect(plan.steps.slice(0, 3).map((s) => s.key)).toEqual([
      "promote:r1@xen2",
      "fsck:r1@xen2",
      "mount:r1@xen2",
    ]);
    expect(plan.steps.find((s) => s.key === "promote:r1@xen2")?.commands).toEqual([
      ["drbdadm", "primary", "r1"],
    ]);
    expect(Object.keys(plan.memory!.explanations)).toHaveLength(6 + 7);
    expect(await db.job.count()).toBe(0); // planning changes nothing
  });

  it("fails over: r1 and r3 Primary and mounted on xen2, the required VMs running there within its memory", async () => {
    const { jobId } = (await engine.submit(
      request({ kind: "failover", from: "xen1", to: "xen2", confirmDown: true }),
    )) as { jobId: string };
    // One job at a time per host: a second request is refused and changes nothing.
    const second = await refusal(
      engine.submit(request({ kind: "failover", from: "xen1", to: "xen2", confirmDown: true })),
    );
    expect(second.code).toBe("CONFLICT");
    expect(second.details.rule).toBe("job-running");
    const job = await finished(engine, jobId);
    expect(failedStep(job)).toBeUndefined();
    expect(job.status).toBe("succeeded");
    const w = world();
    for (const r of ["r1", "r3"])
      expect(w.resources[r]!.sides["xen2"]).toMatchObject({ role: "Primary", mounted: true });
    expect(runningOn("xen2")).toEqual([
      "admin2",
      "cron1",
      "db1",
      "ftp1",
      "irc1",
      "lvs2",
      "mail2",
      "web-ssl2",
      "web1",
    ]);
    const used = Object.values(w.vms)
      .filter((v) => v.host === "xen2" && v.domId !== null)
      .reduce((s, v) => s + v.memoryMiB, 0);
    expect(used).toBeLessThanOrEqual(8192 - 1024);
    // The journal has every command with its exit code.
    const promote = job.steps.find((s) => s.key === "promote:r1@xen2")!;
    expect(promote.commands.map((c) => [c.argv.slice(-2), c.exitCode])).toContainEqual([
      ["primary", "r1"],
      0,
    ]);
    expect(job.report?.summary).toContain("failover from xen1 to xen2 done");
    expect(job.report?.restoredAfter?.map((r) => r.vm).sort()).toEqual(["cron1", "db1", "irc1"]);
    expect(job.report?.downtime).toEqual([]); // when the VMs died is not the panel's to know
    expect(await db.incident.count({ where: { kind: "failover", closedAt: { not: null } } })).toBe(1);
    expect(farm.violations()).toEqual([]);
  }, 90_000);

  it("xen1 comes back: failback is refused while the resync runs, then brings every VM home with its memory", async () => {
    // While xen1 was down db1 wrote a lot on xen2 (500 MiB/s for a few simulated seconds): a long resync follows.
    fault({ action: "write-load", vm: "db1", kiBps: 500 * 1024 });
    await new Promise((r) => setTimeout(r, 500));
    fault({ action: "write-load", vm: "db1", kiBps: 16 });
    farm.store.update((w) => void (w.resources["r1"]!.resyncRateKiBps = 1024)); // a slow link: 1 MiB/s
    fault({ action: "power-on", host: "xen1" });
    // xen2 wrote while xen1 was down: r1 resyncs towards xen1 (a bitmap resync) as soon as they connect.
    expect(world().resources["r1"]!.resync).toMatchObject({ source: "xen2", target: "xen1" });
    await waitFor(
      () => service.getView().hosts.find((h) => h.name === "xen1")?.reachable === true,
      30_000,
      "xen1 back",
    );
    const during = await engine.plan(request({ kind: "failback", from: "xen2", to: "xen1" }));
    expect(during.blockers.map((b) => b.rule)).toContain("resync-running");
    // The link gets fast (the test would otherwise wait for a 1 MiB/s resync).
    farm.store.update((w) => {
      const sync = w.resources["r1"]!.resync;
      if (sync) sync.rateKiBps = 10 * 1024 * 1024;
    });
    await waitFor(
      () => Object.values(world().resources).every((r) => r.resync === null),
      90_000,
      "the resync to finish",
    );
    await waitFor(
      async () =>
        (await engine.plan(request({ kind: "failback", from: "xen2", to: "xen1" }))).blockers.length === 0,
      15_000,
      "failback allowed",
    );
    const { jobId } = (await engine.submit(request({ kind: "failback", from: "xen2", to: "xen1" }))) as {
      jobId: string;
    };
    const job = await finished(engine, jobId);
    expect(failedStep(job)).toBeUndefined();
    expect(job.status).toBe("succeeded");
    const w = world();
    for (const r of ["r1", "r3"]) {
      expect(w.resources[r]!.sides["xen1"]).toMatchObject({ role: "Primary", mounted: true });
      expect(w.resources[r]!.sides["xen2"]).toMatchObject({ role: "Secondary", mounted: false });
    }
    // All seven are home: the three the failover started on xen2, and the four it had to leave down.
    const xen1Vms = ["admin1", "cron1", "db1", "irc1", "lvs1", "mail1", "web-ssl1"];
    expect(runningOn("xen1")).toEqual(xen1Vms);
    for (const vm of xen1Vms) expect(w.vms[vm]!.memoryMiB).toBe(w.vms[vm]!.maxMemoryMiB);
    // xen2's own VMs have their memory back.
    await waitFor(
      () =>
        ["lvs2", "admin2", "web1", "web-ssl2", "mail2", "ftp1"].every(
          (v) => world().vms[v]!.memoryMiB === world().vms[v]!.maxMemoryMiB,
        ),
      15_000,
      "xen2's VMs restored",
    );
    expect(job.report?.downtime.map((d) => d.vm).sort()).toEqual(["cron1", "db1", "irc1"]);
    expect(farm.violations()).toEqual([]);
  }, 120_000);

  it("a planned switchover (maintenance of xen2) moves r2 and its VMs to xen1; a failback brings them home", async () => {
    const there = (await engine.submit(request({ kind: "switchover", from: "xen2", to: "xen1" }))) as {
      jobId: string;
    };
    const job = await finished(engine, there.jobId, 150_000);
    expect(failedStep(job)).toBeUndefined();
    expect(world().resources["r2"]!.sides["xen1"]).toMatchObject({ role: "Primary", mounted: true });
    expect(runningOn("xen2")).toEqual([]); // xen2 is free for its maintenance
    expect(job.report?.downtime.map((d) => d.vm).sort()).toEqual([
      "admin2",
      "ftp1",
      "lvs2",
      "mail2",
      "web-ssl2",
      "web1",
    ]);
    for (const d of job.report!.downtime) expect(d.seconds).toBeGreaterThan(0);
    // Back: what the switchover moved, and nothing else (r1 and r3 stay on xen1); xen1's VMs get their memory back.
    const back = (await engine.submit(request({ kind: "failback", from: "xen1", to: "xen2" }))) as {
      jobId: string;
      plan: { resources: string[] };
    };
    expect(back.plan.resources).toEqual(["r2"]);
    const job2 = await finished(engine, back.jobId, 150_000);
    expect(failedStep(job2)).toBeUndefined();
    expect(job2.status).toBe("succeeded");
    expect(world().resources["r2"]!.sides["xen2"]).toMatchObject({ role: "Primary", mounted: true });
    for (const r of ["r1", "r3"]) expect(world().resources[r]!.sides["xen1"]!.role).toBe("Primary");
    expect(runningOn("xen2")).toEqual(["admin2", "ftp1", "lvs2", "mail2", "web-ssl2", "web1"]);
    await waitFor(
      () => runningOn("xen1").every((v) => world().vms[v]!.memoryMiB === world().vms[v]!.maxMemoryMiB),
      15_000,
      "xen1's VMs restored",
    );
    expect(farm.violations()).toEqual([]);
  }, 320_000);
});

describe("refusals and a panel that dies mid-failover", () => {
  it("refuses a failover to a side whose data is Outdated; only an admin's force (data loss accepted) would pass", async () => {
    fault({ action: "cut-link", resource: "r2" });
    farm.onHost("xen1", "drbdadm", "outdate", "r2"); // what xen2's fence-peer handler does when the link breaks
    fault({ action: "crash", host: "xen2" });
    await waitFor(
      () => service.getView().hosts.find((h) => h.name === "xen2")?.reachable === false,
      10_000,
      "xen2 down",
    );
    const plan = await engine.plan(
      request({ kind: "failover", from: "xen2", to: "xen1", confirmDown: true }),
    );
    expect(plan.blockers).toMatchObject([{ resource: "r2", rule: "local-not-uptodate", forceable: true }]);
    const err = await refusal(
      engine.submit(request({ kind: "failover", from: "xen2", to: "xen1", confirmDown: true })),
    );
    expect(err.code).toBe("CONFLICT");
    expect(err.message).toContain("Outdated");
    const forced = await engine.plan(
      request({ kind: "failover", from: "xen2", to: "xen1", confirmDown: true, force: true }),
    );
    expect(forced.blockers).toEqual([]);
    expect(forced.steps.find((s) => s.key === "promote:r2@xen1")?.commands).toEqual([
      ["drbdadm", "primary", "--force", "r2"],
    ]);
    // Back to normal: xen2 boots, the link returns, xen1 resyncs r2 from xen2.
    fault({ action: "power-on", host: "xen2" });
    fault({ action: "restore-link", resource: "r2" });
    await waitFor(() => world().resources["r2"]!.sides["xen1"]!.disk === "UpToDate", 30_000, "r2 in sync");
    // xen2 comes back Secondary without its VMs (no autostart on DRBD): its administrator restarts them.
    farm.onHost("xen2", "drbdadm", "primary", "r2");
    try {
      farm.onHost("xen2", "fsck", "-p", "--", "/dev/drbd2"); // exit 1: it repaired the crash's damage
    } catch (err) {
      if (!String(err).includes("exited 1:")) throw err;
    }
    farm.onHost("xen2", "mount", "--", "/dev/drbd2", "/srv/r2");
    for (const vm of ["lvs2", "admin2", "web1", "web-ssl2", "mail2", "ftp1"])
      farm.onHost("xen2", "xl", "create", `${farm.simDir}/hosts/xen2/etc/xen/${vm}.cfg`);
  }, 90_000);

  it("a panel killed during a failover never repeats a promotion it cannot see, and says where it stopped", async () => {
    await waitFor(() => service.getView().hosts.every((h) => h.reachable), 20_000, "both hosts up");
    fault({ action: "crash", host: "xen1" });
    await waitFor(
      () => service.getView().hosts.find((h) => h.name === "xen1")?.reachable === false,
      10_000,
      "xen1 down",
    );
    const { jobId } = (await engine.submit(
      request({ kind: "failover", from: "xen1", to: "xen2", confirmDown: true }),
    )) as { jobId: string };
    await waitFor(
      async () => (await engine.journal.get(jobId))?.steps[0]?.status === "running",
      10_000,
      "the promotion",
    );
    // The panel dies here (nothing more is journaled); then, as if the promotion had never reached xen2:
    engine.halt();
    service.stop();
    await new Promise((r) => setTimeout(r, 1_000));
    if (world().resources["r1"]!.sides["xen2"]!.role === "Primary")
      farm.onHost("xen2", "drbdadm", "secondary", "r1");
    expect((await engine.journal.get(jobId))?.status).toBe("running");

    // A new panel process on the same database reconciles the job against the hosts.
    const restarted = startPanel();
    await restarted.service.start();
    try {
      await restarted.engine.recover(15_000);
      const job = await finished(restarted.engine, jobId, 30_000);
      expect(job.status).toBe("failed");
      expect(job.steps[0]).toMatchObject({ key: "promote:r1@xen2", status: "failed" });
      expect(job.report?.reconciliation).toContain("not repeated automatically");
      expect(job.steps.slice(1).every((s) => s.status === "cancelled")).toBe(true);
      expect(world().resources["r1"]!.sides["xen2"]!.role).toBe("Secondary"); // not promoted behind anyone's back
      // The operator runs it again: it completes.
      await waitFor(
        () => restarted.service.getView().hosts.find((h) => h.name === "xen2")?.reachable === true,
        10_000,
        "xen2 seen by the new panel",
      );
      // Started again and cancelled after its first step: it stops there, the rest marked cancelled.
      const first = (await restarted.engine.submit(
        request({ kind: "failover", from: "xen1", to: "xen2", confirmDown: true }),
      )) as { jobId: string };
      await waitFor(
        async () => (await restarted.engine.journal.get(first.jobId))?.steps[0]?.status === "succeeded",
        30_000,
        "the first step",
      );
      await restarted.engine.cancel(first.jobId);
      const cancelled = await finished(restarted.engine, first.jobId, 60_000);
      expect(cancelled.status).toBe("cancelled");
      expect(cancelled.steps.at(-1)?.status).toBe("cancelled");
      // And once more: what is already done (r1 Primary on xen2) is not done again.
      const again = (await restarted.engine.submit(
        request({ kind: "failover", from: "xen1", to: "xen2", confirmDown: true }),
      )) as { jobId: string };
      const done = await finished(restarted.engine, again.jobId);
      expect(done.status).toBe("succeeded");
      expect(done.steps[0]).toMatchObject({ key: "promote:r1@xen2", note: "Already done." });
      expect(farm.violations()).toEqual([]);
    } finally {
      restarted.service.stop();
    }
  }, 120_000);
});

describe("a restart in the middle of an idempotent step", () => {
  it("resumes the job: the interrupted step is checked, run again if needed, and the job completes", async () => {
    // The farm as the previous test left it: r1 and r3 failed over to xen2, xen1 crashed. xen1 comes back.
    fault({ action: "power-on", host: "xen1" });
    ({ service, engine } = startPanel());
    await service.start();
    await waitForWholeFarm(service, 30_000);
    await waitFor(
      async () =>
        (await engine.plan(request({ kind: "failback", from: "xen2", to: "xen1" }))).blockers.length === 0,
      60_000,
      "the resync",
    );
    const { jobId, plan } = (await engine.submit(
      request({ kind: "failback", from: "xen2", to: "xen1" }),
    )) as {
      jobId: string;
      plan: { steps: Array<{ key: string }> };
    };
    const umount = plan.steps.findIndex((s) => s.key === "umount:r1@xen2");
    await waitFor(
      async () => (await engine.journal.get(jobId))?.steps[umount]?.status === "running",
      60_000,
      "the unmount of r1 on xen2",
    );
    engine.halt();
    service.stop();
    await new Promise((r) => setTimeout(r, 1_000));

    ({ service, engine } = startPanel());
    await service.start();
    await engine.recover(15_000);
    const job = await finished(engine, jobId, 120_000);
    expect(job.status).toBe("succeeded");
    expect(job.report?.reconciliation).toMatch(/umount:r1@xen2 was running when the panel stopped/);
    for (const r of ["r1", "r3"])
      expect(world().resources[r]!.sides["xen1"]).toMatchObject({ role: "Primary", mounted: true });
    expect(farm.violations()).toEqual([]);
  }, 240_000);
});
