import { z } from "zod";

/* DRBD state names exactly as drbdsetup prints them (DRBD 9 and 8.4).
 * https://linbit.com/drbd-user-guide/drbd-guide-9_0-en/#s-check-status */
export const DRBD_ROLES = ["Primary", "Secondary", "Unknown"] as const;
export const ZDrbdRole = z.enum(DRBD_ROLES);
export type TDrbdRole = z.infer<typeof ZDrbdRole>;

export const DRBD_DISK_STATES = [
  "Diskless",
  "Attaching",
  "Detaching",
  "Failed",
  "Negotiating",
  "Inconsistent",
  "Outdated",
  "DUnknown",
  "Consistent",
  "UpToDate",
] as const;
export const ZDrbdDiskState = z.enum(DRBD_DISK_STATES);
export type TDrbdDiskState = z.infer<typeof ZDrbdDiskState>;

/** DRBD 9 connection states plus the DRBD 8.x names (WFConnection, ...) that /proc/drbd prints. */
export const DRBD_CONNECTION_STATES = [
  "StandAlone",
  "Disconnecting",
  "Unconnected",
  "Timeout",
  "BrokenPipe",
  "NetworkFailure",
  "ProtocolError",
  "TearDown",
  "Connecting",
  "Connected",
  "WFConnection",
  "WFReportParams",
] as const;
export const ZDrbdConnectionState = z.enum(DRBD_CONNECTION_STATES);
export type TDrbdConnectionState = z.infer<typeof ZDrbdConnectionState>;

export const DRBD_REPLICATION_STATES = [
  "Off",
  "Established",
  "StartingSyncS",
  "StartingSyncT",
  "WFBitMapS",
  "WFBitMapT",
  "WFSyncUUID",
  "SyncSource",
  "SyncTarget",
  "VerifyS",
  "VerifyT",
  "PausedSyncS",
  "PausedSyncT",
  "Ahead",
  "Behind",
] as const;
export const ZDrbdReplicationState = z.enum(DRBD_REPLICATION_STATES);
export type TDrbdReplicationState = z.infer<typeof ZDrbdReplicationState>;

export const ZDrbdPeerDevice = z.object({
  volume: z.number().int(),
  replication: ZDrbdReplicationState,
  peerDisk: ZDrbdDiskState,
  /** Resync progress in percent (events2 `done:`), only while syncing. */
  syncPercent: z.number().optional(),
  /** Estimated seconds left (events2 `eta:`), only while syncing with --statistics. */
  etaSeconds: z.number().optional(),
  /** Out-of-sync data in KiB (events2 `out-of-sync:`), with --statistics. */
  outOfSyncKiB: z.number().optional(),
});
export type TDrbdPeerDevice = z.infer<typeof ZDrbdPeerDevice>;

export const ZDrbdConnection = z.object({
  peerNodeId: z.number().int().optional(),
  /** The peer's name (events2 `conn-name:`), usually the peer's hostname. */
  peerName: z.string(),
  connection: ZDrbdConnectionState,
  peerRole: ZDrbdRole,
  peerDevices: z.array(ZDrbdPeerDevice),
});
export type TDrbdConnection = z.infer<typeof ZDrbdConnection>;

export const ZDrbdDevice = z.object({
  volume: z.number().int(),
  minor: z.number().int(),
  disk: ZDrbdDiskState,
  /** Device size in KiB (with --statistics). */
  sizeKiB: z.number().optional(),
});
export type TDrbdDevice = z.infer<typeof ZDrbdDevice>;

export const ZDrbdResourceStatus = z.object({
  name: z.string(),
  role: ZDrbdRole,
  suspended: z.boolean().optional(),
  /**
   * DRBD reported split brain on this resource (events2 `call helper ... helper:split-brain`) since its
   * connection last left StandAlone: the agent remembers it, the kernel says it once.
   */
  splitBrain: z.boolean().optional(),
  devices: z.array(ZDrbdDevice),
  connections: z.array(ZDrbdConnection),
});
export type TDrbdResourceStatus = z.infer<typeof ZDrbdResourceStatus>;

export const ZDrbdStatus = z.object({ resources: z.array(ZDrbdResourceStatus) });
export type TDrbdStatus = z.infer<typeof ZDrbdStatus>;

export const HYPERVISOR_KINDS = ["xen-xl", "xen-xm", "libvirt"] as const;
export const ZHypervisorKind = z.enum(HYPERVISOR_KINDS);
export type THypervisorKind = z.infer<typeof ZHypervisorKind>;

/** Domain states, normalised across xl/xm flags and virsh state names. */
export const VM_STATES = [
  "running",
  "blocked",
  "paused",
  "shutdown",
  "crashed",
  "dying",
  "shutoff",
  "pmsuspended",
] as const;
export const ZVmState = z.enum(VM_STATES);
export type TVmState = z.infer<typeof ZVmState>;

export const ZVmInfo = z.object({
  name: z.string(),
  /** Hypervisor domain id while it exists; null when shut off. */
  domId: z.number().int().nullable(),
  state: ZVmState,
  memoryMiB: z.number(),
  maxMemoryMiB: z.number(),
  vcpus: z.number().int().optional(),
  /** Backing paths of the VM's disks (e.g. /dev/drbd1, /srv/r1/images/web1.img, drbd:r1), from its config. */
  disks: z.array(z.string()).optional(),
});
export type TVmInfo = z.infer<typeof ZVmInfo>;

export const ZVmList = z.object({ vms: z.array(ZVmInfo) });
export type TVmList = z.infer<typeof ZVmList>;

/**
 * The agent's heartbeat: a sequence number, and its periodic probes (the hypervisor's VM list). A probe that has
 * been running for long means the host answers but its commands hang (the "medium" failure class).
 */
export const ZHeartbeat = z.object({
  seq: z.number().int(),
  probes: z.array(
    z.object({
      name: z.string(),
      /** How long the probe now running has been running, in ms; null when none runs. */
      inFlightMs: z.number().nullable(),
      /** How long ago the probe last succeeded, in ms; null before its first success. */
      lastOkAgoMs: z.number().nullable(),
    }),
  ),
});
export type THeartbeat = z.infer<typeof ZHeartbeat>;

export const ZHostFacts = z.object({
  hostname: z.string(),
  hypervisor: ZHypervisorKind,
  memory: z.object({
    totalKiB: z.number(),
    freeKiB: z.number(),
    /** Memory of the management domain (Xen dom0), when the hypervisor reports it. */
    dom0KiB: z.number().optional(),
  }),
  cpus: z.number().int(),
  versions: z.record(z.string(), z.string()),
});
export type THostFacts = z.infer<typeof ZHostFacts>;

export const ZHello = z.object({
  agentVersion: z.string(),
  protocolVersion: z.number().int(),
  capabilities: z.array(z.string()),
  /** True when the agent runs on the simulated farm's stand-in tools. */
  simulated: z.boolean(),
});
export type THello = z.infer<typeof ZHello>;

/** One command an agent call ran on the host: the evidence of the job journal. */
export const ZCommandRecord = z.object({
  argv: z.array(z.string()),
  exitCode: z.number().int().nullable(),
  timedOut: z.boolean(),
  durationMs: z.number(),
  /** The last 2,000 characters of stdout and stderr. */
  output: z.string(),
});
export type TCommandRecord = z.infer<typeof ZCommandRecord>;
