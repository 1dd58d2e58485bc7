import { apiRoute } from "@/lib/api/route";
import { periodOf, periodRule, ZPeriodQuery } from "@/lib/api/period";
import { historyOf } from "@/lib/monitor/history";

export const dynamic = "force-dynamic";

/**
 * Availability over a period (`from`, `to`; by default the last 7 days), per host and per VM:
 * `{ period, hosts: [{ name, failures, downtimeSec, uptimeSec, mtbfSec, mttrSec, availability }], vms: [...] }`,
 * computed from the recorded incidents (lib/monitor/availability.ts).
 */
export const GET = apiRoute({
  permission: "farm:read",
  query: ZPeriodQuery.strict().refine(periodRule.check, periodRule.issue),
  handler: async ({ query, runtime }) => historyOf(runtime.db, runtime.farm.getView(), periodOf(query)),
});
