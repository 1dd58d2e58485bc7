import { z } from "zod";
import { ApiResponse, apiRoute, unlessDryRun } from "@/lib/api/route";
import { fieldErrors } from "@/lib/api/field-errors";
import { NAME_PATTERN } from "@/agents/protocol/validation";
import { recoverSplitBrain, ZSplitBrainRecovery } from "@/lib/monitor/split-brain";

export const dynamic = "force-dynamic";

/**
 * The guided recovery of a resource in split brain: `{ discard: <host>, confirm: <host typed again>, dryRun?,
 * shutdownTimeoutSec? }`. The named host's changes since the split are discarded; it resyncs from the other. A
 * dry run answers 200 `{ plan }`; otherwise 202 `{ jobId, plan }`. Refused: 400 `{ errors: [{ field, message }] }`.
 */
export const POST = apiRoute({
  // Discarding one side's changes is a forced action: an admin's, with step-up.
  permission: "runbook:force",
  stepUp: unlessDryRun,
  params: z.object({ name: z.string().regex(NAME_PATTERN, "must be a resource name") }).strict(),
  body: z.unknown(),
  handler: async ({ params, body, runtime }) => {
    const parsed = ZSplitBrainRecovery.safeParse(body);
    if (!parsed.success) return new ApiResponse(400, fieldErrors(parsed.error));
    const open = runtime.runbooks.incidents.open().get(`drbd:${params.name}`);
    const answer = await recoverSplitBrain(runtime, params.name, parsed.data, open?.kind === "split-brain");
    if (answer.kind === "refused") return new ApiResponse(400, { errors: answer.errors });
    return answer.jobId
      ? new ApiResponse(202, { jobId: answer.jobId, plan: answer.plan })
      : { plan: answer.plan };
  },
});
