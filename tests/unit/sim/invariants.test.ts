/** The invariant checker's self-tests: bad traces must make it fire, a correct failover and failback must not. */
import { describe, expect, it } from "vitest";
import { applyFault } from "../../../agents/sim/faults";
import { connect, demote, promote, recordEvent } from "../../../agents/sim/drbd-kernel";
import { createMozillaGumiWorld } from "../../../agents/sim/farms";
import { InvariantChecker } from "../../../agents/sim/invariants";
import { settleWorld } from "../../../agents/sim/world";

const T0 = 1_800_000_000_000;

function farm() {
  const world = createMozillaGumiWorld({ realNowMs: T0 });
  settleWorld(world, T0);
  const checker = new InvariantChecker();
  const at = (s: number) => {
    settleWorld(world, T0 + s * 1000);
    return checker.observe(world);
  };
  return { world, checker, at };
}
const kinds = (c: InvariantChecker) => c.violations.map((v) => v.kind);

describe("the invariant checker fires on bad traces", () => {
  it("two Primaries for one resource (here after the link was cut and someone promoted the other side)", () => {
    const { world, checker, at } = farm();
    applyFault(world, { action: "cut-link", resource: "r1" });
    at(1);
    expect(kinds(checker)).toEqual([]);
    promote(world, world.resources["r1"]!, "xen2", false); // allowed by DRBD while disconnected: a split brain in the making
    at(2);
    at(3); // reported once, not at every look
    expect(checker.violations).toMatchObject([
      {
        kind: "two-primaries",
        subject: "r1",
        detail: "r1 is Primary on xen1 and xen2 without allow-two-primaries",
      },
    ]);
  });

  it("not inside a live-migration window (allow-two-primaries)", () => {
    const { world, checker, at } = farm();
    world.resources["r4"]!.allowTwoPrimaries = true;
    promote(world, world.resources["r4"]!, "xen1", false);
    promote(world, world.resources["r4"]!, "xen2", false);
    at(1);
    expect(kinds(checker)).toEqual([]);
  });

  it("a VM started on one host while it runs on the other", () => {
    const { world, checker, at } = farm();
    recordEvent(world, { kind: "vm-start", atSimMs: 0, vm: "web1", host: "xen1", alreadyRunningOn: "xen2" });
    at(1);
    expect(checker.violations).toMatchObject([
      { kind: "vm-on-both-hosts", detail: "web1 started on xen1 while running on xen2" },
    ]);
  });

  it("a promotion without UpToDate data that was not forced (a forced one is the operator's decision)", () => {
    const { world, checker, at } = farm();
    const promotion = {
      kind: "promote" as const,
      atSimMs: 0,
      resource: "r4",
      host: "xen2",
      disk: "Outdated",
      peerUpToDate: false,
    };
    recordEvent(world, { ...promotion, forced: true });
    at(1);
    expect(kinds(checker)).toEqual([]);
    recordEvent(world, { ...promotion, forced: false });
    at(2);
    expect(kinds(checker)).toEqual(["unforced-promotion-without-data"]);
  });

  it("acknowledged writes lost when a split brain is resolved by discarding the side that took writes", () => {
    const { world, checker, at } = farm();
    applyFault(world, { action: "cut-link", resource: "r1" });
    promote(world, world.resources["r1"]!, "xen2", false);
    Object.assign(world.vms["irc1"]!, { host: "xen2", domId: 300 }); // writes on xen2 too
    at(60);
    // Recovery that throws away xen2's minute of writes: they had been acknowledged to irc1.
    const irc1 = world.vms["irc1"]!;
    irc1.domId = null;
    world.resources["r1"]!.sides["xen2"]!.mounted = false;
    demote(world, world.resources["r1"]!, "xen2");
    applyFault(world, { action: "restore-link", resource: "r1" }); // split brain: both StandAlone
    connect(world, world.resources["r1"]!, "xen2", { discardMyData: true });
    connect(world, world.resources["r1"]!, "xen1");
    at(61);
    expect(kinds(checker)).toContain("lost-acknowledged-writes");
    const lost = checker.violations.find((v) => v.kind === "lost-acknowledged-writes");
    expect(lost?.detail).toMatch(/^r1 holds \d+ KiB of the \d+ KiB of writes acknowledged to its VMs$/);
  });
});

describe("the invariant checker stays quiet on a correct failover and failback", () => {
  it("xen1 dies, xen2 takes over r1 and writes, xen1 returns and resyncs, r1 goes back to xen1", () => {
    const { world, checker, at } = farm();
    at(10);
    applyFault(world, { action: "power-off", host: "xen1" });
    promote(world, world.resources["r1"]!, "xen2", false);
    for (const vm of Object.values(world.vms))
      if (vm.resource === "r1") Object.assign(vm, { host: "xen2", domId: 400 });
    world.resources["r1"]!.sides["xen2"]!.mounted = true;
    at(300);
    applyFault(world, { action: "power-on", host: "xen1" });
    at(301); // bitmap resync of 5 minutes of writes: done in well under a second at 100 MiB/s
    expect(world.resources["r1"]?.resync).toBeNull();
    // Failback: stop the VMs on xen2, demote there, promote on xen1.
    for (const vm of Object.values(world.vms)) if (vm.resource === "r1") vm.domId = null;
    world.resources["r1"]!.sides["xen2"]!.mounted = false;
    demote(world, world.resources["r1"]!, "xen2");
    promote(world, world.resources["r1"]!, "xen1", false);
    at(302);
    expect(checker.violations).toEqual([]);
    expect(world.resources["r1"]!.ackedKiB).toBeGreaterThan(7 * 16 * 290);
  });
});
