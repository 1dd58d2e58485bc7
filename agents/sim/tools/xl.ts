import fs from "node:fs";
import path from "node:path";
import { parseXlCfg } from "../../drivers/xen/parse-xl-cfg";
import {
  domainsOn,
  learnVm,
  requestShutdown,
  runningDomainOn,
  startDomain,
  stopDomain,
  uuidFor,
  type StartRefusal,
} from "../domains";
import { refreshProcDrbd } from "../store";
import { freeMemoryMiB, type SimVm, type SimWorld } from "../world";
import { ToolExit, type ToolContext } from "./context";

const FLAGS: Record<string, string> = {
  running: "r-----",
  blocked: "-b----",
  paused: "--p---",
  shutdown: "---s--",
  crashed: "----c-",
  dying: "-----d",
};

/** Stand-in for Xen's `xl`: `list`, `list -l`, `info`, `destroy <dom>`, `shutdown <dom>`. */
export async function xl(args: string[], ctx: ToolContext): Promise<number> {
  const [command, ...rest] = args;
  const world = ctx.store.read();
  const host = world.hosts[ctx.host];
  if (!host) throw new ToolExit(1, `xl: simulated host ${ctx.host} is not in the world\n`);
  switch (command) {
    case "list":
      refreshProcDrbd(ctx.store.dir, world, ctx.host); // the agent polls xl list; /proc/drbd moves with time
      ctx.out(
        rest.includes("-l") || rest.includes("--long")
          ? listLong(world, ctx.host)
          : listTable(world, ctx.host),
      );
      return 0;
    case "info":
      ctx.out(info(world, ctx.host));
      return 0;
    case "destroy": {
      const name = rest.find((a) => !a.startsWith("-"));
      ctx.store.update((w) => {
        stopDomain(runningDomain(w, ctx.host, name), "destroyed");
      });
      return 0;
    }
    case "shutdown": {
      // The guest shuts down by itself, which takes a while; `-w` waits for it as xl does.
      const name = rest.find((a) => !a.startsWith("-"));
      const domId = ctx.store.update((w) => {
        const vm = runningDomain(w, ctx.host, name);
        requestShutdown(w, vm);
        return vm.domId;
      });
      ctx.out(`Shutting down domain ${domId ?? ""}\n`);
      if (rest.includes("-w")) {
        while (ctx.store.read().vms[name ?? ""]?.domId === domId) await new Promise((r) => setTimeout(r, 50));
        ctx.out(
          `Waiting for 1 domains\nDomain ${domId ?? ""} has been shut down, reason code 0\nAll domains shut down\n`,
        );
      }
      return 0;
    }
    case "create":
      return create(rest, ctx);
    case "mem-set":
    case "mem-max": {
      const [name, size] = rest.filter((a) => !a.startsWith("-"));
      const mib = parseMemSize(size);
      if (mib === null) throw new ToolExit(1, `invalid memory size: ${size ?? ""}\n`);
      ctx.store.update((w) => {
        const vm = runningDomain(w, ctx.host, name);
        if (command === "mem-max") vm.maxMemoryMiB = mib;
        else vm.targetMiB = mib; // the balloon moves there over time, and stops at what the guest can give
      });
      return 0;
    }
    default:
      throw new ToolExit(1, `xl: command '${command ?? ""}' is not simulated yet\n`);
  }
}

function runningDomain(world: SimWorld, host: string, name: string | undefined): SimVm {
  const vm = runningDomainOn(world, host, name);
  if (!vm) throw new ToolExit(1, `Invalid domain identifier: ${name ?? ""}\n`);
  return vm;
}

// xl's own format strings (tools/xl/xl_info.c list_domains): "%-40s %5s %5s %5s %10s %9s" and
// "%-40s %5d %5lu %5d     %c%c%c%c%c%c %8.1f".
export function listTable(world: SimWorld, host: string): string {
  const cpuSeconds = world.settledAtSimMs / 1000;
  const row = (name: string, id: number, mem: number, vcpus: number, flags: string) =>
    `${name.padEnd(40)} ${String(id).padStart(5)} ${String(mem).padStart(5)} ${String(vcpus).padStart(5)}     ${flags} ${(cpuSeconds / 10).toFixed(1).padStart(8)}\n`;
  let text = `${"Name".padEnd(40)} ${"ID".padStart(5)} ${"Mem".padStart(5)} ${"VCPUs".padStart(5)} ${"State".padStart(10)} ${"Time(s)".padStart(9)}\n`;
  text += row("Domain-0", 0, world.hosts[host]!.dom0MiB, world.hosts[host]!.cpus, "r-----");
  for (const vm of domainsOn(world, host))
    text += row(vm.name, vm.domId ?? 0, vm.memoryMiB, vm.vcpus, FLAGS[vm.state] ?? "------");
  return text;
}

// `xl list -l`: a JSON array of { domid, config: libxl_domain_config } (tools/xl/xl_info.c printf_info_one_json).
export function listLong(world: SimWorld, host: string): string {
  const items = domainsOn(world, host).map((vm) => ({
    domid: vm.domId,
    config: {
      c_info: { type: "pv", name: vm.name, uuid: uuidFor(vm.name) },
      b_info: {
        max_vcpus: vm.vcpus,
        max_memkb: vm.maxMemoryMiB * 1024,
        target_memkb: vm.memoryMiB * 1024,
        "type.pv": { bootloader: "pygrub" },
      },
      disks: [
        {
          pdev_path: vm.disk.split(",")[0]?.replace(/^file:/, ""),
          vdev: "xvda",
          format: "raw",
          readwrite: 1,
        },
      ],
      on_reboot: "restart",
    },
  }));
  return `${JSON.stringify(items, null, 4)}\n`;
}

export function info(world: SimWorld, hostName: string): string {
  const host = world.hosts[hostName]!;
  const [major, minor, ...extra] = host.versions.xen.split(".");
  const fields: Array<[string, string | number]> = [
    ["host", host.name],
    ["release", "6.1.0-27-amd64"],
    ["version", "#1 SMP PREEMPT_DYNAMIC Debian 6.1.115-1 (2024-11-01)"],
    ["machine", "x86_64"],
    ["nr_cpus", host.cpus],
    ["max_cpu_id", host.cpus - 1],
    ["nr_nodes", 1],
    ["cores_per_socket", host.cpus],
    ["threads_per_core", 1],
    ["cpu_mhz", "2394.482"],
    ["virt_caps", "pv hvm"],
    ["total_memory", host.memoryMiB],
    ["free_memory", freeMemoryMiB(world, hostName)],
    ["sharing_freed_memory", 0],
    ["sharing_used_memory", 0],
    ["outstanding_claims", 0],
    ["free_cpus", 0],
    ["xen_major", major ?? "4"],
    ["xen_minor", minor ?? "0"],
    ["xen_extra", `.${extra.join(".") || "0"}`],
    ["xen_version", `${host.versions.xen}`],
    ["xen_caps", "xen-3.0-x86_64 hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64"],
    ["xen_scheduler", "credit2"],
    ["xen_pagesize", 4096],
    ["platform_params", "virt_start=0xffff800000000000"],
    ["xen_changeset", ""],
    ["xen_commandline", `placeholder dom0_mem=${host.dom0MiB}M,max:${host.dom0MiB}M`],
    ["cc_compiler", "x86_64-linux-gnu-gcc (Debian 12.2.0-14) 12.2.0"],
    ["cc_compile_by", "pkg-xen-devel"],
    ["cc_compile_domain", "lists.alioth.debian.org"],
    ["cc_compile_date", "Tue Aug 13 10:24:03 UTC 2024"],
    ["build_id", "0f6c0a8f23bbf8a1e2f3ab0f4b6f4a8bb5ad2d11"],
    ["xend_config_format", 4],
  ];
  return fields.map(([k, v]) => `${k.padEnd(23)}: ${v}\n`).join("");
}

/** `512m`, `1g`, `524288k` or plain MiB, as xl accepts them. */
function parseMemSize(text: string | undefined): number | null {
  const m = /^(\d+)([kKmMgG]?)$/.exec(text ?? "");
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? "").toLowerCase();
  return unit === "k" ? Math.floor(n / 1024) : unit === "g" ? n * 1024 : n;
}

/**
 * Starts the domain named in a config file on this host and, as `xl create` / `xm create` do, returns once it is
 * built (it runs then; its guest OS boots on by itself). Nothing changes when it cannot start.
 */
async function createDomain(
  ctx: ToolContext,
  cfgPath: string,
  name: string,
  overrides: string[],
): Promise<{ kind: "started"; domId: number } | StartRefusal> {
  // A VM defined since the world was made (by the panel, or by hand) becomes known from its config file.
  const cfg = parseXlCfg(fs.readFileSync(cfgPath, "utf8"));
  ctx.store.update((w) => {
    learnVm(w, ctx.host, {
      name: cfg.name,
      memoryMiB: cfg.memoryMiB,
      maxMemoryMiB: cfg.maxMemoryMiB,
      vcpus: cfg.vcpus ?? 1,
      disk: cfg.disks[0] ?? "",
    });
  });
  // `memory=N` after the config file overrides the file's memory (MiB), as xl and xm read it.
  const memory =
    overrides.map((o) => /^memory=(\d+)$/.exec(o)?.[1]).find((m) => m !== undefined) ?? configMemory(cfgPath);
  const r = ctx.store.update((w) =>
    startDomain(w, ctx.host, name, memory === undefined ? undefined : Number(memory)),
  );
  if (r.kind === "started")
    while (ctx.store.read().vms[name]?.state === "paused") await new Promise((res) => setTimeout(res, 20));
  return r;
}

/** The `memory = N` (MiB) of a domain config file, as a string; undefined when it has none. */
function configMemory(cfgPath: string): string | undefined {
  return /^memory\s*=\s*(\d+)/m.exec(fs.readFileSync(cfgPath, "utf8"))?.[1];
}

function configName(cfgPath: string): string {
  return (
    /^name\s*=\s*"([^"]+)"/m.exec(fs.readFileSync(cfgPath, "utf8"))?.[1] ?? path.basename(cfgPath, ".cfg")
  );
}

/** `xl create <cfg>`: libxl's errors on stderr and exit 3 when the domain cannot start. */
async function create(args: string[], ctx: ToolContext): Promise<number> {
  const cfgPath = args.find((a) => !a.startsWith("-") && !a.includes("="));
  if (!cfgPath || !fs.existsSync(cfgPath)) {
    ctx.err(
      `Parsing config from ${cfgPath ?? ""}\nFailed to read config file: ${cfgPath ?? ""}: No such file or directory\n`,
    );
    return 1;
  }
  const name = configName(cfgPath);
  ctx.err(`Parsing config from ${cfgPath}\n`);
  const r = await createDomain(
    ctx,
    cfgPath,
    name,
    args.filter((a) => a.includes("=")),
  );
  if (r.kind === "started") return 0;
  // (the "unknown" and "already in use" wordings are approximations; the disk and memory ones are libxl's)
  if (r.kind === "unknown")
    throw new ToolExit(
      3,
      `libxl: error: libxl_create.c:1262:initiate_domain_create: Domain 0:Unknown guest ${name}\n`,
    );
  if (r.kind === "running")
    throw new ToolExit(
      3,
      `libxl: error: libxl_create.c:1221:initiate_domain_create: Domain 0:Domain name ${name} is already in use\n`,
    );
  if (r.kind === "disk")
    throw new ToolExit(
      3,
      `libxl: error: libxl_device.c:397:libxl__device_disk_set_backend: Disk vdev=xvda failed to stat: ${r.path}: No such file or directory\n` +
        `libxl: error: libxl_create.c:1262:initiate_domain_create: Domain ${r.domId}:Unable to set disk defaults for disk 0\n`,
    );
  throw new ToolExit(
    3,
    "xc: error: panic: xg_dom_boot.c:121: xc_dom_boot_mem_init: can't allocate low memory for domain: Out of memory\n" +
      "libxl: error: libxl_dom.c:586:libxl__build_dom: xc_dom_boot_mem_init failed: Cannot allocate memory\n" +
      `libxl: error: libxl_create.c:1573:domcreate_rebuild_done: Domain ${r.domId}:cannot (re-)build domain: -3\n` +
      `libxl: error: libxl_domain.c:1182:libxl__destroy_domid: Domain ${r.domId}:Non-existant domain\n`,
  );
}

/**
 * Stand-in for xend's `xm` (Xen <= 4.4) on a host simulated as "xen-xm": the same table for `xm list` and the
 * same `xm info` lines as xl, `xm list --long` as xend's SXP, and xend's wording for `xm create`.
 */
export async function xm(args: string[], ctx: ToolContext): Promise<number> {
  const [command, ...rest] = args;
  if (command === "list" && (rest.includes("--long") || rest.includes("-l"))) {
    const world = ctx.store.read();
    refreshProcDrbd(ctx.store.dir, world, ctx.host);
    ctx.out(listSxp(world, ctx.host));
    return 0;
  }
  if (command === "create") {
    const cfgPath = rest.find((a) => !a.startsWith("-") && !a.includes("="));
    if (!cfgPath || !fs.existsSync(cfgPath))
      throw new ToolExit(1, `Error: Unable to open config file: ${cfgPath ?? ""}\n`);
    const name = configName(cfgPath);
    ctx.out(`Using config file "${cfgPath}".\n`);
    const r = await createDomain(
      ctx,
      cfgPath,
      name,
      rest.filter((a) => a.includes("=")),
    );
    if (r.kind === "started") {
      ctx.out(`Started domain ${name} (id=${r.domId})\n`);
      return 0;
    }
    // xend's VmError texts: balloon.py for memory, the block hotplug error for a missing image.
    if (r.kind === "memory")
      throw new ToolExit(
        1,
        `Error: I need ${r.needMiB * 1024} KiB, but dom0_min_mem is 262144 and shrinking to 262144 KiB would leave only ${r.freeMiB * 1024} KiB free.\n`,
      );
    if (r.kind === "disk")
      throw new ToolExit(1, `Error: Device 51712 (vbd) could not be connected. ${r.path} does not exist.\n`);
    throw new ToolExit(1, `Error: Domain '${name}' already exists\n`);
  }
  if (["shutdown", "destroy", "mem-set", "mem-max"].includes(command ?? "")) {
    // Same effect as xl; xm says nothing on success.
    return xl(args, { ...ctx, out: () => undefined });
  }
  return xl(args, ctx);
}

/** `xm list --long`: one (domain ...) SXP per running domain, Domain-0 first (XendConfig.to_sxp, trimmed). */
function listSxp(world: SimWorld, host: string): string {
  const h = world.hosts[host]!;
  const dom = (fields: Array<[string, string | number]>) =>
    `(domain\n${fields.map(([k, v]) => `    (${k} ${v})`).join("\n")}\n)\n`;
  let text = dom([
    ["domid", 0],
    ["uuid", "00000000-0000-0000-0000-000000000000"],
    ["vcpus", h.cpus],
    ["name", "Domain-0"],
    ["maxmem", 16777215],
    ["memory", h.dom0MiB],
    ["online_vcpus", h.cpus],
    ["status", 2],
    ["state", "r-----"],
  ]);
  for (const vm of domainsOn(world, host))
    text += dom([
      ["domid", vm.domId ?? 0],
      ["uuid", uuidFor(vm.name)],
      ["vcpus", vm.vcpus],
      ["name", vm.name],
      ["maxmem", vm.maxMemoryMiB],
      ["memory", vm.memoryMiB],
      ["online_vcpus", vm.vcpus],
      ["status", 2],
      ["state", FLAGS[vm.state] ?? "------"],
      ["device", `(vbd (uname ${vm.disk.split(",")[0] ?? ""}) (dev xvda) (mode w))`],
    ]);
  return text;
}
