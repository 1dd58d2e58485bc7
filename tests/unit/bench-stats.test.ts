/** The benchmarks' order statistics (bench/stats.ts): nearest-rank percentiles, so p99 of 100 runs is the 99th. */
import { describe, expect, it } from "vitest";
import { ratioOf, summarize } from "../../bench/stats";

describe("bench statistics", () => {
  it("median, p95 and p99 by nearest rank, whatever the order of the samples", () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i); // 100..1
    expect(summarize(samples)).toMatchObject({
      n: 100,
      median: 50,
      p95: 95,
      p99: 99,
      min: 1,
      max: 100,
      mean: 50.5,
    });
    expect(summarize([7])).toMatchObject({ median: 7, p95: 7, p99: 7 });
    expect(summarize([1, 2, 3, 1000])).toMatchObject({ median: 2, p95: 1000, p99: 1000 });
    expect(() => summarize([])).toThrow(/no samples/);
  });

  it("the ratio is Tandem's median over the baseline's", () => {
    expect(ratioOf(summarize([10, 10, 10]), summarize([100, 100, 100]))).toBe(0.1);
    expect(ratioOf(summarize([10]), null)).toBeNull();
  });
});
