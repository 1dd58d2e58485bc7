/**
 * The history pages' data: availability per host and VM from the incidents (availability.ts), and the sampled
 * state (free memory, sync progress) as chart series, averaged into at most `points` buckets per series.
 */
import type { Db } from "../db";
import type { TFarmView } from "../farm/view";
import { HOST_FAILURE_KINDS, historyFigures, VM_FAILURE_KINDS, type HistoryFigures } from "./availability";

export const SAMPLE_METRICS = ["memory.freeMiB", "drbd.syncPercent"] as const;
export type SampleMetric = (typeof SAMPLE_METRICS)[number];

export async function historyOf(
  db: Db,
  view: TFarmView,
  period: { from: Date; to: Date },
): Promise<HistoryFigures> {
  const rows = await db.incident.findMany({
    where: {
      kind: { in: [...HOST_FAILURE_KINDS, ...VM_FAILURE_KINDS] },
      openedAt: { lte: period.to },
      OR: [{ closedAt: null }, { closedAt: { gte: period.from } }],
    },
    select: { kind: true, host: true, vm: true, openedAt: true, closedAt: true },
  });
  const vms = new Set(view.vms.map((v) => v.name));
  for (const r of rows) if (r.vm) vms.add(r.vm);
  return historyFigures(rows, { hosts: view.hosts.map((h) => h.name), vms: [...vms].sort() }, period);
}

export interface SampleSeries {
  subject: string;
  /** [ISO time of the bucket's middle, average value] */
  points: Array<[string, number]>;
}

export async function samplesOf(
  db: Db,
  metric: SampleMetric,
  period: { from: Date; to: Date },
  points = 300,
): Promise<{ metric: SampleMetric; series: SampleSeries[] }> {
  const rows = await db.sample.findMany({
    where: { metric, at: { gte: period.from, lte: period.to } },
    orderBy: { at: "asc" },
    select: { at: true, host: true, resource: true, value: true },
  });
  const from = period.from.getTime();
  const width = Math.max(1, (period.to.getTime() - from) / points);
  const bySubject = new Map<string, Map<number, { sum: number; n: number }>>();
  for (const r of rows) {
    const subject = r.host ?? r.resource ?? "";
    const buckets = bySubject.get(subject) ?? new Map<number, { sum: number; n: number }>();
    bySubject.set(subject, buckets);
    const b = Math.min(points - 1, Math.floor((r.at.getTime() - from) / width));
    const acc = buckets.get(b) ?? { sum: 0, n: 0 };
    buckets.set(b, { sum: acc.sum + r.value, n: acc.n + 1 });
  }
  return {
    metric,
    series: [...bySubject.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([subject, buckets]) => ({
        subject,
        points: [...buckets.entries()]
          .sort(([a], [b]) => a - b)
          .map(([b, { sum, n }]): [string, number] => [
            new Date(from + (b + 0.5) * width).toISOString(),
            Math.round((sum / n) * 10) / 10,
          ]),
      })),
  };
}
