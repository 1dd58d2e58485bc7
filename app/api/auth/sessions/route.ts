import { apiRoute } from "@/lib/api/route";

export const dynamic = "force-dynamic";

/** The signed-in account's open sessions (address, browser, times; never the session's secret). */
export const GET = apiRoute({
  permission: "self:manage",
  handler: async ({ runtime, principal }) => ({ sessions: await runtime.auth.sessionsOf(principal!.userId) }),
});
