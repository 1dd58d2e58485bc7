/**
 * Stand-in for libvirt's `virsh` on a host simulated as "libvirt" (a KVM host): the commands the agent's libvirt
 * driver runs (agents/drivers/libvirt/commands.ts) with virsh's own output formats (tools/virsh-*.c) and its
 * error lines. A VM is defined (persistent) on both hosts of its resource, as a DRBD farm keeps it, so either
 * host can start it; it runs on at most one.
 */
import fs from "node:fs";
import { parseDomainXml } from "../../drivers/libvirt/parse-virsh-dumpxml";
import { refreshProcDrbd } from "../store";
import {
  diskPathOf,
  guestUp,
  learnVm,
  requestShutdown,
  runningDomainOn,
  startDomain,
  stopDomain,
  uuidFor,
} from "../domains";
import { freeMemoryMiB, type SimVm, type SimWorld } from "../world";
import { ToolExit, type ToolContext } from "./context";

/** virsh's state names (virshDomainStateToString). */
const STATE_NAMES: Record<string, string> = {
  running: "running",
  blocked: "idle",
  paused: "paused",
  shutdown: "in shutdown",
  crashed: "crashed",
  dying: "dying",
  shutoff: "shut off",
  pmsuspended: "pmsuspended",
};

export const VIRSH_VERSION = "9.0.0";

/** Options each command takes without a value; anything else starting with "--" is refused as virsh does. */
const FLAGS: Record<string, string[]> = {
  list: ["--all"],
  dumpxml: ["--inactive"],
  domstate: ["--reason"],
  setmem: ["--live", "--config", "--current"],
  setmaxmem: ["--live", "--config", "--current"],
  freecell: ["--all"],
};

export async function virsh(argv: string[], ctx: ToolContext): Promise<number> {
  let args = [...argv];
  if (args[0] === "--version") {
    ctx.out(`${VIRSH_VERSION}\n`);
    return 0;
  }
  if (args[0] === "-c" || args[0] === "--connect") args = args.slice(2); // one hypervisor per simulated host
  const [command = "", ...rest] = args;
  const { flags, operands } = splitArgs(command, rest);
  const world = ctx.store.read();
  if (!world.hosts[ctx.host])
    throw new ToolExit(1, `error: simulated host ${ctx.host} is not in the world\n`);
  switch (command) {
    case "hostname":
      ctx.out(`${ctx.host}\n`);
      return 0;
    case "list":
      refreshProcDrbd(ctx.store.dir, world, ctx.host); // the agent polls the list; /proc/drbd moves with time
      ctx.out(listTable(world, ctx.host, flags.has("--all")));
      return 0;
    case "nodeinfo":
      ctx.out(nodeinfo(world, ctx.host));
      return 0;
    case "freecell":
      ctx.out(freecell(world, ctx.host, flags.has("--all")));
      return 0;
    case "nodememstats":
      ctx.out(nodememstats(world, ctx.host));
      return 0;
    case "dominfo":
      ctx.out(dominfo(world, ctx.host, domainOf(world, ctx.host, operands[0])));
      return 0;
    case "domstate":
      ctx.out(domstate(domainOf(world, ctx.host, operands[0]), ctx.host, flags.has("--reason")));
      return 0;
    case "dumpxml": {
      const vm = domainOf(world, ctx.host, operands[0]);
      ctx.out(domainXml(vm, flags.has("--inactive") || !runsOn(vm, ctx.host)));
      return 0;
    }
    case "dommemstat": {
      const vm = domainOf(world, ctx.host, operands[0]);
      if (!runsOn(vm, ctx.host)) throw notRunning();
      ctx.out(dommemstat(world, vm));
      return 0;
    }
    case "start":
      return start(ctx, domainOf(world, ctx.host, operands[0]).name);
    case "shutdown":
    case "destroy": {
      const name = domainOf(world, ctx.host, operands[0]).name;
      ctx.store.update((w) => {
        const vm = runningDomainOn(w, ctx.host, name);
        if (!vm)
          throw new ToolExit(
            1,
            `error: Failed to ${command} domain '${name}'\nerror: Requested operation is not valid: domain is not running\n`,
          );
        if (command === "destroy") stopDomain(vm, "destroyed");
        else requestShutdown(w, vm);
      });
      ctx.out(
        command === "destroy" ? `Domain '${name}' destroyed\n\n` : `Domain '${name}' is being shutdown\n\n`,
      );
      return 0;
    }
    case "setmem":
    case "setmaxmem":
      return setMemory(ctx, command, flags, operands);
    case "define":
      return define(ctx, operands[0]);
    case "undefine": {
      const name = domainOf(world, ctx.host, operands[0]).name;
      ctx.store.update((w) => {
        const vm = w.vms[name]!;
        // A domain defined with the world is defined on both hosts of its resource: list them before removing one.
        const resource = vm.resource === null ? undefined : w.resources[vm.resource];
        const hosts = vm.definedOn ?? (resource ? Object.keys(resource.sides) : [vm.host]);
        vm.definedOn = hosts.filter((h) => h !== ctx.host);
        if (vm.definedOn.length === 0 && vm.domId === null) delete w.vms[name];
      });
      ctx.out(`Domain '${name}' has been undefined\n\n`);
      return 0;
    }
    default:
      throw new ToolExit(1, `error: unknown command: '${command}'\n`);
  }
}

function splitArgs(command: string, rest: string[]): { flags: Set<string>; operands: string[] } {
  const flags = new Set<string>();
  const operands: string[] = [];
  let dataOnly = false;
  for (const arg of rest) {
    if (dataOnly || !arg.startsWith("--")) operands.push(arg);
    else if (arg === "--") dataOnly = true;
    else if ((FLAGS[command] ?? []).includes(arg)) flags.add(arg);
    else throw new ToolExit(1, `error: command '${command}' doesn't support option ${arg}\n`);
  }
  return { flags, operands };
}

/** Defined here: a VM of a resource this host holds a side of, or one last defined on this host. */
function definedOn(world: SimWorld, vm: SimVm, host: string): boolean {
  if (vm.definedOn) return vm.definedOn.includes(host) || runsOn(vm, host);
  const resource = vm.resource === null ? undefined : world.resources[vm.resource];
  return resource ? resource.sides[host] !== undefined : vm.host === host;
}

function runsOn(vm: SimVm, host: string): boolean {
  return vm.host === host && vm.domId !== null;
}

/** virsh looks a domain up by id, then UUID, then name (virshLookupDomainBy). */
function domainOf(world: SimWorld, host: string, arg: string | undefined): SimVm {
  if (arg === undefined) throw new ToolExit(1, "error: command requires a domain argument\n");
  const vm = Object.values(world.vms).find(
    (v) =>
      definedOn(world, v, host) &&
      ((/^\d+$/.test(arg) && runsOn(v, host) && String(v.domId) === arg) ||
        uuidFor(v.name) === arg ||
        v.name === arg),
  );
  if (!vm) throw new ToolExit(1, `error: failed to get domain '${arg}'\n`);
  return vm;
}

const notRunning = () => new ToolExit(1, "error: Requested operation is not valid: domain is not running\n");

/**
 * `virsh list [--all]` in libvirt's compact table (tools/vsh-table.c): every cell " %s" padded to its column's
 * widest cell + 2 (the last column not padded), a dashes line of (width + 3) per column, a blank line at the end.
 * Running domains by id first, then inactive ones by name.
 */
export function listTable(world: SimWorld, host: string, all: boolean): string {
  const defined = Object.values(world.vms).filter((vm) => definedOn(world, vm, host));
  const running = defined.filter((vm) => runsOn(vm, host)).sort((a, b) => (a.domId ?? 0) - (b.domId ?? 0));
  const inactive = all
    ? defined.filter((vm) => !runsOn(vm, host)).sort((a, b) => a.name.localeCompare(b.name))
    : [];
  const rows = [
    ["Id", "Name", "State"],
    ...running.map((vm) => [String(vm.domId), vm.name, STATE_NAMES[vm.state] ?? "running"]),
    ...inactive.map((vm) => ["-", vm.name, "shut off"]),
  ];
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (row: string[]) => row.map((c, i) => ` ${i < 2 ? c.padEnd(widths[i]! + 2) : c}`).join("");
  const [header, ...body] = rows;
  return `${line(header!)}\n${"-".repeat(widths.reduce((s, w) => s + w + 3, 0))}\n${body.map((r) => `${line(r)}\n`).join("")}\n`;
}

/** `virsh dominfo`: "%-15s %s" lines (cmdDominfo). */
export function dominfo(world: SimWorld, host: string, vm: SimVm): string {
  const active = runsOn(vm, host);
  const fields: Array<[string, string]> = [
    ["Id:", active ? String(vm.domId) : "-"],
    ["Name:", vm.name],
    ["UUID:", uuidFor(vm.name)],
    ["OS Type:", "hvm"],
    ["State:", active ? (STATE_NAMES[vm.state] ?? "running") : "shut off"],
    ["CPU(s):", String(vm.vcpus)],
    ...(active
      ? ([
          ["CPU time:", `${((world.settledAtSimMs - (vm.startedAtSimMs ?? 0)) / 50_000).toFixed(1)}s`],
        ] as Array<[string, string]>)
      : []),
    ["Max memory:", `${vm.maxMemoryMiB * 1024} KiB`],
    ["Used memory:", `${(active ? vm.memoryMiB : vm.targetMiB) * 1024} KiB`],
    ["Persistent:", "yes"],
    ["Autostart:", "disable"],
    ["Managed save:", "no"],
    ["Security model:", "apparmor"],
    ["Security DOI:", "0"],
  ];
  return `${fields.map(([k, v]) => `${k.padEnd(15)} ${v}\n`).join("")}\n`;
}

/** `virsh domstate [--reason]`: "running (booted)", "shut off (destroyed)", ... */
export function domstate(vm: SimVm, host: string, reason: boolean): string {
  const active = runsOn(vm, host);
  const state = active ? (STATE_NAMES[vm.state] ?? "running") : "shut off";
  const why = active
    ? vm.state === "paused"
      ? "starting up"
      : vm.state === "shutdown"
        ? "user"
        : "booted"
    : (vm.stopReason ?? "unknown");
  return reason ? `${state} (${why})\n\n` : `${state}\n\n`;
}

/** `virsh dommemstat`: balloon statistics in KiB; a guest still booting has no balloon driver to report them. */
export function dommemstat(world: SimWorld, vm: SimVm): string {
  const actual = vm.memoryMiB * 1024;
  const rss = Math.round(actual * 0.9);
  if (!guestUp(vm, world.settledAtSimMs)) return `actual ${actual}\nrss ${rss}\n\n`;
  const used = vm.minMemoryMiB * 1024;
  const lastUpdate = Math.floor((world.epochRealMs + world.settledAtSimMs / world.speed) / 1000);
  return (
    [
      ["actual", actual],
      ["swap_in", 0],
      ["swap_out", 0],
      ["major_fault", 1117],
      ["minor_fault", 225880],
      ["unused", Math.max(0, actual - used)],
      ["available", actual - 64 * 1024],
      ["usable", Math.max(0, actual - used)],
      ["last_update", lastUpdate],
      ["disk_caches", Math.round((actual - used) / 2)],
      ["rss", rss],
    ]
      .map(([k, v]) => `${k} ${v}\n`)
      .join("") + "\n"
  );
}

/** The domain XML, live (with the domain id and the balloon's current size) or the persistent definition. */
export function domainXml(vm: SimVm, inactive: boolean): string {
  const current = inactive ? vm.targetMiB : vm.memoryMiB;
  const max = inactive ? (vm.pendingMaxMemoryMiB ?? vm.maxMemoryMiB) : vm.maxMemoryMiB;
  const path = diskPathOf(vm);
  const block = path.startsWith("/dev/");
  return `<domain type='kvm'${inactive ? "" : ` id='${vm.domId}'`}>
  <name>${vm.name}</name>
  <uuid>${uuidFor(vm.name)}</uuid>
  <memory unit='KiB'>${max * 1024}</memory>
  <currentMemory unit='KiB'>${current * 1024}</currentMemory>
  <vcpu placement='static'>${vm.vcpus}</vcpu>
  <os>
    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
    <boot dev='hd'/>
  </os>
  <features>
    <acpi/>
    <apic/>
  </features>
  <clock offset='utc'/>
  <on_poweroff>destroy</on_poweroff>
  <on_reboot>restart</on_reboot>
  <on_crash>destroy</on_crash>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <disk type='${block ? "block" : "file"}' device='disk'>
      <driver name='qemu' type='raw' cache='none' io='native'/>
      <source ${block ? "dev" : "file"}='${path}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <interface type='bridge'>
      <source bridge='br0'/>
      <model type='virtio'/>
    </interface>
    <serial type='pty'>
      <target type='isa-serial' port='0'/>
    </serial>
    <memballoon model='virtio'>
      <stats period='5'/>
    </memballoon>
  </devices>
</domain>

`;
}

/** `virsh nodeinfo` ("%-20s %s" lines, cmdNodeinfo). */
export function nodeinfo(world: SimWorld, hostName: string): string {
  const host = world.hosts[hostName]!;
  const fields: Array<[string, string]> = [
    ["CPU model:", "x86_64"],
    ["CPU(s):", String(host.cpus)],
    ["CPU frequency:", "2394 MHz"],
    ["CPU socket(s):", "1"],
    ["Core(s) per socket:", String(host.cpus)],
    ["Thread(s) per core:", "1"],
    ["NUMA cell(s):", "1"],
    ["Memory size:", `${host.memoryMiB * 1024} KiB`],
  ];
  return `${fields.map(([k, v]) => `${k.padEnd(20)} ${v}\n`).join("")}\n`;
}

/** Free memory: the host's own OS keeps `dom0MiB`, running guests hold theirs. */
function freeKiB(world: SimWorld, host: string): number {
  return Math.max(0, freeMemoryMiB(world, host)) * 1024;
}

/** `virsh freecell [--all]`: "%5lu: %10llu KiB" per NUMA cell, dashes, "%5s: %10llu KiB" Total (cmdFreecell). */
export function freecell(world: SimWorld, host: string, all: boolean): string {
  const free = String(freeKiB(world, host)).padStart(10);
  if (!all) return `Total: ${freeKiB(world, host)} KiB\n`;
  return `${"0".padStart(5)}: ${free} KiB\n${"-".repeat(20)}\n${"Total".padStart(5)}: ${free} KiB\n`;
}

/** `virsh nodememstats`: "%-7s: %20llu KiB" per field (cmdNodeMemStats). */
export function nodememstats(world: SimWorld, host: string): string {
  const total = world.hosts[host]!.memoryMiB * 1024;
  return (
    [
      ["total", total],
      ["free", freeKiB(world, host)],
      ["buffers", 65536],
      ["cached", 524288],
    ]
      .map(([k, v]) => `${String(k).padEnd(7)}: ${String(v).padStart(20)} KiB\n`)
      .join("") + "\n"
  );
}

/**
 * `virsh start`: returns once QEMU has started the domain (its guest boots on by itself). The refusals are
 * virsh's and libvirt's wording (the memory one quotes QEMU, the DRBD one the kernel's EMEDIUMTYPE for a
 * Secondary device; both approximations of QEMU's exact lines).
 */
async function start(ctx: ToolContext, name: string): Promise<number> {
  const r = ctx.store.update((w) => startDomain(w, ctx.host, name));
  const failed = `error: Failed to start domain '${name}'\n`;
  switch (r.kind) {
    case "started":
      while (ctx.store.read().vms[name]?.state === "paused") await new Promise((res) => setTimeout(res, 20));
      ctx.out(`Domain '${name}' started\n\n`);
      return 0;
    case "running":
    case "unknown":
      throw new ToolExit(1, `error: Domain '${name}' is already active\n`);
    case "disk":
      throw new ToolExit(
        1,
        failed +
          (r.secondaryDevice
            ? `error: internal error: qemu unexpectedly closed the monitor: qemu-system-x86_64: -blockdev {"driver":"host_device","filename":"${r.path}"}: Could not open '${r.path}': Wrong medium type\n`
            : `error: Cannot access storage file '${r.path}': No such file or directory\n`),
      );
    case "memory":
      throw new ToolExit(
        1,
        failed +
          `error: internal error: qemu unexpectedly closed the monitor: qemu-system-x86_64: cannot set up guest memory 'pc.ram': Cannot allocate memory\n`,
      );
  }
}

/**
 * `virsh define <file>`: the domain XML is read as libvirt reads it (name, memory, vCPUs, first disk); a domain
 * new to the world is learned, one it knows is (re)defined on this host too.
 */
function define(ctx: ToolContext, file: string | undefined): number {
  if (file === undefined) throw new ToolExit(1, "error: command 'define' requires <file> option\n");
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    throw new ToolExit(1, `error: Failed to open file '${file}': No such file or directory\n`);
  }
  let xml: ReturnType<typeof parseDomainXml>;
  try {
    xml = parseDomainXml(text);
  } catch (err) {
    throw new ToolExit(
      1,
      `error: Failed to define domain from ${file}\nerror: XML error: ${err instanceof Error ? err.message : String(err)}\n`,
    );
  }
  const disk = xml.disks.find((d) => d.device === "disk")?.source ?? "";
  ctx.store.update((w) => {
    const known = w.vms[xml.name] !== undefined;
    const vm = learnVm(w, ctx.host, {
      name: xml.name,
      memoryMiB: Math.round(xml.currentMemoryKiB / 1024),
      maxMemoryMiB: Math.round(xml.memoryKiB / 1024),
      vcpus: xml.vcpus,
      disk,
    });
    if (!known) vm.definedOn = [ctx.host];
    else if (vm.definedOn && !vm.definedOn.includes(ctx.host)) vm.definedOn.push(ctx.host);
  });
  ctx.out(`Domain '${xml.name}' defined from ${file}\n\n`);
  return 0;
}

/** `virsh setmem` / `setmaxmem <domain> <KiB>` with --live / --config / --current (the default). */
function setMemory(ctx: ToolContext, command: string, flags: Set<string>, operands: string[]): number {
  const [arg, sizeText] = operands;
  const kib = /^\d+$/.test(sizeText ?? "") ? Number(sizeText) : NaN;
  if (!Number.isSafeInteger(kib) || kib <= 0)
    throw new ToolExit(
      1,
      `error: Numeric value '${sizeText ?? ""}' for <size> option is malformed or out of range\n`,
    );
  const mib = Math.floor(kib / 1024);
  ctx.store.update((w) => {
    const vm = domainOf(w, ctx.host, arg);
    const active = runsOn(vm, ctx.host);
    const live = flags.has("--live") || (!flags.has("--config") && active);
    if (live && !active) throw notRunning();
    if (command === "setmem") {
      if (mib > vm.maxMemoryMiB)
        throw new ToolExit(1, "error: invalid argument: cannot set memory higher than max memory\n");
      // live: the balloon moves there over time; config: the next boot's size (the world keeps one size, so a
      // --config change on a running domain moves its balloon too: an approximation the agent never asks for).
      vm.targetMiB = mib;
      return;
    }
    if (live)
      throw new ToolExit(
        1,
        "error: Requested operation is not valid: cannot resize the maximum memory on an active domain\n",
      );
    if (active) vm.pendingMaxMemoryMiB = mib;
    else {
      vm.maxMemoryMiB = mib;
      vm.targetMiB = Math.min(vm.targetMiB, mib);
    }
  });
  return 0;
}
