import { z } from "zod";
import { apiRoute } from "@/lib/api/route";
import { saveVmPolicy, ZVmPolicyChange } from "@/lib/runbooks/policies";

export const dynamic = "force-dynamic";

/**
 * Sets a VM's degraded-mode settings: `{ minMiB?, priority?, required? }`, each a value or null (back to the
 * default policy). 400 naming the field for a bad value; 404 for a VM the inventory does not know.
 */
export const PUT = apiRoute({
  permission: "runbook:run",
  params: z
    .object({ name: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/, "must be a VM name") })
    .strict(),
  body: ZVmPolicyChange,
  handler: async ({ params, body, runtime }) =>
    saveVmPolicy(runtime.db, runtime.farm.getView(), params.name, body),
});
