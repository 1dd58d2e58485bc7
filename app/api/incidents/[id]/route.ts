import { z } from "zod";
import { apiRoute } from "@/lib/api/route";
import { AppError } from "@/lib/errors";

export const dynamic = "force-dynamic";

/** One incident with its evidence (`detail`) and its timeline, in the order the panel received the events. */
export const GET = apiRoute({
  permission: "farm:read",
  params: z.object({ id: z.string().regex(/^[a-z0-9]{8,40}$/, "must be an incident id") }).strict(),
  handler: async ({ params, runtime }) => {
    const incident = await runtime.runbooks.incidents.get(params.id);
    if (!incident) throw new AppError("NOT_FOUND", `no incident ${params.id}`);
    return incident;
  },
});
