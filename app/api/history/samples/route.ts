import { z } from "zod";
import { apiRoute } from "@/lib/api/route";
import { periodOf, periodRule, ZPeriodQuery } from "@/lib/api/period";
import { SAMPLE_METRICS, samplesOf } from "@/lib/monitor/history";

export const dynamic = "force-dynamic";

/**
 * The state history of one metric over a period: `{ metric, series: [{ subject, points: [[time, value]] }] }`,
 * `memory.freeMiB` per host or `drbd.syncPercent` per resource, averaged into at most 300 points per series.
 */
export const GET = apiRoute({
  permission: "farm:read",
  query: ZPeriodQuery.extend({ metric: z.enum(SAMPLE_METRICS) })
    .strict()
    .refine(periodRule.check, periodRule.issue),
  handler: async ({ query, runtime }) => samplesOf(runtime.db, query.metric, periodOf(query)),
});
