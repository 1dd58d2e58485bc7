import { apiRoute } from "@/lib/api/route";

export const dynamic = "force-dynamic";

/** The whole farm: hosts, DRBD resources with both sides, VMs (see lib/farm/view.ts for the shape). */
export const GET = apiRoute({
  permission: "farm:read",
  handler: async ({ runtime }) => runtime.farm.getView(),
});
