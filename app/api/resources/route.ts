import { z } from "zod";
import { ApiResponse, apiRoute, unlessDryRun } from "@/lib/api/route";
import { fieldErrors } from "@/lib/api/field-errors";
import { ZCreateResourceRequest } from "@/lib/resources/create";
import { createResource } from "@/lib/resources/service";

export const dynamic = "force-dynamic";

/**
 * Creates a DRBD resource pair: `{ name, sizeMiB, hosts: [{ host, vg | device, address }], port?, minor?,
 * protocol?, fencing?, liveMigration?, initialPrimary, initialSync: "full" | "skip", filesystem?: { type: "ext4",
 * mountPoint }, dryRun? }`. A dry run answers 200 with the check (proposed minor and port, warnings, errors),
 * the resource file, drbdadm's verdict on each host and the plan. Otherwise 202 `{ jobId, plan }`. A refused
 * request: 400 `{ errors: [{ field, message }] }`, every problem at once, nothing changed.
 */
export const POST = apiRoute({
  permission: "resource:create",
  stepUp: unlessDryRun,
  body: z.unknown(),
  handler: async ({ body, runtime }) => {
    const parsed = ZCreateResourceRequest.safeParse(body);
    if (!parsed.success) return new ApiResponse(400, fieldErrors(parsed.error));
    const answer = await createResource(
      { farm: runtime.farm, runbooks: runtime.runbooks, resources: runtime.resources },
      parsed.data,
    );
    if (answer.kind === "dry-run") return { ...answer.dryRun, plan: answer.plan };
    if (answer.kind === "refused") return new ApiResponse(400, { errors: answer.errors });
    return new ApiResponse(202, { jobId: answer.jobId, plan: answer.plan });
  },
});
