import type { TVmInfo } from "../../protocol/schemas";
import { runXen } from "./run";
import type { Hypervisor, HypervisorOptions } from "../../hypervisor";
import { xlListLongArgvFor } from "./actions";
import { parseXmListLong } from "./parse-xm-list-long";
import { readXenHostInfo, withStoppedFromConfigs, xenActions, xenDefinitions } from "./xl-hypervisor";

/**
 * Xen through xend's `xm` (Xen up to 4.4): everything from `xm list --long` (SXP: state, memory, maxmem,
 * vCPUs, disks, managed domains that are shut off), host facts from `xm info`, and unmanaged domains that
 * are not running from their config files.
 */
export function createXmHypervisor(options: HypervisorOptions): Hypervisor {
  const run = options.run ?? runXen;
  const hypervisor: Hypervisor = {
    kind: "xen-xm",
    hostInfo: () => readXenHostInfo("xm", run),
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
      return withStoppedFromConfigs(vms, options.xenConfigDirs);
    },
    ...xenActions("xm", run, options.xenConfigDirs),
    ...xenDefinitions("xm", options.xenConfigDirs, () => hypervisor.listVms()),
  };
  return hypervisor;
}
