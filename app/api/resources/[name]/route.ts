import { z } from "zod";
import { ApiResponse, apiRoute, unlessDryRun } from "@/lib/api/route";
import { NAME_PATTERN } from "@/agents/protocol/validation";
import { planDeleteResource } from "@/lib/resources/delete";

export const dynamic = "force-dynamic";

/**
 * Deletes a resource pair: `?removeVolumes=true&confirm=<name>` also removes its backing volumes. 202
 * `{ jobId, plan }`; 409 with the rule while a VM uses it, while it is mounted or Primary, while one side holds
 * the only UpToDate copy, or while a host does not answer; 404 for an unknown resource; 400 without the
 * confirmation. `?dryRun=true` answers the plan and changes nothing.
 */
export const DELETE = apiRoute({
  permission: "resource:create",
  stepUp: unlessDryRun,
  params: z.object({ name: z.string().regex(NAME_PATTERN, "must be a resource name") }).strict(),
  query: z
    .object({
      removeVolumes: z.enum(["true", "false"]).default("false"),
      confirm: z.string().max(63).optional(),
      dryRun: z.enum(["true", "false"]).default("false"),
    })
    .strict(),
  handler: async ({ params, query, runtime }) => {
    const plan = await planDeleteResource(runtime.farm, runtime.resources, params.name, {
      removeVolumes: query.removeVolumes === "true",
      confirm: query.confirm,
    });
    if (query.dryRun === "true") return { plan };
    return new ApiResponse(202, { jobId: await runtime.runbooks.start(plan), plan });
  },
});
