/**
 * The resource wizard's reads and dry run on the simulated farm (issue 6): the storage step's facts from both
 * hosts through the real agent, and a new resource checked against them, its file validated by the real
 * drbdadm on each host. Nothing changes on either host.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../lib/db";
import type { FarmService } from "../../lib/farm/farm-service";
import { r5Request } from "../helpers/resources";
import { dryRunCreateResource, hostStorage } from "../../lib/resources/storage";
import { createTempSimFarm, waitForWholeFarm, type TempSimFarm } from "../helpers/sim";
import { migratedDb, SIM_RESOURCES, startPanel } from "../helpers/runbooks";

let farm: TempSimFarm;
let db: Db;
let service: FarmService;

beforeAll(async () => {
  farm = createTempSimFarm();
  db = migratedDb(farm);
  ({ service } = startPanel(farm, db));
  await service.start();
  await waitForWholeFarm(service, 20_000);
}, 60_000);
afterAll(async () => {
  service?.stop();
  await db?.$disconnect();
  farm?.remove();
});

const r5 = (extra: Record<string, unknown> = {}) => r5Request({ sizeMiB: 10240, dryRun: true, ...extra });

describe("the wizard's reads on the simulated farm", () => {
  it("storage: vg0 with its free space, no unused volume, the host's own address", async () => {
    const view = await hostStorage(service, "xen1");
    const vg = farm.store.read().hosts["xen1"]!.vg;
    const used = vg.lvs.reduce((s, l) => s + l.sizeBytes, 0);
    expect(view).toEqual({
      host: "xen1",
      vgs: [
        {
          name: "vg0",
          sizeMiB: vg.sizeBytes / 2 ** 20,
          freeMiB: Math.floor((vg.sizeBytes - used) / 2 ** 20),
        },
      ],
      unusedVolumes: [],
      addresses: ["10.0.0.1"],
      bridges: [
        { name: "xenbr0", kind: "bridge" },
        { name: "ovsbr0", kind: "openvswitch" },
      ],
    });
  });

  it("a dry run: minor and port proposed free on both hosts, the file accepted by drbdadm on each, nothing created", async () => {
    const before = JSON.stringify(farm.store.read().hosts);
    const dry = await dryRunCreateResource(service, SIM_RESOURCES, r5());
    expect(dry.errors).toEqual([]);
    expect(dry.minor).toBe(0);
    const ports = Object.values(farm.store.read().resources).map((r) => r.port);
    expect(ports).not.toContain(dry.port);
    expect(dry.validation).toEqual([
      { host: "xen1", ok: true, message: "drbdadm dump accepted the file" },
      { host: "xen2", ok: true, message: "drbdadm dump accepted the file" },
    ]);
    expect(JSON.stringify(farm.store.read().hosts)).toBe(before);
    expect(farm.store.read().resources["r5"]).toBeUndefined();
  });

  it("a dry run with a taken minor and a mount point in use: refused per field, nothing validated", async () => {
    const dry = await dryRunCreateResource(
      service,
      SIM_RESOURCES,
      r5({ minor: 1, filesystem: { type: "ext4", mountPoint: "/srv/r1" } }),
    );
    expect(dry.errors.map((e) => e.field).sort()).toEqual(["filesystem.mountPoint", "minor"]);
    expect(dry.file).toBeNull();
    expect(dry.validation).toEqual([]);
  });
});
