import { z } from "zod";
import { apiRoute } from "@/lib/api/route";

export const dynamic = "force-dynamic";

/** Revokes one of the signed-in user's tokens; it stops working at once. */
export const DELETE = apiRoute({
  permission: "self:manage",
  params: z.object({ id: z.string().regex(/^[a-z0-9]{1,40}$/, "must be a token id") }).strict(),
  handler: async ({ params, runtime, principal }) => ({
    token: await runtime.auth.revokeToken(principal!.userId, params.id),
  }),
});
