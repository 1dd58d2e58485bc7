/**
 * Fencing in a failover (issue 5): the host that stopped answering is powered off by its fence device (the
 * stand-in fence_ipmilan, reaching the simulated BMC) before anything is promoted; a fence device that does
 * not answer stops the failover, unless an operator confirmed the host is off.
 */
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Db } from "../../lib/db";
import type { FarmService } from "../../lib/farm/farm-service";
import type { FenceDevice } from "../../lib/runbooks/fence";
import { simFenceCommand } from "../../lib/sim/sim-farm";
import { applyFault, type TFault } from "../../agents/sim/faults";
import { createTempSimFarm, waitFor, waitForWholeFarm, type TempSimFarm } from "../helpers/sim";
import { finished, migratedDb, runbookRequest as request, startPanel } from "../helpers/runbooks";

let farm: TempSimFarm | undefined;
let db: Db | undefined;
let service: FarmService | undefined;

afterEach(async () => {
  service?.stop();
  await db?.$disconnect();
  farm?.remove();
  farm = db = service = undefined;
});

/** A panel whose hosts have fence devices, with xen1 crashed (hung at a kernel panic, still powered). */
async function crashedXen1() {
  const f = (farm = createTempSimFarm());
  f.store.setSpeed(20);
  db = migratedDb(f);
  const fences: Record<string, FenceDevice> = Object.fromEntries(
    ["xen1", "xen2"].map((host) => [
      host,
      {
        command: simFenceCommand(host),
        timeoutSec: 30,
        env: {
          ...process.env,
          PATH: `${f.bin}${path.delimiter}${process.env.PATH ?? ""}`,
          TANDEM_SIM_WORLD: f.simDir,
        },
      },
    ]),
  );
  const panel = startPanel(f, db, { fences });
  service = panel.service;
  await service.start();
  await waitForWholeFarm(service, 20_000);
  const fault = (x: TFault) => f.store.update((w) => applyFault(w, x));
  fault({ action: "crash", host: "xen1" });
  await waitFor(
    () => panel.service.getView().hosts.find((h) => h.name === "xen1")?.reachable === false,
    10_000,
    "xen1 down",
  );
  return { farm: f, engine: panel.engine, fault };
}

describe("failover with a fence device", () => {
  it("fences the host that does not answer, then promotes on the fence device's word: no operator needed", async () => {
    const { farm: f, engine } = await crashedXen1();
    const plan = await engine.plan(request({ kind: "failover", from: "xen1", to: "xen2" }));
    expect(plan.blockers).toEqual([]);
    expect(plan.steps[0]).toMatchObject({ key: "fence:xen1", host: "xen1", params: { required: true } });
    expect(plan.steps[0]!.commands).toEqual([[...simFenceCommand("xen1"), "--action=off"]]);
    expect(plan.warnings.map((w) => w.code)).toContain("fence");
    expect(plan.promotions.map((p) => p.decision.allowed && p.decision.basis)).toEqual([
      "peer-fenced",
      "peer-fenced",
    ]);

    const { jobId } = (await engine.submit(request({ kind: "failover", from: "xen1", to: "xen2" }))) as {
      jobId: string;
    };
    const job = await finished(engine, jobId, 90_000);
    expect(job.status).toBe("succeeded");
    const fence = job.steps[0]!;
    // A panicked host is still powered: the status says ON, the fence powers it off, the status says OFF.
    expect(fence.commands.map((c) => [c.argv.at(-1), c.exitCode, c.output.trim()])).toEqual([
      ["--action=status", 0, "Status: ON"],
      ["--action=off", 0, "Success: Powered OFF"],
      ["--action=status", 2, "Status: OFF"],
    ]);
    expect(fence.commands.every((c) => c.host === "panel")).toBe(true);
    // The promotion asked the device again before promoting.
    const promote = job.steps.find((s) => s.key === "promote:r1@xen2")!;
    expect(promote.commands.map((c) => c.argv.at(-1))).toEqual(["--action=status", "r1"]);
    const w = f.store.read();
    expect(w.hosts["xen1"]).toMatchObject({ power: "off", panicked: false });
    for (const r of ["r1", "r3"])
      expect(w.resources[r]!.sides["xen2"]).toMatchObject({ role: "Primary", mounted: true });
    expect(f.violations()).toEqual([]);
  }, 150_000);

  it("a fence device that does not answer stops the failover before any promotion; the operator's confirmation lets it go on", async () => {
    const { farm: f, engine, fault } = await crashedXen1();
    fault({ action: "cut-bmc", host: "xen1" });
    const { jobId } = (await engine.submit(request({ kind: "failover", from: "xen1", to: "xen2" }))) as {
      jobId: string;
    };
    const failed = await finished(engine, jobId, 60_000);
    expect(failed.status).toBe("failed");
    expect(failed.steps[0]).toMatchObject({
      key: "fence:xen1",
      status: "failed",
      error: { code: "FENCE_FAILED" },
    });
    expect(failed.steps[0]!.commands.at(-1)).toMatchObject({
      exitCode: 1,
      output: "Failed: Unable to connect/login to fencing device\n",
    });
    expect(failed.steps.slice(1).every((s) => s.status === "cancelled")).toBe(true);
    for (const r of ["r1", "r3"]) expect(f.store.read().resources[r]!.sides["xen2"]!.role).toBe("Secondary");

    // The operator checked xen1 is off (its BMC lost power with it): the failover goes on, the failure noted.
    const again = (await engine.submit(
      request({ kind: "failover", from: "xen1", to: "xen2", confirmDown: true }),
    )) as { jobId: string; plan: { steps: Array<{ params: Record<string, unknown> }> } };
    expect(again.plan.steps[0]!.params.required).toBe(false);
    const job = await finished(engine, again.jobId, 90_000);
    expect(job.status).toBe("succeeded");
    expect(job.steps[0]!.note).toContain("on the operator's confirmation");
    for (const r of ["r1", "r3"]) expect(f.store.read().resources[r]!.sides["xen2"]!.role).toBe("Primary");
    expect(f.violations()).toEqual([]);
  }, 150_000);
});
