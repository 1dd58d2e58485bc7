import { apiRoute } from "@/lib/api/route";
import { capacityChecks } from "@/lib/runbooks/capacity";
import { loadVmPolicies } from "@/lib/runbooks/policies";

export const dynamic = "force-dynamic";

/** The N+1 check per host: `[{ host, from, incoming, fits, fitsWithoutBallooning, requiredUnstarted, shortfallMiB }]`. */
export const GET = apiRoute({
  permission: "farm:read",
  handler: async ({ runtime }) => capacityChecks(runtime.farm.getView(), await loadVmPolicies(runtime.db)),
});
