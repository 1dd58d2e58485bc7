import type { TVmInfo } from "../../protocol/schemas";
import { runChecked } from "../../exec";
import type { Hypervisor, HypervisorHostInfo, HypervisorOptions } from "../../hypervisor";
import { xlListLongArgvFor } from "./actions";
import { xlInfoArgv, xlListArgv } from "./commands";
import { diskTarget } from "./disk-target";
import { parseXlInfo } from "./parse-xl-info";
import { parseXlList } from "./parse-xl-list";
import { parseXmListLong } from "./parse-xm-list-long";
import { readConfigs } from "./xl-hypervisor";

/**
 * Xen through xend's `xm` (Xen up to 4.4): everything from `xm list --long` (SXP: state, memory, maxmem,
 * vCPUs, disks, managed domains that are shut off), host facts from `xm info`, and unmanaged domains that
 * are not running from their config files.
 */
export function createXmHypervisor(options: HypervisorOptions): Hypervisor {
  const run = options.run ?? ((argv: readonly string[]) => runChecked(argv));
  return {
    kind: "xen-xm",
    async hostInfo(): Promise<HypervisorHostInfo> {
      const [info, list] = await Promise.all([run(xlInfoArgv("xm")), run(xlListArgv("xm"))]);
      const parsed = parseXlInfo(info);
      const dom0 = parseXlList(list).find((d) => d.domId === 0);
      return {
        hostname: parsed.host,
        totalKiB: parsed.totalMemoryMiB * 1024,
        freeKiB: parsed.freeMemoryMiB * 1024,
        ...(dom0 ? { dom0KiB: dom0.memoryMiB * 1024 } : {}),
        cpus: parsed.nrCpus,
        versions: { xen: parsed.xenVersion },
      };
    },
    async listVms(): Promise<TVmInfo[]> {
      const vms = new Map<string, TVmInfo>();
      for (const d of parseXmListLong(await run(xlListLongArgvFor("xm")))) {
        if (d.domId === 0 || d.name === "Domain-0") continue;
        const memoryMiB = d.memoryMiB ?? d.maxMemoryMiB ?? 0;
        vms.set(d.name, {
          name: d.name,
          domId: d.domId,
          state: d.state,
          memoryMiB,
          maxMemoryMiB: d.maxMemoryMiB ?? memoryMiB,
          ...((d.onlineVcpus ?? d.vcpus) === undefined ? {} : { vcpus: (d.onlineVcpus ?? d.vcpus)! }),
          disks: d.disks,
        });
      }
      for (const cfg of readConfigs(options.xenConfigDirs)) {
        if (vms.has(cfg.name)) continue;
        vms.set(cfg.name, {
          name: cfg.name,
          domId: null,
          state: "shutoff",
          memoryMiB: cfg.memoryMiB,
          maxMemoryMiB: cfg.maxMemoryMiB,
          ...(cfg.vcpus === undefined ? {} : { vcpus: cfg.vcpus }),
          disks: cfg.disks.flatMap((spec) => diskTarget(spec) ?? []),
        });
      }
      return [...vms.values()].sort((a, b) => a.name.localeCompare(b.name));
    },
  };
}
