import { apiRoute } from "@/lib/api/route";
import { vmPolicies } from "@/lib/runbooks/policies";

export const dynamic = "force-dynamic";

/** Each VM's degraded-mode settings: `[{ name, maxMemoryMiB, minMiB, priority, required, own: { ... } }]`. */
export const GET = apiRoute({
  permission: "farm:read",
  handler: async ({ runtime }) => vmPolicies(runtime.db, runtime.farm.getView()),
});
