import { z } from "zod";
import { apiRoute } from "@/lib/api/route";
import { periodOf, periodRule, ZPeriodQuery } from "@/lib/api/period";
import { AUDIT_RESULTS } from "@/lib/audit/log";

export const dynamic = "force-dynamic";

/**
 * The audit trail, newest first: `?actor=&action=&result=ok|refused|failed&from=&to=&before=<seq>&limit=`
 * (`action` matches part of the action, e.g. "runbooks"; `before` pages back). Times are UTC.
 */
export const GET = apiRoute({
  permission: "audit:read",
  query: ZPeriodQuery.extend({
    actor: z.string().max(100).optional(),
    action: z.string().max(200).optional(),
    result: z.enum(AUDIT_RESULTS, "must be ok, refused or failed").optional(),
    before: z.coerce.number().int().min(1, "must be a positive entry number").optional(),
    limit: z.coerce.number().int().min(1).max(500, "must be at most 500").default(100),
  })
    .strict()
    .refine(periodRule.check, periodRule.issue),
  handler: async ({ query, runtime }) => {
    const { from, to } = periodOf(query);
    const rows = await runtime.db.auditEntry.findMany({
      where: {
        at: { gte: from, lte: to },
        ...(query.actor ? { actor: { contains: query.actor } } : {}),
        ...(query.action ? { action: { contains: query.action } } : {}),
        ...(query.result ? { result: query.result } : {}),
        ...(query.before ? { seq: { lt: query.before } } : {}),
      },
      orderBy: { seq: "desc" },
      take: query.limit,
    });
    return {
      entries: rows.map((r) => ({ ...r, at: r.at.toISOString() })),
      from: from.toISOString(),
      to: to.toISOString(),
    };
  },
});
