/**
 * What the DRBD kernel module does in the simulated farm: role changes with DRBD's refusals, connection
 * handshakes that compare data generations (in sync, bitmap resync, full sync, split brain), and the
 * out-of-sync data a disconnected Primary accumulates. The stand-in drbdsetup calls these; they throw a
 * DrbdRefusal carrying the kernel's own message and drbdsetup's exit code.
 *
 * Data generations stand for DRBD's UUIDs: `gen` is the current UUID, `baseGen` the bitmap UUID (the
 * generation both sides last shared). 0 is "just created metadata" (UUID_JUST_CREATED).
 *
 * "Now" is `world.settledAtSimMs`: every change runs on a world just settled to the present (WorldStore.update).
 */
import { peerOf, type SimEvent, type SimResource, type SimSide, type SimWorld } from "./world";

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Keeps the last 500 events for the invariant checker. */
export function recordEvent(world: SimWorld, event: DistributiveOmit<SimEvent, "seq">): void {
  world.eventSeq += 1;
  world.events.push({ ...event, seq: world.eventSeq } as SimEvent);
  if (world.events.length > 500) world.events.splice(0, world.events.length - 500);
}

/** DRBD's default resync rate in the simulator: 100 MiB/s, a GbE link's practical ceiling (farm-design.md). */
export const DEFAULT_RESYNC_KIBPS = 100 * 1024;

/**
 * drbdsetup's exit code for a refused state change (drbd-utils user/v9/drbdsetup.c check_error): 17 for
 * (-2) Need access to UpToDate data, 16 for (-4), 5 for (-16), 11 for every other refusal.
 */
export function stateChangeExitCode(ssCode: number): number {
  return ssCode === -2 ? 17 : ssCode === -4 ? 16 : ssCode === -16 ? 5 : 11;
}

/** A refused state change: `message` is what drbdsetup prints, e.g. "r1: State change failed: (-2) Need access to UpToDate data". */
export class DrbdRefusal extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    readonly object: string,
    /** Lines the kernel adds after "additional info from kernel:" (e.g. who holds the device open). */
    readonly info: string[] = [],
  ) {
    super(`${object}: State change failed: (${code}) ${reason}`);
  }
}

export const SS = {
  TWO_PRIMARIES: [-1, "Multiple primaries not allowed by config"],
  NO_UP_TO_DATE_DISK: [-2, "Need access to UpToDate data"],
  CONNECTED_OUTDATES: [-6, "Refusing to be Outdated while Connected"],
  DEVICE_IN_USE: [-12, "Device is held open by someone"],
  NEED_CONNECTION: [-15, "Need a connection to start verify or resync"],
} as const satisfies Record<string, readonly [number, string]>;

function refuse(ss: readonly [number, string], object: string, info: string[] = []): never {
  throw new DrbdRefusal(ss[0], ss[1], object, info);
}

export function sideOf(resource: SimResource, host: string): SimSide {
  const side = resource.sides[host];
  if (!side) throw new Error(`resource ${resource.name} has no side on ${host}`);
  return side;
}

function peerSideOf(resource: SimResource, host: string): { peer: string; side: SimSide } | undefined {
  const peer = peerOf(resource, host);
  const side = peer === undefined ? undefined : resource.sides[peer];
  return peer === undefined || !side ? undefined : { peer, side };
}

/** Who holds the resource's device open on `host` (the kernel's opener): a mount, or a running VM's backend. */
export function openerOf(world: SimWorld, resource: SimResource, host: string): string | null {
  if (sideOf(resource, host).mounted) return "mount";
  const vm = Object.values(world.vms).find(
    (v) => v.host === host && v.domId !== null && v.resource === resource.name,
  );
  return vm ? `blkback.${vm.domId ?? 0}.xvda` : null;
}

/** KiB/s written to the resource on `host` now: every running VM whose disk it holds. */
export function writeRateKiBps(world: SimWorld, resource: SimResource, host: string): number {
  return Object.values(world.vms)
    .filter((vm) => vm.host === host && vm.domId !== null && vm.resource === resource.name)
    .reduce((sum, vm) => sum + vm.writeKiBps, 0);
}

function newGeneration(world: SimWorld): number {
  world.nextGen += 1;
  return world.nextGen;
}

/** The sides stop replicating: each remembers the generation they shared (DRBD's bitmap UUID). */
function leaveSharedGeneration(side: SimSide): void {
  if (side.baseGen === null) side.baseGen = side.gen;
}

/**
 * A side that writes (or is promoted) without its peer starts a generation of its own (DRBD: a new current
 * UUID). A Primary that lost its peer but never wrote again keeps the shared one: no split brain after a crash.
 */
function startOwnGeneration(world: SimWorld, side: SimSide): void {
  leaveSharedGeneration(side);
  if (side.gen === side.baseGen) side.gen = newGeneration(world);
}

export function promote(world: SimWorld, resource: SimResource, host: string, force: boolean): void {
  const side = sideOf(resource, host);
  if (side.role === "Primary") return;
  const peer = peerSideOf(resource, host);
  const connected = side.connection === "Connected";
  if (connected && peer?.side.role === "Primary" && !resource.allowTwoPrimaries)
    refuse(SS.TWO_PRIMARIES, resource.name);
  const peerHasData = connected && peer?.side.disk === "UpToDate";
  const diskBefore = side.disk;
  if (side.disk !== "UpToDate" && !peerHasData) {
    if (!force || side.disk === "Diskless" || side.disk === "Failed")
      refuse(SS.NO_UP_TO_DATE_DISK, resource.name);
    // --force: this side's data is declared the good data.
    side.disk = "UpToDate";
    side.baseGen = side.gen === 0 ? null : side.gen;
    side.gen = newGeneration(world);
    if (connected && peer) startResync(world, resource, host, peer.peer, resource.sizeKiB);
  }
  recordEvent(world, {
    kind: "promote",
    atSimMs: world.settledAtSimMs,
    resource: resource.name,
    host,
    forced: force,
    disk: diskBefore,
    peerUpToDate: peerHasData,
  });
  side.role = "Primary";
  if (!connected) startOwnGeneration(world, side);
}

export function demote(world: SimWorld, resource: SimResource, host: string): void {
  const side = sideOf(resource, host);
  if (side.role !== "Primary") return;
  const opener = openerOf(world, resource, host);
  if (opener) {
    const at = new Date(world.epochRealMs + world.settledAtSimMs / world.speed)
      .toISOString()
      .replace("T", " ")
      .slice(0, 23);
    refuse(SS.DEVICE_IN_USE, resource.name, [
      `/dev/drbd${resource.minor} opened by ${opener} (pid 1${resource.minor}42) at ${at}`,
    ]);
  }
  side.role = "Secondary";
}

/**
 * `drbdsetup outdate`: this side's data is marked as not current (what a fence-peer handler does to the peer
 * when the replication link breaks). Refused while Connected, and on a Primary (it would lose its data).
 */
export function outdate(resource: SimResource, host: string): void {
  const side = sideOf(resource, host);
  if (side.connection === "Connected") refuse(SS.CONNECTED_OUTDATES, resource.name);
  if (side.role === "Primary") refuse(SS.NO_UP_TO_DATE_DISK, resource.name);
  if (side.disk === "UpToDate" || side.disk === "Consistent") side.disk = "Outdated";
}

/** `drbdsetup disconnect`: this side goes StandAlone; a connected peer goes back to Connecting. */
export function disconnect(world: SimWorld, resource: SimResource, host: string): void {
  const side = sideOf(resource, host);
  const peer = peerSideOf(resource, host);
  const wasConnected = side.connection === "Connected";
  side.connection = "StandAlone";
  if (wasConnected) {
    resource.resync = null;
    leaveSharedGeneration(side);
    if (peer) {
      peer.side.connection = "Connecting";
      leaveSharedGeneration(peer.side);
    }
  }
}

/** The replication link of the resource broke (fault, power-off of the peer): both sides look for each other. */
export function linkLost(world: SimWorld, resource: SimResource): void {
  const wasConnected = Object.values(resource.sides).some((s) => s.connection === "Connected");
  for (const side of Object.values(resource.sides)) {
    if (side.connection !== "Connected") continue;
    side.connection = "Connecting";
  }
  if (wasConnected) {
    resource.resync = null;
    for (const side of Object.values(resource.sides)) leaveSharedGeneration(side);
  }
}

/** `drbdsetup connect`: look for the peer; when both look and the link is up, they shake hands. */
export function connect(
  world: SimWorld,
  resource: SimResource,
  host: string,
  options: { discardMyData?: boolean } = {},
): void {
  const side = sideOf(resource, host);
  if (side.connection === "Connected") return;
  side.connection = "Connecting";
  side.discardMyData = options.discardMyData === true;
  const peer = peerSideOf(resource, host);
  if (peer && peer.side.connection === "Connecting" && resource.linkUp)
    handshake(world, resource, host, peer.peer);
}

/** Try to connect every resource whose both sides are Connecting (after a link comes back). */
export function retryHandshakes(world: SimWorld): void {
  for (const resource of Object.values(world.resources)) {
    const [a, b] = Object.keys(resource.sides);
    if (a === undefined || b === undefined || !resource.linkUp) continue;
    if (!resource.sides[a]?.up || !resource.sides[b]?.up) continue;
    if (resource.sides[a]?.connection === "Connecting" && resource.sides[b]?.connection === "Connecting")
      handshake(world, resource, a, b);
  }
}

function handshake(world: SimWorld, resource: SimResource, hostA: string, hostB: string): void {
  const a = sideOf(resource, hostA);
  const b = sideOf(resource, hostB);
  const discard = a.discardMyData ? hostA : b.discardMyData ? hostB : null;
  a.discardMyData = false;
  b.discardMyData = false;
  const connectBoth = () => {
    a.connection = "Connected";
    b.connection = "Connected";
  };
  const bitmapKiB = () => Math.min(resource.sizeKiB, a.oosKiB + b.oosKiB);

  if (a.gen === b.gen) {
    // Neither wrote while apart (writes always start a generation of their own): nothing to sync.
    connectBoth();
    settleShared(a, b);
    return;
  }
  if (a.gen === 0 || b.gen === 0) {
    // New metadata on one side (or both): a full sync from the side with data, or nothing to sync yet.
    connectBoth();
    const [newSide, other] = a.gen === 0 ? [hostA, hostB] : [hostB, hostA];
    const otherSide = sideOf(resource, other);
    if (otherSide.gen !== 0 && otherSide.disk === "UpToDate")
      startResync(world, resource, other, newSide, resource.sizeKiB);
    return;
  }
  if (discard !== null) {
    connectBoth();
    const keep = discard === hostA ? hostB : hostA;
    startResync(world, resource, keep, discard, bitmapKiB());
    return;
  }
  const aMovedOn = a.baseGen === b.gen;
  const bMovedOn = b.baseGen === a.gen;
  if (aMovedOn || bMovedOn) {
    connectBoth();
    const source = aMovedOn ? hostA : hostB;
    startResync(world, resource, source, source === hostA ? hostB : hostA, bitmapKiB());
    return;
  }
  if (a.baseGen !== null && a.baseGen === b.baseGen) {
    // Both wrote while apart: split brain. With after-sb-*pri disconnect (Tandem's policy) both stay apart.
    a.connection = "StandAlone";
    b.connection = "StandAlone";
    resource.splitBrainAtSimMs = world.settledAtSimMs;
    return;
  }
  // Unrelated data (each side's metadata from another history): DRBD drops the connection.
  a.connection = "StandAlone";
  b.connection = "StandAlone";
}

function settleShared(a: SimSide, b: SimSide): void {
  a.oosKiB = 0;
  b.oosKiB = 0;
  a.baseGen = null;
  b.baseGen = null;
}

/** A resync from `source` to `target` of `kib` (the bitmap, or the whole device). */
export function startResync(
  world: SimWorld,
  resource: SimResource,
  source: string,
  target: string,
  kib: number,
): void {
  const t = sideOf(resource, target);
  if (kib <= 0) {
    t.gen = sideOf(resource, source).gen;
    settleShared(sideOf(resource, source), t);
    return;
  }
  t.disk = "Inconsistent";
  resource.resync = {
    source,
    target,
    totalKiB: kib,
    startedAtSimMs: world.settledAtSimMs,
    rateKiBps: resource.resyncRateKiBps,
  };
}

/** The resync reached 100 %: the target holds the source's generation, both UpToDate, no bitmap left. */
export function finishResync(resource: SimResource): void {
  const sync = resource.resync;
  if (!sync) return;
  const source = sideOf(resource, sync.source);
  const target = sideOf(resource, sync.target);
  target.disk = "UpToDate";
  target.gen = source.gen;
  target.dataKiB = source.dataKiB; // the resync copied what the target lacked, and overwrote what it alone had
  settleShared(source, target);
  resource.resync = null;
}

/** `drbdsetup invalidate`: discard this side's data and resync all of it from the connected, UpToDate peer. */
export function invalidate(world: SimWorld, resource: SimResource, host: string): void {
  const side = sideOf(resource, host);
  const peer = peerSideOf(resource, host);
  if (!peer || side.connection !== "Connected" || peer.side.disk !== "UpToDate")
    refuse(SS.NEED_CONNECTION, String(resource.minor));
  startResync(world, resource, peer.peer, host, resource.sizeKiB);
}

/** `drbdsetup new-current-uuid --clear-bitmap`: both sides' new, empty devices are declared in sync. */
export function newCurrentUuidClearBitmap(world: SimWorld, resource: SimResource, host: string): void {
  const side = sideOf(resource, host);
  const peer = peerSideOf(resource, host);
  const gen = newGeneration(world);
  side.gen = gen;
  side.disk = "UpToDate";
  side.oosKiB = 0;
  side.baseGen = null;
  if (peer && side.connection === "Connected" && peer.side.gen === 0) {
    peer.side.gen = gen;
    peer.side.disk = "UpToDate";
    peer.side.oosKiB = 0;
  }
}

/** drbdmeta create-md: fresh metadata, no data generation yet; the next connect decides what to sync. */
export function createMetadata(resource: SimResource, host: string): void {
  const side = sideOf(resource, host);
  side.gen = 0;
  side.baseGen = null;
  side.oosKiB = 0;
  side.disk = "Inconsistent";
}

/** Out-of-sync data a disconnected Primary accumulates while its VMs write; applied by settleWorld. */
export function accumulateWrites(world: SimWorld, elapsedSimMs: number): void {
  if (elapsedSimMs <= 0) return;
  for (const resource of Object.values(world.resources))
    for (const [host, side] of Object.entries(resource.sides)) {
      if (side.role !== "Primary" || side.connection === "Connected") continue;
      const rate = writeRateKiBps(world, resource, host);
      if (rate <= 0) continue;
      startOwnGeneration(world, side);
      side.oosKiB = Math.min(resource.sizeKiB, side.oosKiB + (rate * elapsedSimMs) / 1000);
    }
  // Every write a VM makes is acknowledged once it is on this side's disk and, while connected (protocol C),
  // on the peer's too.
  for (const resource of Object.values(world.resources))
    for (const [host, side] of Object.entries(resource.sides)) {
      if (side.role !== "Primary") continue;
      const kib = (writeRateKiBps(world, resource, host) * elapsedSimMs) / 1000;
      if (kib <= 0) continue;
      resource.ackedKiB += kib;
      side.dataKiB += kib;
      const peer = peerSideOf(resource, host);
      if (peer && side.connection === "Connected") peer.side.dataKiB += kib;
    }
}
