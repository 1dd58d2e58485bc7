import { z } from "zod";
import { apiRoute } from "@/lib/api/route";

export const dynamic = "force-dynamic";

/** The jobs, newest first: `{ jobs: [...] }` (GET /api/jobs/:id for one, with its steps and commands). */
export const GET = apiRoute({
  permission: "farm:read",
  query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) }).strict(),
  handler: async ({ query, runtime }) => ({ jobs: await runtime.runbooks.journal.list(query.limit) }),
});
