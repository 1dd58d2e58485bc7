import { ParseError } from "../../../lib/errors/app-error";
import type { TDomainList } from "../../parsers/shapes";
import type { TVmState } from "../../protocol/schemas";
import { diskTarget } from "./disk-target";
import { parseSxp, sxpChild, sxpChildren, sxpLineOf, type SxpList } from "./parse-sxp";
import { stateFromFlags } from "./parse-xl-list";

/*
 * `xm list --long` (xend, Xen <= 4.1): one S-expression per domain, as written by XendConfig.to_sxp and
 * PrettyPrint.prettyprint (Xen 4.0.1, trimmed):
 *
 *   (domain
 *       (domid 119)
 *       (uuid e430b4b8-dc91-9390-dfe0-b83c138ea0aa)
 *       (vcpus 1)
 *       (name instance1.example.com)
 *       (maxmem 128)
 *       (memory 128)
 *       (online_vcpus 1)
 *       (status 2)
 *       (state -b----)
 *       (device (vbd (uname phy:/dev/xenvg/disk0) (mode w)))
 *   )
 *
 * Read: domid, name, memory and maxmem (MiB, integers), vcpus, online_vcpus, state (the same six flags
 * as the `xm list` table), status (xend's DOM_STATE_*), uuid, and the uname of vbd/tap/tap2 devices.
 * Everything else is ignored. xend writes (domid ...) and (state ...) only for a domain that exists in
 * the hypervisor; a managed domain that is not running has neither, and its (status ...) is 0 (halted)
 * or 3 (suspended, i.e. saved): it is reported as "shutoff" with domId null.
 * Unknown state flags, an unknown status code or a non-numeric memory value are ParseErrors naming the
 * line. xl of Xen 4.1 printed a different SXP (no state, no memory); it is refused for lack of (state).
 */

const TOOL = "xm list --long";

export interface XmLongDomain {
  name: string;
  /** Hypervisor domain id; null for a managed domain that is not running. */
  domId: number | null;
  /** (memory ...) in MiB: the current target (xend's memory_dynamic_max). */
  memoryMiB?: number;
  /** (maxmem ...) in MiB (memory_static_max). dom0 shows 16777215, xend's "no limit". */
  maxMemoryMiB?: number;
  /** (vcpus ...): the configured vCPUs. */
  vcpus?: number;
  /** (online_vcpus ...): the vCPUs up right now (what the `xm list` table shows as VCPUs). */
  onlineVcpus?: number;
  uuid?: string;
  /** The raw six state flags, e.g. "-b----"; absent for a domain that is not running. */
  stateFlags?: string;
  /** xend's (status ...): 0 halted, 1 paused, 2 running, 3 suspended, 4 shutdown, 5 crashed, 6 unknown. */
  status?: number;
  state: TVmState;
  /** Backing path of each vbd/tap/tap2 device (uname without its phy:/file:/tap:aio: prefix). */
  disks: string[];
  /** The whole (domain ...) expression, for fields not read here. */
  raw: SxpList;
}

const FLAGS = /^[r-][b-][p-][s-][c-][d-]$/;

/** xend DOM_STATE_* codes (XendConstants.py) for a domain without state flags. 6 (unknown) is refused. */
const STATUS_STATES: Record<number, TVmState> = {
  0: "shutoff", // halted
  1: "paused",
  2: "running",
  3: "shutoff", // suspended: saved to disk, not in the hypervisor
  4: "shutdown",
  5: "crashed",
};

export function parseXmListLong(text: string): XmLongDomain[] {
  const lines = text.split("\n");
  const nodes = parseSxp(text, TOOL);
  // Domain-0 is always listed: no expression at all means xm printed nothing useful.
  if (nodes.length === 0) throw new ParseError(TOOL, "empty output, expected (domain ...) expressions");
  return nodes.map((node) => {
    if (!Array.isArray(node) || node[0] !== "domain") {
      const line = Array.isArray(node) ? lines[sxpLineOf(node) ?? 0] : lines.find((l) => l.includes(node));
      throw new ParseError(TOOL, "expected (domain ...)", line ?? String(node));
    }
    return parseDomain(node, lines);
  });
}

function parseDomain(dom: SxpList, lines: string[]): XmLongDomain {
  const lineOf = (list: SxpList): string => lines[sxpLineOf(list) ?? 0] ?? "";
  const atom = (key: string): { value: string; line: string } | undefined => {
    const child = sxpChild(dom, key);
    if (child === undefined || child[1] === undefined) return undefined;
    const value = child[1];
    if (Array.isArray(value) || child.length > 2) {
      throw new ParseError(TOOL, `(${key} ...) must hold one value`, lineOf(child));
    }
    return { value, line: lineOf(child) };
  };
  const int = (key: string): number | undefined => {
    const field = atom(key);
    if (field === undefined) return undefined;
    if (!/^\d+$/.test(field.value)) throw new ParseError(TOOL, `${key} is not a whole number`, field.line);
    return Number(field.value);
  };

  const name = atom("name")?.value;
  if (name === undefined || name === "") throw new ParseError(TOOL, "domain without (name ...)", lineOf(dom));
  const domId = int("domid") ?? null;
  const memoryMiB = int("memory");
  const maxMemoryMiB = int("maxmem");
  const vcpus = int("vcpus");
  const onlineVcpus = int("online_vcpus");
  const status = int("status");
  const uuid = atom("uuid")?.value;

  const flags = atom("state");
  let state: TVmState;
  if (flags !== undefined) {
    if (!FLAGS.test(flags.value)) throw new ParseError(TOOL, "unknown state flags", flags.line);
    state = stateFromFlags(flags.value);
  } else if (domId !== null) {
    throw new ParseError(TOOL, `domain ${name} has a domid but no (state ...)`, lineOf(dom));
  } else if (status === undefined) {
    state = "shutoff";
  } else {
    const mapped = STATUS_STATES[status];
    if (mapped === undefined) {
      const child = sxpChild(dom, "status");
      throw new ParseError(TOOL, `unknown status ${status}`, child ? lineOf(child) : undefined);
    }
    state = mapped;
  }

  const disks: string[] = [];
  for (const device of sxpChildren(dom, "device")) {
    for (const kind of ["vbd", "tap", "tap2"]) {
      for (const dev of sxpChildren(device, kind)) {
        const uname = sxpChild(dev, "uname")?.[1];
        if (typeof uname !== "string") continue; // an empty CD-ROM drive has no uname
        const target = diskTarget(uname);
        if (target !== null) disks.push(target);
      }
    }
  }

  return {
    name,
    domId,
    ...(memoryMiB === undefined ? {} : { memoryMiB }),
    ...(maxMemoryMiB === undefined ? {} : { maxMemoryMiB }),
    ...(vcpus === undefined ? {} : { vcpus }),
    ...(onlineVcpus === undefined ? {} : { onlineVcpus }),
    ...(uuid === undefined ? {} : { uuid }),
    ...(flags === undefined ? {} : { stateFlags: flags.value }),
    ...(status === undefined ? {} : { status }),
    state,
    disks,
    raw: dom,
  };
}

/**
 * The shared domain-list shape. memoryKiB = memory MiB × 1024, maxMemoryKiB = maxmem MiB × 1024,
 * id = domid (null when not running). vcpus is online_vcpus for a running domain (as the `xm list`
 * table shows it, so both xm paths agree) and the configured vcpus otherwise.
 */
export function xmListLongToDomainList(domains: XmLongDomain[]): TDomainList {
  return {
    domains: domains.map((d) => {
      const vcpus = d.domId !== null && d.onlineVcpus !== undefined ? d.onlineVcpus : d.vcpus;
      return {
        name: d.name,
        id: d.domId,
        state: d.state,
        ...(d.memoryMiB === undefined ? {} : { memoryKiB: d.memoryMiB * 1024 }),
        ...(d.maxMemoryMiB === undefined ? {} : { maxMemoryKiB: d.maxMemoryMiB * 1024 }),
        ...(vcpus === undefined ? {} : { vcpus }),
      };
    }),
  };
}
