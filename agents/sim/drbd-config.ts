/**
 * How the simulated DRBD 9 kernel learns and forgets resources, through the configuration verbs the real drbdadm
 * sends (`drbdadm up r5`: new-resource, new-minor, new-peer, new-path, attach, connect; `drbdadm down r5`: down),
 * and where a side's metadata lives in between (SimLv.drbdMetadata). The stand-in drbdsetup calls these; a
 * refusal is a DrbdConfigFailure carrying the kernel's return code and drbdsetup's words for it
 * (drbd-utils user/v9/drbdsetup.c error_messages[], codes from drbd.h enum drbd_ret_code).
 *
 * A resource appears in the world with its first side (new-resource) and the peer's side with new-peer (a
 * placeholder, `up: false`, until the peer configures it too). It disappears when it is down on every host and
 * the last of its backing LVs is removed (forgetResourcesWithoutDisks).
 */
import { connect, demote, disconnect, sideOf, DEFAULT_RESYNC_KIBPS } from "./drbd-kernel";
import {
  backingDeviceOf,
  hasDevice,
  lvOfDevice,
  type SimDrbdMetadata,
  type SimResource,
  type SimSide,
  type SimWorld,
} from "./world";

/** drbd.h drbd_ret_code values the configuration verbs answer with, and drbdsetup's text for each. */
export const ERR = {
  OPEN_DISK: [104, "Can not open backing device."],
  MD_INVALID: [
    119,
    "No valid meta-data signature found.\n\n\t==> Use 'drbdadm create-md res' to initialize meta-data area. <==\n",
  ],
  MINOR_INVALID: [127, "Device minor not allocated"],
  RES_NOT_KNOWN: [158, "Unknown resource"],
  MINOR_OR_VOLUME_EXISTS: [161, "Minor or volume exists already (delete it first)"],
  INVALID_REQUEST: [162, "Invalid configuration request"],
} as const satisfies Record<string, readonly [number, string]>;

/** drbdsetup's exit code for a configuration request the kernel refused (check_error: any ERR_* code). */
export const EXIT_CONFIG_FAILURE = 10;

/**
 * A configuration request the kernel refused: drbdsetup prints `<object>: Failure: (<code>) <text>`, then what the
 * kernel added ("additional info from kernel:"), and exits 10. E.g. `r5: Failure: (162) Invalid configuration
 * request` with `minor exists in different resource`.
 */
export class DrbdConfigFailure extends Error {
  constructor(
    readonly code: number,
    readonly text: string,
    readonly object: string,
    readonly info: string[] = [],
  ) {
    super(`${object}: Failure: (${code}) ${text}`);
  }

  /** What drbdsetup prints on stderr. */
  get stderr(): string {
    const info = this.info.length ? `additional info from kernel:\n${this.info.join("\n")}\n` : "";
    return `${this.message}\n${info}`;
  }
}

/** Something a real kernel might do that the simulator does not model (three nodes, volumes, ...). */
export class NotSimulated extends Error {}

function fail(err: readonly [number, string], object: string, info: string[] = []): never {
  throw new DrbdConfigFailure(err[0], err[1], object, info);
}

// ---------------------------------------------------------------------------------------------------
// Internal metadata size (drbdmeta v09, one peer).

const KIB = 1024;

/** The bitmap of internal metadata: one bit per 4 KiB of the device, in whole 4 KiB blocks (one peer). */
export function bitmapKiB(sizeBytes: number): number {
  const bytes = Math.ceil(sizeBytes / 4096 / 8);
  return Math.ceil(bytes / 4096) * 4;
}

/**
 * KiB that internal metadata takes at the end of a device with one peer: a 4 KiB superblock, a 32 KiB activity
 * log and the bitmap. Checked against drbdmeta 9.22's `dump-md` (md_size_sect) on loop devices: 64 MiB → 40 KiB,
 * 1 GiB → 68, 4100 MiB → 168, 10 GiB → 356.
 */
export function internalMetadataKiB(sizeBytes: number): number {
  return 4 + 32 + bitmapKiB(sizeBytes);
}

/** The size of a DRBD device on a backing device of `sizeBytes` with internal metadata (what the kernel offers). */
export function usableKiB(sizeBytes: number): number {
  return Math.floor(sizeBytes / KIB) - internalMetadataKiB(sizeBytes);
}

/** What `drbdmeta create-md` writes: no data generation yet (DRBD's UUID_JUST_CREATED), nothing in sync. */
export function freshMetadata(): SimDrbdMetadata {
  return { gen: 0, baseGen: null, oosKiB: 0, dataKiB: 0, disk: "Inconsistent" };
}

// ---------------------------------------------------------------------------------------------------
// The configuration verbs.

/** A side with no kernel objects of its own: the peer's before it configures the resource, or one taken down. */
function placeholderSide(nodeId: number | undefined): SimSide {
  return {
    role: "Secondary",
    disk: "Diskless",
    connection: "StandAlone",
    gen: 0,
    baseGen: null,
    oosKiB: 0,
    mounted: false,
    mountedOn: null,
    discardMyData: false,
    up: false,
    dataKiB: 0,
    unconfigured: true,
    ...(nodeId === undefined ? {} : { nodeId }),
  };
}

/** A resource as new-resource makes it: no minor, port or size until new-minor, new-path and attach say. */
function blankResource(name: string): SimResource {
  return {
    name,
    minor: -1,
    port: 0,
    sizeKiB: 0,
    protocol: "C",
    mountPoint: null,
    fs: null,
    sides: {},
    resync: null,
    allowTwoPrimaries: false,
    linkUp: true,
    linkCut: null,
    resyncRateKiBps: DEFAULT_RESYNC_KIBPS,
    splitBrainAtSimMs: null,
    ackedKiB: 0,
  };
}

/** The resource as this host's kernel has it configured, or the kernel's "(158) Unknown resource". */
export function configuredResource(world: SimWorld, host: string, name: string): SimResource {
  const resource = world.resources[name];
  if (!resource?.sides[host]?.up) fail(ERR.RES_NOT_KNOWN, name, ["unknown resource"]);
  return resource;
}

/** The resource whose device on this host has `minor`, or the kernel's "(127) Device minor not allocated". */
export function resourceByMinor(world: SimWorld, host: string, minor: number): SimResource {
  const resource = Object.values(world.resources).find((r) => r.minor === minor && hasDevice(r, host));
  if (!resource) fail(ERR.MINOR_INVALID, String(minor), ["unknown minor"]);
  return resource;
}

function markConfigured(side: SimSide, object: "device" | "connection"): void {
  if (!side.configured) return;
  side.configured[object] = true;
  if (side.configured.device && side.configured.connection) delete side.configured;
}

/** `drbdsetup new-resource <res> <node-id>`: this host's side, Secondary with nothing attached or connected. */
export function newResource(world: SimWorld, host: string, name: string, nodeId: number): void {
  const resource = (world.resources[name] ??= blankResource(name));
  const side = resource.sides[host];
  if (side?.up) return; // drbdadm adjust (or up again) re-sends it; without NLM_F_EXCL the kernel says nothing
  resource.sides[host] = {
    ...placeholderSide(nodeId),
    ...(side?.address === undefined ? {} : { address: side.address }),
    ...(side?.backingDevice === undefined ? {} : { backingDevice: side.backingDevice }),
    up: true,
    configured: { device: false, connection: false },
  };
  delete resource.sides[host]!.unconfigured;
}

/** `drbdsetup new-minor <res> <minor> <volume>`: the device /dev/drbd<minor>, Diskless until attach. */
export function newMinor(world: SimWorld, host: string, name: string, minor: number, volume: number): void {
  const resource = configuredResource(world, host, name);
  if (volume !== 0) throw new NotSimulated(`${name}: volume ${volume}: only volume 0 is simulated`);
  const side = sideOf(resource, host);
  const owner = Object.values(world.resources).find(
    (r) => r !== resource && r.minor === minor && hasDevice(r, host),
  );
  // drbd_adm_prepare: the minor's device belongs to another resource.
  if (owner) fail(ERR.INVALID_REQUEST, name, ["minor exists in different resource"]);
  if (side.configured?.device !== false) {
    if (resource.minor !== minor) fail(ERR.MINOR_OR_VOLUME_EXISTS, name);
    return;
  }
  const elsewhere = Object.keys(resource.sides).find((h) => h !== host && hasDevice(resource, h));
  if (elsewhere !== undefined && resource.minor !== minor)
    throw new NotSimulated(
      `${name}: minor ${minor} here but ${resource.minor} on ${elsewhere}: different minors per host are not simulated`,
    );
  resource.minor = minor;
  markConfigured(side, "device");
}

/** `drbdsetup new-peer <res> <peer-node-id> --_name=<host> [--protocol=C ...]`: the connection, StandAlone. */
export function newPeer(
  world: SimWorld,
  host: string,
  name: string,
  peer: { nodeId: number; name: string | undefined; protocol?: string; allowTwoPrimaries?: boolean },
): void {
  const resource = configuredResource(world, host, name);
  const side = sideOf(resource, host);
  if (side.configured?.connection !== false) return; // the connection exists (adjust re-sends new-peer)
  const peerName = peer.name;
  if (peerName === undefined || peerName === host || !world.hosts[peerName])
    throw new NotSimulated(
      `${name}: peer ${peerName ?? "(no --_name)"} is not another host of the simulated farm`,
    );
  const third = Object.keys(resource.sides).find((h) => h !== host && h !== peerName);
  if (third !== undefined)
    throw new NotSimulated(`${name}: a third node (${peerName} besides ${third}) is not simulated`);
  resource.sides[peerName] ??= placeholderSide(peer.nodeId);
  if (peer.protocol === "A" || peer.protocol === "B" || peer.protocol === "C")
    resource.protocol = peer.protocol;
  if (peer.allowTwoPrimaries !== undefined) resource.allowTwoPrimaries = peer.allowTwoPrimaries;
  markConfigured(side, "connection");
}

/** `drbdsetup new-path <res> <peer-node-id> <local> <remote>`: where this side listens (`ipv4:127.0.0.1:7805`). */
export function newPath(world: SimWorld, host: string, name: string, local: string): void {
  const resource = configuredResource(world, host, name);
  const side = sideOf(resource, host);
  if (side.configured?.connection === false) fail(ERR.INVALID_REQUEST, name, ["unknown connection"]);
  side.address = local.replace(/^ipv[46]:/, "");
  const port = Number(/:(\d+)$/.exec(side.address)?.[1] ?? 0);
  if (resource.port === 0) resource.port = port;
}

/**
 * `drbdsetup attach <minor> <disk> <meta-disk> internal`: the side takes the metadata off the LV (its disk state
 * becomes the metadata's: Inconsistent for new metadata). A new resource's size is what its backing LVs offer.
 */
export function attach(world: SimWorld, host: string, minor: number, disk: string): void {
  const resource = resourceByMinor(world, host, minor);
  const side = sideOf(resource, host);
  if (side.disk !== "Diskless") return; // attached already (adjust re-sends attach)
  const lv = lvOfDevice(world, host, disk);
  if (!lv) fail(ERR.OPEN_DISK, String(minor));
  const md = lv.drbdMetadata;
  if (!md) fail(ERR.MD_INVALID, String(minor));
  delete lv.drbdMetadata;
  Object.assign(side, { ...md, backingDevice: disk });
  const offered = usableKiB(lv.sizeBytes);
  const noDataYet = Object.values(resource.sides).every((s) => s.gen === 0);
  if (resource.sizeKiB === 0) resource.sizeKiB = offered;
  else if (noDataYet) resource.sizeKiB = Math.min(resource.sizeKiB, offered);
}

/** `drbdsetup connect <res> <peer-node-id>`: needs the connection new-peer made; then the kernel's connect. */
export function connectPeer(
  world: SimWorld,
  resource: SimResource,
  host: string,
  options: { discardMyData?: boolean } = {},
): void {
  const side = sideOf(resource, host);
  if (side.configured?.connection === false) fail(ERR.INVALID_REQUEST, resource.name, ["unknown connection"]);
  connect(world, resource, host, options);
}

function metadataDisk(disk: SimSide["disk"]): SimDrbdMetadata["disk"] | null {
  return disk === "UpToDate" || disk === "Outdated" || disk === "Consistent" || disk === "Inconsistent"
    ? disk
    : null;
}

/**
 * The side stops being configured on this host: its metadata goes back onto its backing LV (nothing to keep
 * without a readable disk) and the side keeps only where it was.
 */
export function unconfigureSide(world: SimWorld, resource: SimResource, host: string): void {
  const side = sideOf(resource, host);
  const disk = metadataDisk(side.disk);
  const lv = lvOfDevice(world, host, backingDeviceOf(world, resource, host));
  if (disk && lv)
    lv.drbdMetadata = {
      gen: side.gen,
      baseGen: side.baseGen,
      oosKiB: side.oosKiB,
      dataKiB: side.dataKiB,
      disk,
    };
  resource.sides[host] = {
    ...placeholderSide(side.nodeId),
    ...(side.address === undefined ? {} : { address: side.address }),
    ...(side.backingDevice === undefined ? {} : { backingDevice: side.backingDevice }),
  };
}

/**
 * `drbdsetup down <res>`: demote (refused while the device is open), disconnect (a connected peer goes back to
 * Connecting), detach, and the resource is gone from this host's kernel. Not configured here: nothing to do.
 */
export function takeDown(world: SimWorld, host: string, name: string): void {
  const resource = world.resources[name];
  if (!resource?.sides[host]?.up) return; // drbdsetup down: missing_ok
  demote(world, resource, host);
  disconnect(world, resource, host);
  unconfigureSide(world, resource, host);
}

/**
 * After an LV is removed: the resources that `device` backed on `host` and that are now down everywhere with no
 * backing LV left on any host are forgotten. Returns their names.
 */
export function forgetResourcesWithoutDisks(world: SimWorld, host: string, device: string): string[] {
  const forgotten: string[] = [];
  for (const resource of Object.values(world.resources)) {
    if (!resource.sides[host] || backingDeviceOf(world, resource, host) !== device) continue;
    const sides = Object.entries(resource.sides);
    const down = sides.every(([, s]) => !s.up);
    const diskless = sides.every(([h]) => !lvOfDevice(world, h, backingDeviceOf(world, resource, h)));
    if (down && diskless) {
      delete world.resources[resource.name];
      forgotten.push(resource.name);
    }
  }
  return forgotten;
}

/** The resource whose side on `host` is attached to `device` and holds its metadata, if any. */
export function attachedTo(world: SimWorld, host: string, device: string): SimResource | undefined {
  return Object.values(world.resources).find((r) => {
    const side = r.sides[host];
    return (
      side?.up === true && metadataDisk(side.disk) !== null && backingDeviceOf(world, r, host) === device
    );
  });
}
