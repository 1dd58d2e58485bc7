/**
 * The simulated farm's world: what the kernel (DRBD), the hypervisor and the hosts would hold.
 * Stand-in command-line tools (tools/) read and change it; nothing above the tools knows it exists.
 *
 * Time is simulated: `simNow = (realNow - epochRealMs) * speed`. Processes that take time (resync)
 * are stored as a start time and a rate and evaluated lazily, so any reader sees the same state.
 */
import { accumulateWrites, finishResync } from "./drbd-kernel";
import { settleDomains } from "./domains";
import { rebootCrashedHosts } from "./faults";
import type {
  TDrbdConnectionState,
  TDrbdDiskState,
  TDrbdReplicationState,
  TDrbdRole,
  TVmState,
} from "../protocol/schemas";

export const WORLD_FORMAT = 2;

export interface SimHost {
  name: string;
  /** Replication address (DRBD) of this host. */
  address: string;
  memoryMiB: number;
  dom0MiB: number;
  cpus: number;
  /** The toolstack: Xen's xl, xend's xm, or libvirt's virsh (a KVM host). */
  hypervisor: "xen-xl" | "xen-xm" | "libvirt";
  versions: { xen: string; drbdKernel: string; drbdUtils: string };
  /** A power-off or crash fault turns the host off (see faults.ts). */
  power: "on" | "off";
  /** After a crash, the simulated ms at which the host boots again by itself. */
  rebootAtSimMs: number | null;
  /** The panel can reach the host's management address (a cut-mgmt fault clears it). */
  mgmtUp: boolean;
  /** Stopped by a crash (a kernel panic): the machine is still powered, as its BMC sees it, until powered off. */
  panicked?: boolean;
  /** The host's management controller (BMC) answers its fence agent; a cut-bmc fault sets it false (absent: true). */
  bmcUp?: boolean;
  /** The host's LVM volume group (the backing devices of its DRBD resources are LVs in it). */
  vg: { name: string; sizeBytes: number; lvs: Array<{ name: string; sizeBytes: number }> };
  /** hang-command / slow-command faults, by tool. */
  toolFaults: Partial<Record<string, { mode: "hang" } | { mode: "slow"; delayMs: number }>>;
}

export interface SimSide {
  role: TDrbdRole;
  disk: TDrbdDiskState;
  /** Connection state as this host's kernel sees it. */
  connection: TDrbdConnectionState;
  /** Data generation (DRBD's current UUID as a counter); 0 = metadata just created. See drbd-kernel.ts. */
  gen: number;
  /** The generation both sides last shared (DRBD's bitmap UUID) while apart; null while they replicate. */
  baseGen: number | null;
  /** KiB written here that the peer lacks (DRBD's bitmap). */
  oosKiB: number;
  /** The resource's filesystem is mounted on this host (the device is open). */
  mounted: boolean;
  /** Where it is mounted on this host (null when not mounted). */
  mountedOn: string | null;
  /** Set by `connect --discard-my-data` until the next handshake. */
  discardMyData: boolean;
  /** The resource is configured on this host (false while the host is off). */
  up: boolean;
  /** KiB of acknowledged writes this side's data contains (for the invariant checker: lost writes). */
  dataKiB: number;
}

export interface SimResync {
  source: string;
  target: string;
  totalKiB: number;
  /** Simulated ms when the resync started. */
  startedAtSimMs: number;
  rateKiBps: number;
}

export interface SimResource {
  name: string;
  minor: number;
  port: number;
  sizeKiB: number;
  protocol: "A" | "B" | "C";
  mountPoint: string | null;
  /** The filesystem on the replicated data (the same on both sides), null for a raw device. */
  fs: {
    type: "ext4";
    uuid: string;
    label: string | null;
    /** Cleanly unmounted; false after a crash or power loss while mounted, until fsck (replicated data). */
    clean: boolean;
  } | null;
  sides: Record<string, SimSide>;
  resync: SimResync | null;
  /** net { allow-two-primaries; } (live migration windows only). */
  allowTwoPrimaries: boolean;
  /** The replication link between the two sides carries traffic (a cut-link fault sets it false). */
  linkUp: boolean;
  /** Which way a cut-link fault cut it (DRBD drops the connection either way). */
  linkCut: "both" | "outbound" | "inbound" | null;
  resyncRateKiBps: number;
  /** Simulated ms of the last split brain found at a handshake; null when none. */
  splitBrainAtSimMs: number | null;
  /** KiB of writes acknowledged to VMs on this resource, ever (protocol C: once on every connected side). */
  ackedKiB: number;
}

/** What happened that the invariant checker needs to judge (agents/sim/invariants.ts). */
export type SimEvent =
  | {
      kind: "promote";
      seq: number;
      atSimMs: number;
      resource: string;
      host: string;
      forced: boolean;
      /** This side's disk before the promotion. */
      disk: string;
      /** Whether a connected peer had UpToDate data (DRBD then serves reads from it). */
      peerUpToDate: boolean;
    }
  | {
      kind: "vm-start";
      seq: number;
      atSimMs: number;
      vm: string;
      host: string;
      alreadyRunningOn: string | null;
    };

export interface SimVm {
  name: string;
  /** The host the VM runs on, or where it was last defined. */
  host: string;
  state: TVmState;
  domId: number | null;
  memoryMiB: number;
  maxMemoryMiB: number;
  vcpus: number;
  resource: string | null;
  disk: string;
  /** KiB/s the guest writes to its disk while running (a write-load fault raises it). */
  writeKiBps: number;
  /** Balloon target set by mem-set; memoryMiB moves towards it (see settleVms). */
  targetMiB: number;
  /** The least the guest can give back (its kernel and working set): the balloon stops there. */
  minMemoryMiB: number;
  /** A clean shutdown in progress ends at this simulated time; null otherwise. */
  shutdownAtSimMs: number | null;
  /** Simulated ms the domain was started (it is built, then its guest boots: domains.ts); absent: long ago. */
  startedAtSimMs?: number;
  /** Why the domain last stopped, as libvirt reports it; absent when unknown. */
  stopReason?: "shutdown" | "destroyed" | "crashed";
  /** Maximum memory set for the next boot while the domain runs (`virsh setmaxmem --config`). */
  pendingMaxMemoryMiB?: number;
}

export interface SimWorld {
  format: typeof WORLD_FORMAT;
  /** Simulated seconds per real second. */
  speed: number;
  epochRealMs: number;
  /** Simulated ms up to which time-driven processes (writes, resyncs) have been applied. */
  settledAtSimMs: number;
  nextDomId: number;
  /**
   * How the hosts' resource files address each other: "loopback" (all hosts on this machine: 127.0.0.1, a port
   * per host) or "hosts" (each host's own `address`, as in the lab's network namespaces).
   */
  drbdAddressing: "loopback" | "hosts";
  /**
   * Set by `npm run lab:up`: each host's network namespace, whose management interface a fault really takes
   * down (lab-links.ts). Absent for the simulated farm.
   */
  lab?: { namespaces: Record<string, string>; interface: string };
  /** Last data generation handed out (see drbd-kernel.ts). */
  nextGen: number;
  /** Events for the invariant checker, oldest first (the last 500), numbered by `seq`. */
  events: SimEvent[];
  eventSeq: number;
  hosts: Record<string, SimHost>;
  resources: Record<string, SimResource>;
  vms: Record<string, SimVm>;
}

export function simNowMs(world: SimWorld, realNowMs: number = Date.now()): number {
  return (realNowMs - world.epochRealMs) * world.speed;
}

export function peerOf(resource: SimResource, host: string): string | undefined {
  return Object.keys(resource.sides).find((h) => h !== host);
}

export interface ResyncProgress {
  percent: number;
  remainingKiB: number;
  etaSeconds: number;
}

/** Progress of a running resync at simulated time `atSimMs`; null when none runs. */
export function resyncProgress(resource: SimResource, atSimMs: number): ResyncProgress | null {
  const sync = resource.resync;
  if (!sync) return null;
  const doneKiB = Math.min(
    sync.totalKiB,
    (Math.max(0, atSimMs - sync.startedAtSimMs) / 1000) * sync.rateKiBps,
  );
  const remainingKiB = sync.totalKiB - doneKiB;
  return {
    percent: sync.totalKiB === 0 ? 100 : (doneKiB / sync.totalKiB) * 100,
    remainingKiB,
    etaSeconds: Math.ceil(remainingKiB / sync.rateKiBps),
  };
}

/**
 * Applies what time has done since the world was last settled: writes of Primaries without their peer
 * (out-of-sync data), and resyncs that reached 100 % (both sides UpToDate). Returns true when the world
 * changed. Every reader calls it first, so all see the same state; writers save the settled world.
 */
export function settleWorld(world: SimWorld, realNowMs: number = Date.now()): boolean {
  const now = simNowMs(world, realNowMs);
  const before = JSON.stringify([world.resources, world.vms, world.hosts]);
  const elapsed = now - world.settledAtSimMs;
  accumulateWrites(world, elapsed);
  world.settledAtSimMs = now;
  settleDomains(world, elapsed);
  for (const resource of Object.values(world.resources)) {
    const progress = resyncProgress(resource, now);
    if (progress && progress.remainingKiB <= 0) finishResync(resource);
  }
  rebootCrashedHosts(world);
  return JSON.stringify([world.resources, world.vms, world.hosts]) !== before;
}

/** The replication state of `host`'s side towards its peer. */
export function replicationOf(resource: SimResource, host: string): TDrbdReplicationState {
  const side = resource.sides[host];
  if (!side || side.connection !== "Connected") return "Off";
  if (resource.resync) return resource.resync.source === host ? "SyncSource" : "SyncTarget";
  return "Established";
}

/** Memory a host has free for new domains (what `xl info` reports as free_memory). */
export function freeMemoryMiB(world: SimWorld, hostName: string): number {
  const host = world.hosts[hostName];
  if (!host) return 0;
  const used = Object.values(world.vms)
    .filter((vm) => vm.host === hostName && vm.domId !== null)
    .reduce((sum, vm) => sum + vm.memoryMiB, 0);
  return host.memoryMiB - host.dom0MiB - used;
}

/** The host runs DRBD 8.x with its own drbd-utils: /proc/drbd output, drbdadm-84 syntax. */
export function isDrbd8Host(world: SimWorld, host: string): boolean {
  return Number(world.hosts[host]?.versions.drbdUtils.split(".")[0] ?? 9) < 9;
}
