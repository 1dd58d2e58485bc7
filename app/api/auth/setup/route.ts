import { apiRoute } from "@/lib/api/route";
import { signedIn, ZNewAccount } from "@/lib/auth/routes";

export const dynamic = "force-dynamic";

/** Whether the panel still needs its first administrator: `{ needed }`. */
export const GET = apiRoute({
  permission: "public",
  handler: async ({ runtime }) => ({ needed: !(await runtime.auth.adminExists()) }),
});

/**
 * First run: `{ username, password }` creates the first administrator and signs them in (201). 409 once an
 * administrator exists: there is no open setup after that.
 */
export const POST = apiRoute({
  permission: "public",
  audit: false,
  body: ZNewAccount,
  handler: async ({ body, runtime, client, https }) => {
    const user = await runtime.auth.createFirstAdmin(body, body.username, client.address);
    const signIn = await runtime.auth.signIn(body, client);
    return signedIn(runtime.auth, signIn.sessionToken, https, { user }, 201);
  },
});
