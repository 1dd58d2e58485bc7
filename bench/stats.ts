/** Order statistics of repeated runs (nearest-rank percentiles), in the unit the samples are in. */
export interface Summary {
  n: number;
  median: number;
  p95: number;
  p99: number;
  mean: number;
  min: number;
  max: number;
}

export function summarize(samples: number[]): Summary {
  if (samples.length === 0) throw new Error("no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    n: sorted.length,
    median: round(rank(50)),
    p95: round(rank(95)),
    p99: round(rank(99)),
    mean: round(sorted.reduce((a, b) => a + b, 0) / sorted.length),
    min: round(sorted[0]!),
    max: round(sorted[sorted.length - 1]!),
  };
}

/** Milliseconds since `start` (a process.hrtime.bigint()). */
export function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** One benchmark's outcome: Tandem's figure, the baseline's, and the target it is held to. */
export interface BenchResult {
  name: string;
  title: string;
  unit: "ms" | "MB";
  tandem: Summary;
  baseline: (Summary & { label: string }) | null;
  /** tandem.median / baseline.median (lower is better for Tandem), when there is a baseline. */
  ratio: number | null;
  target: { text: string; met: boolean };
  notes: string[];
}

export function ratioOf(tandem: Summary, baseline: Summary | null): number | null {
  return baseline ? Number((tandem.median / baseline.median).toPrecision(3)) : null;
}
