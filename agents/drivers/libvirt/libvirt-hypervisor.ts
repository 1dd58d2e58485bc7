import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TVmInfo } from "../../protocol/schemas";
import { AppError } from "../../protocol/errors";
import { renderLibvirtXml } from "../vm/definition";
import { runVirsh } from "./run";
import type { Hypervisor, HypervisorHostInfo, HypervisorOptions } from "../../hypervisor";
import {
  destroy,
  dumpxml,
  freecellAll,
  hostname,
  listAll,
  nodeinfo,
  setmaxmem,
  setmem,
  shutdown,
  start,
  undefine,
  define,
  virshVersion,
} from "./commands";
import { parseDomainXml, type DomainXml } from "./parse-virsh-dumpxml";
import { parseVirshList } from "./parse-virsh-list";
import { parseVirshNodeinfo } from "./parse-virsh-nodeinfo";

/** Re-read a domain's XML at least every this many polls even when its id and state did not change. */
const XML_REUSE_MAX = 10;

/**
 * KVM or Xen through libvirt: domains and states from `virsh list --all`, memory, vCPUs and disks from each
 * domain's XML (cached while its id and state stay the same, for at most XML_REUSE_MAX polls; read every poll
 * while a balloon this agent set is moving), host facts from nodeinfo and freecell.
 */
export function createLibvirtHypervisor(options: HypervisorOptions): Hypervisor {
  const run = options.run ?? runVirsh;
  const xmlCache = new Map<string, { key: string; xml: DomainXml; uses: number }>();
  // Domains whose balloon this agent moved: their XML is read every poll until the size stops changing.
  const ballooning = new Set<string>();
  return {
    kind: "libvirt",
    async hostInfo(): Promise<HypervisorHostInfo> {
      const [name, info, free, version] = await Promise.all([
        run(hostname()),
        run(nodeinfo()),
        run(freecellAll()),
        run(virshVersion()).catch(() => ""),
      ]);
      const parsed = parseVirshNodeinfo(info, free);
      return {
        hostname: name.trim(),
        totalKiB: parsed.totalMemKiB,
        freeKiB: parsed.freeMemKiB ?? 0,
        cpus: parsed.cpus,
        versions: version.trim() ? { libvirt: version.trim() } : {},
      };
    },
    async listVms(): Promise<TVmInfo[]> {
      const { domains } = parseVirshList(await run(listAll()));
      const vms: TVmInfo[] = [];
      for (const d of domains) {
        const key = `${d.id ?? "-"}:${d.state}`;
        let cached = xmlCache.get(d.name);
        if (!cached || cached.key !== key || cached.uses >= XML_REUSE_MAX || ballooning.has(d.name)) {
          const before = cached?.xml.currentMemoryKiB;
          cached = { key, xml: parseDomainXml(await run(dumpxml(d.name))), uses: 0 };
          xmlCache.set(d.name, cached);
          if (before === cached.xml.currentMemoryKiB) ballooning.delete(d.name);
        }
        cached.uses++;
        const { xml } = cached;
        vms.push({
          name: d.name,
          domId: d.id,
          state: d.state,
          memoryMiB: Math.round(xml.currentMemoryKiB / 1024),
          maxMemoryMiB: Math.round(xml.memoryKiB / 1024),
          vcpus: xml.currentVcpus ?? xml.vcpus,
          disks: xml.disks.flatMap((disk) => (disk.device === "disk" && disk.source ? [disk.source] : [])),
        });
      }
      for (const name of xmlCache.keys()) if (!domains.some((d) => d.name === name)) xmlCache.delete(name);
      return vms.sort((a, b) => a.name.localeCompare(b.name));
    },
    async start(name, options = {}) {
      // The boot size is the definition's <currentMemory>: set it first (--config), then start.
      if (options.memoryMiB !== undefined)
        await run(setmem(name, options.memoryMiB * 1024, { config: true }));
      await run(start(name));
    },
    async shutdown(name) {
      await run(shutdown(name));
    },
    async destroy(name) {
      await run(destroy(name));
    },
    // virsh sizes are KiB; --live changes the running domain, --config keeps it across restarts.
    async setMemory(name, mib) {
      await run(setmem(name, mib * 1024, { live: true }));
      ballooning.add(name);
    },
    async setMaxMemory(name, mib) {
      await run(setmaxmem(name, mib * 1024, { config: true }));
      xmlCache.delete(name);
    },
    async define(definition) {
      const config = renderLibvirtXml(definition);
      const { domains } = parseVirshList(await run(listAll()));
      if (domains.some((d) => d.name === definition.name))
        throw new AppError("CONFLICT", `a VM named ${definition.name} is already defined on this host`, {
          details: { field: "name", rule: "unique" },
          userMessage: `A VM named ${definition.name} already exists on this host.`,
        });
      // virsh define reads a file: a private temporary one, removed once libvirt has its own copy.
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tandem-define-"));
      try {
        const file = path.join(dir, `${definition.name}.xml`);
        fs.writeFileSync(file, config, { mode: 0o600 });
        await run(define(file));
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
      return { path: null, config };
    },
    async undefine(name) {
      const { domains } = parseVirshList(await run(listAll()));
      const domain = domains.find((d) => d.name === name);
      if (!domain) throw new AppError("NOT_FOUND", `no VM named ${name} is defined on this host`);
      // libvirt would undefine a running domain (it becomes transient): the panel never wants that.
      if (domain.id !== null)
        throw new AppError("CONFLICT", `${name} is running on this host (domain ${domain.id})`, {
          userMessage: `${name} is running on this host; stop it before removing its definition.`,
        });
      await run(undefine(name));
      xmlCache.delete(name);
    },
  };
}
