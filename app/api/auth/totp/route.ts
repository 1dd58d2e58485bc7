import { z } from "zod";
import { apiRoute } from "@/lib/api/route";
import { ZCode } from "@/lib/auth/routes";

export const dynamic = "force-dynamic";

/**
 * Starts two-factor set-up: a new secret `{ secret, uri, qrDataUrl }` for an authenticator app. Not active until
 * POST /api/auth/totp/confirm with a code from the app.
 */
export const POST = apiRoute({
  permission: "self:manage",
  sessionOnly: true,
  handler: async ({ runtime, principal }) => runtime.auth.beginTotp(principal!.userId),
});

/** Turns two-factor off: `{ code }`, a current code (or a recovery code). */
export const DELETE = apiRoute({
  permission: "self:manage",
  sessionOnly: true,
  body: z.object({ code: ZCode }).strict(),
  handler: async ({ body, runtime, principal, client }) => {
    await runtime.auth.verifyOwnCode(principal!.userId, body.code, client.address);
    await runtime.auth.disableTotp(principal!.userId);
    return { twoFactor: false };
  },
});
