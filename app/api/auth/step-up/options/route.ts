import { apiRoute } from "@/lib/api/route";
import { relyingParty } from "@/lib/auth/security-keys";

export const dynamic = "force-dynamic";

/** A one-use challenge for a security key to answer in POST /api/auth/step-up (`key`, instead of a code). */
export const POST = apiRoute({
  permission: "self:manage",
  sessionOnly: true,
  audit: false,
  handler: async ({ runtime, principal, request }) =>
    runtime.auth.stepUpKeyOptions(principal!, relyingParty(request.headers.get("origin"))),
});
