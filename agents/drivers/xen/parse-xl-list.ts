import { ParseError } from "../../../lib/errors/app-error";
import type { TVmState } from "../../protocol/schemas";

/*
 * `xl list` and `xm list` print the same table (xl may add a Claimed column, `xl list -v` adds UUID
 * and more; extra columns are ignored). The header may be indented by one space (xl man page):
 *
 *   Name                                        ID   Mem VCPUs      State   Time(s)
 *   Domain-0                                     0  1023     1     r----- 154706.1
 *   (null)                                   28441   789     1     --psc-      1.2
 *
 * Domain names cannot contain white space; "(null)" is the name of a domain being torn down.
 */

const TOOL = "xl list";

export interface XlDomain {
  name: string;
  domId: number;
  memoryMiB: number;
  vcpus: number;
  /** The raw 6-character flag field, e.g. "-b----". */
  stateFlags: string;
  state: TVmState;
  cpuSeconds: number;
}

const HEADER = /^Name\s+ID\s+Mem\s+VCPUs\s+State\s+Time\(s\)(?:\s|$)/;
/** Flag positions as xl prints them: running, blocked, paused, shutdown, crashed, dying. */
const FLAGS = "rbpscd";

/**
 * When several flags are set, the most final one wins: a dying or crashed domain is reported as such
 * even though it also shows s and p (Xen 4.4 prints "--psc-" for crashed domains being destroyed).
 */
const PRIORITY: ReadonlyArray<readonly [string, TVmState]> = [
  ["d", "dying"],
  ["c", "crashed"],
  ["s", "shutdown"],
  ["p", "paused"],
  ["r", "running"],
  ["b", "blocked"],
];

export function parseXlList(text: string): XlDomain[] {
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  const header = lines.shift();
  if (header === undefined) throw new ParseError(TOOL, "empty output, expected the header line");
  if (!HEADER.test(header.trim())) throw new ParseError(TOOL, "missing header line", header);
  return lines.map(parseRow);
}

function parseRow(line: string): XlDomain {
  const [name, id, mem, vcpus, flags, time] = line.trim().split(/\s+/);
  if (
    name === undefined ||
    !isInt(id) ||
    !isInt(mem) ||
    !isInt(vcpus) ||
    !isFlags(flags) ||
    time === undefined ||
    !/^\d+(?:\.\d+)?$/.test(time)
  ) {
    throw new ParseError(TOOL, "can't parse domain line", line);
  }
  return {
    name,
    domId: Number(id),
    memoryMiB: Number(mem),
    vcpus: Number(vcpus),
    stateFlags: flags,
    state: stateFromFlags(flags),
    cpuSeconds: Number(time),
  };
}

/**
 * No flag at all ("------") means the domain exists but none of its vCPUs is running or blocked at
 * this instant (it is runnable, waiting for a physical CPU). We report "blocked", i.e. alive and idle;
 * Ganeti reads the same flags as "running". Either way it is not paused, shut down or crashed.
 */
export function stateFromFlags(flags: string): TVmState {
  for (const [flag, state] of PRIORITY) if (flags.includes(flag)) return state;
  return "blocked";
}

function isFlags(value: string | undefined): value is string {
  return (
    value !== undefined &&
    value.length === FLAGS.length &&
    [...value].every((c, i) => c === "-" || c === FLAGS[i])
  );
}

function isInt(value: string | undefined): value is string {
  return value !== undefined && /^\d+$/.test(value);
}
