import { z } from "zod";
import { apiRoute } from "@/lib/api/route";
import { ZCode } from "@/lib/auth/routes";
import { relyingParty, ZCredentialResponse } from "@/lib/auth/security-keys";

export const dynamic = "force-dynamic";

/**
 * Step-up: `{ password, code? | key? }` (with two-factor on, the code, or a security key's answer to the challenge
 * of POST /api/auth/step-up/options). For the next 5 minutes this session may do
 * failover, switchover, failback, forced promotion, split-brain recovery, the wizard's apply and deletions.
 */
export const POST = apiRoute({
  permission: "self:manage",
  sessionOnly: true,
  audit: false,
  body: z
    .object({
      password: z.string().min(1, "is required").max(256),
      code: ZCode.optional(),
      key: ZCredentialResponse.optional(),
    })
    .strict(),
  handler: async ({ body, runtime, principal, client, request }) => {
    const rp = body.key ? relyingParty(request.headers.get("origin")) : undefined;
    await runtime.auth.stepUp(principal!, body, client, rp);
    return { until: new Date(Date.now() + runtime.auth.settings.stepUpMs).toISOString() };
  },
});
