import type { TDomainList, THostInfo } from "../../parsers/shapes";
import type { XlInfo } from "./parse-xl-info";
import type { XlDomain } from "./parse-xl-list";
import type { XlLongDomain } from "./parse-xl-list-long";

/*
 * Adapters from the Xen parsers to the shared result shapes (agents/parsers/shapes.ts). `xl info` and
 * `xm info` share parseXlInfo; `xl list` and `xm list` share parseXlList (see those files).
 */

/** total_memory / free_memory (MiB) → KiB; nr_cpus. Works for `xl info` and `xm info`. */
export function xlInfoToHostInfo(info: XlInfo): THostInfo {
  return {
    totalMemKiB: info.totalMemoryMiB * 1024,
    freeMemKiB: info.freeMemoryMiB * 1024,
    cpus: info.nrCpus,
  };
}

/**
 * Domains of the `xl list` / `xm list` table: id and vcpus from the table, memoryKiB = Mem (MiB) × 1024.
 * With the entries of `xl list -l`, maxMemoryKiB is their b_info.max_memkb. An entry is matched by
 * domid AND name, so a domain destroyed and replaced between the two commands gets no maximum rather
 * than someone else's; dom0's entry usually has no max_memkb and gets none either.
 */
export function xlListToDomainList(domains: XlDomain[], long?: XlLongDomain[]): TDomainList {
  const byId = new Map((long ?? []).map((d) => [d.domId, d]));
  return {
    domains: domains.map((d) => {
      const entry = byId.get(d.domId);
      const maxKiB = entry !== undefined && entry.name === d.name ? entry.maxMemKiB : undefined;
      return {
        name: d.name,
        id: d.domId,
        state: d.state,
        memoryKiB: d.memoryMiB * 1024,
        ...(maxKiB === undefined ? {} : { maxMemoryKiB: maxKiB }),
        vcpus: d.vcpus,
      };
    }),
  };
}
