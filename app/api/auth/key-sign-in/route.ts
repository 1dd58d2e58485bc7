import { z } from "zod";
import { apiRoute } from "@/lib/api/route";
import { sessionTokenFrom } from "@/lib/auth/http";
import { signedIn } from "@/lib/auth/routes";
import { relyingParty, ZCredentialResponse } from "@/lib/auth/security-keys";

export const dynamic = "force-dynamic";

/**
 * Sign-in, step two: `{ response }`, the security key's answer to the challenge of POST
 * /api/auth/key-sign-in/options. Like a code, success replaces the pending session with a new, signed-in one; a
 * refused answer counts toward the lockout. 401 refused or no pending sign-in; 429 locked.
 */
export const POST = apiRoute({
  permission: "public",
  audit: false,
  body: z.object({ response: ZCredentialResponse }).strict(),
  handler: async ({ body, runtime, client, https, request }) => {
    const token = await runtime.auth.signInKey(
      sessionTokenFrom(request.headers.get("cookie")),
      relyingParty(request.headers.get("origin")),
      body.response,
      client,
    );
    return signedIn(runtime.auth, token, https, { stage: "full" });
  },
});
