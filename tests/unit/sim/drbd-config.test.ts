/**
 * The simulated kernel learning a new resource through drbdsetup's configuration verbs, and forgetting it
 * (agents/sim/drbd-config.ts), on the MozillaGumi world with a clock the test moves.
 */
import { describe, expect, it } from "vitest";
import { thrownBy } from "../../helpers/thrown";
import {
  attach,
  bitmapKiB,
  configuredResource,
  connectPeer,
  DrbdConfigFailure,
  forgetResourcesWithoutDisks,
  freshMetadata,
  internalMetadataKiB,
  newMinor,
  newPath,
  newPeer,
  newResource,
  NotSimulated,
  takeDown,
  usableKiB,
} from "../../../agents/sim/drbd-config";
import { DrbdRefusal, newCurrentUuidClearBitmap, promote } from "../../../agents/sim/drbd-kernel";
import { applyFault } from "../../../agents/sim/faults";
import { createMozillaGumiWorld } from "../../../agents/sim/farms";
import { InvariantChecker } from "../../../agents/sim/invariants";
import { events2Objects } from "../../../agents/sim/tools/drbd-format";
import { events2Changes } from "../../../agents/sim/tools/drbdsetup";
import { replicationOf, settleWorld, type SimWorld } from "../../../agents/sim/world";

const T0 = 1_800_000_000_000;
const GiB = 1024 ** 3;

function farm(): { world: SimWorld; at: (seconds: number) => void } {
  const world = createMozillaGumiWorld({ realNowMs: T0 });
  settleWorld(world, T0);
  return { world, at: (seconds) => settleWorld(world, T0 + seconds * 1000) };
}

/** lvcreate + drbdadm create-md on `host`. */
function newVolume(world: SimWorld, host: string, sizeBytes = 10 * GiB): void {
  world.hosts[host]!.vg.lvs.push({ name: "r5", sizeBytes, drbdMetadata: freshMetadata() });
}

/** What drbdadm up r5 sends on `host` (xen1 is node 0, xen2 node 1; r5.res in the brief's shape). */
function up(world: SimWorld, host: string): void {
  const [me, peer] = host === "xen1" ? [0, 1] : [1, 0];
  const peerName = host === "xen1" ? "xen2" : "xen1";
  newResource(world, host, "r5", me);
  newMinor(world, host, "r5", 5, 0);
  newPeer(world, host, "r5", { nodeId: peer, name: peerName, protocol: "C" });
  newPath(world, host, "r5", `ipv4:127.0.0.${me + 1}:7805`);
  attach(world, host, 5, "/dev/vg0/r5");
  connectPeer(world, configuredResource(world, host, "r5"), host);
}

const r5 = (world: SimWorld) => world.resources["r5"]!;
const summary = (world: SimWorld) =>
  Object.entries(r5(world).sides)
    .map(
      ([h, s]) =>
        `${h}:${s.up ? "up" : "down"}/${s.role}/${s.disk}/${s.connection}/${replicationOf(r5(world), h)}`,
    )
    .join(" ");
const failure = (fn: () => void) => thrownBy(fn, DrbdConfigFailure);
const objects = (world: SimWorld, host: string) => events2Objects(world, host, false, "r5").map((o) => o.key);

describe("internal metadata size (drbdmeta 9.22 dump-md on loop devices, one peer)", () => {
  it.each([
    [64 * 1024 ** 2, 4, 40],
    [GiB, 32, 68],
    [4100 * 1024 ** 2, 132, 168],
    [10 * GiB, 320, 356],
  ])("%d bytes: bitmap %d KiB, metadata %d KiB", (bytes, bitmap, md) => {
    expect(bitmapKiB(bytes)).toBe(bitmap);
    expect(internalMetadataKiB(bytes)).toBe(md);
    expect(usableKiB(bytes)).toBe(bytes / 1024 - md);
  });
});

describe("drbdadm up of a new resource, verb by verb", () => {
  it("xen1 alone: the objects appear as the verbs create them; the peer is a placeholder until it comes up", () => {
    const { world } = farm();
    newVolume(world, "xen1");
    newResource(world, "xen1", "r5", 0);
    expect(objects(world, "xen1")).toEqual(["resource r5"]);
    newMinor(world, "xen1", "r5", 5, 0);
    expect(objects(world, "xen1")).toEqual(["resource r5", "device r5 0"]);
    newPeer(world, "xen1", "r5", { nodeId: 1, name: "xen2", protocol: "B" });
    newPath(world, "xen1", "r5", "ipv4:127.0.0.1:7805");
    expect(objects(world, "xen1")).toEqual([
      "resource r5",
      "connection r5 xen2",
      "device r5 0",
      "peer-device r5 xen2 0",
    ]);
    expect(r5(world).sides["xen1"]).toMatchObject({ disk: "Diskless", connection: "StandAlone" });
    attach(world, "xen1", 5, "/dev/vg0/r5");
    connectPeer(world, r5(world), "xen1");
    expect(summary(world)).toBe(
      "xen1:up/Secondary/Inconsistent/Connecting/Off xen2:down/Secondary/Diskless/StandAlone/Off",
    );
    expect(r5(world)).toMatchObject({ minor: 5, port: 7805, protocol: "B", sizeKiB: 10 * 1024 ** 2 - 356 });
    expect(r5(world).sides["xen1"]).toMatchObject({
      nodeId: 0,
      address: "127.0.0.1:7805",
      backingDevice: "/dev/vg0/r5",
    });
    expect(r5(world).sides["xen1"]!.configured).toBeUndefined();
    expect(world.hosts["xen1"]!.vg.lvs.find((lv) => lv.name === "r5")!.drbdMetadata).toBeUndefined(); // in the side now
    expect(objects(world, "xen2")).toEqual([]);
  });

  it("both up: Connected, Inconsistent/Inconsistent, nothing to sync yet; the smaller LV sets the size", () => {
    const { world } = farm();
    newVolume(world, "xen1");
    newVolume(world, "xen2", 8 * GiB);
    up(world, "xen1");
    up(world, "xen2");
    expect(summary(world)).toBe(
      "xen1:up/Secondary/Inconsistent/Connected/Established xen2:up/Secondary/Inconsistent/Connected/Established",
    );
    expect(r5(world).resync).toBeNull();
    expect(r5(world).sizeKiB).toBe(usableKiB(8 * GiB));
  });

  it("forced initial promotion: UpToDate, full sync at the resync rate, both UpToDate; the checker stays quiet", () => {
    const { world, at } = farm();
    const checker = new InvariantChecker();
    newVolume(world, "xen1");
    newVolume(world, "xen2");
    up(world, "xen1");
    up(world, "xen2");
    promote(world, r5(world), "xen1", true);
    expect(summary(world)).toBe(
      "xen1:up/Primary/UpToDate/Connected/SyncSource xen2:up/Secondary/Inconsistent/Connected/SyncTarget",
    );
    expect(r5(world).resync).toMatchObject({ totalKiB: r5(world).sizeKiB, rateKiBps: 100 * 1024 });
    at(60);
    expect(checker.observe(world)).toEqual([]);
    expect(r5(world).resync).not.toBeNull(); // 10 GiB at 100 MiB/s: 103 s
    at(110);
    expect(summary(world)).toBe(
      "xen1:up/Primary/UpToDate/Connected/Established xen2:up/Secondary/UpToDate/Connected/Established",
    );
    expect(checker.observe(world)).toEqual([]);
    expect(world.events.at(-1)).toMatchObject({
      kind: "promote",
      resource: "r5",
      forced: true,
      disk: "Inconsistent",
    });
  });

  it("skipping the initial sync: new-current-uuid --clear-bitmap makes both UpToDate, then a plain primary", () => {
    const { world } = farm();
    newVolume(world, "xen1");
    newVolume(world, "xen2");
    up(world, "xen1");
    up(world, "xen2");
    newCurrentUuidClearBitmap(world, r5(world), "xen1");
    promote(world, r5(world), "xen1", false);
    expect(summary(world)).toBe(
      "xen1:up/Primary/UpToDate/Connected/Established xen2:up/Secondary/UpToDate/Connected/Established",
    );
    expect(r5(world).resync).toBeNull();
  });

  it("drbdadm adjust / up again on a configured side changes nothing (the farm's r1 too)", () => {
    const { world } = farm();
    const before = JSON.stringify(world.resources["r1"]);
    newResource(world, "xen1", "r1", 0);
    newMinor(world, "xen1", "r1", 1, 0);
    newPeer(world, "xen1", "r1", { nodeId: 1, name: "xen2", protocol: "A" });
    newPath(world, "xen1", "r1", "ipv4:127.0.0.1:7789");
    attach(world, "xen1", 1, "/dev/vg0/r1");
    connectPeer(world, world.resources["r1"]!, "xen1");
    const { sides, ...rest } = world.resources["r1"]!;
    const { address, ...xen1 } = sides["xen1"]!;
    expect(address).toBe("127.0.0.1:7789"); // what its resource file says anyway
    expect(JSON.stringify({ ...rest, sides: { ...sides, xen1 } })).toBe(before);
  });
});

describe("what the kernel refuses, in DRBD's words", () => {
  it("a minor another resource has on this host: (162) minor exists in different resource", () => {
    const { world } = farm();
    newResource(world, "xen1", "r5", 0);
    const err = failure(() => newMinor(world, "xen1", "r5", 1, 0));
    expect(err.stderr).toBe(
      "r5: Failure: (162) Invalid configuration request\nadditional info from kernel:\nminor exists in different resource\n",
    );
    expect(r5(world).minor).toBe(-1);
  });

  it("attach of a missing LV: (104); of an LV without metadata: (119)", () => {
    const { world } = farm();
    newResource(world, "xen1", "r5", 0);
    newMinor(world, "xen1", "r5", 5, 0);
    expect(failure(() => attach(world, "xen1", 5, "/dev/vg0/r5")).stderr).toBe(
      "5: Failure: (104) Can not open backing device.\n",
    );
    world.hosts["xen1"]!.vg.lvs.push({ name: "r5", sizeBytes: GiB });
    expect(failure(() => attach(world, "xen1", 5, "/dev/vg0/r5")).stderr).toBe(
      "5: Failure: (119) No valid meta-data signature found.\n\n\t==> Use 'drbdadm create-md res' to initialize meta-data area. <==\n\n",
    );
    expect(r5(world).sides["xen1"]!.disk).toBe("Diskless");
  });

  it("unknown resource (158), unknown minor (127), connect before new-peer (162 unknown connection)", () => {
    const { world } = farm();
    expect(failure(() => newMinor(world, "xen1", "r5", 5, 0)).message).toBe(
      "r5: Failure: (158) Unknown resource",
    );
    expect(failure(() => attach(world, "xen1", 5, "/dev/vg0/r5")).message).toBe(
      "5: Failure: (127) Device minor not allocated",
    );
    newResource(world, "xen1", "r5", 0);
    expect(failure(() => connectPeer(world, r5(world), "xen1")).info).toEqual(["unknown connection"]);
  });

  it("what the simulator does not model is said so: volumes, a third node, different minors per host", () => {
    const { world } = farm();
    newVolume(world, "xen1");
    newVolume(world, "xen2");
    up(world, "xen1");
    newResource(world, "xen2", "r5", 1);
    expect(thrownBy(() => newMinor(world, "xen2", "r5", 5, 1), NotSimulated).message).toMatch(
      /only volume 0/,
    );
    expect(thrownBy(() => newMinor(world, "xen2", "r5", 6, 0), NotSimulated).message).toMatch(
      /different minors per host/,
    );
    newMinor(world, "xen2", "r5", 5, 0);
    expect(
      thrownBy(() => newPeer(world, "xen2", "r5", { nodeId: 2, name: "xen3" }), NotSimulated).message,
    ).toMatch(/xen3 is not another host/);
  });
});

describe("down, and the resource forgotten with its last disk", () => {
  function connectedPair(): { world: SimWorld; at: (s: number) => void } {
    const f = farm();
    newVolume(f.world, "xen1");
    newVolume(f.world, "xen2");
    up(f.world, "xen1");
    up(f.world, "xen2");
    newCurrentUuidClearBitmap(f.world, r5(f.world), "xen1");
    return f;
  }

  it("refused while the device is open; then the metadata goes back onto the LV and the peer looks for it", () => {
    const { world } = connectedPair();
    promote(world, r5(world), "xen1", false);
    Object.assign(r5(world).sides["xen1"]!, { mounted: true, mountedOn: "/srv/r5" });
    expect(thrownBy(() => takeDown(world, "xen1", "r5"), DrbdRefusal).message).toBe(
      "r5: State change failed: (-12) Device is held open by someone",
    );
    Object.assign(r5(world).sides["xen1"]!, { mounted: false, mountedOn: null });
    const gen = r5(world).sides["xen1"]!.gen;
    takeDown(world, "xen1", "r5");
    expect(summary(world)).toBe(
      "xen1:down/Secondary/Diskless/StandAlone/Off xen2:up/Secondary/UpToDate/Connecting/Off",
    );
    expect(r5(world).sides["xen1"]!.unconfigured).toBe(true);
    expect(world.hosts["xen1"]!.vg.lvs.find((lv) => lv.name === "r5")!.drbdMetadata).toMatchObject({
      gen,
      disk: "UpToDate",
    });
    expect(objects(world, "xen1")).toEqual([]);
    takeDown(world, "xen1", "r5"); // not configured: nothing to do (drbdsetup down is missing_ok)
  });

  it("up again: the metadata comes back and the pair reconnects without a resync", () => {
    const { world } = connectedPair();
    takeDown(world, "xen2", "r5");
    up(world, "xen2");
    expect(summary(world)).toBe(
      "xen1:up/Secondary/UpToDate/Connected/Established xen2:up/Secondary/UpToDate/Connected/Established",
    );
    expect(r5(world).resync).toBeNull();
  });

  it("a host that boots leaves down what an administrator took down", () => {
    const { world } = connectedPair();
    takeDown(world, "xen2", "r5");
    applyFault(world, { action: "power-off", host: "xen2" });
    applyFault(world, { action: "power-on", host: "xen2" });
    expect(r5(world).sides["xen2"]!.up).toBe(false);
    expect(world.resources["r1"]!.sides["xen2"]!.up).toBe(true);
  });

  it("the resource is forgotten once it is down everywhere and its last LV is gone", () => {
    const { world } = connectedPair();
    const remove = (host: string) => {
      const vg = world.hosts[host]!.vg;
      vg.lvs = vg.lvs.filter((lv) => lv.name !== "r5");
      return forgetResourcesWithoutDisks(world, host, "/dev/vg0/r5");
    };
    takeDown(world, "xen1", "r5");
    expect(remove("xen1")).toEqual([]); // up on xen2
    takeDown(world, "xen2", "r5");
    expect(world.resources["r5"]).toBeDefined(); // xen2's LV is still there
    expect(remove("xen2")).toEqual(["r5"]);
    expect(world.resources["r5"]).toBeUndefined();
  });
});

describe("events2 while a resource comes and goes", () => {
  it("create lines in the kernel's order, destroy lines with only the object's keys", () => {
    const { world } = farm();
    newVolume(world, "xen1");
    const snap = () => new Map(events2Objects(world, "xen1", false).map((o) => [o.key, o]));
    const before = snap();
    up(world, "xen1");
    const upped = snap();
    expect(events2Changes(before, upped).split("\n").filter(Boolean)).toEqual([
      "create resource name:r5 role:Secondary suspended:no",
      "create device name:r5 volume:0 minor:5 disk:Inconsistent client:no quorum:yes",
      "create connection name:r5 peer-node-id:1 conn-name:xen2 connection:Connecting role:Unknown",
      "create peer-device name:r5 peer-node-id:1 conn-name:xen2 volume:0 replication:Off peer-disk:DUnknown peer-client:no resync-suspended:no",
    ]);
    takeDown(world, "xen1", "r5");
    expect(events2Changes(upped, snap()).split("\n").filter(Boolean)).toEqual([
      "destroy peer-device name:r5 peer-node-id:1 conn-name:xen2 volume:0",
      "destroy connection name:r5 peer-node-id:1 conn-name:xen2",
      "destroy device name:r5 volume:0",
      "destroy resource name:r5",
    ]);
  });
});
