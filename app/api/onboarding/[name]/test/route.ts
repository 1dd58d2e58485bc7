import { z } from "zod";
import { apiRoute } from "@/lib/api/route";

export const dynamic = "force-dynamic";

/** Onboarding, step 3: connects with the pinned key and asks the agent its version; 502 HOST_KEY_CHANGED and the host marked key-changed when the host presents another key. */
export const POST = apiRoute({
  permission: "agent:install",
  params: z
    .object({ name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9.-]{0,62}$/, "must be a host name") })
    .strict(),
  handler: async ({ params, runtime }) => ({ host: await runtime.onboarding.test(params.name) }),
});
