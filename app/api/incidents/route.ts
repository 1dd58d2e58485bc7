import { z } from "zod";
import { apiRoute } from "@/lib/api/route";
import { ZPeriodQuery } from "@/lib/api/period";
import { INCIDENT_KINDS, SEVERITIES } from "@/lib/monitor/types";

export const dynamic = "force-dynamic";

const ZName = z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,62}$/, "must be a name");

/**
 * Incidents, newest first: `[{ id, kind, severity, host, resource, vm, jobId, openedAt, closedAt, summary }]`.
 * Filters: `host`, `resource`, `vm`, `kind`, `severity`, `open` (true: still open; false: closed), and a period
 * (`from`, `to`, ISO 8601): the incidents open at some time in it.
 */
export const GET = apiRoute({
  permission: "farm:read",
  query: ZPeriodQuery.extend({
    host: ZName.optional(),
    resource: ZName.optional(),
    vm: ZName.optional(),
    kind: z.enum(INCIDENT_KINDS).optional(),
    severity: z.enum(SEVERITIES).optional(),
    open: z.enum(["true", "false"]).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
    .strict()
    .refine((q) => !q.from || !q.to || new Date(q.from) <= new Date(q.to), {
      path: ["to"],
      message: "must not be before from",
    }),
  handler: async ({ query, runtime }) =>
    runtime.runbooks.incidents.list({
      ...(query.host ? { host: query.host } : {}),
      ...(query.resource ? { resource: query.resource } : {}),
      ...(query.vm ? { vm: query.vm } : {}),
      ...(query.kind ? { kind: query.kind } : {}),
      ...(query.severity ? { severity: query.severity } : {}),
      ...(query.open ? { open: query.open === "true" } : {}),
      ...(query.from ? { from: new Date(query.from) } : {}),
      ...(query.to ? { to: new Date(query.to) } : {}),
      limit: query.limit,
    }),
});
