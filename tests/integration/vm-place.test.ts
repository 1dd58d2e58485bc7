/**
 * Placing a VM on a resource through the panel (issue 6), on the simulated farm: the dry run shows each host's
 * definition and the plan; every refusal names its field and changes nothing; the job makes the image on r1,
 * defines the VM on both hosts, records its failover settings and starts it on r1's Primary; it then survives a
 * crash of its host (failover) and comes home (failback); its definition is removed from both hosts (not while it
 * runs), its image kept.
 */
import fs from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Db } from "../../lib/db";
import type { FarmService } from "../../lib/farm/farm-service";
import type { RunbookEngine } from "../../lib/runbooks/engine";
import type { AppError } from "../../lib/errors";
import { applyFault } from "../../agents/sim/faults";
import { hostXenConfigDir } from "../../agents/sim/store";
import { renderXenConfig } from "../../agents/drivers/vm/definition";
import { ZDefineVmRequest } from "../../lib/vms/define";
import { defineVm, planDeleteVm } from "../../lib/vms/service";
import { createTempSimFarm, waitFor, waitForWholeFarm, type TempSimFarm } from "../helpers/sim";
import { finished, migratedDb, runbookRequest, SIM_RESOURCES, startPanel } from "../helpers/runbooks";

let farm: TempSimFarm;
let db: Db;
let service: FarmService;
let engine: RunbookEngine;
const resources = SIM_RESOURCES.map((r) => ({ ...r }));

beforeAll(async () => {
  farm = createTempSimFarm();
  farm.store.setSpeed(20);
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

const web9 = (extra: Record<string, unknown> = {}) =>
  ZDefineVmRequest.parse({
    name: "web9",
    resource: "r1",
    memoryMiB: 256,
    maxMemoryMiB: 512,
    imageSizeMiB: 2048,
    network: { bridge: "xenbr0" },
    failover: { priority: 80, minMemoryMiB: 128, required: true },
    start: true,
    ...extra,
  });
const deps = () => ({ farm: service, runbooks: engine, resources });
const world = () => farm.store.read();
const cfgOf = (host: string) => path.join(hostXenConfigDir(farm.simDir, host), "web9.cfg");
const refusal = async (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error("expected a refusal");
    },
    (e: AppError) => e,
  );

describe("a VM placed on a resource", () => {
  it("dry run: each host's definition (the same PV config), the plan, and a warning about xen1's standby reserve", async () => {
    const answer = await defineVm(deps(), web9({ dryRun: true }));
    if (answer.kind !== "dry-run") throw new Error(answer.kind);
    expect(answer.check.errors).toEqual([]);
    expect(answer.check).toMatchObject({
      primary: "xen1",
      peer: "xen2",
      disk: "/srv/r1/web9.img",
      image: { path: "/srv/r1/web9.img", sizeMiB: 2048 },
    });
    expect(answer.check.configs.map((c) => [c.host, c.hypervisor])).toEqual([
      ["xen1", "xen-xl"],
      ["xen2", "xen-xl"],
    ]);
    expect(answer.check.configs[0]!.config).toBe(renderXenConfig(answer.check.definition!, "xl"));
    expect(answer.check.warnings).toEqual([expect.stringContaining("under its standby reserve of 1024 MiB")]);
    expect(answer.plan!.steps.map((s) => s.key)).toEqual([
      "create-image:web9@xen1",
      "define-vm:web9@xen1",
      "define-vm:web9@xen2",
      "register-vm:web9",
      "start-vm:web9@xen1",
    ]);
    expect(answer.plan!.steps[0]!.commands).toEqual([
      [
        "dd",
        "if=/dev/zero",
        "of=/srv/r1/web9.img",
        "bs=1M",
        "count=0",
        "seek=2048",
        "conv=excl",
        "status=none",
      ],
    ]);
    expect(world().vms["web9"]).toBeUndefined();
    expect(await db.job.count()).toBe(0);
  });

  it("refuses, naming the field, and changes nothing", async () => {
    const cases: Array<[Record<string, unknown>, string, RegExp]> = [
      [{ name: "db1" }, "name", /already exists \(on xen1\)/],
      [{ resource: "r9" }, "resource", /no resource r9/],
      [{ resource: "r3", imageSizeMiB: undefined }, "imageSizeMiB", /is required: r3 holds a filesystem/],
      [{ network: { bridge: "br9" } }, "network.bridge", /xen1 has no bridge br9 \(it has xenbr0, ovsbr0\)/],
      [{ network: { bridge: "xenbr0", vlan: 20 } }, "network.vlan", /needs an Open vSwitch bridge/],
      [{ vcpus: 64 }, "vcpus", /xen1 has \d+ CPUs/],
      [{ memoryMiB: 4096, maxMemoryMiB: 4096 }, "start", /xen1 has 1024 MiB free, not the 4096 MiB/],
      [{ failover: { minMemoryMiB: 512 } }, "failover.minMemoryMiB", /must not be more than the VM's memory/],
    ];
    for (const [extra, field, message] of cases) {
      const answer = await defineVm(deps(), web9(extra));
      if (answer.kind !== "refused") throw new Error(`${JSON.stringify(extra)}: ${answer.kind}`);
      expect(answer.errors, JSON.stringify(extra)).toContainEqual({
        field,
        message: expect.stringMatching(message),
      });
    }
    // Malformed: the schema names the field before any host is asked.
    const bad = ZDefineVmRequest.safeParse({ ...web9(), name: "web9; rm -rf /", network: { bridge: "x'y" } });
    expect(bad.error?.issues.map((i) => i.path.join("."))).toEqual(["name", "network.bridge"]);
    expect(world().vms["web9"]).toBeUndefined();
    expect(world().resources["r1"]!.images).toBeUndefined();
    for (const host of ["xen1", "xen2"]) expect(fs.existsSync(cfgOf(host))).toBe(false);
    expect(await db.job.count()).toBe(0);
  });

  it("the job: image on r1, defined on both hosts, registered with its failover settings, running on xen1", async () => {
    const answer = await defineVm(deps(), web9());
    if (answer.kind !== "started") throw new Error(JSON.stringify(answer));
    const job = await finished(engine, answer.jobId, 90_000);
    expect(job.steps.filter((s) => s.status !== "succeeded")).toEqual([]);
    expect(job.report?.summary).toBe("web9 defined on xen1 and xen2, its disk on r1, started on xen1.");
    expect(world().resources["r1"]!.images).toEqual({ "web9.img": 2048 });
    for (const host of ["xen1", "xen2"])
      expect(fs.readFileSync(cfgOf(host), "utf8")).toBe(renderXenConfig(job.plan.newVm!.definition, "xl"));
    expect(world().vms["web9"]).toMatchObject({
      host: "xen1",
      state: "running",
      resource: "r1",
      memoryMiB: 256,
    });
    expect(await db.vm.findUnique({ where: { name: "web9" } })).toMatchObject({
      priority: 80,
      minMemoryMiB: 128,
      requiredOnFailover: true,
    });
    await waitFor(
      () => service.getView().vms.find((v) => v.name === "web9" && v.host === "xen1" && v.resource === "r1"),
      10_000,
      "web9 on the dashboard",
    );
    // A second time: the name is taken now.
    const again = await defineVm(deps(), web9());
    expect(again.kind === "refused" && again.errors.map((e) => e.field)).toEqual(["name"]);
  }, 120_000);

  it("survives a crash of xen1 (failover to xen2) and comes home with the failback", async () => {
    farm.store.update((w) => applyFault(w, { action: "crash", host: "xen1" }));
    await waitFor(
      () => service.getView().hosts.find((h) => h.name === "xen1")?.reachable === false,
      20_000,
      "xen1 unreachable",
    );
    const over = (await engine.submit(
      runbookRequest({ kind: "failover", from: "xen1", to: "xen2", confirmDown: true }),
    )) as { jobId: string };
    const failover = await finished(engine, over.jobId, 90_000);
    expect(failover.status).toBe("succeeded");
    expect(failover.plan.vms).toContain("web9");
    expect(world().vms["web9"]).toMatchObject({ host: "xen2", state: "running" });

    farm.store.update((w) => applyFault(w, { action: "power-on", host: "xen1" }));
    await waitFor(
      () => service.getView().hosts.find((h) => h.name === "xen1")?.reachable === true,
      30_000,
      "xen1 back",
    );
    farm.store.update((w) => {
      for (const r of Object.values(w.resources)) if (r.resync) r.resync.rateKiBps = 10 * 1024 * 1024;
    });
    await waitFor(
      async () =>
        (await engine.plan(runbookRequest({ kind: "failback", from: "xen2", to: "xen1" }))).blockers
          .length === 0,
      60_000,
      "failback allowed",
    );
    const back = (await engine.submit(runbookRequest({ kind: "failback", from: "xen2", to: "xen1" }))) as {
      jobId: string;
    };
    const failback = await finished(engine, back.jobId, 120_000);
    expect(failback.status).toBe("succeeded");
    // (The runbooks size a VM by its maximum: web9 comes home with 512 MiB, the most it may have.)
    expect(world().vms["web9"]).toMatchObject({ host: "xen1", state: "running" });
  }, 240_000);

  it("its definition is removed from both hosts, not while it runs; its image stays", async () => {
    expect((await refusal(planDeleteVm(service, "web9"))).details).toMatchObject({ rule: "vm-running" });
    await service.client("xen1").call("vm.destroy", { name: "web9" });
    await waitFor(
      () => service.getView().vms.find((v) => v.name === "web9")?.state === "shutoff",
      10_000,
      "web9 off",
    );
    const plan = await planDeleteVm(service, "web9");
    expect(plan.steps.map((s) => s.key)).toEqual([
      "undefine-vm:web9@xen1",
      "undefine-vm:web9@xen2",
      "unregister-vm:web9",
    ]);
    const job = await finished(engine, await engine.start(plan));
    expect(job.status).toBe("succeeded");
    for (const host of ["xen1", "xen2"]) {
      expect(fs.existsSync(cfgOf(host))).toBe(false);
      expect(fs.existsSync(`${cfgOf(host)}.removed`)).toBe(true);
    }
    expect(await db.vm.findUnique({ where: { name: "web9" } })).toBeNull();
    expect(world().resources["r1"]!.images).toEqual({ "web9.img": 2048 });
    await waitFor(
      () => !service.getView().vms.some((v) => v.name === "web9"),
      10_000,
      "web9 gone from the view",
    );
  });
});
