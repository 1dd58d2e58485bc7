import { ParseError } from "../../../lib/errors/app-error";
import type { TMemStats } from "../../parsers/shapes";
import { dropCommandEcho } from "./parse-virsh-list";

/*
 * `virsh dommemstat <domain>` prints one "%s %llu" line per statistic the hypervisor reports
 * (tools/virsh-domain-monitor.c cmdDomMemStat), in the order it returns them:
 *
 *   actual 1048576
 *   swap_in 0
 *   swap_out 0
 *   major_fault 1117
 *   minor_fault 225880
 *   unused 515280
 *   available 962504
 *   usable 647168
 *   last_update 1689845856
 *   disk_caches 256344
 *   hugetlb_pgalloc 0
 *   hugetlb_pgfail 0
 *   rss 1014220
 *
 * Sizes (actual, swap_in/out, unused, available, usable, disk_caches, rss) are KiB; major/minor_fault
 * and hugetlb_* are counts, last_update is epoch seconds. Which lines appear depends on the balloon
 * driver: a guest without balloon stats (or still booting) shows only actual, last_update and rss.
 * Unknown statistic names are kept in `raw`; `actual` (the balloon size) is required.
 */

const TOOL = "virsh dommemstat";

export type VirshDommemstat = TMemStats & { raw: Record<string, number> };

export function parseVirshDommemstat(text: string): VirshDommemstat {
  const raw: Record<string, number> = {};
  for (const line of dropCommandEcho(text)) {
    if (line.trim() === "") continue;
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*) (\d+)\s*$/.exec(line);
    if (!m) throw new ParseError(TOOL, "expected '<statistic> <number>'", line);
    const key = m[1]!;
    if (Object.prototype.hasOwnProperty.call(raw, key)) {
      throw new ParseError(TOOL, `duplicate ${key} line (several outputs?)`, line);
    }
    raw[key] = Number(m[2]);
  }
  if (Object.keys(raw).length === 0) throw new ParseError(TOOL, "empty output");
  const actual = raw.actual;
  if (actual === undefined) throw new ParseError(TOOL, "no 'actual' line (balloon size)");
  return {
    actualKiB: actual,
    ...(raw.unused === undefined ? {} : { unusedKiB: raw.unused }),
    ...(raw.available === undefined ? {} : { availableKiB: raw.available }),
    ...(raw.rss === undefined ? {} : { rssKiB: raw.rss }),
    raw,
  };
}
