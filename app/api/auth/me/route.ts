import { apiRoute } from "@/lib/api/route";

export const dynamic = "force-dynamic";

/**
 * Who is signed in: `{ username, role, via, twoFactor, securityKeys, mustEnroll, stepUpUntil }` (`stepUpUntil`: when the last
 * password proof stops counting for dangerous actions, or null).
 */
export const GET = apiRoute({
  permission: "farm:read",
  handler: async ({ runtime, principal }) => {
    const p = principal!;
    const user = await runtime.auth.userById(p.userId);
    const until = p.stepUpAt ? new Date(p.stepUpAt.getTime() + runtime.auth.settings.stepUpMs) : null;
    return {
      username: p.username,
      role: p.role,
      via: p.via,
      twoFactor: user.totpEnabled,
      securityKeys: await runtime.auth.keys.count(p.userId),
      mustEnroll: p.mustEnroll,
      stepUpUntil: until && until.getTime() > Date.now() ? until.toISOString() : null,
    };
  },
});
