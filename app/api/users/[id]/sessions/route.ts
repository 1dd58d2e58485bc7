import { z } from "zod";
import { apiRoute } from "@/lib/api/route";

export const dynamic = "force-dynamic";

/** An account's open sessions. */
export const GET = apiRoute({
  permission: "users:manage",
  params: z.object({ id: z.string().regex(/^[a-z0-9]{1,40}$/, "must be a user id") }).strict(),
  handler: async ({ params, runtime }) => {
    await runtime.auth.userById(params.id);
    return { sessions: await runtime.auth.sessionsOf(params.id) };
  },
});

/** Ends every session of an account (its open pages are signed out and their live updates stop at once). */
export const DELETE = apiRoute({
  permission: "users:manage",
  params: z.object({ id: z.string().regex(/^[a-z0-9]{1,40}$/, "must be a user id") }).strict(),
  handler: async ({ params, runtime }) => {
    await runtime.auth.userById(params.id);
    return { ended: await runtime.auth.endUserSessions(params.id) };
  },
});
