import { z } from "zod";

/** `from` and `to` (ISO 8601) of a history query; by default the last 7 days. Refusals name the field. */
export const ZPeriodQuery = z.object({
  from: z.iso.datetime({ offset: true, message: "must be an ISO 8601 date and time" }).optional(),
  to: z.iso.datetime({ offset: true, message: "must be an ISO 8601 date and time" }).optional(),
});

export function periodOf(q: { from?: string | undefined; to?: string | undefined }, now = new Date()) {
  const to = q.to ? new Date(q.to) : now;
  const from = q.from ? new Date(q.from) : new Date(to.getTime() - 7 * 86_400_000);
  return { from, to };
}

export const periodRule = {
  check: (q: { from?: string | undefined; to?: string | undefined }) => {
    const { from, to } = periodOf(q);
    return from < to && to.getTime() - from.getTime() <= 3650 * 86_400_000;
  },
  issue: { path: ["to"], message: "must be after from, and at most 3650 days after it" },
};
