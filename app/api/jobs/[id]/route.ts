import { z } from "zod";
import { apiRoute } from "@/lib/api/route";
import { AppError } from "@/lib/errors";

export const dynamic = "force-dynamic";

/** One job: `{ id, kind, status, from, to, steps: [{ name, status, startedAt, finishedAt, commands }], plan, report }`. */
export const GET = apiRoute({
  permission: "farm:read",
  params: z.object({ id: z.string().regex(/^[a-z0-9]{8,40}$/, "must be a job id") }).strict(),
  handler: async ({ params, runtime }) => {
    const job = await runtime.runbooks.journal.get(params.id);
    if (!job) throw new AppError("NOT_FOUND", `no job ${params.id}`);
    return job;
  },
});
