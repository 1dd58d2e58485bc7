/**
 * What a new resource must not collide with, read from the simulated hosts through the real agent: each host's
 * DRBD configuration (the real `drbdadm dump-xml` on its resource files) and its addresses (`ip -json`, the
 * stand-in of a simulated host); and taking a resource file out of the configuration, refused while it is up.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentClient } from "../../lib/agent-client/client";
import { hostEtcDir } from "../../agents/sim/store";
import { createTempSimFarm, refusalOf, startSimAgents, type TempSimFarm } from "../helpers/sim";

let farm: TempSimFarm;
let clients: Record<string, AgentClient> = {};

beforeAll(async () => {
  farm = createTempSimFarm();
  clients = await startSimAgents(farm);
});
afterAll(() => {
  for (const c of Object.values(clients)) c.stop();
  farm?.remove();
});

describe("a simulated host's DRBD configuration and addresses", () => {
  it("drbd.configured: r1..r4 with their minors, backing disks and ports, as drbdadm parsed the files", async () => {
    const { resources } = await clients["xen1"]!.call("drbd.configured", {});
    expect(resources.map((r) => r.name)).toEqual(["r1", "r2", "r3", "r4"]);
    const world = farm.store.read();
    for (const r of resources) {
      const sim = world.resources[r.name]!;
      expect(r.hosts.map((h) => h.name)).toEqual(["xen1", "xen2"]);
      expect(r.hosts.flatMap((h) => h.volumes)).toEqual([
        { volume: 0, minor: sim.minor, disk: `/dev/vg0/${r.name}` },
        { volume: 0, minor: sim.minor, disk: `/dev/vg0/${r.name}` },
      ]);
      expect(r.source).toMatch(new RegExp(`/hosts/xen1/etc/drbd\\.d/${r.name}\\.res:\\d+$`));
    }
  });

  it("host.addresses: loopback and the host's own address", async () => {
    for (const [host, address] of [
      ["xen1", "10.0.0.1"],
      ["xen2", "10.0.0.2"],
    ] as const) {
      const { addresses } = await clients[host]!.call("host.addresses", {});
      expect(addresses).toEqual([
        { interface: "lo", address: "127.0.0.1", prefixLength: 8, scope: "host", up: true },
        { interface: "eth0", address, prefixLength: 24, scope: "global", up: true },
      ]);
    }
  });

  it("drbd.removeConfig: refused while the resource is up; once down, the file is kept aside and drbdadm no longer lists it", async () => {
    const xen2 = clients["xen2"]!;
    const refused = await refusalOf(xen2.call("drbd.removeConfig", { resource: "r4" }));
    expect(refused.code).toBe("CONFLICT");
    const file = path.join(hostEtcDir(farm.simDir, "xen2"), "drbd.d", "r4.res");
    expect(fs.existsSync(file)).toBe(true);

    await xen2.call("drbd.down", { resource: "r4" });
    expect(await xen2.call("drbd.removeConfig", { resource: "r4" })).toEqual({
      removed: true,
      keptAs: `${file}.removed`,
    });
    expect(fs.existsSync(file)).toBe(false);
    expect((await xen2.call("drbd.configured", {})).resources.map((r) => r.name)).toEqual(["r1", "r2", "r3"]);
    expect(await xen2.call("drbd.removeConfig", { resource: "r4" })).toEqual({
      removed: false,
      keptAs: null,
    });
    // Back as it was, for the checker's peace: the file returns and r4 comes up again.
    fs.renameSync(`${file}.removed`, file);
    await xen2.call("drbd.up", { resource: "r4" });
  });
});
