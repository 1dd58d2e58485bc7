import { spawnSync } from "node:child_process";
import { utils } from "ssh2";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb, type Db } from "../../lib/db";
import { FarmService, type FarmChange } from "../../lib/farm/farm-service";
import { InventoryStore } from "../../lib/farm/inventory";
import { createLocalTransport } from "../../lib/transport/local";
import { createSshTransport } from "../../lib/transport/ssh";
import { findFreePort } from "../helpers/sshd";
import { createTempSimFarm, ROOT, waitFor, waitForWholeFarm, type TempSimFarm } from "../helpers/sim";

let farm: TempSimFarm;
let db: Db;
let dbUrl: string;

beforeAll(() => {
  farm = createTempSimFarm();
  dbUrl = `file:${path.join(farm.dir, "tandem.db")}`;
  const migrate = spawnSync(process.execPath, [path.join(ROOT, "scripts/prisma.mjs"), "migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: dbUrl },
    encoding: "utf8",
  });
  expect(migrate.status, migrate.stderr).toBe(0);
  db = createDb(dbUrl);
});
afterAll(async () => {
  await db?.$disconnect();
  farm?.remove();
});

const resources = [
  { name: "r1", mountPoint: "/srv/r1" },
  { name: "r2", mountPoint: "/srv/r2" },
  { name: "r3", mountPoint: "/srv/r3" },
  { name: "r4", mountPoint: null },
];

function throwawayKey(): string {
  return utils.generateKeyPairSync("ed25519").private;
}

function simHost(name: string) {
  return {
    name,
    address: "simulated",
    transport: createLocalTransport({ argv: farm.agentArgv(name), env: farm.agentEnv(name) }),
  };
}

describe("FarmService on the simulated farm, with the inventory in a real SQLite database", () => {
  it("builds the farm view, keeps the inventory, and follows changes", async () => {
    const inventory = new InventoryStore(db);
    const service = new FarmService({
      simulated: true,
      hosts: [simHost("xen1"), simHost("xen2")],
      resources,
      inventory,
    });
    const changes: FarmChange[] = [];
    service.onChange((c) => changes.push(c));
    await service.start();
    try {
      const view = await waitForWholeFarm(service, 15_000);
      expect(view.resources).toHaveLength(4);
      expect(view.vms.find((v) => v.name === "web1")).toMatchObject({
        host: "xen2",
        resource: "r2",
        memoryMiB: 2048,
      });
      expect(view.vms.find((v) => v.name === "cron1")).toMatchObject({ host: "xen1", resource: "r1" });

      farm.onHost("xen1", "drbdadm", "disconnect", "r3");
      await waitFor(
        () =>
          service
            .getView()
            .resources.find((r) => r.name === "r3")
            ?.sides.every((s) => s.connection !== "Connected"),
        5_000,
        "r3 down",
      );
      expect(changes.some((c) => c.type === "drbd")).toBe(true);
      await inventory.flush();
      const rows = await db.vm.findMany({ include: { resource: true, host: true } });
      expect(rows).toHaveLength(13);
      expect(rows.find((r) => r.name === "web1")).toMatchObject({
        memoryMiB: 2048,
        host: { name: "xen2" },
        resource: { name: "r2" },
      });
      const sides = await db.drbdSide.findMany({ include: { resource: true, host: true } });
      expect(sides.find((s) => s.resource.name === "r3" && s.host.name === "xen1")?.connection).toBe(
        "StandAlone",
      );
    } finally {
      service.stop();
    }
  });

  it("shows a host that does not answer as unreachable with its last known state marked stale, never failing", async () => {
    const closedPort = await findFreePort();
    const unreachable = {
      name: "xen2",
      address: "127.0.0.1",
      transport: createSshTransport({
        host: "127.0.0.1",
        port: closedPort,
        username: "root",
        privateKey: throwawayKey(),
        hostKeySha256: "SHA256:" + Buffer.alloc(32, 1).toString("base64").replace(/=+$/, ""),
        agentArgv: ["tandem-agent", "serve"],
      }),
    };
    const service = new FarmService({
      simulated: true,
      hosts: [simHost("xen1"), unreachable],
      resources,
      inventory: new InventoryStore(db),
    });
    await service.start();
    try {
      const view = await waitFor(
        () => {
          const v = service.getView();
          return v.hosts[0]?.reachable && v.hosts[1]?.error ? v : undefined;
        },
        15_000,
        "xen1 reachable and xen2 refused",
      );
      const xen2 = view.hosts[1]!;
      expect(xen2).toMatchObject({ name: "xen2", reachable: false, stale: true });
      expect(xen2.error?.code).toBe("HOST_UNREACHABLE");
      expect(xen2.lastSeenAt).not.toBeNull();
      // xen2's VMs and DRBD sides come from the database (the first test's run), marked stale.
      const web1 = view.vms.find((v) => v.name === "web1");
      expect(web1).toMatchObject({ host: "xen2", stale: true });
      const r2 = view.resources.find((r) => r.name === "r2")!;
      expect(r2.sides.find((s) => s.host === "xen2")).toMatchObject({ stale: true, role: "Primary" });
      expect(r2.sides.find((s) => s.host === "xen1")).toMatchObject({ stale: false });
    } finally {
      service.stop();
    }
  });
});

describe("InventoryStore write pacing", () => {
  it("writes a burst of reports once, then at most once per interval, always the newest state", async () => {
    const inventory = new InventoryStore(db, { minIntervalMs: 600 });
    await inventory.registerFarm([{ name: "pace1", address: "simulated" }], [], true);
    let viewsBuilt = 0;
    const view = () => {
      viewsBuilt++;
      return { simulated: true, generatedAt: new Date().toISOString(), hosts: [], resources: [], vms: [] };
    };
    const obs = {
      name: "pace1",
      reachable: true,
      lastSeenAt: new Date(),
      error: null,
      standbyMiB: 0,
      facts: null,
      drbd: null,
      vms: null as null | Array<{ name: string }>,
    };
    const started = Date.now();
    for (let i = 0; i < 20; i++) void inventory.saveObservation(obs as never, view);
    await new Promise((r) => setTimeout(r, 100));
    expect(viewsBuilt).toBe(1);
    // A later report inside the interval waits for it, and the write carries what the host said last.
    obs.lastSeenAt = new Date(started + 12_345);
    void inventory.saveObservation(obs as never, view);
    await new Promise((r) => setTimeout(r, 200));
    expect(viewsBuilt).toBe(1);
    await inventory.flush();
    expect(viewsBuilt).toBe(2);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    const row = await db.host.findUniqueOrThrow({ where: { name: "pace1" } });
    expect(row.lastSeenAt?.getTime()).toBe(started + 12_345);
  });
});
