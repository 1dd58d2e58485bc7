import { z } from "zod";
import { ParseError } from "../../../lib/errors/app-error";
import {
  ZDrbdConnectionState,
  ZDrbdDiskState,
  ZDrbdReplicationState,
  ZDrbdRole,
  type TDrbdConnection,
  type TDrbdDevice,
  type TDrbdPeerDevice,
  type TDrbdReplicationState,
  type TDrbdResourceStatus,
  type TDrbdStatus,
} from "../../protocol/schemas";

/*
 * `drbdsetup events2 [--now] [--statistics] [--timestamps] all`, one record per line:
 *
 *   exists peer-device name:r0 peer-node-id:1 conn-name:remote-host volume:0 replication:Established peer-disk:UpToDate resync-suspended:no
 *   2019-05-07T13:50:23.973595-07:00 change connection name:r0 peer-node-id:1 conn-name:b connection:Connected role:Secondary
 *   exists -
 *
 * "<event> <object> key:value ...". `exists -` ends the initial dump. Unknown keys are kept but not
 * interpreted; state values we map are checked against the zod enums, so a state name we do not know
 * is a ParseError, never a guess. https://linbit.com/drbd-user-guide/drbd-guide-9_0-en/#s-drbdsetup-events2
 */

const TOOL = "drbdsetup events2";

export const EVENTS2_EVENTS = ["exists", "create", "change", "destroy", "call", "response"] as const;
export type TEvents2Event = (typeof EVENTS2_EVENTS)[number];
export const EVENTS2_OBJECTS = ["resource", "connection", "device", "peer-device", "path", "helper"] as const;
export type TEvents2Object = (typeof EVENTS2_OBJECTS)[number];

export interface Events2Record {
  event: TEvents2Event;
  /** "-" only in the `exists -` line that ends the initial dump. */
  object: TEvents2Object | "-";
  props: Record<string, string>;
}

/**
 * `--timestamps` prefix. "TIME" is what drbd-utils' own test suite substitutes for it
 * (`sed 's/....-..-..T..:..:.........+..:../TIME/'`), accepted so those transcripts parse too.
 */
const TIMESTAMP = /^(?:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2})?|TIME)$/;
/** `--color=always` SGR sequences, raw or as rendered by `cat -v` (`^[[1;31m`). */
// eslint-disable-next-line no-control-regex -- ESC (0x1b) is exactly what --color prints
const COLOR = /(?:\x1b|\^\[)\[[0-9;]*m/g;

const INT = z.string().regex(/^\d+$/);
const NUM = z.string().regex(/^\d+(?:\.\d+)?$/);
/** drbdsetup susp_str(): "no", or the reasons joined with commas. */
const SUSPENDED = z
  .string()
  .regex(
    /^(?:no|yes|(?:user|no-data|no-disk|fencing|quorum|uuid)(?:,(?:user|no-data|no-disk|fencing|quorum|uuid))*)$/,
  );

/** Values we interpret, checked per object as soon as the line is read (so the error names the line). */
const CHECKS: Partial<Record<TEvents2Object, Record<string, z.ZodType<string>>>> = {
  resource: { role: ZDrbdRole, suspended: SUSPENDED },
  device: { volume: INT, minor: INT, disk: ZDrbdDiskState, size: INT },
  connection: { "peer-node-id": INT, connection: ZDrbdConnectionState, role: ZDrbdRole },
  "peer-device": {
    "peer-node-id": INT,
    volume: INT,
    replication: ZDrbdReplicationState,
    "peer-disk": ZDrbdDiskState,
    done: NUM,
    eta: NUM,
    "out-of-sync": INT,
  },
};

/** Parses one events2 line; null for a blank line. Throws ParseError for anything that is not a record. */
export function parseEvents2Line(line: string): Events2Record | null {
  const words = line.replace(COLOR, "").trim().split(/\s+/);
  if (words[0] === "") return null;
  if (TIMESTAMP.test(words[0] ?? "")) words.shift();
  const [event, object, ...pairs] = words;
  if (!isOneOf(EVENTS2_EVENTS, event))
    throw new ParseError(TOOL, `unknown event ${JSON.stringify(event ?? "")}`, line);
  if (event === "exists" && object === "-" && pairs.length === 0) return { event, object, props: {} };
  if (!isOneOf(EVENTS2_OBJECTS, object))
    throw new ParseError(TOOL, `unknown object ${JSON.stringify(object ?? "")}`, line);

  const props: Record<string, string> = {};
  for (const pair of pairs) {
    const colon = pair.indexOf(":");
    if (colon <= 0) throw new ParseError(TOOL, `expected key:value, got ${JSON.stringify(pair)}`, line);
    const key = pair.slice(0, colon);
    const raw = pair.slice(colon + 1);
    const arrow = raw.lastIndexOf("->"); // --diff prints "old->new"
    const value = arrow === -1 ? raw : raw.slice(arrow + 2);
    if (CHECKS[object]?.[key]?.safeParse(value).success === false) {
      throw new ParseError(TOOL, `unknown ${object} ${key} value ${JSON.stringify(value)}`, line);
    }
    props[key] = value;
  }
  return { event, object, props };
}

// ---------------------------------------------------------------------------------------------------
// State reducer: the last known props of every object, as `events2` reports them.

type Props = Record<string, string>;
interface ConnectionEntry {
  props: Props;
  peerDevices: Map<string, Props>;
}
interface ResourceEntry {
  props: Props;
  devices: Map<string, Props>;
  connections: Map<string, ConnectionEntry>;
}
export interface Events2State {
  resources: Map<string, ResourceEntry>;
}

/** Props that show in TDrbdStatus; a change of only other props (counters) is not a visible change. */
const VISIBLE: Record<"resource" | "device" | "connection" | "peer-device", readonly string[]> = {
  resource: ["role", "suspended"],
  device: ["minor", "disk", "size"],
  connection: ["conn-name", "connection", "role"],
  "peer-device": ["replication", "peer-disk", "done", "eta", "out-of-sync"],
};

export function createEvents2State(): Events2State {
  return { resources: new Map() };
}

/**
 * Applies one record. create/exists/change merge their props into the object (props a partial
 * `change` line leaves out keep their value); destroy removes the object and its children.
 * Paths, helper calls and the `exists -` marker do not affect the status. Returns true when the
 * visible status changed.
 */
export function applyEvents2Record(state: Events2State, rec: Events2Record): boolean {
  if (rec.object === "helper") return applyHelper(state, rec);
  if (rec.object === "-" || rec.object === "path") return false;
  if (rec.event === "call" || rec.event === "response") return false;
  const object = rec.object;
  // Read every key before touching the state, so a bad record leaves it as it was.
  const name = required(rec, "name");
  const connKey = object === "connection" || object === "peer-device" ? connectionKey(rec) : undefined;
  const volume = object === "device" || object === "peer-device" ? required(rec, "volume") : undefined;

  if (rec.event === "destroy") {
    const res = state.resources.get(name);
    if (object === "resource") return state.resources.delete(name);
    if (object === "device") return res?.devices.delete(volume!) ?? false;
    if (object === "connection") return res?.connections.delete(connKey!) ?? false;
    return res?.connections.get(connKey!)?.peerDevices.delete(volume!) ?? false;
  }

  let created = !state.resources.has(name);
  const res = getOrAdd(state.resources, name, () => ({
    props: {},
    devices: new Map(),
    connections: new Map(),
  }));
  let target: Props = res.props;
  if (object === "device") {
    created ||= !res.devices.has(volume!);
    target = getOrAdd(res.devices, volume!, () => ({}));
  } else if (connKey !== undefined) {
    created ||= !res.connections.has(connKey);
    const conn = getOrAdd(res.connections, connKey, () => ({ props: {}, peerDevices: new Map() }));
    target = conn.props;
    if (object === "peer-device") {
      created ||= !conn.peerDevices.has(volume!);
      target = getOrAdd(conn.peerDevices, volume!, () => ({}));
    }
  }
  let changed = created;
  for (const [key, value] of Object.entries(rec.props)) {
    if (VISIBLE[object].includes(key) && target[key] !== value) changed = true;
    target[key] = value;
  }
  // The split brain DRBD reported is over once the connection is established again.
  if (object === "connection" && target.connection === "Connected" && res.props[SPLIT_BRAIN] !== undefined) {
    delete res.props[SPLIT_BRAIN];
    changed = true;
  }
  return changed;
}

/** Where the state remembers a split brain (not a key drbdsetup prints, so no line can set it). */
const SPLIT_BRAIN = " split-brain";

/**
 * `call helper name:r0 peer-node-id:1 conn-name:b volume:0 helper:split-brain`: the kernel found split brain at
 * the handshake and left the connection StandAlone. It says so once; the state remembers it until the resource
 * connects again. Other helpers (before-resync-target, fence-peer, ...) change nothing visible.
 */
function applyHelper(state: Events2State, rec: Events2Record): boolean {
  if (rec.event !== "call" || rec.props.helper !== "split-brain") return false;
  const res = state.resources.get(required(rec, "name"));
  if (!res || res.props[SPLIT_BRAIN] !== undefined) return false;
  res.props[SPLIT_BRAIN] = rec.props["conn-name"] ?? "";
  return true;
}

/** Maps the reduced state onto TDrbdStatus, resources sorted by name. */
export function events2StateToStatus(state: Events2State): TDrbdStatus {
  const names = [...state.resources.keys()].sort(byString);
  return { resources: names.map((name) => toResource(name, state.resources.get(name)!)) };
}

/** Reads a whole `drbdsetup events2 --now` dump; stops at `exists -`. */
export function parseEvents2Now(text: string): TDrbdStatus {
  const state = createEvents2State();
  for (const line of text.split("\n")) {
    const rec = parseEvents2Line(line);
    if (rec === null) continue;
    if (rec.object === "-") break;
    applyEvents2Record(state, rec);
  }
  return events2StateToStatus(state);
}

const RESYNC_STATES: ReadonlySet<TDrbdReplicationState> = new Set<TDrbdReplicationState>([
  "SyncSource",
  "SyncTarget",
  "PausedSyncS",
  "PausedSyncT",
  "VerifyS",
  "VerifyT",
]);

/** True while a resync or online verify runs (or is paused): the states that carry a progress figure. */
export function isResyncing(replication: TDrbdReplicationState): boolean {
  return RESYNC_STATES.has(replication);
}

// ---------------------------------------------------------------------------------------------------

function toResource(name: string, res: ResourceEntry): TDrbdResourceStatus {
  const where = `resource ${name}`;
  const devices = [...res.devices.entries()].map(([volume, d]): TDrbdDevice => {
    const at = `${where} volume:${volume}`;
    const sizeKiB = optNumber(d, "size", at);
    return {
      volume: int(d, "volume", at),
      minor: int(d, "minor", at),
      disk: state(ZDrbdDiskState, d, "disk", at),
      ...(sizeKiB === undefined ? {} : { sizeKiB }),
    };
  });
  const role = state(ZDrbdRole, res.props, "role", where);
  const connections = [...res.connections.entries()].map(([key, c]) => toConnection(`${where} ${key}`, c));
  return {
    name,
    role,
    ...(res.props.suspended === undefined
      ? {}
      : { suspended: state(SUSPENDED, res.props, "suspended", where) !== "no" }),
    ...(res.props[SPLIT_BRAIN] === undefined ? {} : { splitBrain: true }),
    devices: devices.sort((a, b) => a.volume - b.volume),
    connections: connections.sort(
      (a, b) => (a.peerNodeId ?? Infinity) - (b.peerNodeId ?? Infinity) || byString(a.peerName, b.peerName),
    ),
  };
}

function toConnection(where: string, c: ConnectionEntry): TDrbdConnection {
  const peerNodeId = optNumber(c.props, "peer-node-id", where);
  const peerName = c.props["conn-name"];
  if (peerName === undefined) throw new ParseError(TOOL, `${where} has no conn-name:`);
  const peerDevices = [...c.peerDevices.entries()].map(([volume, p]): TDrbdPeerDevice => {
    const at = `${where} volume:${volume}`;
    const replication = state(ZDrbdReplicationState, p, "replication", at);
    const progress = isResyncing(replication);
    const syncPercent = progress ? optNumber(p, "done", at) : undefined;
    const etaSeconds = progress ? optNumber(p, "eta", at) : undefined;
    const outOfSyncKiB = optNumber(p, "out-of-sync", at);
    return {
      volume: int(p, "volume", at),
      replication,
      peerDisk: state(ZDrbdDiskState, p, "peer-disk", at),
      ...(syncPercent === undefined ? {} : { syncPercent }),
      ...(etaSeconds === undefined ? {} : { etaSeconds }),
      ...(outOfSyncKiB === undefined ? {} : { outOfSyncKiB }),
    };
  });
  return {
    ...(peerNodeId === undefined ? {} : { peerNodeId }),
    peerName,
    connection: state(ZDrbdConnectionState, c.props, "connection", where),
    peerRole: state(ZDrbdRole, c.props, "role", where),
    peerDevices: peerDevices.sort((a, b) => a.volume - b.volume),
  };
}

/** A required state value, validated against its enum (the line check already did; this types it). */
function state<T extends string>(schema: z.ZodType<T>, props: Props, key: string, where: string): T {
  const value = props[key];
  if (value === undefined) throw new ParseError(TOOL, `${where} has no ${key}:`);
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ParseError(TOOL, `${where}: unknown ${key} value`, `${key}:${value}`);
  return parsed.data;
}

function int(props: Props, key: string, where: string): number {
  const n = optNumber(props, key, where);
  if (n === undefined) throw new ParseError(TOOL, `${where} has no ${key}:`);
  return n;
}

function optNumber(props: Props, key: string, where: string): number | undefined {
  const value = props[key];
  if (value === undefined) return undefined;
  if (!NUM.safeParse(value).success)
    throw new ParseError(TOOL, `${where}: ${key} is not a number`, `${key}:${value}`);
  return Number(value);
}

/** Connections are keyed by peer node id; DRBD 8.4 kernels have none, so their conn-name is the key. */
function connectionKey(rec: Events2Record): string {
  const id = rec.props["peer-node-id"];
  return id === undefined ? `conn-name:${required(rec, "conn-name")}` : `peer-node-id:${id}`;
}

function required(rec: Events2Record, key: string): string {
  const value = rec.props[key];
  if (value === undefined)
    throw new ParseError(TOOL, `${rec.event} ${rec.object} without ${key}:`, formatRecord(rec));
  return value;
}

function formatRecord(rec: Events2Record): string {
  return [rec.event, rec.object, ...Object.entries(rec.props).map(([k, v]) => `${k}:${v}`)].join(" ");
}

function getOrAdd<K, V>(map: Map<K, V>, key: K, make: () => NoInfer<V>): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

function isOneOf<T extends string>(list: readonly T[], value: string | undefined): value is T {
  return value !== undefined && (list as readonly string[]).includes(value);
}

function byString(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
