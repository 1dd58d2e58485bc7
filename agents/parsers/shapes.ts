/**
 * Result shapes of `tandem-agent parse <format>` (issue 3): one shape per family of formats, so that the
 * same DRBD state read from /proc/drbd, `drbdadm status` text, `status --json` or events2 compares equal.
 * Extra fields are allowed by consumers; these schemas list what every parser of the family provides.
 */
import { z } from "zod";
import { ZDrbdDiskState, ZDrbdRole, ZVmState } from "../protocol/schemas";

/** One peer as seen from a local DRBD device. */
export const ZDrbdPeerReport = z.object({
  /** Peer name (9.x conn-name / `peer` in status text); absent for 8.x /proc/drbd. */
  peer: z.string().optional(),
  /**
   * The connection state as that DRBD version prints it: 8.x the `cs:` value (Connected, WFConnection,
   * StandAlone, SyncSource, SyncTarget, ...), 9.x Connected, Connecting, StandAlone, ...
   */
  connection: z.string(),
  role: ZDrbdRole,
  disk: ZDrbdDiskState,
  /** 9.x replication state; for 8.x the cs value when it is a replication state (SyncSource, ...). */
  replication: z.string().optional(),
  syncPercent: z.number().optional(),
  outOfSyncKiB: z.number().optional(),
});
export type TDrbdPeerReport = z.infer<typeof ZDrbdPeerReport>;

export const ZDrbdDeviceReport = z.object({
  minor: z.number().int(),
  resource: z.string().optional(),
  volume: z.number().int().optional(),
  role: ZDrbdRole,
  disk: ZDrbdDiskState,
  peers: z.array(ZDrbdPeerReport),
  /** An unconfigured minor (/proc/drbd "cs:Unconfigured") carries connection "Unconfigured". */
  connection: z.string().optional(),
});
export type TDrbdDeviceReport = z.infer<typeof ZDrbdDeviceReport>;

export const ZDrbdReport = z.object({ devices: z.array(ZDrbdDeviceReport) });
export type TDrbdReport = z.infer<typeof ZDrbdReport>;

export const ZDomainReport = z.object({
  name: z.string(),
  id: z.number().int().nullable(),
  state: ZVmState,
  memoryKiB: z.number().optional(),
  maxMemoryKiB: z.number().optional(),
  vcpus: z.number().int().optional(),
});
export const ZDomainList = z.object({ domains: z.array(ZDomainReport) });
export type TDomainList = z.infer<typeof ZDomainList>;

export const ZMemStats = z.object({
  actualKiB: z.number(),
  unusedKiB: z.number().optional(),
  availableKiB: z.number().optional(),
  rssKiB: z.number().optional(),
});
export type TMemStats = z.infer<typeof ZMemStats>;

export const ZHostInfo = z.object({
  totalMemKiB: z.number(),
  freeMemKiB: z.number(),
  cpus: z.number().int(),
});
export type THostInfo = z.infer<typeof ZHostInfo>;

export const ZLvmVolumes = z.object({
  volumes: z.array(z.object({ vg: z.string(), lv: z.string(), sizeBytes: z.number() })),
});
export type TLvmVolumes = z.infer<typeof ZLvmVolumes>;

export const ZLvmGroups = z.object({
  groups: z.array(z.object({ vg: z.string(), sizeBytes: z.number(), freeBytes: z.number() })),
});
export type TLvmGroups = z.infer<typeof ZLvmGroups>;
