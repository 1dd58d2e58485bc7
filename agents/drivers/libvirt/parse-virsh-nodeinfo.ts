import { ParseError } from "../../../lib/errors/app-error";
import type { THostInfo } from "../../parsers/shapes";
import { dropCommandEcho } from "./parse-virsh-list";

/*
 * `virsh nodeinfo` prints "%-20s %s" lines (tools/virsh-host.c cmdNodeinfo):
 *
 *   CPU model:           x86_64
 *   CPU(s):              16
 *   CPU frequency:       1400 MHz        (only when known)
 *   CPU socket(s):       2
 *   Core(s) per socket:  2
 *   Thread(s) per core:  2
 *   NUMA cell(s):        2
 *   Memory size:         3145728 KiB
 *
 * nodeinfo has no free memory. It comes from one of:
 *
 *   `virsh freecell --all` (cmdFreecell): "%5lu: %10llu KiB" per NUMA cell, a dashes line, then
 *       "%5s: %10llu KiB" for Total; plain `virsh freecell` prints only "Total: <n> KiB".
 *           0:    2047236 KiB
 *           1:    1991872 KiB
 *       --------------------
 *       Total:    4039108 KiB
 *
 *   `virsh nodememstats` (cmdNodeMemStats): "%-7s: %20llu KiB" per field (total, free, buffers, cached);
 *       older releases print "kB" for the same KiB values.
 *       total  :              3809340 KiB
 *       free   :              1165232 KiB
 *
 * Both report the kernel's MemFree: page cache and buffers are not counted as free.
 */

const NODEINFO = "virsh nodeinfo";
const FREECELL = "virsh freecell";
const NODEMEMSTATS = "virsh nodememstats";

/** THostInfo without a guaranteed free figure: nodeinfo alone does not know it. */
export type VirshNodeinfo = Omit<THostInfo, "freeMemKiB"> & {
  /** Present only when the output of `freecell --all` or `nodememstats` was given too. */
  freeMemKiB?: number;
  /** Every nodeinfo key (without the colon) with its trimmed value. */
  raw: Record<string, string>;
};

/**
 * Reads `virsh nodeinfo`; `freeText`, when given, is the output of `virsh freecell [--all]` (recognised
 * by its "Total:" line) or of `virsh nodememstats` and supplies freeMemKiB.
 */
export function parseVirshNodeinfo(text: string, freeText?: string): VirshNodeinfo {
  const raw: Record<string, string> = {};
  for (const line of dropCommandEcho(text)) {
    if (line.trim() === "") continue;
    const m = /^\s*([A-Z][A-Za-z0-9 ()/._-]*):(?:\s+(.*))?$/.exec(line.trimEnd());
    if (!m) throw new ParseError(NODEINFO, "expected 'Key: value'", line);
    if (Object.prototype.hasOwnProperty.call(raw, m[1]!)) {
      throw new ParseError(NODEINFO, `duplicate "${m[1]}:" line`, line);
    }
    raw[m[1]!] = (m[2] ?? "").trim();
  }

  const cpusText = raw["CPU(s)"];
  if (cpusText === undefined) throw new ParseError(NODEINFO, 'no "CPU(s):" line');
  if (!/^\d+$/.test(cpusText))
    throw new ParseError(NODEINFO, "CPU(s) is not a number", `CPU(s): ${cpusText}`);
  const memText = raw["Memory size"];
  if (memText === undefined) throw new ParseError(NODEINFO, 'no "Memory size:" line');
  const mem = /^(\d+) (?:KiB|kB)$/.exec(memText); // "kB" (same KiB value) before 2012
  if (!mem) throw new ParseError(NODEINFO, 'Memory size is not "<number> KiB"', `Memory size: ${memText}`);

  const info: VirshNodeinfo = { totalMemKiB: Number(mem[1]), cpus: Number(cpusText), raw };
  if (freeText !== undefined) info.freeMemKiB = parseFreeMemory(freeText);
  return info;
}

/** Free KiB from `freecell` output (it has a "Total:" line) or from `nodememstats` output. */
function parseFreeMemory(text: string): number {
  if (/^\s*Total\s*:/m.test(text)) return parseVirshFreecell(text);
  const stats = parseVirshNodememstats(text);
  if (stats.freeKiB === undefined) {
    throw new ParseError(NODEMEMSTATS, "no 'free' line (expected freecell or nodememstats output)");
  }
  return stats.freeKiB;
}

/**
 * The host's free memory in KiB: the "Total:" line of `virsh freecell --all` or plain `virsh freecell`.
 * Output without Total (`freecell --cellno N`, or `-q`) is refused: one cell is not the host's total.
 */
export function parseVirshFreecell(text: string): number {
  let total: number | undefined;
  let any = false;
  for (const line of dropCommandEcho(text)) {
    if (line.trim() === "" || /^\s*-+\s*$/.test(line)) continue;
    const m = /^\s*(\d+|Total)\s*:\s*(\d+) (?:KiB|kB)\s*$/.exec(line);
    if (!m) throw new ParseError(FREECELL, "expected '<cell>: <number> KiB' or 'Total: <number> KiB'", line);
    any = true;
    if (m[1] === "Total") {
      if (total !== undefined) throw new ParseError(FREECELL, "duplicate Total line", line);
      total = Number(m[2]);
    }
  }
  if (!any) throw new ParseError(FREECELL, "empty output");
  if (total === undefined) throw new ParseError(FREECELL, "no 'Total:' line (use `virsh freecell --all`)");
  return total;
}

export interface VirshNodememstats {
  totalKiB?: number;
  freeKiB?: number;
  buffersKiB?: number;
  cachedKiB?: number;
}

/** `virsh nodememstats`: the four known fields (KiB; "kB" in older releases means the same); others ignored. */
export function parseVirshNodememstats(text: string): VirshNodememstats {
  const fields: Record<string, number> = {};
  for (const line of dropCommandEcho(text)) {
    if (line.trim() === "") continue;
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*(\d+) (?:KiB|kB)\s*$/.exec(line);
    if (!m) throw new ParseError(NODEMEMSTATS, "expected '<field> : <number> KiB'", line);
    if (Object.prototype.hasOwnProperty.call(fields, m[1]!)) {
      throw new ParseError(NODEMEMSTATS, `duplicate ${m[1]} line`, line);
    }
    fields[m[1]!] = Number(m[2]);
  }
  const out: VirshNodememstats = {};
  if (fields.total !== undefined) out.totalKiB = fields.total;
  if (fields.free !== undefined) out.freeKiB = fields.free;
  if (fields.buffers !== undefined) out.buffersKiB = fields.buffers;
  if (fields.cached !== undefined) out.cachedKiB = fields.cached;
  return out;
}

/** THostInfo from nodeinfo plus a free figure; throws when none is known. */
export function nodeinfoToHostInfo(info: VirshNodeinfo, freeMemKiB = info.freeMemKiB): THostInfo {
  if (freeMemKiB === undefined) {
    throw new ParseError(
      NODEINFO,
      "no free memory known: pass `virsh freecell --all` or nodememstats output",
    );
  }
  return { totalMemKiB: info.totalMemKiB, freeMemKiB, cpus: info.cpus };
}
