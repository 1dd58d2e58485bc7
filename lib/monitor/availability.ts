/**
 * Availability figures from the recorded incidents (issue 7), with the textbook's formulas (digest §4.5):
 * MTBF = total uptime / number of failures, MTTR = total repair time / number of failures,
 * availability = MTBF / (MTBF + MTTR) (= uptime / period).
 *
 * Over a period [from, to]: a failure is an incident of a failing kind that was open at some time in it; its repair
 * time is the part of [openedAt, closedAt] inside the period (an incident still open runs to `to`). Overlapping
 * failures of one subject count their union once as downtime. A period without failure has no MTBF or MTTR (null):
 * nothing failed to average over.
 */
export interface IncidentSpan {
  kind: string;
  host: string | null;
  vm: string | null;
  openedAt: Date;
  closedAt: Date | null;
}

export interface AvailabilityFigures {
  failures: number;
  downtimeSec: number;
  uptimeSec: number;
  mtbfSec: number | null;
  mttrSec: number | null;
  /** 0..1 */
  availability: number;
}

/** Which incidents are failures of a host (it died or hung; a cut management path is not) and of a VM. */
export const HOST_FAILURE_KINDS: ReadonlySet<string> = new Set(["host-down", "host-hung"]);
export const VM_FAILURE_KINDS: ReadonlySet<string> = new Set(["vm-crashed"]);

export function availabilityOf(spans: IncidentSpan[], period: { from: Date; to: Date }): AvailabilityFigures {
  const from = period.from.getTime();
  const to = period.to.getTime();
  const periodMs = Math.max(0, to - from);
  const intervals = spans
    .map(
      (s) =>
        [Math.max(from, s.openedAt.getTime()), Math.min(to, (s.closedAt ?? period.to).getTime())] as const,
    )
    .filter(([a, b]) => b >= a)
    .sort((x, y) => x[0] - y[0]);
  let downMs = 0;
  let end = -Infinity;
  for (const [a, b] of intervals) {
    if (b <= end) continue;
    downMs += b - Math.max(a, end);
    end = b;
  }
  const failures = intervals.length;
  const upMs = periodMs - downMs;
  const sec = (ms: number) => Math.round(ms) / 1000;
  return {
    failures,
    downtimeSec: sec(downMs),
    uptimeSec: sec(upMs),
    mtbfSec: failures === 0 ? null : sec(upMs / failures),
    mttrSec: failures === 0 ? null : sec(downMs / failures),
    availability: periodMs === 0 ? 1 : upMs / periodMs,
  };
}

export interface HistoryFigures {
  period: { from: string; to: string };
  hosts: Array<{ name: string } & AvailabilityFigures>;
  vms: Array<{ name: string } & AvailabilityFigures>;
}

/** Per host and per VM of the farm, from the incidents open at some time in the period. */
export function historyFigures(
  spans: IncidentSpan[],
  subjects: { hosts: string[]; vms: string[] },
  period: { from: Date; to: Date },
): HistoryFigures {
  return {
    period: { from: period.from.toISOString(), to: period.to.toISOString() },
    hosts: subjects.hosts.map((name) => ({
      name,
      ...availabilityOf(
        spans.filter((s) => s.host === name && HOST_FAILURE_KINDS.has(s.kind)),
        period,
      ),
    })),
    vms: subjects.vms.map((name) => ({
      name,
      ...availabilityOf(
        spans.filter((s) => s.vm === name && VM_FAILURE_KINDS.has(s.kind)),
        period,
      ),
    })),
  };
}
