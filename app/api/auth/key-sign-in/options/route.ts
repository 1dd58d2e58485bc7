import { apiRoute } from "@/lib/api/route";
import { sessionTokenFrom } from "@/lib/auth/http";
import { relyingParty } from "@/lib/auth/security-keys";

export const dynamic = "force-dynamic";

/**
 * Sign-in, step two with a security key: the WebAuthn request options (a one-use challenge, the account's keys) for
 * the session the password step opened. 401 without a pending sign-in; 409 when the account has no key.
 */
export const POST = apiRoute({
  permission: "public",
  audit: false,
  handler: async ({ runtime, request }) =>
    runtime.auth.signInKeyOptions(
      sessionTokenFrom(request.headers.get("cookie")),
      relyingParty(request.headers.get("origin")),
    ),
});
