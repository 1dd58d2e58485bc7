import { z } from "zod";
import { ApiResponse, apiRoute } from "@/lib/api/route";
import { undoCreateResource } from "@/lib/resources/service";

export const dynamic = "force-dynamic";

/**
 * Undoes what a failed or cancelled resource creation made: 202 `{ jobId, plan }` (a new job). 409 for any
 * other job, or one that changed nothing; 404 for an unknown job.
 */
export const POST = apiRoute({
  permission: "resource:create",
  params: z.object({ id: z.string().regex(/^[a-z0-9]{1,40}$/, "must be a job id") }).strict(),
  handler: async ({ params, runtime }) =>
    new ApiResponse(202, await undoCreateResource(runtime.runbooks, params.id)),
});
