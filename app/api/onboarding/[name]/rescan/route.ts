import { apiRoute } from "@/lib/api/route";
import { ZHostParams } from "@/lib/hosts/service";

export const dynamic = "force-dynamic";

/** Re-key, step 1: reads the host's key again; `{ host, changed }`. A changed key must then be confirmed (pin). */
export const POST = apiRoute({
  permission: "agent:install",
  stepUp: true,
  params: ZHostParams,
  handler: async ({ params, runtime }) => runtime.onboarding.rescan(params.name),
});
