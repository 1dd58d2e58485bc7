import { z } from "zod";
import { apiRoute } from "@/lib/api/route";
import { ZHostParams } from "@/lib/hosts/service";

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
  params: ZHostParams,
  body: z.object({ fingerprint: z.string().max(100) }).strict(),
  handler: async ({ params, body, runtime, principal }) =>
    runtime.onboarding.pin(params.name, body.fingerprint, principal!.username),
});
