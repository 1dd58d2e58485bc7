import { describe, expect, it } from "vitest";
import { thrownBy } from "../../helpers/thrown";
import { applyFault, FaultError, ZFault, type TFault } from "../../../agents/sim/faults";
import { createMozillaGumiWorld } from "../../../agents/sim/farms";
import { replicationOf, settleWorld, type SimWorld } from "../../../agents/sim/world";

const T0 = 1_800_000_000_000;

function farm() {
  const world = createMozillaGumiWorld({ realNowMs: T0 });
  settleWorld(world, T0);
  return {
    world,
    at: (s: number) => settleWorld(world, T0 + s * 1000),
    fault: (f: TFault) => applyFault(world, f),
  };
}
const link = (w: SimWorld, r: string) =>
  Object.entries(w.resources[r]!.sides)
    .map(([h, s]) => `${h}:${s.role}/${s.disk}/${s.connection}/${replicationOf(w.resources[r]!, h)}`)
    .join(" ");
const running = (w: SimWorld, host: string) =>
  Object.values(w.vms).filter((v) => v.host === host && v.domId !== null).length;

const faultError = (fn: () => void) => thrownBy(fn, FaultError);

describe("power-off, power-on and crash", () => {
  it("power-off: the host's VMs die, its mounts are left unclean, the peer loses the link", () => {
    const { world, fault } = farm();
    fault({ action: "power-off", host: "xen1" });
    expect(world.hosts["xen1"]?.power).toBe("off");
    expect(running(world, "xen1")).toBe(0);
    expect(running(world, "xen2")).toBe(6);
    expect(world.resources["r1"]?.sides["xen1"]).toMatchObject({ up: false, mounted: false });
    expect(world.resources["r1"]?.fs?.clean).toBe(false);
    expect(world.resources["r1"]?.sides["xen2"]).toMatchObject({
      role: "Secondary",
      disk: "UpToDate",
      connection: "Connecting",
    });
  });

  it("power-on: DRBD comes up Secondary and reconnects; VMs stay off (no autostart on DRBD)", () => {
    const { world, fault, at } = farm();
    fault({ action: "power-off", host: "xen2" });
    at(30); // xen1 keeps writing to r1 and r3
    fault({ action: "power-on", host: "xen2" });
    expect(link(world, "r2")).toBe(
      "xen1:Secondary/UpToDate/Connected/Established xen2:Secondary/UpToDate/Connected/Established",
    );
    // r1's Primary wrote while xen2 was away: a bitmap resync towards xen2, then in sync.
    expect(world.resources["r1"]?.resync).toMatchObject({ source: "xen1", target: "xen2" });
    at(31);
    expect(link(world, "r1")).toBe(
      "xen1:Primary/UpToDate/Connected/Established xen2:Secondary/UpToDate/Connected/Established",
    );
    expect(running(world, "xen2")).toBe(0);
  });

  it("crash: like a power loss; it stays down (panic=0) unless it reboots by itself (rebootAfterSec)", () => {
    const stays = farm();
    stays.fault({ action: "crash", host: "xen2" });
    stays.at(3600);
    expect(stays.world.hosts["xen2"]?.power).toBe("off");
    const { world, fault, at } = farm();
    fault({ action: "crash", host: "xen1", rebootAfterSec: 120 });
    at(119);
    expect(world.hosts["xen1"]?.power).toBe("off");
    at(121);
    expect(world.hosts["xen1"]?.power).toBe("on");
    expect(world.resources["r1"]?.sides["xen1"]).toMatchObject({
      up: true,
      role: "Secondary",
    });
  });
});

describe("links, management network, disks, commands and writes", () => {
  it("cut-link on one resource: both sides look for each other; restore-link reconnects and resyncs", () => {
    const { world, fault, at } = farm();
    fault({ action: "cut-link", resource: "r1", direction: "outbound", host: "xen1" });
    expect(link(world, "r1")).toBe(
      "xen1:Primary/UpToDate/Connecting/Off xen2:Secondary/UpToDate/Connecting/Off",
    );
    expect(link(world, "r2")).toContain("Connected");
    at(10);
    expect(world.resources["r1"]?.sides["xen1"]?.oosKiB).toBeCloseTo(7 * 16 * 10, 0);
    fault({ action: "restore-link", resource: "r1" });
    expect(world.resources["r1"]?.resync).toMatchObject({ source: "xen1", totalKiB: 7 * 16 * 10 });
  });

  it("cut-link with no resource cuts every resource of the pair", () => {
    const { world, fault } = farm();
    fault({ action: "cut-link" });
    for (const r of ["r1", "r2", "r3", "r4"]) expect(link(world, r)).not.toContain("Connected");
  });

  it("cut-mgmt leaves DRBD alone: only the panel's way to the host is gone", () => {
    const { world, fault } = farm();
    fault({ action: "cut-mgmt", host: "xen2" });
    expect(world.hosts["xen2"]?.mgmtUp).toBe(false);
    expect(link(world, "r2")).toContain("Connected/Established");
    fault({ action: "restore-mgmt", host: "xen2" });
    expect(world.hosts["xen2"]?.mgmtUp).toBe(true);
  });

  it("fail-disk detaches (Diskless); replace-disk brings a new disk that syncs fully from the peer", () => {
    const { world, fault } = farm();
    fault({ action: "fail-disk", host: "xen2", resource: "r3" });
    expect(world.resources["r3"]?.sides["xen2"]?.disk).toBe("Diskless");
    fault({ action: "replace-disk", host: "xen2", resource: "r3" });
    expect(world.resources["r3"]?.resync).toMatchObject({
      source: "xen1",
      target: "xen2",
      totalKiB: 500 * 1024 * 1024,
    });
  });

  it("hang-command, slow-command and clear-command set the host's tool faults", () => {
    const { world, fault } = farm();
    fault({ action: "hang-command", host: "xen1", tool: "drbdadm" });
    fault({ action: "slow-command", host: "xen1", tool: "xl", delayMs: 3000 });
    expect(world.hosts["xen1"]?.toolFaults).toEqual({
      drbdadm: { mode: "hang" },
      xl: { mode: "slow", delayMs: 3000 },
    });
    fault({ action: "clear-command", host: "xen1", tool: "drbdadm" });
    expect(world.hosts["xen1"]?.toolFaults).toEqual({ xl: { mode: "slow", delayMs: 3000 } });
  });

  it("write-load makes a disconnected Primary fall behind faster", () => {
    const { world, fault, at } = farm();
    fault({ action: "write-load", vm: "db1", kiBps: 10_240 });
    fault({ action: "cut-link", resource: "r1" });
    at(10);
    expect(world.resources["r1"]?.sides["xen1"]?.oosKiB).toBeCloseTo((6 * 16 + 10_240) * 10, 0);
  });
});

describe("a fault that does not make sense is refused, naming the field", () => {
  it.each([
    [{ action: "power-off" } as TFault, "host", /required/],
    [{ action: "power-off", host: "xen9" } as TFault, "host", /xen1, xen2/],
    [{ action: "fail-disk", host: "xen1" } as TFault, "resource", /required/],
    [{ action: "cut-link", resource: "r9" } as TFault, "resource", /r1, r2, r3, r4/],
    [{ action: "slow-command", host: "xen1", tool: "xl" } as TFault, "delayMs", /required/],
    [{ action: "write-load", vm: "nope", kiBps: 1 } as TFault, "vm", /simulated VM/],
  ])("%j", (f, field, rule) => {
    const { world } = farm();
    const before = JSON.stringify(world);
    const err = faultError(() => applyFault(world, f));
    expect(err.field).toBe(field);
    expect(err.rule).toMatch(rule);
    expect(JSON.stringify(world)).toBe(before);
  });

  it("the schema refuses unknown actions, fields and hostile names", () => {
    expect(ZFault.safeParse({ action: "format-disk", host: "xen1" }).success).toBe(false);
    expect(ZFault.safeParse({ action: "power-off", host: "xen1", extra: 1 }).success).toBe(false);
    expect(ZFault.safeParse({ action: "power-off", host: "xen1; reboot" }).success).toBe(false);
  });
});

describe("in the lab, faults act on the hosts' real links", () => {
  it("cut-mgmt, power-off and crash take the host's interface down; restore-mgmt and power-on bring it up", async () => {
    const { labLinkCommands, syncLabLinks, REAL_IP } = await import("../../../agents/sim/lab-links");
    const w = createMozillaGumiWorld();
    expect(labLinkCommands(w)).toEqual([]); // the simulated farm has no real links
    w.lab = { namespaces: { xen1: "tandem-xen1", xen2: "tandem-xen2" }, interface: "eth0" };
    const states = () => labLinkCommands(w).map((argv) => `${argv[3]}:${argv.at(-1)}`);
    expect(states()).toEqual(["tandem-xen1:up", "tandem-xen2:up"]);
    applyFault(w, { action: "cut-mgmt", host: "xen1" });
    applyFault(w, { action: "crash", host: "xen2" });
    expect(states()).toEqual(["tandem-xen1:down", "tandem-xen2:down"]);
    applyFault(w, { action: "restore-mgmt", host: "xen1" });
    applyFault(w, { action: "power-on", host: "xen2" });
    expect(states()).toEqual(["tandem-xen1:up", "tandem-xen2:up"]);
    const ran: string[][] = [];
    syncLabLinks(w, (argv) => ran.push(argv));
    expect(REAL_IP).toMatch(/^\/(usr\/)?s?bin\/ip$/); // iproute2's, never a simulated host's stand-in
    expect(ran[0]).toEqual([REAL_IP, "netns", "exec", "tandem-xen1", REAL_IP, "link", "set", "eth0", "up"]);
  });
});
