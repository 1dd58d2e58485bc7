import { apiRoute } from "@/lib/api/route";
import { ZHostParams } from "@/lib/hosts/service";

export const dynamic = "force-dynamic";

/** Onboarding, step 3: connects with the pinned key and asks the agent its version; 502 HOST_KEY_CHANGED and the host marked key-changed when the host presents another key. */
export const POST = apiRoute({
  permission: "agent:install",
  params: ZHostParams,
  handler: async ({ params, runtime }) => ({ host: await runtime.onboarding.test(params.name) }),
});
