/**
 * The agent's DRBD methods on the simulated farm, through the whole real path: agent → real drbdadm
 * (Debian's drbd-utils, reading each simulated host's resource files) → stand-in drbdsetup (the kernel side).
 * Refusals must arrive as the codes the runbooks act on, with drbdadm's own words as evidence.
 */
import { spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AgentClient } from "../../lib/agent-client/client";
import { createTempSimFarm, refusalOf, startSimAgents, waitFor, type TempSimFarm } from "../helpers/sim";

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

const on = (host: string) => clients[host]!;
const refusal = refusalOf;
const roleOf = async (host: string, resource: string) =>
  (await on(host).call("drbd.status", {})).resources.find((r) => r.name === resource)?.role;

describe("DRBD refusals on the simulated farm arrive as the runbooks' codes", () => {
  it("a second Primary: DRBD_MULTIPLE_PRIMARIES, with drbdadm's report", async () => {
    const err = await refusal(on("xen2").call("drbd.primary", { resource: "r1" }));
    expect(err.code).toBe("DRBD_MULTIPLE_PRIMARIES");
    expect(err.details.exitCode).toBe(11);
    expect(err.details.stderr).toBe(
      "r1: State change failed: (-1) Multiple primaries not allowed by config\n" +
        "Command 'drbdsetup primary r1' terminated with exit code 11\n",
    );
    expect(await roleOf("xen2", "r1")).toBe("Secondary");
  });

  it("demote while mounted: DRBD_HELD_OPEN, naming the opener", async () => {
    const err = await refusal(on("xen1").call("drbd.secondary", { resource: "r1" }));
    expect(err.code).toBe("DRBD_HELD_OPEN");
    expect(err.details.stderr).toMatch(/additional info from kernel:\n\/dev\/drbd1 opened by mount/);
    expect(await roleOf("xen1", "r1")).toBe("Primary");
  });

  it("promote without UpToDate data: DRBD_NEED_UPTODATE (exit 17); only force overrides it", async () => {
    await on("xen1").call("drbd.disconnect", { resource: "r4" });
    farm.store.update((w) => {
      w.resources["r4"]!.sides["xen2"]!.disk = "Outdated";
    });
    const err = await refusal(on("xen2").call("drbd.primary", { resource: "r4" }));
    expect(err.code).toBe("DRBD_NEED_UPTODATE");
    expect(err.details.exitCode).toBe(17);
    expect(await roleOf("xen2", "r4")).toBe("Secondary");
    await on("xen2").call("drbd.primary", { resource: "r4", force: true });
    expect(await roleOf("xen2", "r4")).toBe("Primary");
  });

  it("an unknown resource: refused by drbdadm from the host's own resource files", async () => {
    const err = await refusal(on("xen1").call("drbd.up", { resource: "r9" }));
    expect(err.details.stderr).toBe("'r9' not defined in your config (for this host).\n");
    expect(err.code).toBe("NOT_FOUND");
  });

  it("reads the resource file the real drbdadm uses", async () => {
    const { content } = await on("xen2").call("drbd.readConfig", { resource: "r2" });
    expect(content).toContain("resource r2 {");
    expect(content).toMatch(/on xen2 \{\s+node-id 1;/);
  });
});

describe("a planned switchover of r2, step by step through the agents", () => {
  it("demote on xen2 once unused, promote on xen1, and the views agree", async () => {
    farm.store.setSpeed(20); // clean shutdowns take 5 simulated seconds
    const vms = ["lvs2", "admin2", "web1", "web-ssl2", "mail2", "ftp1"];
    for (const vm of vms) farm.onHost("xen2", "xl", "shutdown", vm);
    // Still shutting down: the device is held open by their disks.
    expect((await refusal(on("xen2").call("drbd.secondary", { resource: "r2" }))).code).toBe(
      "DRBD_HELD_OPEN",
    );
    await waitFor(() => vms.every((vm) => farm.store.read().vms[vm]?.domId === null), 5_000, "VMs shut down");
    farm.onHost("xen2", "umount", "/srv/r2");
    farm.store.setSpeed(1);
    await on("xen2").call("drbd.secondary", { resource: "r2" });
    await on("xen1").call("drbd.primary", { resource: "r2" });
    expect(await roleOf("xen1", "r2")).toBe("Primary");
    const fromXen2 = (await on("xen2").call("drbd.status", {})).resources.find((r) => r.name === "r2");
    expect(fromXen2).toMatchObject({
      role: "Secondary",
      connections: [{ connection: "Connected", peerRole: "Primary" }],
    });
  });
});

describe("failover of r1 to xen2 after xen1 loses power, through the agents' drbd.* and fs.* methods", () => {
  it("promote, fsck (the crash left the filesystem unclean), mount; xen1 back as Secondary cannot mount", async () => {
    const { applyFault } = await import("../../agents/sim/faults");
    farm.store.update((w) => applyFault(w, { action: "power-off", host: "xen1" }));
    // (These agents run without the panel's management-network gate; xen1's tools now refuse to run.)

    await on("xen2").call("drbd.primary", { resource: "r1" });
    expect(await roleOf("xen2", "r1")).toBe("Primary");
    const fsck = await on("xen2").call("fs.fsck", { device: "/dev/drbd1" });
    expect(fsck).toMatchObject({ exitCode: 1, clean: true });
    expect(fsck.output).toContain("/dev/drbd1: recovering journal");
    expect((await on("xen2").call("fs.fsck", { device: "/dev/drbd1" })).exitCode).toBe(0); // clean now
    await on("xen2").call("fs.mount", { device: "/dev/drbd1", mountPoint: "/srv/r1", fsType: "ext4" });
    expect(await on("xen2").call("fs.isMounted", { mountPoint: "/srv/r1" })).toEqual({
      mounted: true,
      device: "/dev/drbd1",
      fsType: "ext4",
    });
    expect(await on("xen2").call("fs.blkid", { device: "/dev/drbd1" })).toMatchObject({
      type: "ext4",
      label: "r1",
    });

    // xen1 boots: DRBD comes up Secondary and resyncs from xen2; its device cannot be mounted there.
    farm.store.update((w) => applyFault(w, { action: "power-on", host: "xen1" }));
    const out = spawnSync(`${farm.bin}/mount`, ["--", "/dev/drbd1", "/srv/r1"], {
      env: farm.agentEnv("xen1"),
      encoding: "utf8",
    });
    expect(out.status).toBe(32);
    expect(out.stderr).toBe(
      "mount: /srv/r1: wrong medium type.\n       dmesg(1) may have more information after failed mount system call.\n",
    );
  });
});
