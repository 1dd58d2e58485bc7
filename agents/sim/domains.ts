/**
 * The hypervisor side of the simulated world, shared by the xl, xm and virsh stand-ins: starting a domain (it is
 * built, then its guest OS boots), asking it to shut down, destroying it, and what a guest can do while it boots.
 *
 * A domain's life, in simulated time from its start:
 *   0 .. BUILD_SIM_MS       the toolstack builds it: it exists, paused (`xl list` shows "--p---");
 *   BUILD_SIM_MS .. BOOT_SIM_MS  it runs, its guest OS is booting: no balloon driver yet (memory targets wait),
 *                           a shutdown request is only acted on once the guest is up;
 *   BOOT_SIM_MS ..          the guest is up: balloon moves, clean shutdown takes SHUTDOWN_SIM_MS.
 */
import { recordEvent, sideOf } from "./drbd-kernel";
import { freeMemoryMiB, type SimVm, type SimWorld } from "./world";

/** How long the toolstack takes to build a domain (paused meanwhile), simulated ms. */
export const BUILD_SIM_MS = 2_000;
/** From start until the guest OS is up (balloon driver loaded, shutdown requests handled), simulated ms. */
export const BOOT_SIM_MS = 20_000;
/** How long a clean shutdown of a booted guest takes, simulated ms. */
export const SHUTDOWN_SIM_MS = 5_000;
/** How fast a guest's balloon driver gives or takes memory, MiB per simulated second. */
export const BALLOON_MIB_PER_S = 256;

/** The guest OS is up (domains of a world written before boots were simulated count as up). */
export function guestUp(vm: SimVm, atSimMs: number): boolean {
  return vm.domId !== null && (vm.startedAtSimMs === undefined || atSimMs >= vm.startedAtSimMs + BOOT_SIM_MS);
}

/** Time-driven domain processes up to `world.settledAtSimMs`: builds that finish, balloons, clean shutdowns. */
export function settleDomains(world: SimWorld, elapsedSimMs: number): void {
  const now = world.settledAtSimMs;
  for (const vm of Object.values(world.vms)) {
    if (vm.domId === null) continue;
    if (vm.shutdownAtSimMs !== null && vm.shutdownAtSimMs <= now) {
      stopDomain(vm, "shutdown");
      continue;
    }
    if (vm.state === "paused" && vm.startedAtSimMs !== undefined && now >= vm.startedAtSimMs + BUILD_SIM_MS)
      vm.state = "running";
    if (!guestUp(vm, now)) continue;
    // The balloon only moves for the time the driver has been loaded.
    const since = vm.startedAtSimMs === undefined ? -Infinity : vm.startedAtSimMs + BOOT_SIM_MS;
    const activeMs = Math.max(0, Math.min(elapsedSimMs, now - since));
    const target = Math.max(vm.minMemoryMiB, Math.min(vm.targetMiB, vm.maxMemoryMiB));
    const step = (BALLOON_MIB_PER_S * activeMs) / 1000;
    if (vm.memoryMiB < target) vm.memoryMiB = Math.min(target, vm.memoryMiB + step);
    else if (vm.memoryMiB > target) vm.memoryMiB = Math.max(target, vm.memoryMiB - step);
    vm.memoryMiB = Math.round(vm.memoryMiB);
  }
}

/** The domain is gone: `reason` is what libvirt reports for it (`virsh domstate --reason`). */
export function stopDomain(vm: SimVm, reason: NonNullable<SimVm["stopReason"]>): void {
  vm.domId = null;
  vm.state = "shutoff";
  vm.shutdownAtSimMs = null;
  vm.stopReason = reason;
  if (vm.pendingMaxMemoryMiB !== undefined) {
    vm.maxMemoryMiB = vm.pendingMaxMemoryMiB;
    delete vm.pendingMaxMemoryMiB;
  }
}

/** A clean shutdown request: the guest acts on it once it is up, and is off SHUTDOWN_SIM_MS later. */
export function requestShutdown(world: SimWorld, vm: SimVm): void {
  if (vm.shutdownAtSimMs === null) {
    const upAt = vm.startedAtSimMs === undefined ? 0 : vm.startedAtSimMs + BOOT_SIM_MS;
    vm.shutdownAtSimMs = Math.max(world.settledAtSimMs, upAt) + SHUTDOWN_SIM_MS;
  }
  vm.state = "shutdown";
}

/** The running domain named `name` (or with that domain id) on `host`, or undefined. */
export function runningDomainOn(world: SimWorld, host: string, name: string | undefined): SimVm | undefined {
  return Object.values(world.vms).find(
    (v) => v.host === host && v.domId !== null && (v.name === name || String(v.domId) === name),
  );
}

/** Running domains of a host, by domain id. */
export function domainsOn(world: SimWorld, host: string): SimVm[] {
  return Object.values(world.vms)
    .filter((vm) => vm.host === host && vm.domId !== null)
    .sort((a, b) => (a.domId ?? 0) - (b.domId ?? 0));
}

/** Why a domain could not be started on a host; each toolstack words it its own way. */
export type StartRefusal =
  | { kind: "unknown" }
  | { kind: "running" }
  | { kind: "disk"; path: string; domId: number; secondaryDevice: boolean }
  | { kind: "memory"; domId: number; needMiB: number; freeMiB: number };

/** The path of a VM's first disk (`file:/srv/r1/images/x.img,xvda,w` -> /srv/r1/images/x.img). */
export function diskPathOf(vm: SimVm): string {
  return vm.disk.split(",")[0]?.replace(/^(file|phy):/, "") ?? "";
}

/**
 * Starts `name` on `host` if its disk can be opened there (an image on a DRBD resource's filesystem mounted there,
 * or a /dev/drbdN that is Primary there) and the host has the memory (`memoryMiB`, else its configured memory). The domain is built first (paused) and its
 * guest boots afterwards (see the timeline above). Returns the new domain id, or why not (nothing changed then).
 */
export function startDomain(
  world: SimWorld,
  host: string,
  name: string,
  memoryMiB?: number,
): { kind: "started"; domId: number } | StartRefusal {
  const vm = world.vms[name];
  if (!vm) return { kind: "unknown" };
  const startMiB = memoryMiB ?? vm.targetMiB;
  if (vm.host === host && vm.domId !== null) return { kind: "running" };
  const elsewhere = vm.domId !== null && vm.host !== host ? vm.host : null;
  const domId = world.nextDomId;
  const path = diskPathOf(vm);
  const disk = diskAccess(world, host, path);
  if (disk !== "ok") return { kind: "disk", path, domId, secondaryDevice: disk === "secondary" };
  const freeMiB = freeMemoryMiB(world, host);
  if (freeMiB < startMiB) return { kind: "memory", domId, needMiB: startMiB, freeMiB };
  world.nextDomId += 1;
  // The toolstack on this host cannot know the VM runs on the peer: if its disk opens here, it starts a copy.
  recordEvent(world, {
    kind: "vm-start",
    atSimMs: world.settledAtSimMs,
    vm: name,
    host,
    alreadyRunningOn: elsewhere,
  });
  Object.assign(vm, {
    host,
    domId,
    state: "paused",
    memoryMiB: startMiB,
    targetMiB: startMiB,
    shutdownAtSimMs: null,
    startedAtSimMs: world.settledAtSimMs,
  });
  delete vm.stopReason;
  return { kind: "started", domId };
}

/** An image on a DRBD resource's filesystem mounted here, or the DRBD device itself where it is Primary. */
function diskAccess(world: SimWorld, host: string, diskPath: string): "ok" | "missing" | "secondary" {
  const minor = /^\/dev\/drbd(\d+)$/.exec(diskPath)?.[1];
  for (const resource of Object.values(world.resources)) {
    const side = resource.sides[host];
    if (!side) continue;
    if (minor !== undefined && String(resource.minor) === minor)
      return sideOf(resource, host).role === "Primary" ? "ok" : "secondary";
    if (side.mounted && side.mountedOn && diskPath.startsWith(`${side.mountedOn}/`)) return "ok";
  }
  return "missing";
}

/** What a hypervisor reads from a VM's definition (an xl.cfg or a domain XML). */
export interface LearnedDefinition {
  name: string;
  memoryMiB: number;
  maxMemoryMiB: number;
  vcpus: number;
  /** The first disk as the simulated world keeps it: `phy:/dev/drbd5,xvda,w`, `file:/srv/r5/x.img,xvda,w` or a path. */
  disk: string;
}

/**
 * A VM the world did not have, defined on `host` by an administrator (or the panel): its resource is the one its
 * disk is on (the DRBD device's minor, or the resource's mount point). A VM the world knows is left as it
 * is (its definition on the other host is the same one).
 */
export function learnVm(world: SimWorld, host: string, def: LearnedDefinition): SimVm {
  const known = world.vms[def.name];
  if (known) return known;
  const path = def.disk.split(",")[0]!.replace(/^(file|phy):/, "");
  const minor = /^\/dev\/drbd(\d+)$/.exec(path)?.[1];
  const resource = Object.values(world.resources).find((r) => {
    if (minor !== undefined) return String(r.minor) === minor;
    const mountPoint = r.mountPoint ?? r.sides[host]?.mountedOn;
    return !!mountPoint && path.startsWith(`${mountPoint}/`);
  });
  const vm: SimVm = {
    name: def.name,
    host,
    state: "shutoff",
    domId: null,
    memoryMiB: def.memoryMiB,
    maxMemoryMiB: def.maxMemoryMiB,
    vcpus: def.vcpus,
    resource: resource?.name ?? null,
    disk: def.disk,
    writeKiBps: 64,
    targetMiB: def.memoryMiB,
    // A small guest's kernel and working set: its balloon stops there.
    minMemoryMiB: Math.min(def.memoryMiB, Math.max(64, Math.round(def.memoryMiB / 4))),
    shutdownAtSimMs: null,
  };
  world.vms[def.name] = vm;
  return vm;
}

/** A stable UUID per VM name (the same on both hosts: the definition was copied). */
export function uuidFor(name: string): string {
  let h = 0x811c9dc5;
  for (const c of name) h = Math.imul(h ^ c.charCodeAt(0), 0x01000193) >>> 0;
  const hex = (h.toString(16).padStart(8, "0") + "0".repeat(24)).slice(0, 32);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-8${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
