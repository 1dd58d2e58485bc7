import { apiRoute } from "@/lib/api/route";
import { relyingParty } from "@/lib/auth/security-keys";

export const dynamic = "force-dynamic";

/**
 * Registering a security key, step one: the WebAuthn creation options (a one-use challenge; the account's keys
 * excluded). Needs two-factor with the authenticator app on (409 otherwise) and step-up: a stolen session cannot
 * add its own key.
 */
export const POST = apiRoute({
  permission: "self:manage",
  sessionOnly: true,
  stepUp: true,
  handler: async ({ runtime, principal, request }) =>
    runtime.auth.keyRegistrationOptions(principal!, relyingParty(request.headers.get("origin"))),
});
