/**
 * Round trip (issue 4, item 2): whatever a stand-in prints must parse back, through the agent's own parsers,
 * to the world state it came from, in every state the scenarios below reach (DRBD 9 output, xl).
 * DRBD 9 (events2, status --json) and 8.4 (/proc/drbd) output, xl, xm, virsh (libvirt), LVM.
 */
import { describe, expect, it } from "vitest";
import { parseEvents2Now } from "../../../agents/drivers/drbd/parse-events2";
import { parseDrbdStatusJson } from "../../../agents/drivers/drbd/parse-status-json";
import { parseProcDrbd } from "../../../agents/drivers/drbd/parse-proc-drbd";
import { minorOwners, procDrbdToStatus } from "../../../agents/drivers/drbd/proc-status";
import { procDrbdText } from "../../../agents/sim/tools/proc-drbd";
import { parseXlInfo } from "../../../agents/drivers/xen/parse-xl-info";
import { parseXlList } from "../../../agents/drivers/xen/parse-xl-list";
import { parseXlListLong } from "../../../agents/drivers/xen/parse-xl-list-long";
import { parseXmListLong } from "../../../agents/drivers/xen/parse-xm-list-long";
import type { TDrbdStatus } from "../../../agents/protocol/schemas";
import { applyFault } from "../../../agents/sim/faults";
import { invalidate, promote } from "../../../agents/sim/drbd-kernel";
import {
  attach,
  connectPeer,
  freshMetadata,
  newMinor,
  newPath,
  newPeer,
  newResource,
  takeDown,
} from "../../../agents/sim/drbd-config";
import { createMozillaGumiWorld } from "../../../agents/sim/farms";
import { events2Objects, statusJson } from "../../../agents/sim/tools/drbd-format";
import { info, listLong, listTable } from "../../../agents/sim/tools/xl";
import {
  dominfo,
  dommemstat,
  domainXml,
  domstate,
  freecell,
  listTable as virshList,
  nodeinfo,
} from "../../../agents/sim/tools/virsh";
import { parseVirshList } from "../../../agents/drivers/libvirt/parse-virsh-list";
import { parseDomainXml } from "../../../agents/drivers/libvirt/parse-virsh-dumpxml";
import { parseVirshDominfo } from "../../../agents/drivers/libvirt/parse-virsh-dominfo";
import { parseVirshDomstate } from "../../../agents/drivers/libvirt/parse-virsh-domstate";
import { parseVirshDommemstat } from "../../../agents/drivers/libvirt/parse-virsh-dommemstat";
import { parseVirshNodeinfo } from "../../../agents/drivers/libvirt/parse-virsh-nodeinfo";
import { startDomain, BOOT_SIM_MS } from "../../../agents/sim/domains";
import { freeMemoryMiB, peerOf, replicationOf, settleWorld, type SimWorld } from "../../../agents/sim/world";

const T0 = 1_800_000_000_000;

/** Named worlds in the states a farm goes through. */
function scenarios(): Array<[string, SimWorld]> {
  const make = (steps: (w: SimWorld, at: (s: number) => void) => void): SimWorld => {
    const w = createMozillaGumiWorld({ realNowMs: T0 });
    settleWorld(w, T0);
    steps(w, (s) => settleWorld(w, T0 + s * 1000));
    return w;
  };
  return [
    ["steady", make(() => undefined)],
    ["full resync running", make((w, at) => (invalidate(w, w.resources["r3"]!, "xen2"), at(30)))],
    [
      "link cut, Primary writing",
      make((w, at) => (applyFault(w, { action: "cut-link", resource: "r1" }), at(20))),
    ],
    [
      "split brain",
      make((w, at) => {
        applyFault(w, { action: "cut-link", resource: "r4" });
        promote(w, w.resources["r4"]!, "xen1", false);
        promote(w, w.resources["r4"]!, "xen2", false);
        applyFault(w, { action: "restore-link", resource: "r4" });
        at(1);
      }),
    ],
    ["peer powered off", make((w, at) => (applyFault(w, { action: "power-off", host: "xen2" }), at(5)))],
    ["disk failed", make((w) => applyFault(w, { action: "fail-disk", host: "xen1", resource: "r3" }))],
    [
      "balloon moving, shutdown in progress",
      make((w, at) => {
        w.vms["web1"]!.targetMiB = 1024;
        w.vms["ftp1"]!.shutdownAtSimMs = 60_000;
        w.vms["ftp1"]!.state = "shutdown";
        at(2);
      }),
    ],
    [
      "a VM being built, another booting",
      make((w, at) => {
        w.vms["cron1"]!.domId = null;
        w.vms["cron1"]!.state = "shutoff";
        w.vms["irc1"]!.domId = null;
        w.vms["irc1"]!.state = "shutoff";
        w.vms["irc1"]!.stopReason = "destroyed";
        expect(startDomain(w, "xen1", "cron1").kind).toBe("started");
        at(BOOT_SIM_MS / 2000);
        expect(startDomain(w, "xen1", "irc1").kind).toBe("started");
      }),
    ],
  ];
}

/**
 * What the world says a host's DRBD looks like, in the parsers' shape: the resources configured there (up), with
 * the objects drbdadm up has created so far (a device from new-minor on, a connection from new-peer on).
 */
function expectedDrbd(world: SimWorld, host: string) {
  return Object.values(world.resources)
    .filter((r) => r.sides[host]?.up)
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((r) => {
      const side = r.sides[host]!;
      const device = side.configured?.device !== false;
      const peer = side.configured?.connection === false ? undefined : peerOf(r, host);
      const peerSide = peer === undefined ? undefined : r.sides[peer];
      const connected = side.connection === "Connected";
      return {
        name: r.name,
        role: side.role,
        disk: device ? side.disk : undefined,
        connection: peerSide ? side.connection : undefined,
        peerRole: peerSide ? (connected ? peerSide.role : "Unknown") : undefined,
        peerDisk: peerSide && device ? (connected ? peerSide.disk : "DUnknown") : undefined,
        replication: peerSide && device ? replicationOf(r, host) : undefined,
      };
    });
}

function drbdSummary(status: TDrbdStatus) {
  return status.resources.map((r) => ({
    name: r.name,
    role: r.role,
    disk: r.devices[0]?.disk,
    connection: r.connections[0]?.connection,
    peerRole: r.connections[0]?.peerRole,
    peerDisk: r.connections[0]?.peerDevices[0]?.peerDisk,
    replication: r.connections[0]?.peerDevices[0]?.replication,
  }));
}

describe.each(scenarios())("round trip: %s", (_name, world) => {
  for (const host of ["xen1", "xen2"]) {
    it(`${host}: drbdsetup events2 --now and status --json parse back to the world`, () => {
      const events2 =
        events2Objects(world, host, true)
          .map((o) => `exists ${o.object} ${o.attrs}\n`)
          .join("") + "exists -\n";
      const expected = expectedDrbd(world, host);
      expect(drbdSummary(parseEvents2Now(events2))).toEqual(expected);
      expect(drbdSummary(parseDrbdStatusJson(statusJson(world, host)))).toEqual(expected);
    });

    it(`${host}: /proc/drbd of a DRBD 8.4 host parses back to the world (8.x names: WFConnection)`, () => {
      const owners = minorOwners(
        Object.values(world.resources).map((r) => ({ resource: r.name, minors: [r.minor] })),
      );
      const status = procDrbdToStatus(parseProcDrbd(procDrbdText(world, host)), owners);
      const expected = expectedDrbd(world, host)
        .filter((r) => world.resources[r.name]!.sides[host]!.up)
        .map((r) => ({ ...r, connection: r.connection === "Connecting" ? "WFConnection" : r.connection }));
      expect(drbdSummary(status)).toEqual(expected);
    });

    it(`${host}: xm list --long (xend SXP) parses back to the world`, async () => {
      const { xm } = await import("../../../agents/sim/tools/xl");
      let out = "";
      await xm(["list", "--long"], {
        host,
        store: { read: () => world, dir: "/nonexistent" } as never,
        out: (t: string) => (out += t),
        err: () => undefined,
      });
      const running = Object.values(world.vms)
        .filter((v) => v.host === host && v.domId !== null)
        .sort((a, b) => (a.domId ?? 0) - (b.domId ?? 0));
      const parsed = parseXmListLong(out).filter((d) => d.domId !== 0);
      expect(parsed.map((d) => [d.name, d.domId, d.memoryMiB, d.maxMemoryMiB, d.state, d.disks])).toEqual(
        running.map((v) => [
          v.name,
          v.domId,
          v.memoryMiB,
          v.maxMemoryMiB,
          v.state,
          [v.disk.split(",")[0]?.replace(/^file:/, "")],
        ]),
      );
    });

    it(`${host}: xl list, xl list -l and xl info parse back to the world`, () => {
      const running = Object.values(world.vms)
        .filter((v) => v.host === host && v.domId !== null)
        .sort((a, b) => (a.domId ?? 0) - (b.domId ?? 0));
      const domains = parseXlList(listTable(world, host)).filter((d) => d.domId !== 0);
      expect(domains.map((d) => [d.name, d.domId, d.memoryMiB, d.state])).toEqual(
        running.map((v) => [v.name, v.domId, v.memoryMiB, v.state]),
      );
      expect(
        parseXlListLong(listLong(world, host)).map((d) => [d.name, d.maxMemKiB, d.targetMemKiB]),
      ).toEqual(running.map((v) => [v.name, v.maxMemoryMiB * 1024, v.memoryMiB * 1024]));
      const xlInfo = parseXlInfo(info(world, host));
      expect([xlInfo.host, xlInfo.totalMemoryMiB, xlInfo.freeMemoryMiB]).toEqual([
        host,
        world.hosts[host]!.memoryMiB,
        freeMemoryMiB(world, host),
      ]);
    });
  }
});

/** A new resource r5 (agents/sim/drbd-config.ts) on the way up, syncing, and half down. */
function newResourceScenarios(): Array<[string, SimWorld]> {
  const make = (steps: (w: SimWorld) => void): SimWorld => {
    const w = createMozillaGumiWorld({ realNowMs: T0 });
    settleWorld(w, T0);
    for (const host of ["xen1", "xen2"])
      w.hosts[host]!.vg.lvs.push({ name: "r5", sizeBytes: 4 * 1024 ** 3, drbdMetadata: freshMetadata() });
    steps(w);
    return w;
  };
  const up = (w: SimWorld, host: string, until: "minor" | "peer" | "connect" = "connect") => {
    const me = host === "xen1" ? 0 : 1;
    newResource(w, host, "r5", me);
    newMinor(w, host, "r5", 5, 0);
    if (until === "minor") return;
    newPeer(w, host, "r5", { nodeId: 1 - me, name: host === "xen1" ? "xen2" : "xen1", protocol: "C" });
    newPath(w, host, "r5", `ipv4:127.0.0.${me + 1}:7805`);
    attach(w, host, 5, "/dev/vg0/r5");
    if (until === "peer") return;
    connectPeer(w, w.resources["r5"]!, host);
  };
  return [
    ["r5: new-resource and new-minor on xen1", make((w) => up(w, "xen1", "minor"))],
    ["r5: attached on xen1, not connected", make((w) => up(w, "xen1", "peer"))],
    ["r5: up on xen1 only", make((w) => up(w, "xen1"))],
    [
      "r5: initial sync running",
      make((w) => {
        up(w, "xen1");
        up(w, "xen2");
        promote(w, w.resources["r5"]!, "xen1", true);
        settleWorld(w, T0 + 10_000);
      }),
    ],
    [
      "r5: down on xen2",
      make((w) => {
        up(w, "xen1");
        up(w, "xen2");
        takeDown(w, "xen2", "r5");
      }),
    ],
  ];
}

describe.each(newResourceScenarios())("round trip, DRBD 9: %s", (_name, world) => {
  for (const host of ["xen1", "xen2"]) {
    it(`${host}: drbdsetup events2 --now and status --json parse back to the world`, () => {
      const events2 =
        events2Objects(world, host, true)
          .map((o) => `exists ${o.object} ${o.attrs}\n`)
          .join("") + "exists -\n";
      const expected = expectedDrbd(world, host);
      expect(drbdSummary(parseEvents2Now(events2))).toEqual(expected);
      expect(drbdSummary(parseDrbdStatusJson(statusJson(world, host)))).toEqual(expected);
    });
  }
});

describe.each(scenarios())("round trip, libvirt: %s", (_name, world) => {
  for (const host of ["xen1", "xen2"]) {
    it(`${host}: virsh list --all, dumpxml, dominfo, domstate and dommemstat parse back to the world`, () => {
      // Every VM of a resource this host holds is defined here; it runs on at most one host.
      const defined = Object.values(world.vms).sort((a, b) => a.name.localeCompare(b.name));
      const runsHere = (v: (typeof defined)[number]) => v.host === host && v.domId !== null;
      const listed = parseVirshList(virshList(world, host, true)).domains;
      expect(listed.map((d) => [d.name, d.id, d.state]).sort()).toEqual(
        defined.map((v) => [v.name, runsHere(v) ? v.domId : null, runsHere(v) ? v.state : "shutoff"]).sort(),
      );
      for (const v of defined) {
        const live = parseDomainXml(domainXml(v, !runsHere(v)));
        expect([live.name, live.id, live.currentMemoryKiB, live.memoryKiB]).toEqual([
          v.name,
          runsHere(v) ? v.domId : null,
          (runsHere(v) ? v.memoryMiB : v.targetMiB) * 1024,
          v.maxMemoryMiB * 1024,
        ]);
        expect(live.disks.map((d) => d.source)).toEqual([v.disk.split(",")[0]?.replace(/^file:/, "")]);
        const info = parseVirshDominfo(dominfo(world, host, v));
        expect([info.id, info.state, info.usedMemoryKiB, info.maxMemoryKiB]).toEqual([
          runsHere(v) ? v.domId : null,
          runsHere(v) ? v.state : "shutoff",
          (runsHere(v) ? v.memoryMiB : v.targetMiB) * 1024,
          v.maxMemoryMiB * 1024,
        ]);
        const state = parseVirshDomstate(domstate(v, host, true));
        expect(state.state).toBe(runsHere(v) ? v.state : "shutoff");
        if (!runsHere(v)) expect(state.reason).toBe(v.stopReason ?? "unknown");
        if (runsHere(v))
          expect(parseVirshDommemstat(dommemstat(world, v)).actualKiB).toBe(v.memoryMiB * 1024);
      }
      const node = parseVirshNodeinfo(nodeinfo(world, host), freecell(world, host, true));
      expect([node.totalMemKiB, node.freeMemKiB, node.cpus]).toEqual([
        world.hosts[host]!.memoryMiB * 1024,
        Math.max(0, freeMemoryMiB(world, host)) * 1024,
        world.hosts[host]!.cpus,
      ]);
    });
  }
});

describe("round trip: LVM reports", () => {
  it("lvs and vgs, JSON and plain, parse back to each host's volume group", async () => {
    const { lvs, vgs } = await import("../../../agents/sim/tools/lvm");
    const { parseLvsJson, parseLvsPlain, parseVgsJson, parseVgsPlain } =
      await import("../../../agents/drivers/lvm/parse-lvm-report");
    const { lvsJson, lvsPlain, vgsJson, vgsPlain, LVS_FIELDS, VGS_FIELDS } =
      await import("../../../agents/drivers/lvm/commands");
    const [, world] = scenarios()[0]!;
    world.hosts["xen2"]!.vg.lvs.push({ name: "scratch", sizeBytes: 4 * 1024 ** 3 });
    for (const host of ["xen1", "xen2"]) {
      let out = "";
      const ctx = {
        host,
        store: { read: () => world } as never,
        out: (t: string) => (out += t),
        err: () => undefined,
      };
      const run = async (tool: typeof lvs, argv: string[]) => {
        out = "";
        await tool(argv.slice(1), ctx);
        return out;
      };
      const vg = world.hosts[host]!.vg;
      const volumes = vg.lvs.map((lv) => ({ vg: "vg0", lv: lv.name, sizeBytes: lv.sizeBytes }));
      const used = vg.lvs.reduce((s, lv) => s + lv.sizeBytes, 0);
      const groups = [{ vg: "vg0", sizeBytes: vg.sizeBytes, freeBytes: vg.sizeBytes - used }];
      expect(parseLvsJson(await run(lvs, lvsJson("vg0"))).volumes).toMatchObject(volumes);
      expect(parseLvsPlain(await run(lvs, lvsPlain("vg0")), LVS_FIELDS).volumes).toMatchObject(volumes);
      expect(parseVgsJson(await run(vgs, vgsJson())).groups).toEqual(groups);
      expect(parseVgsPlain(await run(vgs, vgsPlain()), VGS_FIELDS).groups).toEqual(groups);
    }
  });
});
