import { describe, expect, it } from "vitest";
import { diffSnapshots, type FarmSnapshot } from "../../../lib/monitor/changes";
import type { TFarmView } from "../../../lib/farm/view";

type Side = TFarmView["resources"][number]["sides"][number];
const side = (host: string, patch: Partial<Side> = {}): Side => ({
  host,
  stale: false,
  role: "Secondary",
  disk: "UpToDate",
  connection: "Connected",
  replication: "Established",
  syncPercent: null,
  etaSeconds: null,
  splitBrain: false,
  outOfSyncKiB: 0,
  ...patch,
});
const snap = (patch: {
  fresh?: [boolean, boolean];
  sessions?: ["ready" | "down", "ready" | "down"];
  xen2?: Partial<Side>;
  vms?: FarmSnapshot["vmsByHost"];
}): FarmSnapshot => ({
  hosts: ["xen1", "xen2"].map((name, i) => ({
    name,
    session: patch.sessions?.[i] ?? "ready",
    fresh: patch.fresh?.[i] ?? true,
    error: null,
  })),
  resources: [{ name: "r1", minor: 1, sides: [side("xen1", { role: "Primary" }), side("xen2", patch.xen2)] }],
  vmsByHost: patch.vms ?? { xen1: [], xen2: [] },
});
const vm = (name: string, state: "running" | "shutoff", memoryMiB = 512) => ({
  name,
  domId: state === "running" ? 4 : null,
  state,
  memoryMiB,
  maxMemoryMiB: 1024,
});

describe("timeline events from two looks at the farm", () => {
  it("reports a session that ends or comes back, with the reason", () => {
    const events = diffSnapshots(snap({}), snap({ sessions: ["down", "ready"], fresh: [false, true] }));
    expect(events).toEqual([
      expect.objectContaining({ source: "connectivity", kind: "host.unreachable", host: "xen1" }),
    ]);
  });

  it("reports each DRBD change of a side, resyncs starting and finishing, and split brain", () => {
    const apart = snap({ xen2: { connection: "StandAlone", splitBrain: true } });
    expect(diffSnapshots(snap({}), apart).map((e) => e.message)).toEqual([
      "r1 on xen2: connection Connected → StandAlone.",
      "r1 on xen2: DRBD reports split brain.",
    ]);
    const syncing = snap({ xen2: { replication: "SyncTarget", disk: "Inconsistent" } });
    expect(diffSnapshots(snap({}), syncing).map((e) => e.kind)).toEqual(["drbd.disk", "drbd.resync-started"]);
    expect(diffSnapshots(syncing, snap({})).map((e) => e.kind)).toEqual([
      "drbd.disk",
      "drbd.resync-finished",
    ]);
  });

  it("says nothing of a host whose report is not current in both looks (the first read after a start)", () => {
    const before = snap({ fresh: [true, false], xen2: { role: "Unknown", connection: "Unknown" } });
    expect(diffSnapshots(before, snap({}))).toEqual([]);
    expect(diffSnapshots(null, snap({}))).toEqual([]);
  });

  it("reports VMs that change state, are ballooned, appear or disappear", () => {
    const a = snap({ vms: { xen1: [vm("web1", "running"), vm("db1", "running")], xen2: [] } });
    const b = snap({
      vms: { xen1: [vm("web1", "shutoff"), vm("db1", "running", 256)], xen2: [vm("ftp1", "shutoff")] },
    });
    expect(diffSnapshots(a, b).map((e) => `${e.kind}:${e.vm}@${e.host}`)).toEqual([
      "vm.state:web1@xen1",
      "vm.memory:db1@xen1",
      "vm.defined:ftp1@xen2",
    ]);
    expect(diffSnapshots(b, a).map((e) => `${e.kind}:${e.vm}@${e.host}`)).toContain("vm.gone:ftp1@xen2");
  });
});
