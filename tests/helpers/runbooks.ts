/**
 * A panel (farm service + runbook engine + a real SQLite journal) on a temporary simulated farm, for the
 * runbook integration tests.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { expect } from "vitest";
import { createDb, type Db } from "../../lib/db";
import { FarmService } from "../../lib/farm/farm-service";
import { InventoryStore } from "../../lib/farm/inventory";
import { createSimTransport } from "../../lib/sim/sim-transport";
import { RunbookEngine } from "../../lib/runbooks/engine";
import { Monitor } from "../../lib/monitor/monitor";
import type { MonitorSettings } from "../../lib/monitor/types";
import type { FenceDevice } from "../../lib/runbooks/fence";
import { ZRunbookRequest, type JobView, type TRunbookRequest } from "../../lib/runbooks/types";
import { ROOT, waitFor, type TempSimFarm } from "./sim";

export const SIM_RESOURCES = [
  { name: "r1", mountPoint: "/srv/r1" },
  { name: "r2", mountPoint: "/srv/r2" },
  { name: "r3", mountPoint: "/srv/r3" },
  { name: "r4", mountPoint: null },
];

/** A database file in the farm's directory, migrated as `npm start` does. */
export function migratedDb(farm: TempSimFarm): Db {
  const url = `file:${path.join(farm.dir, "tandem.db")}`;
  const r = spawnSync(process.execPath, [path.join(ROOT, "scripts/prisma.mjs"), "migrate", "deploy"], {
    env: { ...process.env, DATABASE_URL: url },
    encoding: "utf8",
  });
  expect(r.status, r.stderr).toBe(0);
  return createDb(url);
}

/** One panel process's services on `db` (a second call is the panel after a restart). */
export function startPanel(
  farm: TempSimFarm,
  db: Db,
  options: { fences?: Record<string, FenceDevice>; resources?: typeof SIM_RESOURCES } = {},
): { service: FarmService; engine: RunbookEngine } {
  const service = new FarmService({
    simulated: true,
    hosts: ["xen1", "xen2"].map((name) => ({
      name,
      address: "simulated",
      transport: createSimTransport(farm.store, name, {
        argv: farm.agentArgv(name, 200),
        env: farm.agentEnv(name),
        description: `simulated ${name}`,
      }),
    })),
    resources: options.resources ?? SIM_RESOURCES,
    inventory: new InventoryStore(db), // what a restarted panel knows of a host that does not answer
  });
  const engine = new RunbookEngine({
    farm: service,
    db,
    resources: options.resources ?? SIM_RESOURCES,
    pollMs: 100,
    ...(options.fences ? { fences: options.fences } : {}),
  });
  return { service, engine };
}

/** The monitor of that panel (issue 7), looking every 100 ms, on the engine's incident store. */
export function startMonitor(
  service: FarmService,
  engine: RunbookEngine,
  db: Db,
  settings: Partial<MonitorSettings> = {},
): Monitor {
  return new Monitor({ farm: service, store: engine.incidents, db, runbooks: engine, settings, tickMs: 100 });
}

export const runbookRequest = (r: Partial<TRunbookRequest> & Pick<TRunbookRequest, "kind" | "from" | "to">) =>
  ZRunbookRequest.parse(r);

/** Resolves with the job once it has ended (succeeded, failed or cancelled). */
export async function finished(engine: RunbookEngine, jobId: string, timeoutMs = 60_000): Promise<JobView> {
  let job: JobView | null = null;
  await waitFor(
    async () => {
      job = await engine.journal.get(jobId);
      return job !== null && ["succeeded", "failed", "cancelled"].includes(job.status);
    },
    timeoutMs,
    `job ${jobId} to finish`,
  );
  return job!;
}
