import { ParseError } from "../../../lib/errors/app-error";
import {
  DRBD_CONNECTION_STATES,
  DRBD_REPLICATION_STATES,
  type TDrbdConnectionState,
  type TDrbdReplicationState,
  type TDrbdResourceStatus,
  type TDrbdStatus,
} from "../../protocol/schemas";
import { ZName } from "../../protocol/validation";
import type { TDrbdDeviceReport } from "../../parsers/shapes";
import type { ProcDrbdReport } from "./parse-proc-drbd";

/*
 * DRBD 8.3 / 8.4 with their own drbd-utils (no `drbdsetup events2`): the state comes from /proc/drbd, which
 * knows minors only. The resource of each minor comes from the configuration, as drbdadm reads it:
 *
 *   $ drbdadm sh-resources        $ drbdadm sh-minor r1
 *   r0 r1                         3
 *                                 2
 *
 * sh-minor prints one minor per volume in volume-number order (checked against the real drbdadm-84 with the
 * volumes written out of order), so volume numbers are taken as 0, 1, ... in that order; 8.3 has no volumes.
 */

export interface MinorOwner {
  resource: string;
  volume: number;
}

const SH_RESOURCES = "drbdadm sh-resources";
const SH_MINOR = "drbdadm sh-minor";

/** `drbdadm sh-resources`: resource names separated by blanks; each must be a name Tandem can pass on. */
export function parseShResources(text: string): string[] {
  const names = text.split(/\s+/).filter((n) => n !== "");
  for (const name of names)
    if (!ZName.safeParse(name).success)
      throw new ParseError(SH_RESOURCES, `resource name ${JSON.stringify(name)} breaks the name rule`, name);
  return names;
}

/** `drbdadm sh-minor <res>`: one minor number per line (per volume). */
export function parseShMinor(text: string): number[] {
  const minors: number[] = [];
  for (const line of text.split("\n")) {
    const trimmed = line.trim();
    if (trimmed === "") continue;
    if (!/^\d{1,7}$/.test(trimmed)) throw new ParseError(SH_MINOR, "expected a minor number", line);
    minors.push(Number(trimmed));
  }
  return minors;
}

/** The configuration's minors → (resource, volume), refusing a minor claimed twice. */
export function minorOwners(resources: { resource: string; minors: number[] }[]): Map<number, MinorOwner> {
  const owners = new Map<number, MinorOwner>();
  for (const { resource, minors } of resources) {
    minors.forEach((minor, volume) => {
      const other = owners.get(minor);
      if (other)
        throw new ParseError(
          SH_MINOR,
          `minor ${minor} belongs to both ${other.resource} and ${resource}`,
          String(minor),
        );
      owners.set(minor, { resource, volume });
    });
  }
  return owners;
}

const CONNECTION_STATES: ReadonlySet<string> = new Set(DRBD_CONNECTION_STATES);
const REPLICATION_STATES: ReadonlySet<string> = new Set(DRBD_REPLICATION_STATES);

/**
 * The /proc/drbd report as the status every other source gives: one resource per configured resource (in
 * minor order), its role from its first volume (8.x roles are per resource), one connection whose state
 * splits 8.x's cs: the way DRBD 9 does (SyncSource → Connected + replication SyncSource). A configured minor
 * that no resource file claims (set up by hand with drbdsetup) is reported as resource `minor-N`, so it is
 * seen, not hidden. Unconfigured minors are left out, as events2 leaves them out.
 */
export function procDrbdToStatus(report: ProcDrbdReport, owners: Map<number, MinorOwner>): TDrbdStatus {
  const resources = new Map<string, TDrbdResourceStatus>();
  const devices = [...report.devices].sort((a, b) => a.minor - b.minor);
  for (const device of devices) {
    if (device.connection === "Unconfigured") continue;
    const owner = owners.get(device.minor) ?? { resource: `minor-${device.minor}`, volume: 0 };
    let resource = resources.get(owner.resource);
    if (!resource) {
      resource = { name: owner.resource, role: device.role, devices: [], connections: [] };
      resources.set(owner.resource, resource);
    }
    resource.devices.push({ volume: owner.volume, minor: device.minor, disk: device.disk });
    addPeerDevice(resource, device, owner.volume);
  }
  for (const resource of resources.values()) resource.devices.sort((a, b) => a.volume - b.volume);
  return { resources: [...resources.values()] };
}

function addPeerDevice(resource: TDrbdResourceStatus, device: TDrbdDeviceReport, volume: number): void {
  const peer = device.peers[0];
  if (!peer) return;
  const { connection, replication } = splitCs(peer.connection, device.minor);
  let conn = resource.connections[0];
  if (!conn) {
    // /proc/drbd does not name the peer; the panel knows the pair from its inventory.
    conn = { peerName: "peer", connection, peerRole: peer.role, peerDevices: [] };
    resource.connections.push(conn);
  }
  conn.peerDevices.push({
    volume,
    replication,
    peerDisk: peer.disk,
    ...(peer.syncPercent === undefined ? {} : { syncPercent: peer.syncPercent }),
    ...(peer.outOfSyncKiB === undefined ? {} : { outOfSyncKiB: peer.outOfSyncKiB }),
  });
}

function splitCs(
  cs: string,
  minor: number,
): { connection: TDrbdConnectionState; replication: TDrbdReplicationState } {
  if (REPLICATION_STATES.has(cs))
    return { connection: "Connected", replication: cs as TDrbdReplicationState };
  if (CONNECTION_STATES.has(cs))
    return {
      connection: cs as TDrbdConnectionState,
      replication: cs === "Connected" ? "Established" : "Off",
    };
  throw new ParseError(
    "/proc/drbd",
    `connection state ${cs} predates DRBD 8 and is not supported`,
    `${minor}: cs:${cs}`,
  );
}
