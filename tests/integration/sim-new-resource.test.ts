/**
 * A new DRBD resource on the simulated farm, made the way an administrator makes one, through the real drbdadm
 * (Debian's drbd-utils) on each host's own files: lvcreate, the resource file, create-md, up, the initial sync
 * (full, or skipped), a filesystem; down and lvremove. The stand-in kernel learns r5 from the verbs drbdadm
 * sends (agents/sim/drbd-config.ts) and the real agent sees it come and go without a restart.
 */
import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { AgentClient } from "../../lib/agent-client/client";
import type { TDrbdStatus } from "../../agents/protocol/schemas";
import { hostEtcDir } from "../../agents/sim/store";
import { createTempSimFarm, startSimAgents, waitFor, type TempSimFarm } from "../helpers/sim";

// Every drbdadm step runs the real drbdadm and a stand-in process per drbdsetup/drbdmeta call (`up`: seven): on a
// busy 2-core CI machine that is seconds per step, so these tests get minutes, not the default 30 s.
vi.setConfig({ testTimeout: 180_000 });

const GiB = 1024 ** 3;
/** 10 GiB: a full sync at the default 100 MiB/s takes 103 simulated seconds. */
const LV_BYTES = 10 * GiB;
/** What DRBD offers on it: the LV less internal metadata (356 KiB, as drbdmeta 9.22 lays it out). */
const R5_KIB = 10 * 1024 * 1024 - 356;

let farm: TempSimFarm;
let clients: Record<string, AgentClient> = {};

beforeEach(() => {
  farm = createTempSimFarm();
  farm.store.setSpeed(25); // the 10 GiB initial sync: 103 simulated seconds, about 4 real ones
});
afterEach(() => {
  for (const c of Object.values(clients)) c.stop();
  clients = {};
  farm.remove(); // fails the test if the farm broke a safety invariant
});

/** r5.res in DRBD 9 syntax, xen1 on 127.0.0.1, xen2 on 127.0.0.2. */
function r5File(minor = 5): string {
  return `resource r5 {
  device /dev/drbd${minor};
  meta-disk internal;
  net { protocol C; after-sb-0pri disconnect; after-sb-1pri disconnect; after-sb-2pri disconnect; }
  on xen1 { node-id 0; disk /dev/vg0/r5; address ipv4 127.0.0.1:7805; }
  on xen2 { node-id 1; disk /dev/vg0/r5; address ipv4 127.0.0.2:7805; }
}
`;
}

const resFile = (host: string) => path.join(hostEtcDir(farm.simDir, host), "drbd.d", "r5.res");
const both = (fn: (host: string) => void) => ["xen1", "xen2"].forEach(fn);

/** Runs a stand-in tool on `host`, whatever its exit code. */
function run(host: string, ...argv: string[]) {
  return spawnSync(path.join(farm.bin, argv[0]!), argv.slice(1), {
    env: farm.agentEnv(host),
    encoding: "utf8",
  });
}

/**
 * What a refusal may not change: every resource's sides (role, disks, connections, data generations) and each
 * host's volumes with their metadata. (Not the write counters: the farm's VMs keep writing meanwhile.)
 */
const worldState = () => {
  const { resources, hosts } = farm.store.read();
  return JSON.stringify({
    resources: Object.values(resources).map(({ ackedKiB: _acked, sides, ...r }) => ({
      ...r,
      sides: Object.entries(sides).map(([host, { dataKiB: _data, ...side }]) => [host, side]),
    })),
    volumes: Object.values(hosts).map((h) => [h.name, h.vg]),
  });
};

/** `drbdsetup status --json r5` on `host`, parsed. */
const statusOf = (host: string) =>
  (
    JSON.parse(farm.onHost(host, "drbdsetup", "status", "--json", "r5")) as Array<Record<string, unknown>>
  )[0]!;

/** lvcreate, the resource file and create-md on both hosts, then `drbdadm up r5` on both: Connected, no data. */
function createAndUp(lvBytes = LV_BYTES): void {
  both((h) => farm.onHost(h, "lvcreate", "-n", "r5", "-L", `${lvBytes}b`, "vg0"));
  both((h) => fs.writeFileSync(resFile(h), r5File()));
  both((h) => farm.onHost(h, "drbdadm", "create-md", "--force", "r5"));
  both((h) => farm.onHost(h, "drbdadm", "up", "r5"));
}

const r5In = (status: TDrbdStatus) => status.resources.find((r) => r.name === "r5");

describe("a new resource r5, through the real drbdadm", () => {
  it("full initial sync: up on both, primary --force on xen1, resync to xen2, mkfs and mount; the agents see r5 without a restart", async () => {
    clients = await startSimAgents(farm);
    const streamed: TDrbdStatus[] = [];
    clients["xen2"]!.onNotification((name, params) => {
      if (name === "drbd.changed") streamed.push(params as TDrbdStatus);
    });
    expect(r5In(await clients["xen1"]!.call("drbd.status", {}))).toBeUndefined();

    both((h) => farm.onHost(h, "lvcreate", "-n", "r5", "-L", `${LV_BYTES}b`, "vg0"));
    both((h) => fs.writeFileSync(resFile(h), r5File()));
    const createMd = run("xen1", "drbdadm", "create-md", "--force", "r5");
    expect(createMd.status).toBe(0);
    expect(createMd.stdout).toBe(
      "initializing activity log\nWriting meta data...\nNew drbd meta data block successfully created.\n",
    );
    expect(createMd.stderr).toBe("initializing bitmap (320 KB) to all zero\n");
    farm.onHost("xen2", "drbdadm", "create-md", "--force", "r5");

    farm.onHost("xen1", "drbdadm", "up", "r5");
    expect(statusOf("xen1")).toMatchObject({
      name: "r5",
      "node-id": 0,
      role: "Secondary",
      devices: [{ minor: 5, "disk-state": "Inconsistent", size: R5_KIB }],
      connections: [{ name: "xen2", "peer-node-id": 1, "connection-state": "Connecting" }],
    });
    farm.onHost("xen2", "drbdadm", "up", "r5");
    for (const [host, peer, peerId] of [
      ["xen1", "xen2", 1],
      ["xen2", "xen1", 0],
    ] as const)
      expect(statusOf(host)).toMatchObject({
        role: "Secondary",
        devices: [{ minor: 5, "disk-state": "Inconsistent" }],
        connections: [
          {
            name: peer,
            "peer-node-id": peerId,
            "connection-state": "Connected",
            peer_devices: [{ "replication-state": "Established", "peer-disk-state": "Inconsistent" }],
          },
        ],
      });
    expect(farm.store.read().resources["r5"]!.resync).toBeNull(); // nothing to sync before someone has data

    // xen2's agent followed r5 coming up on its event stream.
    await waitFor(
      () => streamed.some((s) => r5In(s)?.connections[0]?.connection === "Connected"),
      5_000,
      "drbd.changed with r5 Connected on xen2",
    );

    farm.onHost("xen1", "drbdadm", "primary", "--force", "r5");
    expect(statusOf("xen2")).toMatchObject({
      connections: [{ peer_devices: [{ "replication-state": "SyncTarget", "peer-disk-state": "UpToDate" }] }],
    });
    await waitFor(
      () => farm.store.read().resources["r5"]!.resync === null,
      20_000,
      "the initial sync to finish",
    );
    farm.onHost("xen1", "mkfs.ext4", "-L", "r5", "/dev/drbd5");
    farm.onHost("xen1", "mount", "/dev/drbd5", "/srv/r5");

    expect(statusOf("xen1")).toMatchObject({
      role: "Primary",
      devices: [{ minor: 5, "disk-state": "UpToDate", size: R5_KIB }],
      connections: [
        {
          name: "xen2",
          "connection-state": "Connected",
          "peer-role": "Secondary",
          peer_devices: [{ "replication-state": "Established", "peer-disk-state": "UpToDate" }],
        },
      ],
    });
    expect(statusOf("xen2")).toMatchObject({
      "node-id": 1,
      role: "Secondary",
      devices: [{ "disk-state": "UpToDate" }],
      connections: [{ name: "xen1", "peer-role": "Primary" }],
    });
    for (const [host, role, peerRole] of [
      ["xen1", "Primary", "Secondary"],
      ["xen2", "Secondary", "Primary"],
    ] as const)
      expect(r5In(await clients[host]!.call("drbd.status", {}))).toMatchObject({
        role,
        devices: [{ minor: 5, disk: "UpToDate", sizeKiB: R5_KIB }],
        connections: [
          {
            connection: "Connected",
            peerRole,
            peerDevices: [{ replication: "Established", peerDisk: "UpToDate" }],
          },
        ],
      });
    expect(await clients["xen1"]!.call("fs.isMounted", { mountPoint: "/srv/r5" })).toEqual({
      mounted: true,
      device: "/dev/drbd5",
      fsType: "ext4",
    });
    expect(await clients["xen1"]!.call("fs.blkid", { device: "/dev/drbd5" })).toMatchObject({
      type: "ext4",
      label: "r5",
    });
    expect(farm.violations()).toEqual([]);
  });

  it("skipping the initial sync: new-current-uuid --clear-bitmap while both are Inconsistent, then primary without --force", () => {
    createAndUp(GiB);
    farm.onHost("xen1", "drbdadm", "new-current-uuid", "--clear-bitmap", "r5/0");
    const r5 = farm.store.read().resources["r5"]!;
    expect(r5.resync).toBeNull();
    expect([r5.sides["xen1"]!.disk, r5.sides["xen2"]!.disk]).toEqual(["UpToDate", "UpToDate"]);
    farm.onHost("xen1", "drbdadm", "primary", "r5");
    expect(statusOf("xen2")).toMatchObject({
      devices: [{ "disk-state": "UpToDate" }],
      connections: [
        {
          "peer-role": "Primary",
          peer_devices: [{ "replication-state": "Established", "peer-disk-state": "UpToDate" }],
        },
      ],
    });
    farm.onHost("xen1", "mkfs.ext4", "/dev/drbd5");
    farm.onHost("xen1", "mount", "/dev/drbd5", "/srv/r5");
    farm.onHost("xen1", "umount", "/srv/r5");
    farm.onHost("xen1", "drbdadm", "secondary", "r5");
    expect(statusOf("xen1")).toMatchObject({ role: "Secondary" });
    expect(farm.violations()).toEqual([]);
  });
});

describe("what is refused, in the real tools' words, changing nothing", () => {
  it("create-md on a volume that does not exist: drbdmeta cannot open it (exit 20)", () => {
    both((h) => fs.writeFileSync(resFile(h), r5File()));
    const before = worldState();
    const r = run("xen1", "drbdadm", "create-md", "--force", "r5");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toBe(
      "open(/dev/vg0/r5) failed: No such file or directory\n" +
        "Command 'drbdmeta 5 v09 /dev/vg0/r5 internal create-md 1 --force' terminated with exit code 20\n",
    );
    expect(worldState()).toBe(before);
    expect(farm.violations()).toEqual([]);
  });

  it("up with the minor r1 already uses: drbdadm refuses the configuration (exit 10)", () => {
    both((h) => farm.onHost(h, "lvcreate", "-n", "r5", "-L", `${GiB}b`, "vg0"));
    fs.writeFileSync(resFile("xen1"), r5File(1));
    const before = worldState();
    const r = run("xen1", "drbdadm", "up", "r5");
    expect(r.status).toBe(10);
    const etc = path.join(hostEtcDir(farm.simDir, "xen1"), "drbd.d");
    expect(r.stderr).toBe(
      `${etc}/r5.res:0: conflicting use of device-minor 'device-minor:xen1:1' ...\n` +
        `${etc}/r1.res:0: device-minor 'device-minor:xen1:1' first used here.\n`,
    );
    expect(worldState()).toBe(before);
    // The kernel refuses it too, when asked directly (drbdsetup new-minor of a minor another resource has).
    farm.onHost("xen1", "drbdsetup", "new-resource", "r5", "0");
    const before2 = worldState();
    const direct = run("xen1", "drbdsetup", "new-minor", "r5", "1", "0");
    expect(direct.status).toBe(10);
    expect(direct.stderr).toBe(
      "r5: Failure: (162) Invalid configuration request\nadditional info from kernel:\nminor exists in different resource\n",
    );
    expect(worldState()).toBe(before2);
    farm.onHost("xen1", "drbdsetup", "down", "r5");
    fs.rmSync(resFile("xen1")); // a conflicting file breaks drbdadm for every resource of the host
    expect(farm.violations()).toEqual([]);
  });

  it("attach without metadata, or of a missing volume: drbdmeta's apply-al (as drbdadm runs it), then the kernel's own answers", () => {
    farm.onHost("xen1", "lvcreate", "-n", "r5", "-L", `${GiB}b`, "vg0");
    fs.writeFileSync(resFile("xen1"), r5File());
    const up = run("xen1", "drbdadm", "up", "r5");
    expect(up.status).toBe(1);
    expect(up.stderr).toBe("No valid meta data found\n");
    // drbdadm stops there: the resource, its device (Diskless) and the connection are configured, nothing else.
    expect(statusOf("xen1")).toMatchObject({
      devices: [{ minor: 5, "disk-state": "Diskless" }],
      connections: [{ name: "xen2", "connection-state": "StandAlone" }],
    });
    const before = worldState();
    const noMd = run("xen1", "drbdsetup", "attach", "5", "/dev/vg0/r5", "/dev/vg0/r5", "internal");
    expect([noMd.status, noMd.stderr]).toEqual([
      10,
      "5: Failure: (119) No valid meta-data signature found.\n\n\t==> Use 'drbdadm create-md res' to initialize meta-data area. <==\n\n",
    ]);
    const noLv = run("xen1", "drbdsetup", "attach", "5", "/dev/vg0/r9", "/dev/vg0/r9", "internal");
    expect([noLv.status, noLv.stderr]).toEqual([10, "5: Failure: (104) Can not open backing device.\n"]);
    expect(worldState()).toBe(before);

    farm.onHost("xen1", "drbdadm", "down", "r5");
    expect(JSON.parse(farm.onHost("xen1", "drbdsetup", "status", "--json"))).not.toContainEqual(
      expect.objectContaining({ name: "r5" }),
    );
    farm.onHost("xen1", "lvremove", "-f", "vg0/r5");
    expect(farm.store.read().resources["r5"]).toBeUndefined();
    expect(farm.violations()).toEqual([]);
  });

  it("a DRBD 8.4 host says that new resources are not simulated there", () => {
    farm.remove();
    farm = createTempSimFarm({ drbd: { xen1: "8.4" } });
    farm.onHost("xen1", "lvcreate", "-n", "r5", "-L", `${GiB}b`, "vg0");
    fs.writeFileSync(resFile("xen1"), r5File().replace(/ node-id \d;/g, ""));
    const before = worldState();
    const createMd = run("xen1", "drbdadm", "create-md", "--force", "r5");
    expect(createMd.status).not.toBe(0);
    expect(createMd.stderr).toContain(
      "tandem simulator: new resources are not simulated on DRBD 8.4 hosts\n",
    );
    const up = run("xen1", "drbdadm", "up", "r5");
    expect(up.status).not.toBe(0);
    expect(up.stderr).toContain(
      "tandem simulator: new resources are not simulated on DRBD 8.4 hosts (drbdsetup new-resource r5)\n",
    );
    expect(worldState()).toBe(before);
    fs.rmSync(resFile("xen1"));
  });
});

describe("teardown: down on both hosts, lvremove on both", () => {
  it("the sides go away (status, events2, the agents), the volumes and the resource too; the VG has its space back", async () => {
    const vgFree = (host: string) => farm.onHost(host, "vgs", "--noheadings", "-o", "vg_free", "vg0").trim();
    const freeBefore = [vgFree("xen1"), vgFree("xen2")];
    createAndUp(GiB);
    farm.onHost("xen1", "drbdadm", "new-current-uuid", "--clear-bitmap", "r5/0");
    farm.onHost("xen1", "drbdadm", "primary", "r5");
    farm.onHost("xen1", "mkfs.ext4", "/dev/drbd5");
    farm.onHost("xen1", "mount", "/dev/drbd5", "/srv/r5");
    clients = await startSimAgents(farm);
    const seen: TDrbdStatus[] = [];
    clients["xen1"]!.onNotification((name, params) => {
      if (name === "drbd.changed") seen.push(params as TDrbdStatus);
    });
    await waitFor(() => seen.some((s) => r5In(s)?.role === "Primary"), 5_000, "xen1's agent sees r5");
    const events = spawn(path.join(farm.bin, "drbdsetup"), ["events2", "all"], {
      env: farm.agentEnv("xen1"),
    });
    let streamed = "";
    events.stdout.on("data", (b: Buffer) => (streamed += b.toString()));
    await waitFor(() => streamed.includes("exists -"), 5_000, "the events2 dump");

    // Still in use: down and lvremove are refused.
    const held = run("xen1", "drbdadm", "down", "r5");
    expect(held.status).toBe(11);
    expect(held.stderr).toMatch(
      /^r5: State change failed: \(-12\) Device is held open by someone\nadditional info from kernel:\n\/dev\/drbd5 opened by mount /,
    );
    const inUse = run("xen1", "lvremove", "-f", "vg0/r5");
    expect([inUse.status, inUse.stderr]).toEqual([
      5,
      "  Logical volume vg0/r5 contains a filesystem in use.\n",
    ]);

    farm.onHost("xen1", "umount", "/srv/r5");
    farm.onHost("xen1", "drbdadm", "secondary", "r5");
    farm.onHost("xen1", "drbdadm", "down", "r5");
    expect(JSON.parse(farm.onHost("xen1", "drbdsetup", "status", "--json"))).not.toContainEqual(
      expect.objectContaining({ name: "r5" }),
    );
    expect(run("xen1", "drbdsetup", "status", "--json", "r5").stderr).toBe("r5: No such resource\n");
    expect(farm.onHost("xen1", "drbdsetup", "events2", "--now", "r5")).toBe("exists -\n");
    expect(statusOf("xen2")).toMatchObject({ connections: [{ "connection-state": "Connecting" }] });
    await waitFor(() => streamed.includes("destroy resource name:r5\n"), 5_000, "events2 destroy lines");
    expect(streamed.split("\n").filter((l) => l.startsWith("destroy"))).toEqual([
      "destroy peer-device name:r5 peer-node-id:1 conn-name:xen2 volume:0",
      "destroy connection name:r5 peer-node-id:1 conn-name:xen2",
      "destroy device name:r5 volume:0",
      "destroy resource name:r5",
    ]);
    events.kill();
    await waitFor(() => seen.length > 0 && !r5In(seen.at(-1)!), 5_000, "drbd.changed without r5");
    expect(r5In(await clients["xen1"]!.call("drbd.status", {}))).toBeUndefined();

    farm.onHost("xen2", "drbdadm", "down", "r5");
    farm.onHost("xen1", "lvremove", "-f", "vg0/r5");
    expect(farm.store.read().resources["r5"]).toBeDefined(); // its metadata is still on xen2's volume
    farm.onHost("xen2", "lvremove", "-f", "vg0/r5");
    const world = farm.store.read();
    expect(world.resources["r5"]).toBeUndefined();
    expect(Object.keys(world.resources)).toEqual(["r1", "r2", "r3", "r4"]);
    for (const host of ["xen1", "xen2"])
      expect(world.hosts[host]!.vg.lvs.map((lv) => lv.name)).toEqual(["r1", "r2", "r3", "r4"]);
    expect([vgFree("xen1"), vgFree("xen2")]).toEqual(freeBefore);
    expect(farm.violations()).toEqual([]);
  });
});
