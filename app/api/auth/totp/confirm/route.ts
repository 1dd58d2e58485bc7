import { z } from "zod";
import { apiRoute } from "@/lib/api/route";

export const dynamic = "force-dynamic";

/** Turns two-factor on: `{ code }` from the app. Answers the ten recovery codes, shown this once. */
export const POST = apiRoute({
  permission: "self:manage",
  sessionOnly: true,
  body: z.object({ code: z.string().regex(/^\d{6}$/, "must be the 6-digit code from the app") }).strict(),
  handler: async ({ body, runtime, principal, client }) => ({
    recoveryCodes: await runtime.auth.confirmTotp(principal!.userId, body.code, client.address),
  }),
});
