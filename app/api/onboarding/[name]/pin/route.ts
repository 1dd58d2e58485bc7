import { z } from "zod";
import { apiRoute } from "@/lib/api/route";

export const dynamic = "force-dynamic";

/**
 * Onboarding, step 2: `{ fingerprint }` as read on the host's console; it must be the presented key's. Pins the
 * whole key, makes the panel's key pair for the host, and answers `{ host, authorizedKeysLine }` (restrict, from=
 * the panel's address, the agent as forced command) to add to the host's authorized_keys. Also re-pins a host whose
 * key changed, after a rescan.
 */
export const POST = apiRoute({
  permission: "agent:install",
  stepUp: true,
  params: z
    .object({ name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9.-]{0,62}$/, "must be a host name") })
    .strict(),
  body: z.object({ fingerprint: z.string().max(100) }).strict(),
  handler: async ({ params, body, runtime, principal }) =>
    runtime.onboarding.pin(params.name, body.fingerprint, principal!.username),
});
