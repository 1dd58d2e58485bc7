/**
 * The monitor on the simulated farm (issue 7), with the real agents and a real SQLite database: each fault of the
 * digest's failure classes opens the incident it should, within the time it should, and closes it when the farm
 * is whole again. The dead time is 6 s here (15 s by default) to keep the suite short; the rule is the same.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../lib/db";
import type { FarmService } from "../../lib/farm/farm-service";
import type { RunbookEngine } from "../../lib/runbooks/engine";
import type { IncidentView } from "../../lib/monitor/types";
import type { IncidentFilter } from "../../lib/monitor/store";
import { applyFault, type TFault } from "../../agents/sim/faults";
import { createTempSimFarm, waitFor, waitForWholeFarm, type TempSimFarm } from "../helpers/sim";
import { finished, migratedDb, SIM_RESOURCES, startMonitor, startPanel } from "../helpers/runbooks";
import { recoverSplitBrain, ZSplitBrainRecovery } from "../../lib/monitor/split-brain";
import { HISTORY_KEY, Monitor } from "../../lib/monitor/monitor";
import { writeSetting } from "../../lib/monitor/settings";

const SPEED = 20;
const DEAD_TIME_MS = 6_000;

let farm: TempSimFarm;
let db: Db;
let service: FarmService;
let engine: RunbookEngine;
let monitor: Monitor;

beforeAll(async () => {
  farm = createTempSimFarm();
  farm.store.setSpeed(SPEED);
  db = migratedDb(farm);
  ({ service, engine } = startPanel(farm, db));
  monitor = startMonitor(service, engine, db, {
    deadTimeMs: DEAD_TIME_MS,
    hungAfterMs: 3_000,
    graceMs: 1_000,
  });
  await service.start();
  await waitForWholeFarm(service, 20_000);
  await monitor.start();
}, 60_000);
afterAll(async () => {
  monitor?.stop();
  service?.stop();
  await monitor?.flush();
  await db?.$disconnect();
  farm?.remove();
});

const fault = (f: TFault) => farm.store.update((w) => applyFault(w, f));
const incidents = (filter: Omit<IncidentFilter, "limit"> = {}) =>
  engine.incidents.list({ ...filter, limit: 100 });
const openIncident = async (kind: string, subject: Partial<IncidentView>) =>
  (await engine.incidents.list({ kind, open: true, limit: 10 })).find((i) =>
    Object.entries(subject).every(([k, v]) => i[k as keyof IncidentView] === v),
  );
const closed = async (id: string) =>
  (await engine.incidents.list({ open: false, limit: 100 })).find((i) => i.id === id);

describe("incidents from the simulated farm's faults", () => {
  it("a whole farm has no open incident but the ones its state explains", async () => {
    await new Promise((r) => setTimeout(r, 1_500));
    const open = await incidents({ open: true });
    // Whatever is open must be explained by the world (the MozillaGumi farm is whole at the start).
    expect(open.map((i) => `${i.kind}:${i.host ?? i.resource ?? i.vm}`)).toEqual([]);
  });

  it("cutting r1's replication link opens drbd-disconnected, closed only after the resync", async () => {
    fault({ action: "write-load", vm: "db1", kiBps: 20_000 });
    fault({ action: "cut-link", resource: "r1" });
    const incident = await waitFor(
      () => openIncident("drbd-disconnected", { resource: "r1" }),
      5_000,
      "r1 disconnected",
    );
    await new Promise((r) => setTimeout(r, 1_000));
    fault({ action: "restore-link", resource: "r1" });
    await waitFor(
      () =>
        service
          .getView()
          .resources.find((r) => r.name === "r1")
          ?.sides.some((s) => s.replication === "SyncTarget"),
      10_000,
      "r1 resyncing",
    );
    expect(
      await openIncident("drbd-disconnected", { resource: "r1" }),
      "still open while the resync runs",
    ).toBeDefined();
    const done = await waitFor(() => closed(incident.id), 30_000, "the incident closed");
    const r1 = service.getView().resources.find((r) => r.name === "r1")!;
    expect(r1.sides.map((s) => [s.connection, s.disk])).toEqual([
      ["Connected", "UpToDate"],
      ["Connected", "UpToDate"],
    ]);
    expect(done.closedAt).not.toBeNull();
    const detail = (await engine.incidents.get(incident.id))!;
    const kinds = detail.timeline.map((e) => e.kind);
    expect(kinds[0]).toBe("drbd.connection"); // the link went down, then the incident opened
    expect(kinds).toContain("drbd.resync-started");
    expect(kinds.indexOf("drbd.resync-finished")).toBeLessThan(kinds.indexOf("incident.closed"));
    expect(detail.timeline.map((e) => e.seq)).toEqual(
      [...detail.timeline.map((e) => e.seq)].sort((a, b) => a - b),
    );
    fault({ action: "write-load", vm: "db1", kiBps: 16 });
  }, 60_000);

  it("a failed backing disk is its own incident, closed once the replaced disk has resynced", async () => {
    fault({ action: "fail-disk", host: "xen2", resource: "r4" });
    const incident = await waitFor(
      () => openIncident("disk-failed", { resource: "r4", host: "xen2" }),
      5_000,
      "disk-failed",
    );
    expect(incident.summary).toContain("Diskless");
    // A 500 GiB full sync, made quick: a fast link for r4.
    farm.store.update((w) => void (w.resources.r4!.resyncRateKiBps = 50_000_000));
    fault({ action: "replace-disk", host: "xen2", resource: "r4" });
    await waitFor(() => closed(incident.id), 60_000, "disk-failed closed");
    const r4 = service.getView().resources.find((r) => r.name === "r4")!;
    expect(r4.sides.map((s) => s.disk)).toEqual(["UpToDate", "UpToDate"]);
  }, 90_000);

  it("samples the state history and prunes what is older than the retention", async () => {
    const old = new Date(Date.now() - 40 * 86_400_000);
    await db.sample.create({ data: { at: old, metric: "memory.freeMiB", host: "xen1", value: 1 } });
    await writeSetting(db, HISTORY_KEY, { retentionDays: 30 });
    const sampler = new Monitor({ farm: service, store: engine.incidents, db, sampleMs: 0 });
    sampler.look(); // one look: samples now, prunes (the first time) what is older than 30 days
    await waitFor(
      async () => (await db.sample.count({ where: { at: old } })) === 0,
      5_000,
      "the old sample pruned",
    );
    const recent = await db.sample.findMany({ where: { at: { gt: new Date(Date.now() - 60_000) } } });
    expect(new Set(recent.filter((r) => r.metric === "memory.freeMiB").map((r) => r.host))).toEqual(
      new Set(["xen1", "xen2"]),
    );
    expect(recent.find((r) => r.metric === "drbd.syncPercent" && r.resource === "r1")?.value).toBe(100);
  });

  it("cutting only xen2's management network is reported as such, never as a host down", async () => {
    const cutAt = Date.now();
    fault({ action: "cut-mgmt", host: "xen2" });
    const incident = await waitFor(
      () => openIncident("mgmt-unreachable", { host: "xen2" }),
      5_000,
      "mgmt-unreachable",
    );
    expect(Date.now() - cutAt).toBeLessThan(1_000 + 2_000); // the grace, and a look
    expect(incident.severity).toBe("warning");
    await new Promise((r) => setTimeout(r, DEAD_TIME_MS + 5_000));
    expect(await incidents({ kind: "host-down" })).toEqual([]);
    expect(await openIncident("mgmt-unreachable", { host: "xen2" })).toMatchObject({ id: incident.id });
    // Its VMs may well run: none is reported down.
    expect(await incidents({ kind: "vm-crashed" })).toEqual([]);
    fault({ action: "restore-mgmt", host: "xen2" });
    await waitFor(() => closed(incident.id), 15_000, "mgmt-unreachable closed");
  }, 40_000);

  it("a VM destroyed behind the panel's back opens vm-crashed; started again, it closes", async () => {
    farm.onHost("xen1", "xl", "destroy", "irc1");
    const incident = await waitFor(() => openIncident("vm-crashed", { vm: "irc1" }), 5_000, "vm-crashed");
    expect(incident).toMatchObject({ host: "xen1", severity: "major" });
    await service.client("xen1").call("vm.start", { name: "irc1" });
    await waitFor(() => closed(incident.id), 15_000, "vm-crashed closed");
    const detail = (await engine.incidents.get(incident.id))!;
    expect(detail.timeline.map((e) => `${e.source}:${e.kind}`)).toEqual(
      expect.arrayContaining(["hypervisor:vm.state", "panel:incident.opened", "panel:incident.closed"]),
    );
  }, 30_000);

  it("xen2's xl hangs: the host answers but hangs (host-hung), until the command works again", async () => {
    fault({ action: "hang-command", host: "xen2", tool: "xl" });
    const incident = await waitFor(() => openIncident("host-hung", { host: "xen2" }), 10_000, "host-hung");
    expect(incident.summary).toMatch(/vm\.list probe has been running/);
    fault({ action: "clear-command", host: "xen2", tool: "xl" });
    await waitFor(() => closed(incident.id), 15_000, "host-hung closed");
  }, 30_000);

  it("xen1 crashes: host-down within the dead time plus 5 s, its VMs down; it boots: closed", async () => {
    const crashedAt = Date.now();
    fault({ action: "crash", host: "xen1" });
    const unreachable = await waitFor(
      () => openIncident("host-unreachable", { host: "xen1" }),
      5_000,
      "unreachable",
    );
    const down = await waitFor(
      () => openIncident("host-down", { host: "xen1" }),
      DEAD_TIME_MS + 5_000,
      "host-down",
    );
    expect(Date.now() - crashedAt).toBeLessThan(DEAD_TIME_MS + 5_000);
    expect(Date.now() - crashedAt).toBeGreaterThanOrEqual(DEAD_TIME_MS - 1_000); // from its last heartbeat
    expect(down.id).toBe(unreachable.id); // the same incident, escalated
    expect(down.severity).toBe("critical");
    const vmsDown = async () => (await incidents({ kind: "vm-crashed", open: true })).map((i) => i.vm).sort();
    await waitFor(async () => (await vmsDown()).length === 7, 5_000, "7 VMs down").catch(
      async (err: Error) => {
        console.log(JSON.stringify(await incidents({ vm: "irc1" }), null, 1));
        throw new Error(`${err.message}: ${(await vmsDown()).join(", ")}`);
      },
    );
    const detail = (await engine.incidents.get(down.id))!;
    const kinds = detail.timeline.map((e) => `${e.source}:${e.kind}`);
    expect(kinds).toEqual(
      expect.arrayContaining(["connectivity:host.unreachable", "panel:incident.escalated"]),
    );
    // The evidence from the peer: xen2 lost its replication links to xen1.
    expect(detail.timeline.some((e) => e.kind === "drbd.connection" && e.host === "xen2")).toBe(true);
    fault({ action: "power-on", host: "xen1" });
    await waitFor(() => closed(down.id), 20_000, "host-down closed");
    // Its record stays a host-down (the boot is not a management-network incident of the same key).
    expect((await engine.incidents.get(down.id))?.kind).toBe("host-down");
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await incidents({ kind: "mgmt-unreachable", host: "xen1", open: true })).toEqual([]);
    // Its VMs do not start by themselves: still down until someone starts them.
    expect(await incidents({ kind: "vm-crashed", open: true })).toHaveLength(7);
  }, 60_000);

  it("a deliberate split brain on r2 is detected on both hosts and shown with its evidence", async () => {
    farm.allowViolations("two-primaries"); // made on purpose: the link is cut and xen1 is promoted by hand
    fault({ action: "cut-link", resource: "r2" });
    await waitFor(() => openIncident("drbd-disconnected", { resource: "r2" }), 5_000, "r2 disconnected");
    farm.onHost("xen1", "drbdadm", "primary", "r2");
    await waitFor(
      () =>
        service
          .getView()
          .resources.find((r) => r.name === "r2")
          ?.sides.every((s) => s.role === "Primary"),
      5_000,
      "r2 Primary on both",
    );
    await new Promise((r) => setTimeout(r, 500));
    fault({ action: "restore-link", resource: "r2" });
    const incident = await waitFor(
      async () => {
        const i = await openIncident("split-brain", { resource: "r2" });
        const d = i && (await engine.incidents.get(i.id));
        return d && (d.detail as { detectedOn: string[] } | null)?.detectedOn.length === 2 ? d : undefined;
      },
      10_000,
      "split brain detected on both hosts",
    );
    expect(incident.severity).toBe("critical");
    const evidence = incident.detail as {
      detectedOn: string[];
      sides: Array<{
        host: string;
        connection: string;
        primaryWhileApartAt: string | null;
        vmsWhileApart: string[];
      }>;
    };
    expect(evidence.detectedOn.sort()).toEqual(["xen1", "xen2"]);
    expect(evidence.sides.map((s) => s.connection)).toEqual(["StandAlone", "StandAlone"]);
    expect(evidence.sides.every((s) => s.primaryWhileApartAt !== null)).toBe(true);
    expect(evidence.sides.find((s) => s.host === "xen2")?.vmsWhileApart).toContain("web1");
    expect(evidence.sides.find((s) => s.host === "xen1")?.vmsWhileApart).toEqual([]);
    const kinds = incident.timeline.map((e) => e.kind);
    expect(kinds).toEqual(expect.arrayContaining(["drbd.role", "drbd.split-brain", "incident.escalated"]));
  }, 30_000);

  it("the guided recovery discards xen1's side (typed) and returns r2 to UpToDate on both", async () => {
    const runtime = { farm: service, resources: SIM_RESOURCES, runbooks: engine };
    const request = (r: object) => ZSplitBrainRecovery.parse({ discard: "xen1", confirm: "xen1", ...r });
    const refused = await recoverSplitBrain(runtime, "r2", request({ confirm: "xen2" }), true);
    expect(refused).toMatchObject({ kind: "refused", errors: [{ field: "confirm" }] });
    const wrongHost = await recoverSplitBrain(
      runtime,
      "r2",
      request({ discard: "xen3", confirm: "xen3" }),
      true,
    );
    expect(wrongHost).toMatchObject({ kind: "refused", errors: [{ field: "discard" }] });
    const notSplit = await recoverSplitBrain(runtime, "r1", request({}), false);
    expect(notSplit).toMatchObject({ kind: "refused", errors: [{ field: "resource" }] });
    expect(await db.job.count({ where: { kind: "split-brain-recovery" } })).toBe(0);

    const dry = await recoverSplitBrain(runtime, "r2", request({ dryRun: true }), true);
    if (dry.kind !== "planned") throw new Error("expected a plan");
    expect(dry.plan.steps.map((s) => s.key)).toEqual([
      "umount:r2@xen1",
      "disconnect:r2@xen1",
      "demote:r2@xen1",
      "connect:r2@xen1",
      "connect:r2@xen2",
      "wait-synced:r2",
    ]);
    expect(dry.plan.steps.find((s) => s.key === "connect:r2@xen1")?.commands).toEqual([
      ["drbdadm", "connect", "--discard-my-data", "r2"],
    ]);
    const incident = (await openIncident("split-brain", { resource: "r2" }))!;
    const started = await recoverSplitBrain(runtime, "r2", request({}), true);
    if (started.kind !== "planned" || !started.jobId) throw new Error("expected a job");
    const job = await finished(engine, started.jobId);
    expect(job.status, JSON.stringify(job.steps.find((s) => s.status === "failed"))).toBe("succeeded");
    const r2 = farm.store.read().resources.r2!;
    expect(Object.values(r2.sides).map((s) => [s.role, s.connection, s.disk])).toEqual([
      ["Secondary", "Connected", "UpToDate"],
      ["Primary", "Connected", "UpToDate"],
    ]);
    expect(r2.sides.xen1!.gen).toBe(r2.sides.xen2!.gen); // the same data generation: xen1 took xen2's
    expect(farm.store.read().vms.web1).toMatchObject({ host: "xen2", state: "running" });
    await waitFor(() => closed(incident.id), 10_000, "split-brain incident closed");
    // The operator's actions are on the timeline, once each: the job, its steps, its end.
    const kinds = (await engine.incidents.get(incident.id))!.timeline.map((e) => `${e.source}:${e.kind}`);
    expect(kinds.filter((k) => k === "operator:job.started")).toHaveLength(1);
    expect(kinds.filter((k) => k === "operator:job.succeeded")).toHaveLength(1);
    expect(kinds.filter((k) => k === "operator:step.succeeded").length).toBeGreaterThanOrEqual(4);
  }, 60_000);
});
