import type { TDrbdConnection, TDrbdStatus } from "../../protocol/schemas";
import type { TDrbdDeviceReport, TDrbdPeerReport, TDrbdReport } from "../../parsers/shapes";

/*
 * TDrbdStatus (from `drbdsetup events2 --now` or `status --json`) → the shared report shape: one device entry
 * per resource volume, in the status' order, carrying the resource role and, per connection, that volume's
 * peer device. A connection without a peer device for the volume (DRBD has not created it, or the peer lacks
 * the volume) reads as DRBD prints such a peer: disk DUnknown, replication Off, the same default that
 * parseDrbdStatusText applies, so the three sources of one state compare equal. syncPercent and
 * outOfSyncKiB are passed through as the status parsers kept them (syncPercent only while resyncing).
 */
export function drbdStatusToReport(status: TDrbdStatus): TDrbdReport {
  const devices: TDrbdDeviceReport[] = [];
  for (const resource of status.resources) {
    for (const device of resource.devices) {
      devices.push({
        minor: device.minor,
        resource: resource.name,
        volume: device.volume,
        role: resource.role,
        disk: device.disk,
        peers: resource.connections.map((c) => toPeer(c, device.volume)),
      });
    }
  }
  return { devices };
}

function toPeer(c: TDrbdConnection, volume: number): TDrbdPeerReport {
  const pd = c.peerDevices.find((p) => p.volume === volume);
  return {
    peer: c.peerName,
    connection: c.connection,
    role: c.peerRole,
    disk: pd?.peerDisk ?? "DUnknown",
    replication: pd?.replication ?? "Off",
    ...(pd?.syncPercent === undefined ? {} : { syncPercent: pd.syncPercent }),
    ...(pd?.outOfSyncKiB === undefined ? {} : { outOfSyncKiB: pd.outOfSyncKiB }),
  };
}
