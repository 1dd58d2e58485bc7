/**
 * A libvirt (KVM) host beside an xl one: the agent's libvirt driver on the virsh stand-in's output. Domains are
 * defined on both hosts of their resource; a start is built, then the guest boots (balloon and clean shutdown
 * wait for it); libvirt's refusals are read as the agent's codes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentClient } from "../../lib/agent-client/client";
import { BOOT_SIM_MS, SHUTDOWN_SIM_MS } from "../../agents/sim/domains";
import { createTempSimFarm, refusalOf, startSimAgents, waitFor, type TempSimFarm } from "../helpers/sim";

const SPEED = 10;
let farm: TempSimFarm;
let clients: Record<string, AgentClient> = {};

beforeAll(async () => {
  farm = createTempSimFarm({ hypervisor: { xen1: "libvirt" } });
  farm.store.setSpeed(SPEED);
  clients = await startSimAgents(farm);
});
afterAll(() => {
  for (const c of Object.values(clients)) c.stop();
  farm?.remove();
});

const xen1 = () => clients["xen1"]!;
const vm = async (name: string) => (await xen1().call("vm.list", {})).vms.find((v) => v.name === name);

describe("a simulated libvirt host", () => {
  it("reports libvirt, its memory from nodeinfo and freecell, and every domain defined on it", async () => {
    const facts = await xen1().call("host.facts", {});
    expect(facts.hypervisor).toBe("libvirt");
    expect(facts.memory.totalKiB).toBe(8192 * 1024);
    // 8 GiB - 1 GiB for the host - xen1's seven guests (6144 MiB) = 1 GiB free.
    expect(facts.memory.freeKiB).toBe(1024 * 1024);
    const vms = (await xen1().call("vm.list", {})).vms;
    // xen1's seven run here; xen2's six are defined here too (shut off), ready for a failover.
    expect(vms.filter((v) => v.state === "running").map((v) => v.name)).toEqual([
      "admin1",
      "cron1",
      "db1",
      "irc1",
      "lvs1",
      "mail1",
      "web-ssl1",
    ]);
    expect(vms.filter((v) => v.state === "shutoff")).toHaveLength(6);
    expect(vms.find((v) => v.name === "db1")).toMatchObject({
      memoryMiB: 1024,
      maxMemoryMiB: 1024,
      disks: ["/srv/r1/images/db1.img"],
    });
  });

  it("a started guest boots before it acts on a clean shutdown", async () => {
    await xen1().call("vm.destroy", { name: "irc1" });
    expect(await vm("irc1")).toMatchObject({ state: "shutoff" });
    await xen1().call("vm.start", { name: "irc1" }); // returns once QEMU runs it: built, now booting
    expect(await vm("irc1")).toMatchObject({ state: "running", memoryMiB: 512 });
    const asked = Date.now();
    await xen1().call("vm.shutdown", { name: "irc1" });
    expect((await vm("irc1"))?.state).toBe("shutdown");
    await waitFor(async () => (await vm("irc1"))?.state === "shutoff", 10_000, "irc1 off");
    // Not before the guest was up (BOOT_SIM_MS from its start) and had shut down (SHUTDOWN_SIM_MS more).
    expect(Date.now() - asked).toBeGreaterThan(((BOOT_SIM_MS + SHUTDOWN_SIM_MS) / SPEED) * 0.5);
  });

  it("starts a domain with less memory than defined: setmem --config, then start", async () => {
    await xen1().call("vm.destroy", { name: "cron1" });
    const { commands } = await xen1().callLogged("vm.start", { name: "cron1", memoryMiB: 512 });
    expect(commands.map((c) => c.argv.join(" "))).toEqual([
      "virsh setmem --config -- cron1 524288",
      "virsh start -- cron1",
    ]);
    expect(await vm("cron1")).toMatchObject({ state: "running", memoryMiB: 512, maxMemoryMiB: 1024 });
  });

  it("refuses a domain whose disk is on a resource not mounted here, and one the host has no memory for", async () => {
    const disk = await refusalOf(xen1().call("vm.start", { name: "web1" })); // r2: Primary on xen2
    expect(disk.code).toBe("COMMAND_FAILED");
    expect(disk.details.stderr).toBe(
      "error: Failed to start domain 'web1'\nerror: Cannot access storage file '/srv/r2/images/web1.img': No such file or directory\n",
    );
    await xen1().call("vm.setMaxMemory", { name: "irc1", memoryMiB: 4096 }); // the next boot's maximum
    farm.store.update((w) => void (w.vms["irc1"]!.targetMiB = 4096)); // its boot size raised, as in its XML
    const memory = await refusalOf(xen1().call("vm.start", { name: "irc1" }));
    expect(memory.code).toBe("VM_NOT_ENOUGH_MEMORY");
    expect(memory.message).toContain("Cannot allocate memory");
  });

  it("moves a balloon over time, refuses one above the maximum, and an unknown domain is NOT_FOUND", async () => {
    await xen1().call("vm.setMemory", { name: "db1", memoryMiB: 512 });
    await waitFor(async () => (await vm("db1"))?.memoryMiB === 512, 10_000, "db1 ballooned down");
    const above = await refusalOf(xen1().call("vm.setMemory", { name: "db1", memoryMiB: 4096 }));
    expect(above.code).toBe("VALIDATION_FAILED");
    expect(above.message).toBe("invalid argument: cannot set memory higher than max memory");
    const unknown = await refusalOf(xen1().call("vm.shutdown", { name: "nosuchvm" }));
    expect(unknown.code).toBe("NOT_FOUND");
  });

  it("a libvirt host has no xl: the stand-in answers as a shell without it would", async () => {
    const { execFileSync } = await import("node:child_process");
    const path = await import("node:path");
    const run = () =>
      execFileSync(path.join(farm.simDir, "bin", "xl"), ["list"], {
        env: { ...process.env, TANDEM_SIM_WORLD: farm.simDir, TANDEM_SIM_HOST: "xen1" },
        stdio: "pipe",
      });
    expect(run).toThrow(/xl: not found/);
  });
});
