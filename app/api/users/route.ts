import { z } from "zod";
import { ApiResponse, apiRoute } from "@/lib/api/route";
import { ZPassword, ZUsername } from "@/lib/auth/passwords";
import { ROLES } from "@/lib/auth/roles";

export const dynamic = "force-dynamic";

/** Every account with its role, two-factor, disabled and locked flags and open sessions. */
export const GET = apiRoute({
  permission: "users:manage",
  handler: async ({ runtime }) => ({ users: await runtime.auth.listUsers() }),
});

/** A new account: `{ username, password, role }` (201). 409 when the name is taken. */
export const POST = apiRoute({
  permission: "users:manage",
  stepUp: true,
  body: z
    .object({
      username: ZUsername,
      password: ZPassword,
      role: z.enum(ROLES, "must be viewer, operator or admin"),
    })
    .strict(),
  handler: async ({ body, runtime }) => new ApiResponse(201, { user: await runtime.auth.createUser(body) }),
});
