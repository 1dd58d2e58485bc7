import { z } from "zod";
import { apiRoute } from "@/lib/api/route";
import { ZPassword } from "@/lib/auth/passwords";
import { ROLES } from "@/lib/auth/roles";

export const dynamic = "force-dynamic";

/**
 * Changes an account: `{ role?, disabled?, password?, resetTwoFactor? }`. A new role, disabling or a new password
 * ends the account's sessions. The last active administrator can be neither demoted nor disabled (409).
 */
export const PATCH = apiRoute({
  permission: "users:manage",
  stepUp: true,
  params: z.object({ id: z.string().regex(/^[a-z0-9]{1,40}$/, "must be a user id") }).strict(),
  body: z
    .object({
      role: z.enum(ROLES, "must be viewer, operator or admin").optional(),
      disabled: z.boolean().optional(),
      password: ZPassword.optional(),
      resetTwoFactor: z.literal(true).optional(),
    })
    .strict(),
  handler: async ({ params, body, runtime }) => {
    let user = await runtime.auth.updateUser(params.id, { role: body.role, disabled: body.disabled });
    if (body.password !== undefined) await runtime.auth.setPassword(params.id, body.password);
    if (body.resetTwoFactor) await runtime.auth.disableTotp(params.id);
    if (body.password !== undefined || body.resetTwoFactor)
      user = (await runtime.auth.listUsers()).find((u) => u.id === params.id) ?? user;
    return { user };
  },
});
