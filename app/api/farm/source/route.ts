import { ApiResponse, apiRoute } from "@/lib/api/route";
import { AppError } from "@/lib/errors";
import type { Runtime } from "@/lib/runtime";
import {
  chooseOnboardedFarm,
  forgetOnboardedFarm,
  readFarmSelection,
  ZFarmSelection,
} from "@/lib/hosts/farm-source";

export const dynamic = "force-dynamic";

/** What the panel manages now, whether it can restart itself, and the onboarded hosts ready to become the farm. */
export const GET = apiRoute({
  permission: "agent:install",
  handler: async ({ runtime }) => ({
    source: runtime.farmSource,
    restartable: runtime.restart !== undefined,
    /** The pair stored for the next start (differs from `source` until the panel restarted). */
    chosen: await readFarmSelection(runtime.db),
    ready: (await runtime.onboarding.list()).filter((h) => h.status === "ready").map((h) => h.name),
  }),
});

/** A switch takes the panel down for a few seconds: not under tandem.config.json, and never during a job. */
function switchable(runtime: Runtime): void {
  if (runtime.farmSource.kind === "config")
    throw new AppError("CONFLICT", `the farm comes from ${runtime.farmSource.file}`, {
      userMessage: "The farm comes from tandem.config.json: remove that file to manage onboarded hosts.",
      details: { rule: "tandem.config.json takes precedence over onboarded hosts" },
    });
  if (runtime.runbooks.activeScope().hosts.size > 0)
    throw new AppError("CONFLICT", "a job is running", {
      userMessage: "A job is running: switch the farm once it has finished.",
      details: { rule: "no job may be running while the panel restarts" },
    });
}

function restartOrSay(runtime: Runtime, reason: string) {
  if (!runtime.restart) return { restarting: false };
  runtime.restart(reason);
  return { restarting: true };
}

/**
 * `{ hosts: [a, b], standbyMiB?, resources?: [{ name, mountPoint }] }`: manage these two onboarded hosts (both
 * tested) as the farm. The panel restarts to do so (202 `{ restarting: true }`); when nothing would restart it
 * (server.ts run by hand), 200 `{ restarting: false }` and the choice applies at the next start.
 */
export const POST = apiRoute({
  permission: "agent:install",
  stepUp: true,
  body: ZFarmSelection,
  handler: async ({ body, runtime }) => {
    switchable(runtime);
    await chooseOnboardedFarm(runtime.db, body);
    const answer = restartOrSay(runtime, `the farm is now ${body.hosts.join(" and ")}`);
    return answer.restarting ? new ApiResponse(202, answer) : answer;
  },
});

/** Stop managing the onboarded hosts: back to the simulated farm (restarts like POST). */
export const DELETE = apiRoute({
  permission: "agent:install",
  stepUp: true,
  handler: async ({ runtime }) => {
    switchable(runtime);
    if (!(await forgetOnboardedFarm(runtime.db)))
      throw new AppError("CONFLICT", "no onboarded farm is chosen", {
        userMessage: "The panel does not manage onboarded hosts.",
        details: { rule: "only a chosen farm can be given up" },
      });
    const answer = restartOrSay(runtime, "back to the simulated farm");
    return answer.restarting ? new ApiResponse(202, answer) : answer;
  },
});
