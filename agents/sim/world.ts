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
  vg: { name: string; sizeBytes: number; lvs: SimLv[] };
  /** hang-command / slow-command faults, by tool. */
  toolFaults: Partial<Record<string, { mode: "hang" } | { mode: "slow"; delayMs: number }>>;
}

/** A logical volume of a host's volume group (`/dev/<vg>/<name>`). */
export interface SimLv {
  name: string;
  sizeBytes: number;
  /**
   * The DRBD metadata (internal meta-disk) on this LV while no DRBD side holds it: written by `drbdmeta create-md`,
   * and by the kernel when a side attached to the LV goes down (`drbdsetup down`). An attach moves it into the side
   * (SimSide holds the live copy while attached), so it is never in two places. Absent: no metadata here, or it is
   * in the side attached to the LV (the farm's r1..r4 start that way). lvremove takes it with the LV.
   */
  drbdMetadata?: SimDrbdMetadata;
}

/** What DRBD's metadata remembers between attaches: the data generation and the disk state (see SimSide). */
export interface SimDrbdMetadata {
  gen: number;
  baseGen: number | null;
  oosKiB: number;
  dataKiB: number;
  disk: "Inconsistent" | "Outdated" | "Consistent" | "UpToDate";
}

/**
 * One host's side of a resource. A side exists for each host in the resource's `on` sections as the kernels know
 * them: the farm's resources have both from the start; a new resource gets this host's side from `drbdsetup
 * new-resource` and the peer's from `new-peer` (see drbd-config.ts). `up` says whether this host's kernel has it
 * configured; while it is not, the fields below are placeholders except where a power loss left them (faults.ts).
 */
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
  /** The resource is configured in this host's kernel (false while the host is off, and while `unconfigured`). */
  up: boolean;
  /** KiB of acknowledged writes this side's data contains (for the invariant checker: lost writes). */
  dataKiB: number;
  /** DRBD node id (`new-resource <res> <id>`, the peer's from `new-peer`); absent: hosts in name order (farms.ts). */
  nodeId?: number;
  /** Replication address `ip:port` from `new-path`; absent: as the farm's resource files give it (store.ts). */
  address?: string;
  /** The backing device `drbdsetup attach` gave; absent: `/dev/<vg>/<resource name>` (backingDeviceOf). */
  backingDevice?: string;
  /**
   * While `drbdadm up` configures the side one verb at a time: which of its kernel objects exist yet (new-minor:
   * the device, new-peer: the connection and its peer device). Absent: all of them (once both ran, and for the
   * farm's resources). Until attach the side is Diskless; until connect, StandAlone.
   */
  configured?: { device: boolean; connection: boolean };
  /**
   * Not up for an administrator's reason: never configured on this host (the peer's `new-peer` made the side) or
   * taken down (`drbdsetup down`). Its metadata is then on the backing LV (SimLv.drbdMetadata). A host that boots
   * brings up the sides a power loss took down (up false without this mark), never these.
   */
  unconfigured?: true;
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
  /** -1 for a new resource until new-minor gives it one (the same on both hosts: per-host minors are not simulated). */
  minor: number;
  /** 0 for a new resource until new-path gives it one. */
  port: number;
  /** 0 for a new resource until its first attach: the LV less internal metadata (drbd-config.ts usableKiB). */
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
  /** Image files made on its filesystem since the world was made (`dd`), name in the top directory -> MiB. */
  images?: Record<string, number>;
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
  /**
   * The libvirt hosts holding its definition, for a VM defined since the world was made (`virsh define`);
   * absent: both hosts of its resource, as the farm keeps them.
   */
  definedOn?: string[];
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

/** DRBD's node id of `host` in the resource: what new-resource / new-peer said, else hosts in name order. */
export function nodeIdOf(resource: SimResource, host: string): number {
  return resource.sides[host]?.nodeId ?? Object.keys(resource.sides).sort().indexOf(host);
}

/** The device `host`'s side of the resource is (or would be) attached to: `/dev/vg0/r1` for the farm's resources. */
export function backingDeviceOf(world: SimWorld, resource: SimResource, host: string): string {
  return (
    resource.sides[host]?.backingDevice ?? `/dev/${world.hosts[host]?.vg.name ?? "vg0"}/${resource.name}`
  );
}

/** The LV a device path names on `host` (`/dev/<vg>/<lv>`), if it exists. */
export function lvOfDevice(world: SimWorld, host: string, device: string): SimLv | undefined {
  const vg = world.hosts[host]?.vg;
  const match = /^\/dev\/([^/]+)\/([^/]+)$/.exec(device);
  if (!vg || !match || match[1] !== vg.name) return undefined;
  return vg.lvs.find((lv) => lv.name === match[2]);
}

/** `host`'s side of the resource is configured there (up) with a device (a minor): /dev/drbdN exists. */
export function hasDevice(resource: SimResource, host: string): boolean {
  const side = resource.sides[host];
  return side?.up === true && side.configured?.device !== false;
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
