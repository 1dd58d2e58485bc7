import { z } from "zod";
import { apiRoute } from "@/lib/api/route";
import { AppError } from "@/lib/errors";

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
  handler: async ({ body, runtime, principal }) => {
    // Requiring it without having it would lock the administrator out of every change at once.
    if (body.requireTwoFactor && !(await runtime.auth.userById(principal!.userId)).totpEnabled)
      throw new AppError("CONFLICT", `${principal!.username} has no two-factor sign-in`, {
        userMessage: "Set up your own two-factor sign-in first (on your account page).",
        details: { rule: "the administrator requiring two-factor must have it" },
      });
    await runtime.auth.setSecuritySettings(body);
    return body;
  },
});
