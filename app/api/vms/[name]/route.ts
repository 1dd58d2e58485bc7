import { z } from "zod";
import { ApiResponse, apiRoute } from "@/lib/api/route";
import { NAME_PATTERN } from "@/agents/protocol/validation";
import { planDeleteVm } from "@/lib/vms/service";

export const dynamic = "force-dynamic";

/**
 * Removes a VM's definition from both hosts and forgets it; its disk is kept. 202 `{ jobId, plan }`; 409 while
 * it runs or a host does not answer; 404 for an unknown VM. `?dryRun=true` answers the plan and changes nothing.
 */
export const DELETE = apiRoute({
  permission: "vm:define",
  params: z.object({ name: z.string().regex(NAME_PATTERN, "must be a VM name") }).strict(),
  query: z.object({ dryRun: z.enum(["true", "false"]).default("false") }).strict(),
  handler: async ({ params, query, runtime }) => {
    const plan = await planDeleteVm(runtime.farm, params.name);
    if (query.dryRun === "true") return { plan };
    return new ApiResponse(202, { jobId: await runtime.runbooks.start(plan), plan });
  },
});
