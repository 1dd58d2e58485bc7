/**
 * The simulator's stand-in tools must print what the real tools print: their output is read here by the
 * same parsers that read the genuine samples in ../shared/fixtures.
 */
import { describe, expect, it } from "vitest";
import { parseDrbdStatusJson } from "../../../agents/drivers/drbd/parse-status-json";
import {
  applyEvents2Record,
  createEvents2State,
  events2StateToStatus,
  parseEvents2Line,
  parseEvents2Now,
} from "../../../agents/drivers/drbd/parse-events2";
import { createMozillaGumiWorld } from "../../../agents/sim/farms";
import { events2Objects, statusJson } from "../../../agents/sim/tools/drbd-format";
import { resyncProgress, settleWorld, simNowMs, freeMemoryMiB } from "../../../agents/sim/world";
import { loadSample } from "../helpers/fixtures";

const T0 = 1_800_000_000_000;

function events2Now(
  world = createMozillaGumiWorld({ realNowMs: T0 }),
  host = "xen1",
  statistics = true,
): string {
  return (
    events2Objects(world, host, statistics)
      .map((o) => `exists ${o.object} ${o.attrs}\n`)
      .join("") + "exists -\n"
  );
}

describe("simulated drbdsetup events2", () => {
  it("prints the MozillaGumi resources as xen1 sees them, readable by the real parser", () => {
    const status = parseEvents2Now(events2Now());
    expect(
      status.resources.map(
        (r) =>
          `${r.name} ${r.role} ${r.devices[0]?.disk} ${r.connections[0]?.connection} ${r.connections[0]?.peerRole}`,
      ),
    ).toEqual([
      "r1 Primary UpToDate Connected Secondary",
      "r2 Secondary UpToDate Connected Primary",
      "r3 Primary UpToDate Connected Secondary",
      "r4 Secondary UpToDate Connected Secondary",
    ]);
  });

  it("uses the same line shapes and key order as a genuine --now --statistics dump", () => {
    const genuine = loadSample("drbd9_events2.txt", "centreon-3node-now-statistics").split("\n");
    const ours = events2Now().split("\n");
    const keys = (line: string | undefined) => (line ?? "").split(" ").map((w) => w.split(":")[0]);
    const genuineOf = (object: string) => genuine.find((l) => l.startsWith(`exists ${object} `));
    const oursOf = (object: string) => ours.find((l) => l.startsWith(`exists ${object} `));
    for (const object of ["resource", "connection", "device", "peer-device"]) {
      expect(keys(oursOf(object)), object).toEqual(keys(genuineOf(object)));
    }
  });

  it("shows a resync with done:, eta: and out-of-sync, which the parser turns into progress", () => {
    const world = createMozillaGumiWorld({ realNowMs: T0 });
    const r3 = world.resources.r3!;
    r3.sides.xen2!.disk = "Inconsistent";
    r3.resync = {
      source: "xen1",
      target: "xen2",
      totalKiB: 1000 * 1024,
      startedAtSimMs: simNowMs(world, T0),
      rateKiBps: 100 * 1024,
    };
    const later = T0 + 2_500; // 2.5 s at 100 MiB/s of 1000 MiB
    settleWorld(world, later); // what a stand-in run at that moment sees
    const status = parseEvents2Now(events2Now(world, "xen2"));
    const pd = status.resources.find((r) => r.name === "r3")?.connections[0]?.peerDevices[0];
    expect(pd).toMatchObject({
      replication: "SyncTarget",
      peerDisk: "UpToDate",
      syncPercent: 25,
      etaSeconds: 8,
    });
    expect(pd?.outOfSyncKiB).toBe(750 * 1024);
    expect(resyncProgress(r3, simNowMs(world, T0 + 10_000))?.percent).toBe(100);
    expect(settleWorld(world, T0 + 10_000)).toBe(true);
    expect(r3.resync).toBeNull();
    expect(r3.sides.xen2?.disk).toBe("UpToDate");
  });

  it("streams change lines that the incremental reducer applies", () => {
    const world = createMozillaGumiWorld({ realNowMs: T0 });
    const state = createEvents2State();
    for (const line of events2Now(world).split("\n")) {
      const rec = parseEvents2Line(line);
      if (rec && rec.object !== "-") applyEvents2Record(state, rec);
    }
    world.resources.r1!.sides.xen1!.connection = "StandAlone";
    const changed = events2Objects(world, "xen1", true).find((o) => o.key === "connection r1 xen2")!;
    expect(applyEvents2Record(state, parseEvents2Line(`change ${changed.object} ${changed.attrs}`)!)).toBe(
      true,
    );
    expect(events2StateToStatus(state).resources[0]?.connections[0]).toMatchObject({
      connection: "StandAlone",
      peerRole: "Unknown",
    });
  });
});

describe("simulated drbdsetup status --json", () => {
  it("is read by the real JSON parser with the same result as events2", () => {
    const world = createMozillaGumiWorld({ realNowMs: T0 });
    const fromJson = parseDrbdStatusJson(statusJson(world, "xen2"));
    const fromEvents = parseEvents2Now(events2Now(world, "xen2"));
    const summary = (s: typeof fromJson) =>
      s.resources.map((r) => [
        r.name,
        r.role,
        r.devices[0]?.minor,
        r.devices[0]?.disk,
        r.connections[0]?.connection,
        r.connections[0]?.peerDevices[0]?.replication,
      ]);
    expect(summary(fromJson)).toEqual(summary(fromEvents));
  });
});

describe("simulated memory", () => {
  it("leaves 1 GiB free per host with Table 3's VMs running, and frees a stopped VM's memory", () => {
    const world = createMozillaGumiWorld({ realNowMs: T0 });
    expect(freeMemoryMiB(world, "xen1")).toBe(1024);
    expect(freeMemoryMiB(world, "xen2")).toBe(1024);
    world.vms.web1!.domId = null;
    world.vms.web1!.state = "shutoff";
    expect(freeMemoryMiB(world, "xen2")).toBe(3072);
  });
});
