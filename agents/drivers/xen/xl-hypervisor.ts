import fs from "node:fs";
import path from "node:path";
import type { TVmInfo } from "../../protocol/schemas";
import { runXen } from "./run";
import type { Hypervisor, HypervisorHostInfo, HypervisorOptions } from "../../hypervisor";
import { AppError } from "../../protocol/errors";
import { create, destroy, memMax, memSet, shutdown } from "./actions";
import { diskTarget } from "./disk-target";
import { type XenTool, xlInfoArgv, xlListArgv, xlListLongArgv } from "./commands";
import { parseXlCfg } from "./parse-xl-cfg";
import { renderXenConfig, type TVmDefinition } from "../vm/definition";
import { parseXlInfo } from "./parse-xl-info";
import { parseXlList } from "./parse-xl-list";
import { parseXlListLong } from "./parse-xl-list-long";

const DOM0 = "Domain-0";

/** Xen through `xl`: running domains from `xl list` (+ `xl list -l` for max memory), stopped ones from config files. */
export function createXlHypervisor(options: HypervisorOptions): Hypervisor {
  const run = options.run ?? runXen;
  // `xl list -l` is heavier than `xl list`, and only adds max memory and disks, which change only when a
  // domain is created or its maximum raised: reuse its last answer unless a domain is new or grew past its
  // known maximum, and refresh it every LONG_REUSE_MAX polls anyway (a stopped domain needs no new read).
  let longCache: { long: ReturnType<typeof parseXlListLong>; uses: number } | undefined;
  const LONG_REUSE_MAX = 10;
  const hypervisor: Hypervisor = {
    kind: "xen-xl",
    hostInfo: () => readXenHostInfo("xl", run),
    async listVms(): Promise<TVmInfo[]> {
      const table = await run(xlListArgv());
      const domains = parseXlList(table);
      const known = new Map((longCache?.long ?? []).map((d) => [d.domId, d]));
      const stale = domains.some((d) => {
        const k = known.get(d.domId);
        return (
          d.domId !== 0 &&
          (!k || k.name !== d.name || (k.maxMemKiB !== undefined && d.memoryMiB * 1024 > k.maxMemKiB))
        );
      });
      if (!longCache || stale || longCache.uses >= LONG_REUSE_MAX) {
        longCache = { long: parseXlListLong(await run(xlListLongArgv())), uses: 0 };
      }
      longCache.uses++;
      const maxById = new Map(longCache.long.map((d) => [d.domId, d]));
      const vms = new Map<string, TVmInfo>();
      for (const dom of domains) {
        if (dom.domId === 0 || dom.name === DOM0) continue;
        const long = maxById.get(dom.domId);
        const maxKiB = long?.maxMemKiB;
        vms.set(dom.name, {
          name: dom.name,
          domId: dom.domId,
          state: dom.state,
          memoryMiB: dom.memoryMiB,
          maxMemoryMiB: maxKiB === undefined ? dom.memoryMiB : Math.round(maxKiB / 1024),
          vcpus: dom.vcpus,
          disks: long?.disks ?? [],
        });
      }
      return withStoppedFromConfigs(vms, options.xenConfigDirs);
    },
    ...xenActions("xl", run, options.xenConfigDirs),
    ...xenDefinitions("xl", options.xenConfigDirs, () => hypervisor.listVms()),
  };
  return hypervisor;
}

/** start/shutdown/destroy/mem-set/mem-max through `xl` or `xm` (same verbs). */
export function xenActions(
  tool: XenTool,
  run: (argv: readonly string[]) => Promise<string>,
  configDirs: string[],
) {
  return {
    async start(name: string, options: { memoryMiB?: number } = {}) {
      await run(create(tool, configPathOf(name, configDirs), options));
    },
    async shutdown(name: string) {
      await run(shutdown(tool, name));
    },
    async destroy(name: string) {
      await run(destroy(tool, name));
    },
    async setMemory(name: string, mib: number) {
      await run(memSet(tool, name, mib));
    },
    async setMaxMemory(name: string, mib: number) {
      await run(memMax(tool, name, mib));
    },
  };
}

/**
 * Defining a Xen VM is writing its config file into the first config directory (/etc/xen), atomically; removing
 * it renames the file to <name>.cfg.removed, so a mistaken removal can be undone by hand.
 */
export function xenDefinitions(tool: XenTool, configDirs: string[], listVms: () => Promise<TVmInfo[]>) {
  return {
    async define(definition: TVmDefinition): Promise<{ path: string; config: string }> {
      const config = renderXenConfig(definition, tool);
      const dir = configDirs[0];
      if (dir === undefined) throw new AppError("NOT_FOUND", "no Xen config directory is configured");
      if ((await listVms()).some((vm) => vm.name === definition.name))
        throw new AppError("CONFLICT", `a VM named ${definition.name} is already defined on this host`, {
          details: { field: "name", rule: "unique" },
          userMessage: `A VM named ${definition.name} already exists on this host.`,
        });
      const file = path.join(dir, `${definition.name}.cfg`);
      fs.mkdirSync(dir, { recursive: true });
      // Written aside, then hard-linked into place: atomic, and refused (EEXIST) when the name is taken, so a
      // config of another name= in that file is never replaced.
      const temp = path.join(dir, `.${definition.name}.cfg.tandem-${process.pid}`);
      fs.writeFileSync(temp, config, { mode: 0o644 });
      try {
        fs.linkSync(temp, file);
      } catch (err) {
        throw new AppError("CONFLICT", `${file} already exists`, {
          details: { field: "name", rule: "unique" },
          cause: err,
        });
      } finally {
        fs.rmSync(temp, { force: true });
      }
      return { path: file, config };
    },
    async undefine(name: string): Promise<void> {
      const running = (await listVms()).find((vm) => vm.name === name && vm.domId !== null);
      if (running)
        throw new AppError("CONFLICT", `${name} is running on this host (domain ${running.domId})`, {
          userMessage: `${name} is running on this host; stop it before removing its definition.`,
        });
      const file = configPathOf(name, configDirs);
      fs.renameSync(file, `${file}.removed`);
    },
  };
}

/** The config file that defines `name` (its `name =` setting, not its file name). */
function configPathOf(name: string, dirs: string[]): string {
  const found = readConfigs(dirs).find((c) => c.cfg.name === name);
  if (!found)
    throw new AppError("NOT_FOUND", `no domain config for ${name} in ${dirs.join(", ")}`, {
      details: { field: "name" },
    });
  return found.path;
}

/** Host facts from `xl info` / `xm info`, with dom0's memory from the domain table. */
export async function readXenHostInfo(
  tool: XenTool,
  run: (argv: readonly string[]) => Promise<string>,
): Promise<HypervisorHostInfo> {
  const [info, list] = await Promise.all([run(xlInfoArgv(tool)), run(xlListArgv(tool))]);
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
}

/** Adds the VMs defined in config files but not running (shut off), and sorts by name. */
export function withStoppedFromConfigs(vms: Map<string, TVmInfo>, dirs: string[]): TVmInfo[] {
  for (const { cfg } of readConfigs(dirs)) {
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
}

/** The xl.cfg files of the config directories (missing directories hold no VMs). */
function readConfigs(dirs: string[]) {
  const configs = [];
  for (const dir of dirs) {
    let names: string[];
    try {
      names = fs.readdirSync(dir).filter((n) => n.endsWith(".cfg"));
    } catch {
      continue; // a missing config directory holds no VMs
    }
    for (const name of names.sort()) {
      const file = path.join(dir, name);
      configs.push({ path: file, cfg: parseXlCfg(fs.readFileSync(file, "utf8")) });
    }
  }
  return configs;
}
