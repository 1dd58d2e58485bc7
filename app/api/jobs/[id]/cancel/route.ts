import { z } from "zod";
import { apiRoute } from "@/lib/api/route";

export const dynamic = "force-dynamic";

/** Asks a running job to stop before its next step (the step in progress finishes first); 409 when it is not running. */
export const POST = apiRoute({
  permission: "runbook:run",
  params: z.object({ id: z.string().regex(/^[a-z0-9]{8,40}$/, "must be a job id") }).strict(),
  handler: async ({ params, runtime }) => {
    await runtime.runbooks.cancel(params.id);
    return { ok: true, id: params.id };
  },
});
