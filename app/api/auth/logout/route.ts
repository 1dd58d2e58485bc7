import { z } from "zod";
import { ApiResponse, apiRoute } from "@/lib/api/route";
import { clearSessionCookies } from "@/lib/auth/http";

export const dynamic = "force-dynamic";

/** Signs out this browser, or with `{ everywhere: true }` every session of the account. */
export const POST = apiRoute({
  permission: "self:manage",
  sessionOnly: true,
  body: z.object({ everywhere: z.boolean().default(false) }).strict(),
  handler: async ({ body, runtime, principal, https }) => {
    const ended = body.everywhere
      ? await runtime.auth.endUserSessions(principal!.userId)
      : (await runtime.auth.signOut(principal!.sessionId!), 1);
    return new ApiResponse(
      200,
      { ended },
      clearSessionCookies(https).map((c) => ["set-cookie", c] as [string, string]),
    );
  },
});
