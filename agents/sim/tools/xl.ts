import { freeMemoryMiB, simNowMs, type SimVm, type SimWorld } from "../world";
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
      ctx.out(
        rest.includes("-l") || rest.includes("--long")
          ? listLong(world, ctx.host)
          : listTable(world, ctx.host),
      );
      return 0;
    case "info":
      ctx.out(info(world, ctx.host));
      return 0;
    case "destroy":
    case "shutdown": {
      const name = rest.find((a) => !a.startsWith("-"));
      ctx.store.update((w) => {
        const vm = runningDomain(w, ctx.host, name);
        vm.domId = null;
        vm.state = "shutoff";
      });
      if (command === "shutdown") ctx.out(`Shutting down domain ${name ?? ""}\n`);
      return 0;
    }
    default:
      throw new ToolExit(1, `xl: command '${command ?? ""}' is not simulated yet\n`);
  }
}

function domains(world: SimWorld, host: string): SimVm[] {
  return Object.values(world.vms)
    .filter((vm) => vm.host === host && vm.domId !== null)
    .sort((a, b) => (a.domId ?? 0) - (b.domId ?? 0));
}

function runningDomain(world: SimWorld, host: string, name: string | undefined): SimVm {
  const vm = Object.values(world.vms).find(
    (v) => v.host === host && v.domId !== null && (v.name === name || String(v.domId) === name),
  );
  if (!vm) throw new ToolExit(1, `Invalid domain identifier: ${name ?? ""}\n`);
  return vm;
}

// xl's own format strings (tools/xl/xl_info.c list_domains): "%-40s %5s %5s %5s %10s %9s" and
// "%-40s %5d %5lu %5d     %c%c%c%c%c%c %8.1f".
function listTable(world: SimWorld, host: string): string {
  const cpuSeconds = simNowMs(world) / 1000;
  const row = (name: string, id: number, mem: number, vcpus: number, flags: string) =>
    `${name.padEnd(40)} ${String(id).padStart(5)} ${String(mem).padStart(5)} ${String(vcpus).padStart(5)}     ${flags} ${(cpuSeconds / 10).toFixed(1).padStart(8)}\n`;
  let text = `${"Name".padEnd(40)} ${"ID".padStart(5)} ${"Mem".padStart(5)} ${"VCPUs".padStart(5)} ${"State".padStart(10)} ${"Time(s)".padStart(9)}\n`;
  text += row("Domain-0", 0, world.hosts[host]!.dom0MiB, world.hosts[host]!.cpus, "r-----");
  for (const vm of domains(world, host))
    text += row(vm.name, vm.domId ?? 0, vm.memoryMiB, vm.vcpus, FLAGS[vm.state] ?? "------");
  return text;
}

// `xl list -l`: a JSON array of { domid, config: libxl_domain_config } (tools/xl/xl_info.c printf_info_one_json).
function listLong(world: SimWorld, host: string): string {
  const items = domains(world, host).map((vm) => ({
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

function info(world: SimWorld, hostName: string): string {
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

function uuidFor(name: string): string {
  let h = 0x811c9dc5;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  const hex = (h.toString(16).padStart(8, "0") + "0".repeat(24)).slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
