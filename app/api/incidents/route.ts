import { z } from "zod";
import { apiRoute } from "@/lib/api/route";

export const dynamic = "force-dynamic";

/**
 * Incidents, newest first: `[{ id, kind, severity, host?, openedAt, closedAt?, summary }]`. So far each runbook
 * job opens one (a failover is critical); host and DRBD incidents arrive with monitoring (issue 7).
 */
export const GET = apiRoute({
  permission: "farm:read",
  query: z.object({ limit: z.coerce.number().int().min(1).max(500).default(100) }).strict(),
  handler: async ({ query, runtime }) => {
    const rows = await runtime.db.incident.findMany({ orderBy: { openedAt: "desc" }, take: query.limit });
    return rows.map((r) => ({
      id: r.id,
      kind: r.kind,
      severity: r.severity,
      host: r.subject,
      openedAt: r.openedAt.toISOString(),
      closedAt: r.closedAt?.toISOString() ?? null,
      summary: r.summary,
    }));
  },
});
