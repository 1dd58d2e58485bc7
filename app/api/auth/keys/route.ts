import { z } from "zod";
import { ApiResponse, apiRoute } from "@/lib/api/route";
import { publicKeyOf, relyingParty, ZCredentialResponse, ZKeyName } from "@/lib/auth/security-keys";

export const dynamic = "force-dynamic";

/** The signed-in user's security keys: name, when added, when last used. */
export const GET = apiRoute({
  permission: "self:manage",
  handler: async ({ runtime, principal }) => ({
    keys: (await runtime.auth.keys.list(principal!.userId)).map(publicKeyOf),
  }),
});

/** Registering a security key, step two: `{ name, response }` (the authenticator's answer). 201 with the key. */
export const POST = apiRoute({
  permission: "self:manage",
  sessionOnly: true,
  stepUp: true,
  body: z.object({ name: ZKeyName, response: ZCredentialResponse }).strict(),
  handler: async ({ body, runtime, principal, request }) =>
    new ApiResponse(201, {
      key: publicKeyOf(
        await runtime.auth.registerKey(
          principal!,
          relyingParty(request.headers.get("origin")),
          body.name,
          body.response,
        ),
      ),
    }),
});
