/**
 * The farm as the panel shows it (GET /api/farm): a pure function of what each host's agent last reported.
 */
import { z } from "zod";
import type { TDrbdStatus, THostFacts, TVmInfo } from "../../agents/protocol/schemas";
import { AGENT_VERSION } from "../../agents/protocol/version";

export const ZFarmView = z.object({
  simulated: z.boolean(),
  generatedAt: z.string(),
  hosts: z.array(
    z.object({
      name: z.string(),
      reachable: z.boolean(),
      /** True when the data shown is the last known state of a host that does not answer now. */
      stale: z.boolean(),
      lastSeenAt: z.string().nullable(),
      error: z.object({ code: z.string(), message: z.string() }).nullable(),
      hypervisor: z.string().nullable(),
      /** The host's agent: its version, whether it is this panel's, and whether the panel can install it. */
      agent: z.object({ version: z.string().nullable(), current: z.boolean(), installable: z.boolean() }),
      memory: z
        .object({ totalMiB: z.number(), usedMiB: z.number(), freeMiB: z.number(), standbyMiB: z.number() })
        .nullable(),
    }),
  ),
  resources: z.array(
    z.object({
      name: z.string(),
      minor: z.number().nullable(),
      sides: z.array(
        z.object({
          host: z.string(),
          stale: z.boolean(),
          role: z.string(),
          disk: z.string(),
          connection: z.string(),
          replication: z.string(),
          syncPercent: z.number().nullable(),
          etaSeconds: z.number().nullable(),
          /** DRBD reported split brain on this side (until it connects again). */
          splitBrain: z.boolean(),
          /** Data this side knows differs from its peer (events2 --statistics `out-of-sync:`), KiB. */
          outOfSyncKiB: z.number().nullable(),
        }),
      ),
    }),
  ),
  vms: z.array(
    z.object({
      name: z.string(),
      host: z.string(),
      stale: z.boolean(),
      state: z.string(),
      memoryMiB: z.number(),
      maxMemoryMiB: z.number(),
      resource: z.string().nullable(),
    }),
  ),
});
export type TFarmView = z.infer<typeof ZFarmView>;

/** What the panel last heard from one host. */
export interface HostObservation {
  name: string;
  reachable: boolean;
  lastSeenAt: Date | null;
  error: { code: string; message: string } | null;
  standbyMiB: number;
  /** The version the host's agent reported in its last hello; null before it first answered. */
  agentVersion: string | null;
  /** Whether the panel can install or upgrade this host's agent (SSH hosts). */
  agentInstallable: boolean;
  facts: THostFacts | null;
  drbd: TDrbdStatus | null;
  vms: TVmInfo[] | null;
}

export interface ResourceMeta {
  name: string;
  /** Where the resource's filesystem is mounted (same path on both hosts), if it holds VM images. */
  mountPoint?: string | null;
}

const KiB_PER_MiB = 1024;

export function buildFarmView(input: {
  simulated: boolean;
  hosts: HostObservation[];
  resources: ResourceMeta[];
  /** The host each VM was last seen running on: where a VM defined on both hosts and running on neither shows. */
  lastRunningHost?: ReadonlyMap<string, string>;
  now?: Date;
}): TFarmView {
  const { hosts } = input;
  const hostViews = hosts.map((h) => {
    const m = h.facts?.memory;
    const totalMiB = m ? Math.round(m.totalKiB / KiB_PER_MiB) : 0;
    const freeMiB = m ? Math.round(m.freeKiB / KiB_PER_MiB) : 0;
    return {
      name: h.name,
      reachable: h.reachable,
      stale: !h.reachable && h.facts !== null,
      lastSeenAt: h.lastSeenAt?.toISOString() ?? null,
      error: h.error,
      hypervisor: h.facts?.hypervisor ?? null,
      agent: {
        version: h.agentVersion,
        current: h.agentVersion === AGENT_VERSION,
        installable: h.agentInstallable,
      },
      memory: m
        ? { totalMiB, usedMiB: totalMiB - freeMiB, freeMiB, standbyMiB: Math.min(h.standbyMiB, freeMiB) }
        : null,
    };
  });

  const names = new Set<string>(input.resources.map((r) => r.name));
  for (const h of hosts) for (const r of h.drbd?.resources ?? []) names.add(r.name);
  const minors = new Map<string, number>();
  const resources = [...names].sort().map((name) => {
    const sides = hosts.map((h) => {
      const r = h.drbd?.resources.find((x) => x.name === name);
      const device = r?.devices[0];
      if (device && !minors.has(name)) minors.set(name, device.minor);
      const conn = r?.connections[0];
      const pd = conn?.peerDevices[0];
      return {
        host: h.name,
        stale: !h.reachable && r !== undefined,
        role: r?.role ?? "Unknown",
        disk: device?.disk ?? "DUnknown",
        connection: r ? (conn?.connection ?? "StandAlone") : "Unknown",
        replication: pd?.replication ?? "Off",
        syncPercent: pd?.syncPercent ?? null,
        etaSeconds: pd?.etaSeconds ?? null,
        splitBrain: r?.splitBrain === true,
        outOfSyncKiB: pd?.outOfSyncKiB ?? null,
      };
    });
    return { name, minor: minors.get(name) ?? null, sides };
  });

  const minorToName = new Map([...minors].map(([n, m]) => [m, n]));
  const vmByName = new Map<string, TFarmView["vms"][number]>();
  for (const h of hosts) {
    for (const vm of h.vms ?? []) {
      const prev = vmByName.get(vm.name);
      const running = vm.domId !== null;
      // A VM defined on both hosts shows where it runs; if it runs on neither, where it last ran (else the first).
      const lastRanHere = input.lastRunningHost?.get(vm.name) === h.name;
      if (prev && (prev.state !== "shutoff" || (!running && !lastRanHere))) continue;
      vmByName.set(vm.name, {
        name: vm.name,
        host: h.name,
        stale: !h.reachable,
        state: vm.state,
        memoryMiB: vm.memoryMiB,
        maxMemoryMiB: vm.maxMemoryMiB,
        resource: resourceForDisks(vm.disks ?? [], input.resources, minorToName),
      });
    }
  }
  return {
    simulated: input.simulated,
    generatedAt: (input.now ?? new Date()).toISOString(),
    hosts: hostViews,
    resources,
    vms: [...vmByName.values()].sort((a, b) => a.host.localeCompare(b.host) || a.name.localeCompare(b.name)),
  };
}

/**
 * Which DRBD resource holds a VM's disks: `drbd:<res>` (Xen's block-drbd script), `/dev/drbd<minor>`,
 * `/dev/drbd/by-res/<res>[/<vol>]`, or a file under the resource's mount point.
 */
export function resourceForDisks(
  disks: string[],
  resources: ResourceMeta[],
  minorToName: Map<number, string>,
): string | null {
  for (const disk of disks) {
    const drbdScript = /^drbd:([\w.-]+)$/.exec(disk);
    if (drbdScript) return drbdScript[1]!;
    const byRes = /^\/dev\/drbd\/by-res\/([\w.-]+)/.exec(disk);
    if (byRes) return byRes[1]!;
    const minor = /^\/dev\/drbd(\d+)$/.exec(disk);
    if (minor) return minorToName.get(Number(minor[1])) ?? null;
    const mounted = resources.find(
      (r) => r.mountPoint && disk.startsWith(`${r.mountPoint.replace(/\/$/, "")}/`),
    );
    if (mounted) return mounted.name;
  }
  return null;
}
