import { z } from "zod";
import { ParseError } from "../../../lib/errors/app-error";
import {
  ZDrbdConnectionState,
  ZDrbdDiskState,
  ZDrbdReplicationState,
  ZDrbdRole,
  type TDrbdResourceStatus,
  type TDrbdStatus,
} from "../../protocol/schemas";
import { isResyncing } from "./parse-events2";

/*
 * `drbdsetup status --json all` (drbd-utils 9.6.0, abridged):
 *
 *   [ { "name": "beijing", "node-id": 1, "role": "Primary", "suspended": false,
 *       "devices": [ { "volume": 0, "minor": 5, "disk-state": "UpToDate", "size": 307152, ... } ],
 *       "connections": [ { "peer-node-id": 2, "name": "salt-node3", "connection-state": "Connected",
 *           "peer-role": "Secondary",
 *           "peer_devices": [ { "volume": 0, "replication-state": "Established", "peer-disk-state": "UpToDate",
 *               "resync-suspended": "no", "out-of-sync": 0, "percent-in-sync": 100.00 } ] } ] } ]
 *
 * Quirks of the real output: "peer_devices" has an underscore, "resync-suspended" is a string, numbers are
 * printed with %.2f. Sizes are KiB. Only the keys below are read; zod drops the rest.
 */

const TOOL = "drbdsetup status --json";

/** drbdsetup prints this for "estimated-seconds-to-finish" when it has no rate to estimate from. */
const ETA_UNKNOWN = 987654321;

/** Printed as a JSON number with %.2f; accepted as a numeric string as well. */
const ZPercent = z.union([
  z.number(),
  z
    .string()
    .regex(/^\d+(?:\.\d+)?$/)
    .transform(Number),
]);

const ZPeerDeviceJson = z.object({
  volume: z.number().int(),
  "replication-state": ZDrbdReplicationState,
  "peer-disk-state": ZDrbdDiskState,
  "out-of-sync": z.number().optional(),
  "percent-in-sync": ZPercent.optional(),
  /** Only while a resync runs ("has-sync-details"); the same figure as events2 `done:`. */
  "percent-resync-done": ZPercent.optional(),
  "estimated-seconds-to-finish": z.number().optional(),
});

const ZConnectionJson = z.object({
  "peer-node-id": z.number().int(),
  name: z.string(),
  "connection-state": ZDrbdConnectionState,
  "peer-role": ZDrbdRole,
  peer_devices: z.array(ZPeerDeviceJson).default([]),
});

const ZDeviceJson = z.object({
  volume: z.number().int(),
  minor: z.number().int(),
  "disk-state": ZDrbdDiskState,
  size: z.number().optional(),
});

const ZResourceJson = z.object({
  name: z.string(),
  role: ZDrbdRole,
  suspended: z.boolean().optional(),
  devices: z.array(ZDeviceJson).default([]),
  connections: z.array(ZConnectionJson).default([]),
});

const ZStatusJson = z.array(ZResourceJson);

export function parseDrbdStatusJson(text: string): TDrbdStatus {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ParseError(
      TOOL,
      `not JSON (${err instanceof Error ? err.message : String(err)})`,
      text.slice(0, 120),
    );
  }
  const parsed = ZStatusJson.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path ?? [];
    const where = path.map(String).join(".") || "top level";
    const found = JSON.stringify(valueAt(json, path)) ?? "undefined";
    throw new ParseError(
      TOOL,
      `unexpected value at ${where}: ${issue?.message ?? "invalid"}`,
      `${where}: ${found}`,
    );
  }
  const resources = parsed.data.map((r): TDrbdResourceStatus => ({
    name: r.name,
    role: r.role,
    ...(r.suspended === undefined ? {} : { suspended: r.suspended }),
    devices: r.devices.map((d) => ({
      volume: d.volume,
      minor: d.minor,
      disk: d["disk-state"],
      ...(d.size === undefined ? {} : { sizeKiB: d.size }),
    })),
    connections: r.connections.map((c) => ({
      peerNodeId: c["peer-node-id"],
      peerName: c.name,
      connection: c["connection-state"],
      peerRole: c["peer-role"],
      peerDevices: c.peer_devices.map((p) => {
        const replication = p["replication-state"];
        const syncing = isResyncing(replication);
        const syncPercent = syncing ? (p["percent-resync-done"] ?? p["percent-in-sync"]) : undefined;
        const eta = p["estimated-seconds-to-finish"];
        const etaSeconds = syncing && eta !== undefined && eta !== ETA_UNKNOWN ? eta : undefined;
        return {
          volume: p.volume,
          replication,
          peerDisk: p["peer-disk-state"],
          ...(syncPercent === undefined ? {} : { syncPercent }),
          ...(etaSeconds === undefined ? {} : { etaSeconds }),
          ...(p["out-of-sync"] === undefined ? {} : { outOfSyncKiB: p["out-of-sync"] }),
        };
      }),
    })),
  }));
  return { resources: resources.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)) };
}

/** The offending value, so the ParseError shows what drbdsetup printed. */
function valueAt(json: unknown, path: readonly PropertyKey[]): unknown {
  let v = json;
  for (const key of path)
    v = v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[key] : undefined;
  return v;
}
