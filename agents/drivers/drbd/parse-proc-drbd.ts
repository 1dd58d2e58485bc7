import { ParseError } from "../../../lib/errors/app-error";
import {
  DRBD_REPLICATION_STATES,
  ZDrbdDiskState,
  ZDrbdRole,
  type TDrbdDiskState,
  type TDrbdRole,
} from "../../protocol/schemas";
import type { TDrbdDeviceReport, TDrbdPeerReport, TDrbdReport } from "../../parsers/shapes";

/*
 * `cat /proc/drbd` of DRBD 0.7 / 8.0 / 8.3 / 8.4 (drbd/drbd_proc.c `drbd_seq_show`), e.g. 8.4:
 *
 *   version: 8.4.11-1 (api:1/proto:86-101)
 *   GIT-hash: 66145a308421e9c124ec391a7848ac20203bb03c build by mockbuild@, 2018-04-26 12:10:42
 *
 *    1: cs:SyncSource ro:Primary/Secondary ds:UpToDate/Inconsistent C r-----
 *       ns:43184 nr:0 dw:0 dr:45312 al:8 bm:0 lo:0 pe:0 ua:0 ap:0 ep:1 wo:f oos:481052
 *       [>...................] sync'ed:  8.6% (481052/524236)K
 *       finish: 0:01:51 speed: 4,316 (4,316) K/sec
 *    2: cs:Unconfigured
 *
 * What the kernel prints, and so what this parser accepts:
 * - Header: `version: V (api:N/proto:A[-B])`, then the build tag (`GIT-hash: ...`, `srcversion: X ` with
 *   `%-24s` padding, `built-in`, 0.7's `SVN Revision: ...`), DRBD 9 adds `Transports (api:N): ...` and
 *   prints NO minors at all (its /proc/drbd is version lines only → `devices: []`). Free text between the
 *   version line and the first minor (a build tag wrapped by copy/paste) is not interpreted.
 * - One `%2d: cs:X ...` line per minor, the minor's other lines indented (spaces or TABs). 8.3+ prints a
 *   blank line where minor numbers skip. `cs:Unconfigured` has nothing else.
 * - Roles: `ro:L/P` (8.3+) or `st:L/P` (0.7-8.2). Disks: `ds:L/P` (8.0+) or 0.7's `ld:Consistent|Inconsistent`
 *   (local only; the peer's disk is then DUnknown). Other tokens (protocol letter, `r-----` flags) are skipped;
 *   8.3.1 prints a NUL for one flag character.
 * - Counter lines are `key:value` tokens (`ns:... oos:N`, 8.0's `resync: used:0/61 ...` / `act_log: ...`);
 *   only `oos:` (KiB out of sync, 8.3+) is read.
 * - While SyncSource/SyncTarget/VerifyS/VerifyT: `[==>....] sync'ed: 12.3% (x/y)K|M` (`verified:` when
 *   verifying; 8.3 may append `queue_delay: ...`), then `finish: h:mm:ss speed: ... [want: ...] K/sec`
 *   (0.7: `stalled`). Kernel 2.6.39's in-tree driver forgot the newline after `)M`, so both can share a line.
 * - With the proc_details module parameter: `N% sector pos: ...`, `blocked on activity log: N` and the
 *   `nn: lc_number refcnt ...` / `N: FREE` cache dump; skipped.
 * Anything else inside a minor's block, an unknown cs/role/disk value, or a minor line without roles or
 * disks is a ParseError naming the line. Comment (`#...`) and `cat /proc/drbd` prompt lines are skipped.
 */

const TOOL = "/proc/drbd";

/** DRBD 9's replication states less the two it added (Off, Established): what 8.x shows as a cs value. */
const DRBD_8_REPLICATION_STATES = DRBD_REPLICATION_STATES.filter((s) => s !== "Off" && s !== "Established");

/** drbd_strings.c `drbd_conn_s_names` (8.0-8.4). */
export const PROC_DRBD_CONNECTION_STATES = [
  "Unconfigured",
  "StandAlone",
  "Disconnecting",
  "Unconnected",
  "Timeout",
  "BrokenPipe",
  "NetworkFailure",
  "ProtocolError",
  "TearDown",
  "WFConnection",
  "WFReportParams",
  "Connected",
  // 8.x prints the replication states in cs: too; DRBD 9 split them off (the same names).
  ...DRBD_8_REPLICATION_STATES,
] as const;

/** Names only DRBD 0.7's `cstate_to_name()` / `drbd_seq_show()` print. */
const DRBD_07_CONNECTION_STATES = [
  "SkippedSyncS",
  "SkippedSyncT",
  "DiskLessClient",
  "ServerForDLess",
] as const;

/** cs values that are a replication state (DRBD 9 splits these off the connection state). */
const REPLICATION_STATES: ReadonlySet<string> = new Set(DRBD_8_REPLICATION_STATES);

const KNOWN_CS: ReadonlySet<string> = new Set<string>([
  ...PROC_DRBD_CONNECTION_STATES,
  ...DRBD_07_CONNECTION_STATES,
]);

const VERSION_LINE = /^version:\s*(\S+)\s+\(api:(\d+)\/proto:(\d+(?:-\d+)?)\)\s*$/;
const BUILD_TAG = /^(?:GIT-hash:|srcversion:|SVN Revision:|built-in\b|Transports \(api:)/;
const MINOR_LINE = /^\s*(\d+):\s+cs:(\S+)(.*)$/;
const PROGRESS = /\[[=>.]*\]\s*(?:sync'ed|verified):\s*(\d+(?:\.\d+)?)%/;
/** Lines of a minor's block that carry nothing we read. */
const SKIPPED_DETAIL = [
  /^(?:finish:|stalled\b)/,
  /^\d+% sector pos:/,
  /^blocked on activity log:/,
  /^nn: lc_number\b/,
  /^\d+:\s+(?:FREE\b|\d+\s+\d+\b)/,
];
const PROMPT = /^(?:#|.*[#$]\s+(?:sudo\s+)?cat\s+\/proc\/drbd\s*$)/;

export interface ProcDrbdReport extends TDrbdReport {
  /** The module's REL_VERSION, e.g. "8.4.11-1"; absent when the version line is missing. */
  version?: string;
  /** `api:` of the version line (genl/API version: 86/88 in 8.0-8.3, 1 in 8.4, 2 in 9). */
  apiVersion?: number;
  /** `proto:` of the version line, e.g. "86-101" (8.0 prints a single number). */
  protocolRange?: string;
}

interface Block {
  device: TDrbdDeviceReport;
  peer?: TDrbdPeerReport;
}

export function parseProcDrbd(text: string): ProcDrbdReport {
  let version: { version: string; apiVersion: number; protocolRange: string } | undefined;
  let sawHeader = false;
  const blocks: Block[] = [];
  let current: Block | undefined;

  for (const raw of text.split("\n")) {
    const line = raw.replace(/\r$/, "").replace(/\0/g, " ");
    const trimmed = line.trim();
    if (trimmed === "" || PROMPT.test(trimmed)) continue;

    if (trimmed.startsWith("version:")) {
      const m = VERSION_LINE.exec(trimmed);
      if (!m) throw new ParseError(TOOL, "unreadable version line", line);
      if (version !== undefined || blocks.length > 0)
        throw new ParseError(TOOL, "second version line (two /proc/drbd dumps?)", line);
      version = { version: m[1]!, apiVersion: Number(m[2]), protocolRange: m[3]! };
      sawHeader = true;
      continue;
    }
    if (BUILD_TAG.test(trimmed)) {
      if (current) throw new ParseError(TOOL, "header line inside a minor's block", line);
      sawHeader = true;
      continue;
    }

    const minor = MINOR_LINE.exec(line);
    if (minor) {
      current = parseMinorLine(Number(minor[1]), minor[2]!, minor[3]!, line);
      if (blocks.some((b) => b.device.minor === current!.device.minor))
        throw new ParseError(TOOL, `minor ${current.device.minor} listed twice`, line);
      blocks.push(current);
      continue;
    }

    if (!current) {
      // Between the version line and the first minor: a build tag broken over lines, never device data.
      if (version !== undefined && !/^\d+:/.test(trimmed) && !/\b(?:cs|ro|st|ds|ns|oos):/.test(trimmed))
        continue;
      throw new ParseError(TOOL, sawHeader ? "expected a minor line" : "expected the version line", line);
    }
    readDetailLine(current, trimmed, line);
  }

  if (!sawHeader && blocks.length === 0) throw new ParseError(TOOL, "no version line and no minors");
  return {
    ...(version ?? {}),
    devices: blocks.map(({ device, peer }) => (peer ? { ...device, peers: [peer] } : device)),
  };
}

/** ` 0: cs:Connected ro:Primary/Secondary ds:UpToDate/UpToDate C r-----` (cs already split off). */
function parseMinorLine(minor: number, cs: string, rest: string, line: string): Block {
  if (!KNOWN_CS.has(cs)) throw new ParseError(TOOL, `unknown connection state cs:${cs}`, line);
  if (cs === "Unconfigured") {
    return { device: { minor, role: "Unknown", disk: "DUnknown", connection: "Unconfigured", peers: [] } };
  }
  const fields = new Map<string, string>();
  for (const token of rest.trim().split(/\s+/)) {
    const m = /^([a-z]+):(.*)$/.exec(token);
    if (m) fields.set(m[1]!, m[2]!);
  }
  const roles = fields.get("ro") ?? fields.get("st");
  if (roles === undefined) throw new ParseError(TOOL, `minor ${minor} has no ro: (or st:) field`, line);
  const [role, peerRole] = pair(roles, (v) => ZDrbdRole.safeParse(v).data, "role", line);

  let disk: TDrbdDiskState;
  let peerDisk: TDrbdDiskState = "DUnknown";
  const ds = fields.get("ds");
  const ld = fields.get("ld");
  if (ds !== undefined) {
    [disk, peerDisk] = pair(ds, (v) => ZDrbdDiskState.safeParse(v).data, "disk state", line);
  } else if (ld === "Consistent" || ld === "Inconsistent") {
    disk = ld;
  } else if (ld !== undefined) {
    throw new ParseError(TOOL, `unknown disk state ld:${ld}`, line);
  } else {
    throw new ParseError(TOOL, `minor ${minor} has no ds: (or ld:) field`, line);
  }

  const peer: TDrbdPeerReport = {
    connection: cs,
    role: peerRole,
    disk: peerDisk,
    ...(REPLICATION_STATES.has(cs) ? { replication: cs } : {}),
  };
  return { device: { minor, role, disk, peers: [] }, peer };
}

/** "Primary/Secondary" → both halves, each validated. */
function pair<T extends TDrbdRole | TDrbdDiskState>(
  value: string,
  check: (v: string) => T | undefined,
  what: string,
  line: string,
): [T, T] {
  const halves = value.split("/");
  if (halves.length !== 2) throw new ParseError(TOOL, `expected local/peer ${what}`, line);
  const local = check(halves[0]!);
  const peer = check(halves[1]!);
  if (local === undefined) throw new ParseError(TOOL, `unknown ${what} ${JSON.stringify(halves[0])}`, line);
  if (peer === undefined) throw new ParseError(TOOL, `unknown ${what} ${JSON.stringify(halves[1])}`, line);
  return [local, peer];
}

function readDetailLine(block: Block, trimmed: string, line: string): void {
  const progress = PROGRESS.exec(trimmed);
  if (progress) {
    if (!block.peer) throw new ParseError(TOOL, "progress line of an unconfigured minor", line);
    block.peer.syncPercent = Number(progress[1]);
    return; // the rest is the size, 8.3's queue_delay, or (kernel 2.6.39) the finish: figures
  }
  if (SKIPPED_DETAIL.some((re) => re.test(trimmed))) return;

  const tokens = trimmed.split(/\s+/);
  if (!tokens.every((t) => /^[A-Za-z_]+:\S*$/.test(t)))
    throw new ParseError(TOOL, "unrecognised line in a minor's block", line);
  const oos = tokens.find((t) => t.startsWith("oos:"))?.slice(4);
  if (oos === undefined) return;
  if (!/^\d+$/.test(oos)) throw new ParseError(TOOL, `oos: is not a number`, line);
  if (!block.peer) throw new ParseError(TOOL, "counters of an unconfigured minor", line);
  block.peer.outOfSyncKiB = Number(oos);
}
