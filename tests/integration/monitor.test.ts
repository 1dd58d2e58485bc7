/**
 * The monitor on the simulated farm (issue 7), with the real agents and a real SQLite database: each fault of the
 * digest's failure classes opens the incident it should, within the time it should, and closes it when the farm
 * is whole again. The dead time is 6 s here (15 s by default) to keep the suite short; the rule is the same.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../lib/db";
import type { FarmService } from "../../lib/farm/farm-service";
import type { RunbookEngine } from "../../lib/runbooks/engine";
import type { Monitor } from "../../lib/monitor/monitor";
import type { IncidentView } from "../../lib/monitor/types";
import { applyFault, type TFault } from "../../agents/sim/faults";
import { createTempSimFarm, waitFor, waitForWholeFarm, type TempSimFarm } from "../helpers/sim";
import { migratedDb, startMonitor, startPanel } from "../helpers/runbooks";

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
  monitor = startMonitor(service, engine, db, { deadTimeMs: DEAD_TIME_MS, hungAfterMs: 3_000, graceMs: 1_000 });
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
const incidents = (filter: Record<string, string> = {}) => engine.incidents.list({ ...filter, limit: 100 });
const openIncident = async (kind: string, subject: Partial<IncidentView>) =>
  (await engine.incidents.list({ kind, open: true, limit: 10 })).find((i) =>
    Object.entries(subject).every(([k, v]) => i[k as keyof IncidentView] === v),
  );
const closed = async (id: string) =>
  (await engine.incidents.list({ open: false, limit: 100 })).find((i) => i.id === id);

describe("incidents from the simulated farm's faults", () => {
  it("a whole farm has no open incident but the ones its state explains", async () => {
    await new Promise((r) => setTimeout(r, 1_500));
    const open = await incidents({ open: "true" } as never);
    // Whatever is open must be explained by the world (the MozillaGumi farm is whole at the start).
    expect(open.map((i) => `${i.kind}:${i.host ?? i.resource ?? i.vm}`)).toEqual([]);
  });

  it("cutting r1's replication link opens drbd-disconnected, closed only after the resync", async () => {
    fault({ action: "write-load", vm: "db1", kiBps: 20_000 });
    fault({ action: "cut-link", resource: "r1" });
    const incident = await waitFor(() => openIncident("drbd-disconnected", { resource: "r1" }), 5_000, "r1 disconnected");
    await new Promise((r) => setTimeout(r, 1_000));
    fault({ action: "restore-link", resource: "r1" });
    await waitFor(
      () => service.getView().resources.find((r) => r.name === "r1")?.sides.some((s) => s.replication === "SyncTarget"),
      10_000,
      "r1 resyncing",
    );
    expect(await openIncident("drbd-disconnected", { resource: "r1" }), "still open while the resync runs").toBeDefined();
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
    expect(detail.timeline.map((e) => e.seq)).toEqual([...detail.timeline.map((e) => e.seq)].sort((a, b) => a - b));
    fault({ action: "write-load", vm: "db1", kiBps: 16 });
  }, 60_000);
});
