/**
 * The memory planner (lib/runbooks/memory-plan.ts) with 1,000 VMs: 500 running on the survivor, 500 coming from the
 * failed host, priorities and minimums spread. Baseline: a naive first-fit by priority without ballooning (what a
 * script would do); the target is the planner's own (< 20 ms).
 */
import { planMemory, type IncomingVm, type RunningVm } from "../lib/runbooks/memory-plan";
import { msSince, ratioOf, summarize, type BenchResult } from "./stats";

function farmOf(count: number) {
  const running: RunningVm[] = [];
  const incoming: IncomingVm[] = [];
  for (let i = 0; i < count; i++) {
    const normal = 512 * (1 + (i % 8));
    const priority = (i * 7919) % 100;
    if (i % 2 === 0)
      running.push({ name: `run${i}`, currentMiB: normal, minMiB: normal / 2, maxMiB: normal, priority });
    else
      incoming.push({
        name: `in${i}`,
        normalMiB: normal,
        minMiB: normal / 2,
        priority,
        required: i % 10 === 1,
      });
  }
  // A survivor that must balloon to take them all: 70 % of the memory everything wants.
  const wanted = [...running.map((v) => v.currentMiB), ...incoming.map((v) => v.normalMiB)].reduce(
    (a, b) => a + b,
    0,
  );
  return {
    survivor: { name: "xen2", totalMiB: Math.round(wanted * 0.7), dom0MiB: 1024, marginMiB: 256 },
    running,
    incoming,
  };
}

function naiveFirstFit(input: ReturnType<typeof farmOf>): number {
  let free =
    input.survivor.totalMiB - input.survivor.marginMiB - input.running.reduce((a, v) => a + v.currentMiB, 0);
  let started = 0;
  for (const vm of [...input.incoming].sort((a, b) => b.priority - a.priority))
    if (vm.normalMiB <= free) {
      free -= vm.normalMiB;
      started++;
    }
  return started;
}

export async function benchPlanner(opts: { runs: number }): Promise<BenchResult> {
  const input = farmOf(1000);
  const measure = (fn: () => unknown) => {
    for (let i = 0; i < 20; i++) fn(); // warm-up (JIT)
    const samples: number[] = [];
    for (let i = 0; i < opts.runs; i++) {
      const start = process.hrtime.bigint();
      fn();
      samples.push(msSince(start));
    }
    return summarize(samples);
  };
  const plan = planMemory(input);
  const tandem = measure(() => planMemory(input));
  const baseline = measure(() => naiveFirstFit(input));
  return {
    name: "planner",
    title: "Memory planner, 1,000 VMs (500 running on the survivor, 500 incoming)",
    unit: "ms",
    tandem,
    baseline: { ...baseline, label: "naive first-fit by priority, no ballooning" },
    ratio: ratioOf(tandem, baseline),
    target: { text: "< 20 ms (p99)", met: tandem.p99 < 20 },
    notes: [
      `the plan starts ${plan.incoming.filter((v) => v.startMiB !== null).length} of 500 incoming VMs and balloons ` +
        `${plan.running.filter((v) => v.targetMiB < v.fromMiB).length} running ones; first-fit starts ${naiveFirstFit(input)} without ballooning`,
    ],
  };
}
