import { z } from "zod";
import { apiRoute } from "@/lib/api/route";
import { hostStorage } from "@/lib/resources/storage";

export const dynamic = "force-dynamic";

/**
 * For the resource wizard's first step: `{ host, vgs: [{ name, sizeMiB, freeMiB }], unusedVolumes: [{ device,
 * sizeMiB }], addresses: [...] }` as the host reports them now. 404 for an unknown host, 503 when it does not answer.
 */
export const GET = apiRoute({
  permission: "farm:read",
  params: z
    .object({ name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9.-]{0,62}$/, "must be a host name") })
    .strict(),
  handler: async ({ params, runtime }) => hostStorage(runtime.farm, params.name),
});
