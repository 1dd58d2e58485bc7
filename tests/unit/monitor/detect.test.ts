import { describe, expect, it } from "vitest";
import type { HostLiveness } from "../../../lib/farm/farm-service";
import type { TFarmView } from "../../../lib/farm/view";
import type { TVmInfo } from "../../../agents/protocol/schemas";
import { detect, newDetectState, type DetectInput, type OpenIncident } from "../../../lib/monitor/detect";
import { DEFAULT_MONITOR_SETTINGS } from "../../../lib/monitor/types";

type Side = TFarmView["resources"][number]["sides"][number];
const side = (host: string, patch: Partial<Side> = {}): Side => ({
  host,
  stale: false,
  role: host === "xen1" ? "Primary" : "Secondary",
  disk: "UpToDate",
  connection: "Connected",
  replication: "Established",
  syncPercent: null,
  etaSeconds: null,
  splitBrain: false,
  outOfSyncKiB: 0,
  ...patch,
});
const live = (name: string, patch: Partial<HostLiveness> = {}): HostLiveness => ({
  name,
  session: "ready",
  fresh: patch.session !== "down",
  downSince: null,
  lastHeardAt: 0,
  stuckProbe: null,
  standbyMiB: 1024,
  error: null,
  ...patch,
});
const vm = (name: string, running = true): TVmInfo => ({
  name,
  domId: running ? 3 : null,
  state: running ? "running" : "shutoff",
  memoryMiB: 512,
  maxMemoryMiB: 512,
});

function input(patch: {
  now?: number;
  hosts?: HostLiveness[];
  sides?: [Partial<Side>, Partial<Side>];
  vms?: Record<string, TVmInfo[]>;
  open?: Record<string, OpenIncident>;
  busyVms?: string[];
  freeMiB?: number;
}): DetectInput {
  const now = patch.now ?? 100_000;
  const hosts = patch.hosts ?? [live("xen1", { lastHeardAt: now }), live("xen2", { lastHeardAt: now })];
  const ready = (h: string) => hosts.find((x) => x.name === h)?.session === "ready";
  const vms = patch.vms ?? { xen1: [vm("web1")], xen2: [vm("web1", false)] };
  return {
    now,
    settings: DEFAULT_MONITOR_SETTINGS,
    hosts,
    view: {
      simulated: true,
      generatedAt: "",
      hosts: hosts.map((h) => ({
        name: h.name,
        reachable: ready(h.name),
        stale: !ready(h.name),
        lastSeenAt: null,
        error: null,
        hypervisor: "xen-xl",
        agent: { version: null, current: true, installable: false },
        memory: { totalMiB: 8192, usedMiB: 0, freeMiB: patch.freeMiB ?? 4096, standbyMiB: 1024 },
      })),
      resources: [
        {
          name: "r1",
          minor: 1,
          sides: [
            side("xen1", { stale: !ready("xen1"), ...patch.sides?.[0] }),
            side("xen2", { stale: !ready("xen2"), ...patch.sides?.[1] }),
          ],
        },
      ],
      vms: Object.entries(vms).flatMap(([host, list]) =>
        list
          .filter((v) => v.domId !== null)
          .map((v) => ({
            name: v.name,
            host,
            stale: !ready(host),
            state: v.state,
            memoryMiB: v.memoryMiB,
            maxMemoryMiB: v.maxMemoryMiB,
            resource: "r1",
          })),
      ),
    },
    vmsByHost: Object.fromEntries(
      Object.entries(vms).map(([h, list]) => [h, { fresh: ready(h), vms: list }]),
    ),
    open: new Map(Object.entries(patch.open ?? {})),
    busy: { hosts: new Set(), resources: new Set(), vms: new Set(patch.busyVms ?? []) },
  };
}
const kinds = (conditions: ReturnType<typeof detect>) => conditions.map((c) => `${c.key}=${c.kind}`);

describe("host health", () => {
  it("a whole farm has no condition", () => {
    expect(detect(input({}), newDetectState())).toEqual([]);
  });

  it("a host presenting another SSH key is a critical host-key incident of its own, besides its reachability", () => {
    const now = 100_000;
    const error = { code: "HOST_KEY_CHANGED", message: "xen2: host key SHA256:a is not the pinned SHA256:b" };
    const hosts = [
      live("xen1", { lastHeardAt: now }),
      live("xen2", { session: "down", downSince: now - 60_000, error }),
    ];
    const conditions = detect(input({ now, hosts }), newDetectState());
    const key = conditions.find((c) => c.key === "hostkey:xen2");
    expect(key).toMatchObject({
      kind: "host-key-changed",
      severity: "critical",
      host: "xen2",
      detail: { error },
    });
    expect(
      kinds(
        detect(
          input({ now, hosts: [live("xen1", { lastHeardAt: now }), live("xen2", { lastHeardAt: now })] }),
          newDetectState(),
        ),
      ),
    ).toEqual([]);
  });

  it("a session down for less than the grace is not reported yet, and holds what is open", () => {
    const now = 100_000;
    const hosts = [
      live("xen1", { session: "down", downSince: now - 1_000 }),
      live("xen2", { lastHeardAt: now }),
    ];
    expect(kinds(detect(input({ now, hosts }), newDetectState()))).toEqual([]);
    const open = {
      "host:xen1": { kind: "host-down" as const, severity: "critical" as const, summary: "down" },
    };
    expect(kinds(detect(input({ now, hosts, open }), newDetectState()))).toEqual(["host:xen1=host-down"]);
  });

  it("a host whose peer still replicates with it is a management network problem, however long", () => {
    const state = newDetectState();
    for (const after of [5_000, 60_000, 3_600_000]) {
      const now = 100_000 + after;
      const hosts = [
        live("xen1", { session: "down", downSince: 100_000 }),
        live("xen2", { lastHeardAt: now }),
      ];
      const c = detect(input({ now, hosts, sides: [{}, { connection: "Connected" }] }), state);
      expect(kinds(c)).toEqual(["host:xen1=mgmt-unreachable"]);
      expect(c[0]?.severity).toBe("warning");
    }
  });

  it("a host its peer lost too is unreachable, then down once silent for the dead time", () => {
    const state = newDetectState();
    const at = (now: number, downSince: number) => {
      const hosts = [live("xen1", { session: "down", downSince }), live("xen2", { lastHeardAt: now })];
      const vms = { xen1: [vm("web1")], xen2: [vm("web1", false)] };
      return detect(
        input({ now, hosts, vms, sides: [{ stale: true }, { connection: "Connecting" }] }),
        state,
      );
    };
    // It answered until 100 s (web1 running there): expected to run.
    detect(input({ now: 100_000 }), state);
    expect(kinds(at(104_000, 100_000))).toEqual(["host:xen1=host-unreachable"]);
    expect(kinds(at(114_999, 100_000))).toEqual(["host:xen1=host-unreachable"]);
    const down = at(115_000, 100_000);
    expect(kinds(down)).toEqual(["host:xen1=host-down", "vm:web1=vm-crashed"]);
    expect(down[0]?.severity).toBe("critical");
  });

  it("the dead time counts from the last sign of life: the peer seeing the host connected", () => {
    const state = newDetectState();
    const hostsAt = (now: number) => [
      live("xen1", { session: "down", downSince: 100_000 }),
      live("xen2", { lastHeardAt: now }),
    ];
    detect(input({ now: 110_000, hosts: hostsAt(110_000), sides: [{}, { connection: "Connected" }] }), state);
    const lost = { sides: [{ stale: true }, { connection: "Connecting" }] as [Partial<Side>, Partial<Side>] };
    expect(kinds(detect(input({ now: 124_000, hosts: hostsAt(124_000), ...lost }), state))).toContain(
      "host:xen1=host-unreachable",
    );
    expect(kinds(detect(input({ now: 125_000, hosts: hostsAt(125_000), ...lost }), state))).toContain(
      "host:xen1=host-down",
    );
  });

  it("an SSH session that has not noticed yet: silent past the threshold and lost by the peer is going down, counted from the last heartbeat, and stays down when the session ends", () => {
    const state = newDetectState();
    const lost = {
      sides: [{ stale: false }, { connection: "Connecting" }] as [Partial<Side>, Partial<Side>],
    };
    const at = (now: number, xen1: Partial<HostLiveness>) =>
      kinds(
        detect(
          input({ now, hosts: [live("xen1", xen1), live("xen2", { lastHeardAt: now })], ...lost }),
          state,
        ),
      );
    expect(at(100_000, { lastHeardAt: 100_000 })).toEqual([]);
    expect(at(109_000, { lastHeardAt: 100_000 })).not.toContain("host:xen1=host-hung");
    expect(at(110_000, { lastHeardAt: 100_000 })).toContain("host:xen1=host-unreachable");
    expect(at(115_000, { lastHeardAt: 100_000 })).toContain("host:xen1=host-down");
    // The keepalive finally ends the session at 117 s: after the grace, still down (not unreachable again).
    expect(at(120_500, { session: "down", fresh: false, downSince: 117_000, lastHeardAt: null })).toContain(
      "host:xen1=host-down",
    );
  });

  it("a silent agent whose host still replicates is a host that hangs (the medium class)", () => {
    const now = 100_000;
    const hosts = [live("xen1", { lastHeardAt: now - 12_000 }), live("xen2", { lastHeardAt: now })];
    expect(kinds(detect(input({ now, hosts }), newDetectState()))).toEqual(["host:xen1=host-hung"]);
  });

  it("a host that was down and boots is back once its peer replicates with it; only if the panel still cannot reach it after the reconnect does that become a management problem", () => {
    const state = newDetectState();
    const hosts = (now: number) => [
      live("xen1", { session: "down", downSince: 100_000 }),
      live("xen2", { lastHeardAt: now }),
    ];
    const lost = { sides: [{ stale: true }, { connection: "Connecting" }] as [Partial<Side>, Partial<Side>] };
    const back = { sides: [{ stale: true }, { connection: "Connected" }] as [Partial<Side>, Partial<Side>] };
    detect(input({ now: 100_000 }), state);
    expect(kinds(detect(input({ now: 130_000, hosts: hosts(130_000), ...lost }), state))).toContain(
      "host:xen1=host-down",
    );
    for (const now of [131_000, 138_999])
      expect(kinds(detect(input({ now, hosts: hosts(now), ...back }), state))).not.toContain(
        "host:xen1=mgmt-unreachable",
      );
    expect(kinds(detect(input({ now: 131_000, hosts: hosts(131_000), ...back }), state))).not.toContain(
      "host:xen1=host-down",
    );
    expect(kinds(detect(input({ now: 139_000, hosts: hosts(139_000), ...back }), state))).toContain(
      "host:xen1=mgmt-unreachable",
    );
  });

  it("when neither host answers, the panel says it cannot tell, never host-down", () => {
    const hosts = [
      live("xen1", { session: "down", downSince: 0 }),
      live("xen2", { session: "down", downSince: 0 }),
    ];
    expect(kinds(detect(input({ now: 3_600_000, hosts }), newDetectState()))).toEqual([
      "host:xen1=host-unreachable",
      "host:xen2=host-unreachable",
    ]);
  });

  it("an open session with a probe running past the threshold, or a silent agent, is a host that hangs", () => {
    const now = 100_000;
    const stuck = [
      live("xen1", { lastHeardAt: now, stuckProbe: { name: "vm.list", inFlightMs: 10_000 } }),
      live("xen2", { lastHeardAt: now }),
    ];
    expect(kinds(detect(input({ now, hosts: stuck }), newDetectState()))).toEqual(["host:xen1=host-hung"]);
    const slow = [
      live("xen1", { lastHeardAt: now, stuckProbe: { name: "vm.list", inFlightMs: 9_999 } }),
      live("xen2", { lastHeardAt: now }),
    ];
    expect(detect(input({ now, hosts: slow }), newDetectState())).toEqual([]);
    const silent = [live("xen1", { lastHeardAt: now - 10_000 }), live("xen2", { lastHeardAt: now })];
    expect(kinds(detect(input({ now, hosts: silent }), newDetectState()))).toEqual(["host:xen1=host-hung"]);
  });
});

describe("DRBD, VMs and memory", () => {
  it("judges nothing from a host whose session is up but whose first full read has not completed", () => {
    const now = 100_000;
    const hosts = [live("xen1", { lastHeardAt: now, fresh: false }), live("xen2", { lastHeardAt: now })];
    const half = input({
      now,
      hosts,
      sides: [{ role: "Unknown", connection: "Unknown" }, { connection: "Connecting" }],
    });
    const state = newDetectState();
    expect(detect(half, state)).toEqual([]);
    const later = { ...half, now: now + 3_000, hosts: [{ ...hosts[0]!, fresh: true }, hosts[1]!] };
    expect(kinds(detect({ ...later, now }, state))).toEqual([]); // seen apart just now: the grace
    expect(kinds(detect(later, state))).toEqual(["drbd:r1=drbd-disconnected"]);
  });

  it("a disconnected resource stays open through the resync and closes when both sides are UpToDate", () => {
    const state = newDetectState();
    const cut = (now: number) =>
      detect(input({ now, sides: [{ connection: "Connecting" }, { connection: "Connecting" }] }), state);
    expect(cut(100_000)).toEqual([]); // for the grace (3 s), a host that just died looks the same
    expect(kinds(cut(103_000))).toEqual(["drbd:r1=drbd-disconnected"]);
    const open = {
      "drbd:r1": { kind: "drbd-disconnected" as const, severity: "major" as const, summary: "" },
    };
    const syncing = input({
      open,
      sides: [{ replication: "SyncSource" }, { replication: "SyncTarget", disk: "Inconsistent" }],
    });
    expect(kinds(detect(syncing, newDetectState()))).toEqual(["drbd:r1=drbd-disconnected"]);
    expect(detect(input({ open }), newDetectState())).toEqual([]);
    // The same resync with nothing open is a resync of its own (info).
    const alone = detect({ ...syncing, open: new Map() }, newDetectState());
    expect(alone.map((c) => [c.key, c.kind, c.severity])).toEqual([["resync:r1", "resync", "info"]]);
  });

  it("split brain reported by DRBD escalates the resource with evidence of who wrote while apart", () => {
    const state = newDetectState();
    detect(input({ sides: [{ connection: "Connecting" }, { connection: "Connecting" }] }), state);
    const c = detect(
      input({
        sides: [
          { connection: "StandAlone", splitBrain: true },
          { connection: "StandAlone", splitBrain: true, role: "Primary" },
        ],
      }),
      state,
    );
    expect(kinds(c)).toEqual(["drbd:r1=split-brain"]);
    expect(c[0]?.detail).toMatchObject({
      detectedOn: ["xen1", "xen2"],
      sides: [
        { host: "xen1", vmsWhileApart: ["web1"] },
        { host: "xen2", vmsWhileApart: [] },
      ],
    });
  });

  it("a failed backing disk is its own incident, open until the disk is UpToDate again", () => {
    expect(kinds(detect(input({ sides: [{}, { disk: "Diskless" }] }), newDetectState()))).toEqual([
      "disk:r1:xen2=disk-failed",
    ]);
    const open = {
      "disk:r1:xen2": { kind: "disk-failed" as const, severity: "major" as const, summary: "" },
    };
    const back = input({
      open,
      sides: [{ replication: "SyncSource" }, { disk: "Inconsistent", replication: "SyncTarget" }],
    });
    expect(kinds(detect(back, newDetectState()))).toEqual(["disk:r1:xen2=disk-failed"]);
  });

  it("a VM that stops without a job is reported; while a job moves it, it is not", () => {
    const state = newDetectState();
    detect(input({}), state);
    const stopped = { xen1: [vm("web1", false)], xen2: [vm("web1", false)] };
    expect(kinds(detect(input({ vms: stopped, busyVms: ["web1"] }), state))).toEqual([]);
    // The job ended and the VM runs nowhere (a failover without the memory to start it): it is down.
    expect(kinds(detect(input({ vms: stopped }), state))).toEqual(["vm:web1=vm-crashed"]);
    const moved = { xen1: [vm("web1", false)], xen2: [vm("web1")] };
    expect(kinds(detect(input({ vms: moved }), state))).toEqual([]);
    const crashed = {
      xen1: [{ ...vm("web1", false), state: "crashed" as const }],
      xen2: [vm("web1", false)],
    };
    expect(detect(input({ vms: crashed }), newDetectState())[0]?.summary).toBe("web1 crashed on xen1.");
  });

  it("free memory below the standby reserve is memory pressure", () => {
    const c = detect(input({ freeMiB: 900 }), newDetectState());
    expect(kinds(c)).toEqual(["memory:xen1=memory-pressure", "memory:xen2=memory-pressure"]);
    expect(c[0]?.summary).toContain("900 MiB free, below its standby reserve of 1024 MiB");
  });
});
