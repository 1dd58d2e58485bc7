import { z } from "zod";
import { apiRoute } from "@/lib/api/route";

export const dynamic = "force-dynamic";

/** `{ requireTwoFactor }`: whether every operator and admin must sign in with two-factor. */
export const GET = apiRoute({
  permission: "farm:read",
  handler: async ({ runtime }) => runtime.auth.securitySettings(),
});

/**
 * Requires (or stops requiring) two-factor sign-in for every account that can change state. Accounts without it
 * can then only set it up until they have.
 */
export const PUT = apiRoute({
  permission: "settings:write",
  stepUp: true,
  body: z.object({ requireTwoFactor: z.boolean() }).strict(),
  handler: async ({ body, runtime }) => {
    await runtime.auth.setSecuritySettings(body);
    return body;
  },
});
