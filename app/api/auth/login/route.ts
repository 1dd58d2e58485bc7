import { apiRoute } from "@/lib/api/route";
import { signedIn, ZCredentials } from "@/lib/auth/routes";

export const dynamic = "force-dynamic";

/**
 * Sign-in, step one: `{ username, password }`. `{ stage: "full" }` signed in; `{ stage: "password" }` the
 * account has two-factor and POST /api/auth/code must follow with the code. 401 wrong name or password; 429
 * locked or too many failures from this address. Sets the session cookie either way (a new session id).
 */
export const POST = apiRoute({
  permission: "public",
  audit: false,
  body: ZCredentials,
  handler: async ({ body, runtime, client, https }) => {
    const result = await runtime.auth.signIn(body, client);
    return signedIn(runtime.auth, result.sessionToken, https, {
      stage: result.stage,
      username: result.username,
      // With two-factor owed: whether a security key can answer instead of a code.
      ...(result.stage === "password"
        ? { securityKey: (await runtime.auth.keys.count(result.userId)) > 0 }
        : {}),
    });
  },
});
