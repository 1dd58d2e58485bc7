import { z } from "zod";
import { apiRoute } from "@/lib/api/route";
import { sessionTokenFrom } from "@/lib/auth/http";
import { signedIn, ZCode } from "@/lib/auth/routes";

export const dynamic = "force-dynamic";

/**
 * Sign-in, step two: `{ code }` (TOTP or a recovery code) for the session the password step opened. Success
 * replaces that session with a new, signed-in one. 401 wrong code or no pending sign-in; 429 locked.
 */
export const POST = apiRoute({
  permission: "public",
  audit: false,
  body: z.object({ code: ZCode }).strict(),
  handler: async ({ body, runtime, client, https, request }) => {
    const token = await runtime.auth.signInCode(
      sessionTokenFrom(request.headers.get("cookie")),
      body.code,
      client,
    );
    return signedIn(runtime.auth, token, https, { stage: "full" });
  },
});
