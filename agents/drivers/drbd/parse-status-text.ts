import { z } from "zod";
import { ParseError } from "../../../lib/errors/app-error";
import {
  ZDrbdConnectionState,
  ZDrbdDiskState,
  ZDrbdReplicationState,
  ZDrbdRole,
  type TDrbdConnectionState,
  type TDrbdDiskState,
  type TDrbdReplicationState,
  type TDrbdRole,
} from "../../protocol/schemas";
import type { TDrbdDeviceReport, TDrbdPeerReport, TDrbdReport } from "../../parsers/shapes";
import { isResyncing } from "./parse-events2";

/*
 * `drbdadm status` / `drbdsetup status [--verbose] [--statistics]` text (drbd-utils user/v9/drbdsetup.c
 * `resource_status` / `device_status` / `connection_status` / `peer_device_status`), e.g.
 *
 *   r0 role:Primary
 *     volume:0 disk:UpToDate
 *     volume:1 disk:UpToDate
 *     node2 role:Secondary
 *       volume:0 replication:SyncSource peer-disk:Inconsistent done:37.50
 *       volume:1 peer-disk:UpToDate
 *     node3 connection:Connecting
 *
 * One record per object: the resource at column 0 (`name [node-id:N] role:R [suspended:S]`), its devices
 * (`volume:V [minor:M] disk:D ...`), its connections (`peer-name [node-id:N] [connection:C] [role:R] ...`, or
 * `node-id:N ...` when the connection has no name; drbd-utils 8.9 with an 8.4 kernel names it `peer`), and
 * per connection its peer devices (`volume:V [replication:X] peer-disk:D [done:P] ...`). A blank line ends
 * a resource. `--statistics` adds lines of counters (size/read/written/..., received/sent/out-of-sync/
 * pending/unacked/dbdt1/eta ...) and wrap_printf() breaks any record at 80 columns (or the terminal width),
 * continuing it on an indented line. So the records are read as one stream of tokens per resource, not line
 * by line, and each token is assigned by what it is:
 * - a bare word starts a connection (its name); `node-id:` after the devices starts a nameless one;
 * - `volume:` starts a device (before the first connection) or a peer device (after it);
 * - `disk:` without `volume:` is the single device (volume 0 is only printed when there are several);
 *   under a connection it is a peer device's disk (the early DRBD 9 format of the UG9 example);
 * - `replication:` / `peer-disk:` without `volume:` start the single peer device.
 * This also reads output whose continuation lines were joined (any indentation). Unknown keys are skipped.
 *
 * What is printed only when it differs from the default (drbd-utils 9.x, checked in drbdsetup.c):
 * - `connection:` only with --verbose or when not Connected → absent means Connected;
 * - a connection's `role:` only with --verbose or when Connected → absent means Unknown;
 * - `replication:` only with --verbose or when past Established (SyncSource, ...) → absent means
 *   Established on a Connected connection, Off otherwise (drbd-utils 8.9 prints Established too);
 * - `peer-disk:` unless replication is Off and the disk DUnknown; a connection that prints no peer device for
 *   a volume (not Connected, or Off/DUnknown) gets `disk: DUnknown, replication: Off`;
 * - `minor:` only with --verbose: the report's `minor` is -1 when it is not printed.
 * `done:` (resync percent) is reported while resyncing, `out-of-sync:` (KiB) whenever printed.
 * `# No currently configured DRBD found.` (and any `#` line), blank lines, `--color` escapes and a captured
 * command line (`[root@pcmk-1 ~]# drbdadm status`, `drbdsetup status r1 --verbose`) are skipped.
 */

const TOOL = "drbdadm status";

// eslint-disable-next-line no-control-regex -- ESC (0x1b) is exactly what --color prints
const COLOR = /(?:\x1b|\^\[)\[[0-9;]*m/g;
const COMMAND_LINE = /^(?:.*?[#$]\s+)?(?:sudo\s+)?(?:drbdadm|drbdsetup)(?:-\d+)?(?:\s|$)/;
const INT = z.string().regex(/^\d+$/).transform(Number);
const PERCENT = z
  .string()
  .regex(/^\d+(?:\.\d+)?$/)
  .transform(Number);

interface Token {
  key: string | undefined;
  value: string;
  line: string;
}

interface PeerDeviceRec {
  volume?: number;
  replication?: TDrbdReplicationState;
  peerDisk?: TDrbdDiskState;
  done?: number;
  outOfSyncKiB?: number;
}
interface ConnectionRec {
  name?: string;
  nodeId?: number;
  connection?: TDrbdConnectionState;
  role?: TDrbdRole;
  peerDevices: PeerDeviceRec[];
  line: string;
}
interface DeviceRec {
  volume?: number;
  minor?: number;
  disk?: TDrbdDiskState;
  line: string;
}
interface ResourceRec {
  name: string;
  role?: TDrbdRole;
  devices: DeviceRec[];
  connections: ConnectionRec[];
  line: string;
}

export function parseDrbdStatusText(text: string): TDrbdReport {
  const chunks: Token[][] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "");
    const clean = line.replace(COLOR, "");
    const trimmed = clean.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    const atColumn0 = !/^\s/.test(clean);
    const words = trimmed.split(/\s+/);
    if (atColumn0 && COMMAND_LINE.test(trimmed) && !words.some((w) => w.startsWith("role:"))) continue;
    if (atColumn0) chunks.push([]);
    const chunk = chunks[chunks.length - 1];
    if (!chunk) throw new ParseError(TOOL, "expected a resource line (name role:...) first", line);
    for (const word of words) {
      const colon = word.indexOf(":");
      chunk.push(
        colon === -1
          ? { key: undefined, value: word, line }
          : { key: word.slice(0, colon), value: word.slice(colon + 1), line },
      );
    }
  }
  return { devices: chunks.map(readResource).flatMap(toDeviceReports) };
}

function readResource(tokens: Token[]): ResourceRec {
  const [first, ...rest] = tokens;
  if (!first || first.key !== undefined || first.value === "")
    throw new ParseError(TOOL, "expected a resource name", first?.line);
  const res: ResourceRec = { name: first.value, devices: [], connections: [], line: first.line };
  let device: DeviceRec | undefined;
  let conn: ConnectionRec | undefined;
  let peerDevice: PeerDeviceRec | undefined;

  const newDevice = (t: Token): DeviceRec => {
    device = { line: t.line };
    res.devices.push(device);
    return device;
  };
  const newPeerDevice = (c: ConnectionRec): PeerDeviceRec => {
    peerDevice = {};
    c.peerDevices.push(peerDevice);
    return peerDevice;
  };
  const newConnection = (t: Token, name?: string): ConnectionRec => {
    conn = { peerDevices: [], line: t.line, ...(name === undefined ? {} : { name }) };
    res.connections.push(conn);
    device = undefined;
    peerDevice = undefined;
    return conn;
  };

  for (const t of rest) {
    const { key, value, line } = t;
    if (key === undefined) {
      newConnection(t, value);
      continue;
    }
    switch (key) {
      case "role":
        if (conn) set(conn, "role", check(ZDrbdRole, t), t);
        else if (!device) set(res, "role", check(ZDrbdRole, t), t);
        break;
      case "node-id":
        if (conn && conn.nodeId === undefined && !peerDevice) conn.nodeId = check(INT, t);
        else if (conn || device || res.role !== undefined) newConnection(t).nodeId = check(INT, t);
        break; // the resource's own node-id (--verbose, printed before role:) is not reported
      case "volume": {
        const volume = check(INT, t);
        if (conn) newPeerDevice(conn).volume = volume;
        else newDevice(t).volume = volume;
        break;
      }
      case "minor":
        if (device && !conn) set(device, "minor", check(INT, t), t);
        break;
      case "disk": {
        const disk = check(ZDrbdDiskState, t);
        if (conn)
          set(peerDevice ?? newPeerDevice(conn), "peerDisk", disk, t); // early DRBD 9 wording
        else set(device ?? newDevice(t), "disk", disk, t);
        break;
      }
      case "peer-disk":
      case "replication": {
        if (!conn) throw new ParseError(TOOL, `${key}: outside a connection`, line);
        const pd = peerDevice ?? newPeerDevice(conn);
        if (key === "replication") set(pd, "replication", check(ZDrbdReplicationState, t), t);
        else set(pd, "peerDisk", check(ZDrbdDiskState, t), t);
        break;
      }
      case "connection":
        if (!conn || peerDevice) throw new ParseError(TOOL, "connection: outside a connection record", line);
        set(conn, "connection", check(ZDrbdConnectionState, t), t);
        break;
      case "done":
        if (peerDevice) set(peerDevice, "done", check(PERCENT, t), t);
        break;
      case "out-of-sync":
        if (peerDevice) set(peerDevice, "outOfSyncKiB", check(INT, t), t);
        break;
      default:
      // --verbose / --statistics extras (suspended, size, received, dbdt1, eta, quorum, ...): not reported.
    }
  }

  if (res.role === undefined) throw new ParseError(TOOL, `resource ${res.name} has no role: field`, res.line);
  for (const d of res.devices)
    if (d.disk === undefined)
      throw new ParseError(TOOL, `resource ${res.name}: device without a disk: field`, d.line);
  for (const c of res.connections)
    if (c.connection === undefined && c.role === undefined)
      throw new ParseError(
        TOOL,
        `resource ${res.name}: connection without a connection: or role: field`,
        c.line,
      );
  return res;
}

function toDeviceReports(res: ResourceRec): TDrbdDeviceReport[] {
  return res.devices.map((d) => {
    const volume = d.volume ?? 0;
    return {
      minor: d.minor ?? -1,
      resource: res.name,
      volume,
      role: res.role!,
      disk: d.disk!,
      peers: res.connections.map((c) => toPeerReport(c, volume)),
    };
  });
}

function toPeerReport(c: ConnectionRec, volume: number): TDrbdPeerReport {
  const connection = c.connection ?? "Connected";
  const pd = c.peerDevices.find((p) => (p.volume ?? 0) === volume);
  const replication: TDrbdReplicationState =
    pd?.replication ?? (connection === "Connected" && pd?.peerDisk !== undefined ? "Established" : "Off");
  const syncing = isResyncing(replication);
  return {
    ...(c.name === undefined ? {} : { peer: c.name }),
    connection,
    role: c.role ?? "Unknown",
    disk: pd?.peerDisk ?? "DUnknown",
    replication,
    ...(syncing && pd?.done !== undefined ? { syncPercent: pd.done } : {}),
    ...(pd?.outOfSyncKiB === undefined ? {} : { outOfSyncKiB: pd.outOfSyncKiB }),
  };
}

function check<T>(schema: z.ZodType<T>, t: Token): T {
  const parsed = schema.safeParse(t.value);
  if (!parsed.success)
    throw new ParseError(TOOL, `unknown ${t.key} value ${JSON.stringify(t.value)}`, t.line);
  return parsed.data;
}

/** Sets a field once; the same field twice in one record means the records were not split as printed. */
function set<O extends object, K extends keyof O>(obj: O, key: K, value: NonNullable<O[K]>, t: Token): void {
  if (obj[key] !== undefined) throw new ParseError(TOOL, `${t.key}: given twice for one object`, t.line);
  obj[key] = value;
}
