import { z } from "zod";
import { apiRoute } from "@/lib/api/route";

export const dynamic = "force-dynamic";

/** Re-key, step 1: reads the host's key again; `{ host, changed }`. A changed key must then be confirmed (pin). */
export const POST = apiRoute({
  permission: "agent:install",
  stepUp: true,
  params: z
    .object({ name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9.-]{0,62}$/, "must be a host name") })
    .strict(),
  handler: async ({ params, runtime }) => runtime.onboarding.rescan(params.name),
});
