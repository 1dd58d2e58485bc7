import { z } from "zod";
import { apiRoute } from "@/lib/api/route";

export const dynamic = "force-dynamic";

/** Removes one of the signed-in user's security keys (another user's key id is a 404: nothing changes). */
export const DELETE = apiRoute({
  permission: "self:manage",
  sessionOnly: true,
  stepUp: true,
  params: z
    .object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,1024}$/, "must be a credential id (base64url)") })
    .strict(),
  handler: async ({ params, runtime, principal }) => {
    await runtime.auth.keys.remove(principal!.userId, params.id);
    return { removed: params.id };
  },
});
