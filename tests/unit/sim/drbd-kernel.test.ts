/**
 * The simulated DRBD kernel, scenario by scenario, on the MozillaGumi world with a clock the test moves:
 * what a real pair does on failover, failback, split brain, new metadata, and the refusals.
 */
import { describe, expect, it } from "vitest";
import { thrownBy } from "../../helpers/thrown";
import {
  connect,
  createMetadata,
  demote,
  disconnect,
  DrbdRefusal,
  invalidate,
  linkLost,
  newCurrentUuidClearBitmap,
  outdate,
  promote,
  retryHandshakes,
  stateChangeExitCode,
} from "../../../agents/sim/drbd-kernel";
import { createMozillaGumiWorld } from "../../../agents/sim/farms";
import { replicationOf, resyncProgress, settleWorld, type SimWorld } from "../../../agents/sim/world";

const T0 = 1_800_000_000_000;

function farm(): { world: SimWorld; at: (seconds: number) => void } {
  const world = createMozillaGumiWorld({ realNowMs: T0 });
  settleWorld(world, T0);
  return { world, at: (seconds) => settleWorld(world, T0 + seconds * 1000) };
}

const r = (world: SimWorld, name: string) => world.resources[name]!;
const side = (world: SimWorld, name: string, host: string) => r(world, name).sides[host]!;
const summary = (world: SimWorld, name: string) =>
  Object.entries(r(world, name).sides)
    .map(([h, s]) => `${h}:${s.role}/${s.disk}/${s.connection}/${replicationOf(r(world, name), h)}`)
    .join(" ");

const refusal = (fn: () => void) => thrownBy(fn, DrbdRefusal);

/** xen1 loses power: its VMs are gone, its mounts unclean; the link to xen2 breaks. */
function powerOffXen1(world: SimWorld): void {
  for (const vm of Object.values(world.vms))
    if (vm.host === "xen1") {
      vm.domId = null;
      vm.state = "shutoff";
    }
  for (const res of Object.values(world.resources)) linkLost(world, res);
}

describe("refusals, as the kernel words them and drbdsetup exits", () => {
  it("a second Primary while connected: (-1), exit 11", () => {
    const { world } = farm();
    const err = refusal(() => promote(world, r(world, "r1"), "xen2", false));
    expect(err.message).toBe("r1: State change failed: (-1) Multiple primaries not allowed by config");
    expect(stateChangeExitCode(err.code)).toBe(11);
    expect(side(world, "r1", "xen2").role).toBe("Secondary");
  });

  it("allows two Primaries when the resource allows them (live-migration window)", () => {
    const { world } = farm();
    r(world, "r4").allowTwoPrimaries = true;
    promote(world, r(world, "r4"), "xen1", false);
    promote(world, r(world, "r4"), "xen2", false);
    expect(summary(world, "r4")).toBe(
      "xen1:Primary/UpToDate/Connected/Established xen2:Primary/UpToDate/Connected/Established",
    );
  });

  it("demote while mounted or used by a running VM: (-12) with who holds it", () => {
    const { world } = farm();
    const mounted = refusal(() => demote(world, r(world, "r1"), "xen1"));
    expect(mounted.message).toBe("r1: State change failed: (-12) Device is held open by someone");
    expect(mounted.info[0]).toMatch(/^\/dev\/drbd1 opened by mount \(pid \d+\) at \d{4}-\d\d-\d\d /);
    side(world, "r1", "xen1").mounted = false;
    expect(refusal(() => demote(world, r(world, "r1"), "xen1")).info[0]).toMatch(
      /opened by blkback\.\d+\.xvda/,
    );
    for (const vm of Object.values(world.vms)) if (vm.resource === "r1") vm.domId = null;
    demote(world, r(world, "r1"), "xen1");
    expect(side(world, "r1", "xen1").role).toBe("Secondary");
  });

  it("promote without UpToDate data: (-2), exit 17; --force overrides it", () => {
    const { world } = farm();
    disconnect(world, r(world, "r4"), "xen1");
    side(world, "r4", "xen2").disk = "Outdated";
    const err = refusal(() => promote(world, r(world, "r4"), "xen2", false));
    expect(err.message).toBe("r4: State change failed: (-2) Need access to UpToDate data");
    expect(stateChangeExitCode(err.code)).toBe(17);
    promote(world, r(world, "r4"), "xen2", true);
    expect(side(world, "r4", "xen2")).toMatchObject({ role: "Primary", disk: "UpToDate" });
  });

  it("invalidate without a connection: (-15)", () => {
    const { world } = farm();
    disconnect(world, r(world, "r3"), "xen2");
    expect(refusal(() => invalidate(world, r(world, "r3"), "xen2")).message).toBe(
      "3: State change failed: (-15) Need a connection to start verify or resync",
    );
  });
});

describe("failover and failback", () => {
  it("the survivor takes over, writes; the returning host resyncs only what changed, from the survivor", () => {
    const { world, at } = farm();
    powerOffXen1(world);
    expect(summary(world, "r1")).toBe(
      "xen1:Primary/UpToDate/Connecting/Off xen2:Secondary/UpToDate/Connecting/Off",
    );
    // Failover: xen2 promotes r1 (its data is UpToDate: it was connected until the crash) and starts the VMs.
    promote(world, r(world, "r1"), "xen2", false);
    for (const vm of Object.values(world.vms))
      if (vm.resource === "r1") Object.assign(vm, { host: "xen2", domId: 100, state: "running" });
    at(600); // ten minutes of writes: 7 VMs × 16 KiB/s
    expect(side(world, "r1", "xen2").oosKiB).toBeCloseTo(7 * 16 * 600, 0);
    expect(side(world, "r1", "xen1").oosKiB).toBe(0);

    // xen1 boots: after a crash it comes back Secondary (a restarted node is never Primary) and connects.
    Object.assign(side(world, "r1", "xen1"), { role: "Secondary", mounted: false });
    connect(world, r(world, "r1"), "xen1");
    connect(world, r(world, "r1"), "xen2");
    expect(summary(world, "r1")).toBe(
      "xen1:Secondary/Inconsistent/Connected/SyncTarget xen2:Primary/UpToDate/Connected/SyncSource",
    );
    expect(r(world, "r1").resync).toMatchObject({ source: "xen2", target: "xen1", totalKiB: 7 * 16 * 600 });
    // A bitmap resync of ~6.6 MiB at 100 MiB/s takes well under a second.
    at(601);
    expect(summary(world, "r1")).toBe(
      "xen1:Secondary/UpToDate/Connected/Established xen2:Primary/UpToDate/Connected/Established",
    );
    expect(side(world, "r1", "xen1").gen).toBe(side(world, "r1", "xen2").gen);
  });

  it("a Primary that lost its peer but never wrote reconnects without a resync or a split brain", () => {
    const { world } = farm();
    linkLost(world, r(world, "r4")); // r4: Secondary on both, no VM writes to it
    r(world, "r4").linkUp = true;
    retryHandshakes(world);
    expect(summary(world, "r4")).toBe(
      "xen1:Secondary/UpToDate/Connected/Established xen2:Secondary/UpToDate/Connected/Established",
    );
    expect(r(world, "r4").resync).toBeNull();
  });
});

describe("split brain", () => {
  it("both sides written while apart: the handshake finds it and both stay StandAlone", () => {
    const { world, at } = farm();
    r(world, "r1").linkUp = false;
    linkLost(world, r(world, "r1"));
    // Management network fine, replication link cut: someone promotes xen2 by hand and starts a VM there.
    promote(world, r(world, "r1"), "xen2", false);
    Object.assign(world.vms["irc1"]!, { host: "xen2", domId: 200 });
    world.vms["cron1"]!.domId = 7; // still running on xen1: both write
    at(60);
    r(world, "r1").linkUp = true;
    retryHandshakes(world);
    expect(summary(world, "r1")).toBe(
      "xen1:Primary/UpToDate/StandAlone/Off xen2:Primary/UpToDate/StandAlone/Off",
    );
    expect(r(world, "r1").splitBrainAtSimMs).toBe(60_000);
  });

  it("recovery: the victim connects with --discard-my-data and resyncs from the survivor", () => {
    const { world, at } = farm();
    disconnect(world, r(world, "r4"), "xen1");
    promote(world, r(world, "r4"), "xen1", false);
    promote(world, r(world, "r4"), "xen2", false);
    connect(world, r(world, "r4"), "xen1");
    expect(summary(world, "r4")).toBe(
      "xen1:Primary/UpToDate/StandAlone/Off xen2:Primary/UpToDate/StandAlone/Off",
    );
    // Both wrote while apart; DRBD resyncs the blocks either side changed.
    side(world, "r4", "xen1").oosKiB = 1024;
    side(world, "r4", "xen2").oosKiB = 2048;
    Object.assign(side(world, "r4", "xen2"), { role: "Secondary" });
    connect(world, r(world, "r4"), "xen2", { discardMyData: true });
    connect(world, r(world, "r4"), "xen1");
    expect(r(world, "r4").resync).toMatchObject({ source: "xen1", target: "xen2", totalKiB: 3072 });
    at(10);
    expect(summary(world, "r4")).toBe(
      "xen1:Primary/UpToDate/Connected/Established xen2:Secondary/UpToDate/Connected/Established",
    );
  });
});

describe("new metadata", () => {
  it("means a full sync from the side that has the data", () => {
    const { world, at } = farm();
    disconnect(world, r(world, "r4"), "xen2");
    createMetadata(r(world, "r4"), "xen2"); // the disk was replaced
    connect(world, r(world, "r4"), "xen2");
    connect(world, r(world, "r4"), "xen1");
    expect(r(world, "r4").resync).toMatchObject({
      source: "xen1",
      target: "xen2",
      totalKiB: 500 * 1024 * 1024,
    });
    at(60);
    expect(resyncProgress(r(world, "r4"), 60_000)?.percent).toBeCloseTo(
      ((60 * 100 * 1024) / (500 * 1024 * 1024)) * 100,
      3,
    );
  });

  it("on both sides: nothing to sync until new-current-uuid --clear-bitmap declares them equal", () => {
    const { world } = farm();
    disconnect(world, r(world, "r4"), "xen1");
    createMetadata(r(world, "r4"), "xen1");
    createMetadata(r(world, "r4"), "xen2");
    connect(world, r(world, "r4"), "xen1");
    connect(world, r(world, "r4"), "xen2");
    expect(summary(world, "r4")).toBe(
      "xen1:Secondary/Inconsistent/Connected/Established xen2:Secondary/Inconsistent/Connected/Established",
    );
    expect(refusal(() => promote(world, r(world, "r4"), "xen1", false)).code).toBe(-2);
    newCurrentUuidClearBitmap(world, r(world, "r4"), "xen1");
    expect(summary(world, "r4")).toBe(
      "xen1:Secondary/UpToDate/Connected/Established xen2:Secondary/UpToDate/Connected/Established",
    );
    expect(r(world, "r4").resync).toBeNull();
  });
});

describe("outdate (what a fence-peer handler does to the peer)", () => {
  it("is refused while Connected and on a Primary; marks a disconnected Secondary Outdated, which cannot be promoted", () => {
    const { world, at } = farm();
    expect(refusal(() => outdate(r(world, "r2"), "xen1")).message).toContain(
      "(-6) Refusing to be Outdated while Connected",
    );
    linkLost(world, r(world, "r2"));
    at(5);
    expect(refusal(() => outdate(r(world, "r2"), "xen2")).code).toBe(-2);
    outdate(r(world, "r2"), "xen1");
    expect(side(world, "r2", "xen1").disk).toBe("Outdated");
    expect(refusal(() => promote(world, r(world, "r2"), "xen1", false)).code).toBe(-2);
  });
});
