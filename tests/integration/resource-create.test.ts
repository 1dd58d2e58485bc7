/**
 * Creating a resource pair on the simulated farm (issue 6), as the wizard's API does it: the job creates the
 * volumes, writes the file, creates metadata, brings both sides up, skips or runs the initial sync, makes and
 * mounts the filesystem, and registers the resource; a creation that fails part way is undone exactly: what it
 * made goes, what was there before stays. The invariant checker watches throughout.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../lib/db";
import type { FarmService } from "../../lib/farm/farm-service";
import type { RunbookEngine } from "../../lib/runbooks/engine";
import { checkCreateResource, ZCreateResourceRequest } from "../../lib/resources/create";
import { buildCreatePlan } from "../../lib/resources/plan";
import { createResource, undoCreateResource } from "../../lib/resources/service";
import { planDeleteResource } from "../../lib/resources/delete";
import type { AppError } from "../../lib/errors";
import { storageFacts } from "../../lib/resources/storage";
import { createTempSimFarm, waitFor, waitForWholeFarm, type TempSimFarm } from "../helpers/sim";
import { finished, migratedDb, SIM_RESOURCES, startPanel } from "../helpers/runbooks";

let farm: TempSimFarm;
let db: Db;
let service: FarmService;
let engine: RunbookEngine;
const resources = SIM_RESOURCES.map((r) => ({ ...r }));

beforeAll(async () => {
  farm = createTempSimFarm();
  farm.store.setSpeed(50);
  db = migratedDb(farm);
  ({ service, engine } = startPanel(farm, db, { resources }));
  await service.start();
  await waitForWholeFarm(service, 20_000);
}, 60_000);
afterAll(async () => {
  service?.stop();
  await db?.$disconnect();
  farm?.remove();
});

const request = (extra: Record<string, unknown>) =>
  ZCreateResourceRequest.parse({
    sizeMiB: 1024,
    hosts: [
      { host: "xen1", vg: "vg0", address: "10.0.0.1" },
      { host: "xen2", vg: "vg0", address: "10.0.0.2" },
    ],
    initialPrimary: "xen1",
    ...extra,
  });
const world = () => farm.store.read();
const lvNames = (host: string) =>
  world()
    .hosts[host]!.vg.lvs.map((l) => l.name)
    .sort();

describe("a new resource pair on the simulated farm", () => {
  it("r5, initial sync skipped, ext4 on /srv/r5: Connected, UpToDate on both, Primary and mounted on xen1, registered", async () => {
    const answer = await createResource(
      { farm: service, runbooks: engine, resources },
      request({ name: "r5", initialSync: "skip", filesystem: { type: "ext4", mountPoint: "/srv/r5" } }),
    );
    if (answer.kind !== "started") throw new Error(`not started: ${JSON.stringify(answer)}`);
    const job = await finished(engine, answer.jobId, 120_000);
    expect(job.steps.filter((s) => s.status !== "succeeded")).toEqual([]);
    expect(job.status).toBe("succeeded");
    const r5 = world().resources["r5"]!;
    expect(r5.sides["xen1"]).toMatchObject({
      role: "Primary",
      disk: "UpToDate",
      connection: "Connected",
      mounted: true,
    });
    expect(r5.sides["xen2"]).toMatchObject({ role: "Secondary", disk: "UpToDate", connection: "Connected" });
    expect(r5.fs?.type).toBe("ext4");
    // Every command is in the journal: the sync was skipped with new-current-uuid --clear-bitmap.
    const sync = job.steps.find((s) => s.name === "initial-sync")!;
    expect(sync.commands.map((c) => c.argv.slice(-3).join(" "))).toContain(
      "new-current-uuid --clear-bitmap r5",
    );
    expect(await db.drbdResource.findUnique({ where: { name: "r5" } })).toMatchObject({
      mountPoint: "/srv/r5",
    });
    expect(resources.find((r) => r.name === "r5")).toEqual({ name: "r5", mountPoint: "/srv/r5" });
    await waitFor(
      () => service.getView().resources.some((r) => r.name === "r5"),
      10_000,
      "r5 on the dashboard",
    );
    expect(farm.violations()).toEqual([]);
  }, 180_000);

  it("a second request for r5 is refused per field, and nothing changes", async () => {
    const state = () => {
      const w = world();
      return JSON.stringify([
        Object.values(w.hosts).map((h) => h.vg.lvs),
        Object.values(w.resources).map((r) => [
          r.name,
          Object.values(r.sides).map((x) => [x.role, x.disk, x.up]),
        ]),
      ]);
    };
    const before = state();
    const answer = await createResource(
      { farm: service, runbooks: engine, resources },
      request({ name: "r5", initialSync: "full", minor: 0 }),
    );
    expect(answer.kind).toBe("refused");
    if (answer.kind !== "refused") return;
    expect([...new Set(answer.errors.map((e) => e.field))].sort()).toEqual(["minor", "name"]);
    const messages = answer.errors.map((e) => `${e.field}: ${e.message}`);
    expect(messages).toContain("name: is taken: a resource r5 is configured on xen1");
    expect(messages).toContain("name: is taken: a resource r5 is configured on xen2");
    expect(messages).toContain("minor: is taken by r5 on xen1");
    expect(state()).toBe(before);
  });

  it("a creation that fails part way (xen2's volume group filled meanwhile) is undone: xen1's volume, file and device go; the filler stays", async () => {
    const req = request({ name: "r6", initialSync: "full" });
    const facts = await Promise.all(["xen1", "xen2"].map((h) => storageFacts(service, h)));
    const check = checkCreateResource(req, facts, { hosts: ["xen1", "xen2"], mountPoints: [] });
    expect(check.errors).toEqual([]);
    // Between the check and the job, another administrator takes xen2's free space.
    const free = facts[1]!.vgs[0]!.freeBytes;
    farm.onHost("xen2", "lvcreate", "-n", "filler", "-L", `${free}b`, "vg0");
    const jobId = await engine.start(buildCreatePlan(req, check));
    const failed = await finished(engine, jobId, 120_000);
    expect(failed.status).toBe("failed");
    expect(failed.steps.find((s) => s.status === "failed")?.key).toBe("create-lv:vg0/r6@xen2");
    expect(world().resources["r6"]?.sides["xen1"]?.up).toBe(true); // xen1 got as far as up

    const undo = await undoCreateResource(engine, jobId);
    expect(undo.plan.steps.map((s) => s.key)).toEqual([
      "drbd-down:r6@xen1",
      "remove-config:r6@xen1",
      "remove-lv:vg0/r6@xen1",
    ]);
    const undone = await finished(engine, undo.jobId, 120_000);
    expect(undone.status).toBe("succeeded");
    expect(world().resources["r6"]).toBeUndefined();
    expect(lvNames("xen1")).not.toContain("r6");
    expect(lvNames("xen2")).toContain("filler"); // never touched: this job did not create it
    expect(
      (await service.client("xen1").call("drbd.configured", {})).resources.map((r) => r.name),
    ).not.toContain("r6");
    farm.onHost("xen2", "lvremove", "-f", "vg0/filler");
    expect(farm.violations()).toEqual([]);
  }, 180_000);

  it("deleting a resource: refused while a VM uses it, while mounted or Primary, without the typed name; then down, files aside, volumes removed, forgotten", async () => {
    const refusal = (name: string, options: { removeVolumes: boolean; confirm?: string }) =>
      planDeleteResource(service, resources, name, options).then(
        () => {
          throw new Error("expected a refusal");
        },
        (e: AppError) => [e.code, e.code === "VALIDATION_FAILED" ? e.details.field : e.details.rule],
      );
    expect(await refusal("r1", { removeVolumes: false })).toEqual(["CONFLICT", "vm-uses-resource"]);
    expect(await refusal("r5", { removeVolumes: false })).toEqual(["CONFLICT", "mounted"]);
    farm.onHost("xen1", "umount", "/srv/r5");
    expect(await refusal("r5", { removeVolumes: false })).toEqual(["CONFLICT", "primary"]);
    farm.onHost("xen1", "drbdadm", "secondary", "r5");
    expect(await refusal("r5", { removeVolumes: true, confirm: "r4" })).toEqual([
      "VALIDATION_FAILED",
      "confirm",
    ]);
    expect(await refusal("r9", { removeVolumes: false })).toEqual(["NOT_FOUND", undefined]);
    // xen2's copy of r4 is thrown away and resyncs: xen1 holds the only UpToDate copy meanwhile.
    farm.onHost("xen2", "drbdadm", "invalidate", "r4");
    await waitFor(
      () =>
        service
          .getView()
          .resources.find((r) => r.name === "r4")
          ?.sides.some((x) => x.disk === "Inconsistent"),
      10_000,
      "r4 resyncing",
    );
    expect(await refusal("r4", { removeVolumes: false })).toEqual(["CONFLICT", "only-uptodate-copy"]);
    expect(world().resources["r5"]!.sides["xen1"]!.up).toBe(true); // nothing changed by the refusals

    const plan = await planDeleteResource(service, resources, "r5", { removeVolumes: true, confirm: "r5" });
    expect(plan.steps.map((s) => s.key)).toEqual([
      "drbd-down:r5@xen1",
      "drbd-down:r5@xen2",
      "remove-config:r5@xen1",
      "remove-lv:vg0/r5@xen1",
      "remove-config:r5@xen2",
      "remove-lv:vg0/r5@xen2",
      "unregister:r5",
    ]);
    const job = await finished(engine, await engine.start(plan), 120_000);
    expect(job.status).toBe("succeeded");
    expect(job.report?.summary).toBe("r5 deleted from xen1 and xen2, with its volumes.");
    expect(world().resources["r5"]).toBeUndefined();
    expect(lvNames("xen1")).not.toContain("r5");
    expect(lvNames("xen2")).not.toContain("r5");
    expect(await db.drbdResource.findUnique({ where: { name: "r5" } })).toBeNull();
    expect(resources.map((r) => r.name)).toEqual(["r1", "r2", "r3", "r4"]);
    expect(farm.violations()).toEqual([]);
  }, 180_000);
});
