import { ApiResponse, apiRoute, unlessDryRun } from "@/lib/api/route";
import { ZRunbookRequest } from "@/lib/runbooks/types";

export const dynamic = "force-dynamic";

/**
 * Plans or starts a runbook: `{ kind: "failover" | "switchover" | "failback", from, to, dryRun?, confirmDown?,
 * force?, forceOff?, shutdownTimeoutSec? }`. A dry run answers 200 `{ plan }` (steps, commands, memory plan,
 * promotion decisions, warnings, blockers) and changes nothing. Otherwise 202 `{ jobId, plan }`; 409 with the
 * blockers when the plan is refused, or with `jobId` when another job holds one of its hosts or resources.
 */
export const POST = apiRoute({
  permission: "runbook:run",
  stepUp: unlessDryRun,
  body: ZRunbookRequest,
  handler: async ({ body, runtime, require }) => {
    // Overriding the promotion gate (data loss accepted) is an admin's decision.
    if (body.force) require("runbook:force");
    const result = await runtime.runbooks.submit(body);
    return "jobId" in result ? new ApiResponse(202, result) : result;
  },
});
