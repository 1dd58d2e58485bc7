/**
 * VM lifecycle and memory on the simulated farm through the agent's vm.* methods: a start that needs its disk
 * (the DRBD resource mounted here) and the memory, a clean shutdown that takes time, and a balloon that moves
 * towards its target and stops at what the guest can give.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentClient } from "../../lib/agent-client/client";
import { classifyXenError } from "../../agents/drivers/xen/run";
import { createTempSimFarm, refusalOf, startSimAgents, waitFor, type TempSimFarm } from "../helpers/sim";

let farm: TempSimFarm;
let clients: Record<string, AgentClient> = {};

beforeAll(async () => {
  farm = createTempSimFarm();
  farm.store.setSpeed(5); // 5 simulated seconds per second: a clean shutdown (5 s) takes one real second
  clients = await startSimAgents(farm);
});
afterAll(() => {
  for (const c of Object.values(clients)) c.stop();
  farm?.remove();
});

const on = (host: string) => clients[host]!;
const vm = async (host: string, name: string) =>
  (await on(host).call("vm.list", {})).vms.find((v) => v.name === name);
const refusal = refusalOf;

describe("VMs on the simulated farm", () => {
  it("a clean shutdown takes time; then the VM starts again on its host", async () => {
    await on("xen1").call("vm.shutdown", { name: "irc1" });
    expect((await vm("xen1", "irc1"))?.state).toBe("shutdown");
    await waitFor(async () => (await vm("xen1", "irc1"))?.state === "shutoff", 5_000, "irc1 off");
    await on("xen1").call("vm.start", { name: "irc1" });
    expect(await vm("xen1", "irc1")).toMatchObject({ state: "running", memoryMiB: 512 });
  });

  it("starts a VM with less memory than its config says (a degraded start: xl create <cfg> memory=N)", async () => {
    await on("xen1").call("vm.destroy", { name: "cron1" });
    const { commands } = await on("xen1").callLogged("vm.start", { name: "cron1", memoryMiB: 512 });
    expect(commands.at(-1)?.argv.slice(-1)).toEqual(["memory=512"]);
    expect(await vm("xen1", "cron1")).toMatchObject({ state: "running", memoryMiB: 512, maxMemoryMiB: 1024 });
  });

  it("refuses to start a VM whose disk is on a resource that is not mounted here (xen2 is Secondary for r1)", async () => {
    // xen2 has db1's config too (a DRBD farm keeps them on both hosts), but not its disk.
    const err = await refusal(on("xen2").call("vm.start", { name: "db1" }));
    expect(err.code).toBe("COMMAND_FAILED");
    expect(err.details.stderr).toContain(
      "Disk vdev=xvda failed to stat: /srv/r1/images/db1.img: No such file or directory",
    );
  });

  it("refuses to start a VM the host has no memory for: VM_NOT_ENOUGH_MEMORY", async () => {
    await on("xen2").call("vm.shutdown", { name: "web1" }); // 2 GiB
    await waitFor(async () => (await vm("xen2", "web1"))?.state === "shutoff", 5_000, "web1 off");
    // Fill xen2's free memory with the balloon of another guest first.
    await on("xen2").call("vm.setMaxMemory", { name: "mail2", memoryMiB: 4096 });
    await on("xen2").call("vm.setMemory", { name: "mail2", memoryMiB: 4096 });
    await waitFor(async () => (await vm("xen2", "mail2"))?.memoryMiB === 4096, 5_000, "mail2 ballooned up");
    const err = await refusal(on("xen2").call("vm.start", { name: "web1" }));
    expect(err.code).toBe("VM_NOT_ENOUGH_MEMORY");
    expect(err.details.stderr).toContain("can't allocate low memory for domain: Out of memory");
  });

  it("a balloon moves towards its target over time and stops at what the guest can give", async () => {
    await on("xen2").call("vm.setMemory", { name: "mail2", memoryMiB: 64 });
    const first = (await vm("xen2", "mail2"))?.memoryMiB ?? 0;
    expect(first).toBeGreaterThan(256);
    await waitFor(async () => (await vm("xen2", "mail2"))?.memoryMiB === 256, 5_000, "mail2 at its floor");
  });
});

describe("classifyXenError", () => {
  it("reads libxl's and xl's messages", () => {
    expect(
      classifyXenError(
        "xc: error: panic: xg_dom_boot.c:121: xc_dom_boot_mem_init: can't allocate low memory for domain: Out of memory\n",
      ),
    ).toBe("VM_NOT_ENOUGH_MEMORY");
    expect(classifyXenError("failed to free memory for the domain\n")).toBe("VM_NOT_ENOUGH_MEMORY");
    expect(classifyXenError("Invalid domain identifier: web9\n")).toBe("NOT_FOUND");
    expect(classifyXenError("libxl: error: something else\n")).toBe("COMMAND_FAILED");
  });
});

describe("LVM on the simulated hosts, through the agent's lvm.* methods", () => {
  it("lists vg0 and the backing LVs, creates and removes an LV, refuses what LVM refuses", async () => {
    const groups = await on("xen1").call("lvm.listGroups", {});
    expect(groups.groups).toEqual([{ vg: "vg0", sizeBytes: 2248 * 1024 ** 3, freeBytes: 248 * 1024 ** 3 }]);
    const lvs = await on("xen1").call("lvm.listVolumes", { vg: "vg0" });
    expect(lvs.volumes.map((v) => [v.lv, v.sizeBytes])).toEqual(
      ["r1", "r2", "r3", "r4"].map((n) => [n, 500 * 1024 ** 3]),
    );
    await on("xen1").call("lvm.createVolume", { vg: "vg0", name: "r5", sizeBytes: 10 * 1024 ** 3 });
    expect((await on("xen1").call("lvm.listGroups", {})).groups[0]?.freeBytes).toBe(238 * 1024 ** 3);
    const tooBig = await refusal(
      on("xen1").call("lvm.createVolume", { vg: "vg0", name: "r6", sizeBytes: 300 * 1024 ** 3 }),
    );
    expect(tooBig.details.stderr).toBe(
      '  Volume group "vg0" has insufficient free space (60928 extents): 76800 required.\n',
    );
    const inUse = await refusal(on("xen1").call("lvm.removeVolume", { vg: "vg0", name: "r1" }));
    expect(inUse.details.stderr).toContain("contains a filesystem in use");
    await on("xen1").call("lvm.removeVolume", { vg: "vg0", name: "r5" });
    expect((await on("xen1").call("lvm.listVolumes", { vg: "vg0" })).volumes).toHaveLength(4);
  });
});
