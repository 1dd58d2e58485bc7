import { AGENT_VERSION } from "../../../agents/protocol/version";
import { describe, expect, it } from "vitest";
import { buildFarmView, resourceForDisks, type HostObservation } from "../../../lib/farm/view";
import type { TDrbdResourceStatus } from "../../../agents/protocol/schemas";

function res(
  name: string,
  minor: number,
  role: "Primary" | "Secondary",
  peerRole: "Primary" | "Secondary" | "Unknown",
  extra: Partial<{
    connection: "Connected" | "StandAlone";
    replication: "Established" | "SyncSource" | "SyncTarget" | "Off";
    syncPercent: number;
    etaSeconds: number;
    disk: "UpToDate" | "Inconsistent";
  }> = {},
): TDrbdResourceStatus {
  return {
    name,
    role,
    devices: [{ volume: 0, minor, disk: extra.disk ?? "UpToDate" }],
    connections: [
      {
        peerName: "peer",
        connection: extra.connection ?? "Connected",
        peerRole,
        peerDevices: [
          {
            volume: 0,
            replication: extra.replication ?? "Established",
            peerDisk: "UpToDate",
            ...(extra.syncPercent === undefined ? {} : { syncPercent: extra.syncPercent }),
            ...(extra.etaSeconds === undefined ? {} : { etaSeconds: extra.etaSeconds }),
          },
        ],
      },
    ],
  };
}

function host(name: string, patch: Partial<HostObservation> = {}): HostObservation {
  return {
    name,
    reachable: true,
    lastSeenAt: new Date("2026-11-22T00:00:00Z"),
    error: null,
    standbyMiB: 1024,
    agentVersion: AGENT_VERSION,
    agentInstallable: false,
    facts: {
      hostname: name,
      hypervisor: "xen-xl",
      memory: { totalKiB: 8192 * 1024, freeKiB: 1536 * 1024 },
      cpus: 4,
      versions: {},
    },
    drbd: null,
    vms: [],
    ...patch,
  };
}

describe("buildFarmView", () => {
  it("pairs each resource's sides by host, with sync progress while syncing", () => {
    const view = buildFarmView({
      simulated: true,
      resources: [],
      hosts: [
        host("xen1", {
          drbd: {
            resources: [
              res("r1", 1, "Primary", "Secondary", {
                replication: "SyncSource",
                syncPercent: 40,
                etaSeconds: 90,
              }),
            ],
          },
        }),
        host("xen2", {
          drbd: {
            resources: [
              res("r1", 1, "Secondary", "Primary", {
                replication: "SyncTarget",
                syncPercent: 40,
                disk: "Inconsistent",
              }),
            ],
          },
        }),
      ],
    });
    expect(view.resources).toEqual([
      {
        name: "r1",
        minor: 1,
        sides: [
          {
            host: "xen1",
            stale: false,
            role: "Primary",
            disk: "UpToDate",
            connection: "Connected",
            replication: "SyncSource",
            syncPercent: 40,
            etaSeconds: 90,
            splitBrain: false,
            outOfSyncKiB: null,
          },
          {
            host: "xen2",
            stale: false,
            role: "Secondary",
            disk: "Inconsistent",
            connection: "Connected",
            replication: "SyncTarget",
            syncPercent: 40,
            etaSeconds: null,
            splitBrain: false,
            outOfSyncKiB: null,
          },
        ],
      },
    ]);
    expect(view.hosts[0]?.memory).toEqual({ totalMiB: 8192, usedMiB: 6656, freeMiB: 1536, standbyMiB: 1024 });
    expect(view.hosts[0]?.agent).toEqual({ version: AGENT_VERSION, current: true, installable: false });
  });

  it("marks an unreachable host's last known state stale and shows Unknown for a host that never answered", () => {
    const view = buildFarmView({
      simulated: false,
      resources: [{ name: "r2", mountPoint: "/srv/r2" }],
      hosts: [
        host("xen1", {
          reachable: false,
          error: { code: "HOST_UNREACHABLE", message: "x" },
          drbd: { resources: [res("r2", 2, "Secondary", "Primary")] },
          vms: [
            {
              name: "web1",
              domId: 3,
              state: "running",
              memoryMiB: 2048,
              maxMemoryMiB: 2048,
              disks: ["/srv/r2/images/web1.img"],
            },
          ],
        }),
        host("xen2", { reachable: false, facts: null, drbd: null, vms: null, lastSeenAt: null }),
      ],
    });
    expect(view.hosts.map((h) => [h.name, h.reachable, h.stale, h.memory === null])).toEqual([
      ["xen1", false, true, false],
      ["xen2", false, false, true],
    ]);
    expect(view.resources[0]?.sides).toEqual([
      expect.objectContaining({ host: "xen1", stale: true, role: "Secondary" }),
      {
        host: "xen2",
        stale: false,
        role: "Unknown",
        disk: "DUnknown",
        connection: "Unknown",
        replication: "Off",
        syncPercent: null,
        etaSeconds: null,
        splitBrain: false,
        outOfSyncKiB: null,
      },
    ]);
    expect(view.vms).toEqual([
      {
        name: "web1",
        host: "xen1",
        stale: true,
        state: "running",
        memoryMiB: 2048,
        maxMemoryMiB: 2048,
        resource: "r2",
      },
    ]);
  });

  it("shows a VM defined on both hosts where it runs", () => {
    const vm = (domId: number | null) => ({
      name: "db1",
      domId,
      state: domId === null ? ("shutoff" as const) : ("running" as const),
      memoryMiB: 1024,
      maxMemoryMiB: 1024,
    });
    for (const order of [
      [null, 5],
      [5, null],
    ] as const) {
      const view = buildFarmView({
        simulated: true,
        resources: [],
        hosts: [host("xen1", { vms: [vm(order[0])] }), host("xen2", { vms: [vm(order[1])] })],
      });
      expect(view.vms.map((v) => `${v.host}:${v.state}`)).toEqual([
        order[0] === null ? "xen2:running" : "xen1:running",
      ]);
    }
  });

  it("shows a VM that runs on neither host where it last ran, else on the first host", () => {
    const off = { name: "ftp1", domId: null, state: "shutoff" as const, memoryMiB: 512, maxMemoryMiB: 512 };
    const hosts = [host("xen1", { vms: [off] }), host("xen2", { vms: [off] })];
    const shown = (lastRunningHost?: Map<string, string>) =>
      buildFarmView({
        simulated: true,
        resources: [],
        hosts,
        ...(lastRunningHost ? { lastRunningHost } : {}),
      }).vms.map((v) => `${v.host}:${v.state}`);
    expect(shown(new Map([["ftp1", "xen2"]]))).toEqual(["xen2:shutoff"]);
    expect(shown(new Map([["ftp1", "xen1"]]))).toEqual(["xen1:shutoff"]);
    expect(shown()).toEqual(["xen1:shutoff"]);
  });
});

describe("resourceForDisks", () => {
  const minors = new Map([
    [1, "r1"],
    [2, "r2"],
  ]);
  const resources = [
    { name: "r1", mountPoint: "/srv/r1" },
    { name: "r3", mountPoint: "/srv/r3/" },
  ];
  it.each([
    [["drbd:r7"], "r7"],
    [["/dev/drbd/by-res/r5/0"], "r5"],
    [["/dev/drbd2"], "r2"],
    [["/dev/drbd9"], null],
    [["/srv/r1/images/a.img"], "r1"],
    [["/srv/r3/a.img"], "r3"],
    [["/srv/r10/a.img"], null],
    [["/var/lib/xen/images/a.img"], null],
    [[], null],
  ])("%j → %s", (disks, expected) => {
    expect(resourceForDisks(disks, resources, minors)).toBe(expected);
  });

  it("says when a host's agent is not the panel's version, or not known yet", () => {
    const view = buildFarmView({
      simulated: false,
      hosts: [
        host("xen1", { agentVersion: "0.1.0", agentInstallable: true }),
        host("xen2", { agentVersion: null, reachable: false, agentInstallable: true }),
      ],
      resources: [],
    });
    expect(view.hosts.map((h) => h.agent)).toEqual([
      { version: "0.1.0", current: false, installable: true },
      { version: null, current: false, installable: true },
    ]);
  });
});
