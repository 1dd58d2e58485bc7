import { z } from "zod";
import { apiRoute } from "@/lib/api/route";
import { ZCode } from "@/lib/auth/routes";

export const dynamic = "force-dynamic";

/**
 * Step-up: `{ password, code? }` (the code with two-factor on). For the next 5 minutes this session may do
 * failover, switchover, failback, forced promotion, split-brain recovery, the wizard's apply and deletions.
 */
export const POST = apiRoute({
  permission: "self:manage",
  sessionOnly: true,
  audit: false,
  body: z.object({ password: z.string().min(1, "is required").max(256), code: ZCode.optional() }).strict(),
  handler: async ({ body, runtime, principal, client }) => {
    await runtime.auth.stepUp(principal!, body, client);
    return { until: new Date(Date.now() + runtime.auth.settings.stepUpMs).toISOString() };
  },
});
