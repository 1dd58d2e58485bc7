import { z } from "zod";
import { ApiResponse, apiRoute } from "@/lib/api/route";
import { ROLES } from "@/lib/auth/roles";

export const dynamic = "force-dynamic";

/** The signed-in user's API tokens (never the tokens themselves). */
export const GET = apiRoute({
  permission: "self:manage",
  handler: async ({ runtime, principal }) => ({ tokens: await runtime.auth.listTokens(principal!.userId) }),
});

/**
 * A new API token: `{ name, role }`, the role at most the user's own. 201 `{ token, id, ... }`: the token is
 * shown this once (the panel keeps only its hash). Use it as `Authorization: Bearer <token>`.
 */
export const POST = apiRoute({
  permission: "self:manage",
  // A token cannot mint tokens: a leaked one must not outlive its revocation.
  sessionOnly: true,
  body: z
    .object({
      name: z
        .string()
        .regex(/^[\w .-]{1,64}$/, "must be 1-64 letters, digits, spaces, dots, dashes or underscores"),
      role: z.enum(ROLES, "must be viewer, operator or admin"),
    })
    .strict(),
  handler: async ({ body, runtime, principal }) => {
    return new ApiResponse(201, await runtime.auth.createToken(principal!.userId, body));
  },
});
