import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  capacityOf,
  defaultVmPolicy,
  explainReason,
  nPlusOne,
  planMemory,
  type IncomingVm,
  type MemoryPlan,
  type MemoryPlanInput,
  type PlanHost,
  type PlanReason,
  type PlanReasonCode,
  type RunningVm,
} from "../../../lib/runbooks/memory-plan";

// ---------------------------------------------------------------------------------------------
// Builders

function host(totalMiB: number, dom0MiB = 0, marginMiB = 0): PlanHost {
  return { name: "xen2", totalMiB, dom0MiB, marginMiB };
}

function run(
  name: string,
  currentMiB: number,
  minMiB: number,
  priority: number,
  maxMiB = currentMiB,
): RunningVm {
  return { name, currentMiB, minMiB, maxMiB: Math.max(maxMiB, minMiB), priority };
}

function inc(
  name: string,
  normalMiB: number,
  minMiB: number,
  priority: number,
  required: boolean,
): IncomingVm {
  return { name, normalMiB, minMiB, priority, required };
}

function runningOf(plan: MemoryPlan, name: string) {
  const vm = plan.running.find((r) => r.name === name);
  if (!vm) throw new Error(`no running VM ${name} in the plan`);
  return vm;
}

function incomingOf(plan: MemoryPlan, name: string) {
  const vm = plan.incoming.find((i) => i.name === name);
  if (!vm) throw new Error(`no incoming VM ${name} in the plan`);
  return vm;
}

/** name → target, for compact expectations. */
function targets(plan: MemoryPlan): Record<string, number> {
  return Object.fromEntries(plan.running.map((r) => [r.name, r.targetMiB]));
}

/** name → [startMiB, order, reason code], for compact expectations. */
function starts(plan: MemoryPlan): Record<string, [number | null, number | null, PlanReasonCode]> {
  return Object.fromEntries(plan.incoming.map((i) => [i.name, [i.startMiB, i.order, i.reason.code]]));
}

// ---------------------------------------------------------------------------------------------
// Examples

describe("capacityOf", () => {
  it("is total - dom0 - margin", () => {
    expect(capacityOf(host(8192, 1024, 128))).toBe(7040);
  });

  it("is never negative", () => {
    expect(capacityOf(host(1000, 1024, 128))).toBe(0);
  });
});

describe("planMemory without ballooning (policy step 2)", () => {
  it("keeps running VMs, starts required at normal, then optional at normal, minimum or not at all", () => {
    // capacity 4000; after a (1000) and r1 (1000) 2000 are free.
    // o1 normal 1000 -> 1000 free; o2 normal 800 -> 200 free; o3 neither 600 nor 300 fits;
    // o4 normal 100 still fits after o3 was skipped -> 100 free; o5 normal 300 no, min 100 yes -> 0.
    const plan = planMemory({
      survivor: host(4000),
      running: [run("a", 1000, 500, 10, 2000)],
      incoming: [
        inc("o3", 600, 300, 30, false),
        inc("o1", 1000, 500, 50, false),
        inc("r1", 1000, 500, 1, true),
        inc("o5", 300, 100, 10, false),
        inc("o2", 800, 400, 40, false),
        inc("o4", 100, 50, 20, false),
      ],
    });
    expect(plan.running).toEqual([
      {
        name: "a",
        fromMiB: 1000,
        targetMiB: 1000,
        reason: { code: "unchanged", params: { currentMiB: 1000 } },
      },
    ]);
    expect(plan.incoming.map((i) => i.name)).toEqual(["r1", "o1", "o2", "o3", "o4", "o5"]);
    expect(starts(plan)).toEqual({
      r1: [1000, 1, "started-normal"],
      o1: [1000, 2, "started-normal"],
      o2: [800, 3, "started-normal"],
      o3: [null, null, "not-required-no-room"],
      o4: [100, 4, "started-normal"],
      o5: [100, 5, "optional-started-minimum"],
    });
    expect(incomingOf(plan, "o3").reason).toEqual({
      code: "not-required-no-room",
      params: { minMiB: 300, freeMiB: 200 },
    });
    expect(incomingOf(plan, "o5").reason).toEqual({
      code: "optional-started-minimum",
      params: { minMiB: 100, normalMiB: 300, freeMiB: 100 },
    });
    expect(plan.totalAfterMiB).toBe(4000);
    expect(plan.fits).toBe(true);
    expect(plan.requiredUnstarted).toEqual([]);
  });

  it("applies when running VMs plus required VMs at normal fill the capacity exactly", () => {
    const plan = planMemory({
      survivor: host(3000),
      running: [run("a", 2000, 1000, 10)],
      incoming: [inc("r", 1000, 500, 10, true)],
    });
    expect(targets(plan)).toEqual({ a: 2000 });
    expect(starts(plan)).toEqual({ r: [1000, 1, "started-normal"] });
  });

  it("never balloons a running VM up towards its max, even with memory to spare", () => {
    const plan = planMemory({ survivor: host(10_000), running: [run("a", 512, 256, 1, 4096)], incoming: [] });
    expect(runningOf(plan, "a").targetMiB).toBe(512);
    expect(plan.totalAfterMiB).toBe(512);
  });
});

describe("planMemory with ballooning (policy step 3)", () => {
  it("gives memory back by priority, highest level first", () => {
    // capacity 2600 < 1000 + 1000 + 1000. Phase 1: hi 500 + lo 500 + r 500 -> 1100 left.
    // Phase 2: level 80 hi +500 (600 left), level 50 r +500 (100 left), level 10 lo +100 (0 left).
    const plan = planMemory({
      survivor: host(2600),
      running: [run("lo", 1000, 500, 10), run("hi", 1000, 500, 80)],
      incoming: [inc("r", 1000, 500, 50, true)],
    });
    expect(plan.running.map((r) => r.name)).toEqual(["hi", "lo"]);
    expect(targets(plan)).toEqual({ hi: 1000, lo: 600 });
    expect(runningOf(plan, "hi").reason).toEqual({
      code: "kept-by-priority",
      params: { currentMiB: 1000, priority: 80 },
    });
    expect(runningOf(plan, "lo").reason).toEqual({
      code: "shrunk-to-fit",
      params: { fromMiB: 1000, targetMiB: 600, minMiB: 500, priority: 10 },
    });
    expect(starts(plan)).toEqual({ r: [1000, 1, "started-normal"] });
    expect(plan.totalAfterMiB).toBe(2600);
    expect(plan.fits).toBe(true);
  });

  it("shares a level in proportion to each VM's shortfall", () => {
    // Floors 100 + 100, r at 100 (shortfall 0): capacity 500 leaves 200 for shortfalls 100 and 300.
    const plan = planMemory({
      survivor: host(500),
      running: [run("a", 200, 100, 5), run("b", 400, 100, 5)],
      incoming: [inc("r", 100, 100, 9, true)],
    });
    expect(targets(plan)).toEqual({ a: 150, b: 250 });
    expect(plan.totalAfterMiB).toBe(500);
  });

  it("treats equal VMs equally and hands the rounding remainder out by name", () => {
    // 1000 MiB for three shortfalls of 1000: 333 each, the remaining 1 MiB to vm-a (first name).
    const plan = planMemory({
      survivor: host(1000),
      running: [run("vm-c", 1000, 0, 1), run("vm-a", 1000, 0, 1), run("vm-b", 1000, 0, 1)],
      incoming: [],
    });
    expect(targets(plan)).toEqual({ "vm-a": 334, "vm-b": 333, "vm-c": 333 });
    expect(plan.running.map((r) => r.name)).toEqual(["vm-a", "vm-b", "vm-c"]);
  });

  it("hands out a remainder larger than 1 MiB one MiB per VM in name order", () => {
    // 2 MiB for three shortfalls of 1: floor(2/3) = 0 each, then x and y get 1, z none.
    const plan = planMemory({
      survivor: host(2),
      running: [run("z", 1, 0, 3), run("y", 1, 0, 3), run("x", 1, 0, 3)],
      incoming: [],
    });
    expect(targets(plan)).toEqual({ x: 1, y: 1, z: 0 });
    expect(runningOf(plan, "z").reason.code).toBe("at-minimum");
  });

  it("shares a level between running VMs and required incoming VMs alike", () => {
    // Floor 512 + db1 512 = 1024; capacity 1536 leaves 512 for two shortfalls of 512: 256 each.
    const plan = planMemory({
      survivor: host(1536),
      running: [run("web1", 1024, 512, 70)],
      incoming: [inc("db1", 1024, 512, 70, true)],
    });
    expect(targets(plan)).toEqual({ web1: 768 });
    expect(starts(plan)).toEqual({ db1: [768, 1, "started-reduced"] });
    const db1 = incomingOf(plan, "db1");
    expect(explainReason(db1.reason, "db1")).toBe(
      "db1 starts with 768 MiB (normal 1024 MiB, minimum 512 MiB): memory shared by priority after every " +
        "required VM got its minimum ran short at priority 70.",
    );
  });

  it("starts required VMs at their minimum when nothing is left for their level", () => {
    const plan = planMemory({
      survivor: host(1500),
      running: [run("hi", 1000, 500, 90)],
      incoming: [inc("r", 1000, 500, 10, true)],
    });
    expect(targets(plan)).toEqual({ hi: 1000 });
    expect(incomingOf(plan, "r")).toEqual({
      name: "r",
      startMiB: 500,
      order: 1,
      reason: { code: "started-minimum", params: { minMiB: 500, normalMiB: 1000, priority: 10 } },
    });
  });

  it("does not start optional VMs with memory taken from running or required VMs", () => {
    const plan = planMemory({
      survivor: host(1500),
      running: [run("a", 1000, 500, 1)],
      incoming: [inc("r", 1000, 500, 1, true), inc("opt", 200, 100, 99, false)],
    });
    expect(targets(plan)).toEqual({ a: 750 });
    expect(starts(plan)).toEqual({
      r: [750, 1, "started-reduced"],
      opt: [null, null, "not-required-no-room"],
    });
    expect(incomingOf(plan, "opt").reason).toEqual({
      code: "not-required-no-room",
      params: { minMiB: 100, freeMiB: 0 },
    });
  });

  it("starts an optional VM at its minimum when it fits in what is left after phase 2", () => {
    const plan = planMemory({
      survivor: host(1500),
      running: [run("a", 1000, 500, 1)],
      incoming: [inc("r", 1000, 500, 1, true), inc("zero", 512, 0, 5, false)],
    });
    expect(starts(plan)).toEqual({
      r: [750, 1, "started-reduced"],
      zero: [0, 2, "optional-started-minimum"],
    });
  });

  it("balloons running VMs when they alone exceed the capacity, with nothing incoming", () => {
    const plan = planMemory({
      survivor: host(1500),
      running: [run("a", 1000, 500, 2), run("b", 1000, 500, 1)],
      incoming: [],
    });
    expect(targets(plan)).toEqual({ a: 1000, b: 500 });
    expect(runningOf(plan, "b").reason).toEqual({
      code: "at-minimum",
      params: { fromMiB: 1000, minMiB: 500, priority: 1 },
    });
    expect(plan.fits).toBe(true);
  });
});

describe("planMemory when a required VM cannot start", () => {
  // capacity 2000; w's floor is 1000, so phase 1 has 1000 free.
  // big (90, min 1500) and huge (90, min 5000) do not fit; small (90, after them by name) still
  // starts at 200 (800 left); big, the first refused, is the one reported as blocking;
  // low (20, min 100) would fit but a more important required VM is down: blocked.
  // Phase 2: small +200 -> normal 400 (600 left). opt is blocked although it would fit.
  const plan = planMemory({
    survivor: host(2000),
    running: [run("w", 1000, 1000, 10)],
    incoming: [
      inc("low", 100, 100, 20, true),
      inc("opt", 50, 50, 99, false),
      inc("small", 400, 200, 90, true),
      inc("big", 2000, 1500, 90, true),
      inc("huge", 6000, 5000, 90, true),
    ],
  });

  it("refuses it, still tries its own priority level, and blocks lower levels and optional VMs", () => {
    expect(starts(plan)).toEqual({
      big: [null, null, "required-no-room"],
      huge: [null, null, "required-no-room"],
      small: [400, 1, "started-normal"],
      low: [null, null, "required-blocked"],
      opt: [null, null, "not-required-blocked"],
    });
    expect(incomingOf(plan, "big").reason).toEqual({
      code: "required-no-room",
      params: { minMiB: 1500, freeMiB: 1000 },
    });
    expect(incomingOf(plan, "low").reason).toEqual({
      code: "required-blocked",
      params: { priority: 20, blockedBy: "big", blockedByPriority: 90 },
    });
    expect(incomingOf(plan, "opt").reason).toEqual({
      code: "not-required-blocked",
      params: { blockedBy: "big" },
    });
  });

  it("reports fits=false and the unstarted required VMs in priority order", () => {
    expect(plan.fits).toBe(false);
    expect(plan.requiredUnstarted).toEqual(["big", "huge", "low"]);
    expect(plan.totalAfterMiB).toBe(1400);
    expect(targets(plan)).toEqual({ w: 1000 });
  });
});

describe("planMemory when the running VMs' minimums exceed the capacity", () => {
  const input: MemoryPlanInput = {
    survivor: host(1000),
    running: [run("a", 800, 600, 5), run("b", 600, 500, 1), run("odd", 100, 300, 3)],
    incoming: [inc("opt", 100, 0, 9, false)],
  };

  it("shrinks every running VM to its floor, starts nothing and says so", () => {
    const plan = planMemory(input);
    expect(targets(plan)).toEqual({ a: 600, b: 500, odd: 100 });
    expect(runningOf(plan, "a").reason).toEqual({
      code: "floor-exceeds-capacity",
      params: { fromMiB: 800, minMiB: 600, floorMiB: 1200, capacityMiB: 1000 },
    });
    expect(runningOf(plan, "odd").reason.code).toBe("below-minimum");
    expect(starts(plan)).toEqual({ opt: [null, null, "no-capacity"] });
    expect(plan.totalAfterMiB).toBe(1200);
    expect(plan.totalAfterMiB).toBeGreaterThan(plan.capacityMiB);
  });

  it("still fits when no incoming VM is required", () => {
    expect(planMemory(input).fits).toBe(true);
  });

  it("does not fit when an incoming VM is required", () => {
    const plan = planMemory({ ...input, incoming: [...input.incoming, inc("req", 100, 0, 1, true)] });
    expect(plan.fits).toBe(false);
    expect(plan.requiredUnstarted).toEqual(["req"]);
    expect(incomingOf(plan, "req").reason).toEqual({
      code: "no-capacity",
      params: { floorMiB: 1200, capacityMiB: 1000 },
    });
  });
});

describe("planMemory with a running VM below its minimum", () => {
  it("keeps its current memory when ballooning (never up, never below)", () => {
    const plan = planMemory({
      survivor: host(1000),
      running: [run("odd", 300, 512, 1, 1024), run("a", 1000, 400, 1)],
      incoming: [],
    });
    expect(runningOf(plan, "odd")).toEqual({
      name: "odd",
      fromMiB: 300,
      targetMiB: 300,
      reason: { code: "below-minimum", params: { currentMiB: 300, minMiB: 512 } },
    });
    expect(targets(plan)).toEqual({ odd: 300, a: 700 });
  });

  it("keeps its current memory and is flagged when no ballooning is needed", () => {
    const plan = planMemory({ survivor: host(5000), running: [run("odd", 300, 512, 1, 1024)], incoming: [] });
    expect(runningOf(plan, "odd").targetMiB).toBe(300);
    expect(runningOf(plan, "odd").reason.code).toBe("below-minimum");
  });
});

describe("planMemory input validation", () => {
  const valid = (): MemoryPlanInput => ({
    survivor: host(8192, 1024, 128),
    running: [run("web1", 2048, 1024, 70, 2048)],
    incoming: [inc("db1", 1024, 512, 90, true)],
  });

  const cases: Array<[string, (input: MemoryPlanInput) => void, string]> = [
    [
      "duplicate names among running VMs",
      (i) => i.running.push(run("web1", 10, 0, 1)),
      "running[web1].name: must be unique across running and incoming VMs (also in running)",
    ],
    [
      "a name both running and incoming",
      (i) => i.incoming.push(inc("web1", 10, 0, 1, false)),
      "incoming[web1].name: must be unique across running and incoming VMs (also in running)",
    ],
    [
      "duplicate names among incoming VMs",
      (i) => i.incoming.push(inc("db1", 10, 0, 1, false)),
      "incoming[db1].name: must be unique across running and incoming VMs (also in incoming)",
    ],
    [
      "an empty name",
      (i) => i.running.unshift(run("", 10, 0, 1)),
      "running[#0].name: must be a non-empty string",
    ],
    [
      "a negative current memory",
      (i) => ((i.running[0] as RunningVm).currentMiB = -1),
      "running[web1].currentMiB: must be a non-negative integer (got -1)",
    ],
    [
      "a fractional normal memory",
      (i) => ((i.incoming[0] as IncomingVm).normalMiB = 1.5),
      "incoming[db1].normalMiB: must be a non-negative integer (got 1.5)",
    ],
    [
      "a NaN minimum",
      (i) => ((i.incoming[0] as IncomingVm).minMiB = Number.NaN),
      "incoming[db1].minMiB: must be a non-negative integer (got NaN)",
    ],
    [
      "an unsafe integer maximum",
      (i) => ((i.running[0] as RunningVm).maxMiB = 2 ** 60),
      "running[web1].maxMiB: must be at most 9007199254740991 (got 1152921504606847000)",
    ],
    [
      "an incoming minimum above normal",
      (i) => ((i.incoming[0] as IncomingVm).minMiB = 2048),
      "incoming[db1].minMiB: must be at most normalMiB (1024)",
    ],
    [
      "a running minimum above max",
      (i) => ((i.running[0] as RunningVm).minMiB = 4096),
      "running[web1].minMiB: must be at most maxMiB (2048)",
    ],
    [
      "an infinite priority",
      (i) => ((i.running[0] as RunningVm).priority = Number.POSITIVE_INFINITY),
      "running[web1].priority: must be a finite number (got Infinity)",
    ],
    [
      "a NaN priority",
      (i) => ((i.incoming[0] as IncomingVm).priority = Number.NaN),
      "incoming[db1].priority: must be a finite number (got NaN)",
    ],
    [
      "a negative dom0",
      (i) => (i.survivor.dom0MiB = -5),
      "survivor.dom0MiB: must be a non-negative integer (got -5)",
    ],
    [
      "a fractional host total",
      (i) => (i.survivor.totalMiB = 8192.5),
      "survivor.totalMiB: must be a non-negative integer (got 8192.5)",
    ],
  ];

  it.each(cases)("rejects %s", (_label, mutate, message) => {
    const input = valid();
    mutate(input);
    expect(() => planMemory(input)).toThrow(new Error(message));
  });

  it("accepts the unmodified input, zero values and a current memory below the minimum", () => {
    expect(() => planMemory(valid())).not.toThrow();
    expect(() =>
      planMemory({ survivor: host(0), running: [run("a", 0, 0, 0, 0), run("b", 10, 20, -3)], incoming: [] }),
    ).not.toThrow();
  });

  it("is applied by nPlusOne too", () => {
    const input = valid();
    (input.incoming[0] as IncomingVm).minMiB = 2048;
    expect(() => nPlusOne(input.survivor, input.running, input.incoming)).toThrow(
      "incoming[db1].minMiB: must be at most normalMiB (1024)",
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Explanations

describe("explainReason", () => {
  // The mapped type makes this fail to compile when a code is added without a sample.
  const samples: { [C in PlanReasonCode]: Extract<PlanReason, { code: C }> } = {
    unchanged: { code: "unchanged", params: { currentMiB: 1001 } },
    "kept-by-priority": { code: "kept-by-priority", params: { currentMiB: 1002, priority: 71 } },
    "shrunk-to-fit": {
      code: "shrunk-to-fit",
      params: { fromMiB: 1003, targetMiB: 777, minMiB: 501, priority: 72 },
    },
    "at-minimum": { code: "at-minimum", params: { fromMiB: 1004, minMiB: 502, priority: 73 } },
    "below-minimum": { code: "below-minimum", params: { currentMiB: 301, minMiB: 503 } },
    "floor-exceeds-capacity": {
      code: "floor-exceeds-capacity",
      params: { fromMiB: 1005, minMiB: 504, floorMiB: 9001, capacityMiB: 7041 },
    },
    "started-normal": { code: "started-normal", params: { normalMiB: 1006 } },
    "started-reduced": {
      code: "started-reduced",
      params: { startMiB: 768, normalMiB: 1007, minMiB: 505, priority: 74 },
    },
    "started-minimum": { code: "started-minimum", params: { minMiB: 506, normalMiB: 1008, priority: 75 } },
    "optional-started-minimum": {
      code: "optional-started-minimum",
      params: { minMiB: 507, normalMiB: 1009, freeMiB: 611 },
    },
    "required-no-room": { code: "required-no-room", params: { minMiB: 508, freeMiB: 612 } },
    "required-blocked": {
      code: "required-blocked",
      params: { priority: 21, blockedBy: "db9", blockedByPriority: 91 },
    },
    "not-required-no-room": { code: "not-required-no-room", params: { minMiB: 509, freeMiB: 613 } },
    "not-required-blocked": { code: "not-required-blocked", params: { blockedBy: "cron9" } },
    "no-capacity": { code: "no-capacity", params: { floorMiB: 9002, capacityMiB: 7042 } },
  };

  it.each(Object.values(samples))("gives one sentence with the name and every number for $code", (reason) => {
    const text = explainReason(reason, "vm42");
    expect(text.startsWith("vm42 ")).toBe(true);
    expect(text.endsWith(".")).toBe(true);
    expect(text.split(". ")).toHaveLength(1);
    for (const value of Object.values(reason.params)) expect(text).toContain(String(value));
  });

  it("gives a different sentence for every code", () => {
    const texts = Object.values(samples).map((r) => explainReason(r, "vm"));
    expect(new Set(texts).size).toBe(texts.length);
  });

  it("reads as expected for a shrunk running VM", () => {
    expect(explainReason(samples["shrunk-to-fit"], "lvs2")).toBe(
      "lvs2 is ballooned down from 1003 MiB to 777 MiB (minimum 501 MiB): memory shared by priority after " +
        "every required VM got its minimum ran short at priority 72.",
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Default policy of the simulated farm

describe("defaultVmPolicy", () => {
  it.each([
    ["db1", 1024, { minMiB: 512, priority: 90, required: true }],
    ["mail1", 1024, { minMiB: 512, priority: 80, required: false }],
    ["mail2", 1024, { minMiB: 512, priority: 80, required: false }],
    ["web1", 2048, { minMiB: 1024, priority: 70, required: true }],
    ["web-ssl1", 1024, { minMiB: 512, priority: 70, required: false }],
    ["web-ssl2", 1024, { minMiB: 512, priority: 70, required: false }],
    ["lvs1", 512, { minMiB: 256, priority: 60, required: false }],
    ["admin2", 1024, { minMiB: 512, priority: 50, required: false }],
    ["cron1", 1024, { minMiB: 512, priority: 40, required: true }],
    ["irc1", 512, { minMiB: 256, priority: 30, required: true }],
    ["ftp1", 512, { minMiB: 256, priority: 30, required: true }],
    ["backup1", 1024, { minMiB: 512, priority: 50, required: true }],
    ["toString", 1024, { minMiB: 512, priority: 50, required: true }],
  ] as const)("%s (%i MiB)", (name, normalMiB, expected) => {
    expect(defaultVmPolicy(name, normalMiB)).toEqual(expected);
  });

  it("never goes below 256 MiB unless the normal memory is smaller", () => {
    expect(defaultVmPolicy("db1", 300).minMiB).toBe(256);
    expect(defaultVmPolicy("db1", 200).minMiB).toBe(200);
    expect(defaultVmPolicy("db1", 0).minMiB).toBe(0);
    expect(defaultVmPolicy("db1", 1025).minMiB).toBe(512);
  });

  it("rejects a normal memory that is not a non-negative integer", () => {
    expect(() => defaultVmPolicy("db1", -1)).toThrow(
      "defaultVmPolicy(db1).normalMiB: must be a non-negative integer",
    );
  });
});

// ---------------------------------------------------------------------------------------------
// The MozillaGumi farm (farm-design.md, Table 3)

const XEN1_VMS: Array<[string, number]> = [
  ["lvs1", 512],
  ["admin1", 1024],
  ["db1", 1024],
  ["web-ssl1", 1024],
  ["mail1", 1024],
  ["irc1", 512],
  ["cron1", 1024],
];
const XEN2_VMS: Array<[string, number]> = [
  ["lvs2", 512],
  ["admin2", 1024],
  ["web1", 2048],
  ["web-ssl2", 1024],
  ["mail2", 1024],
  ["ftp1", 512],
];

function gumiRunning(vms: Array<[string, number]>): RunningVm[] {
  return vms.map(([name, mib]) => {
    const { minMiB, priority } = defaultVmPolicy(name, mib);
    return { name, currentMiB: mib, minMiB, maxMiB: mib, priority };
  });
}

function gumiIncoming(vms: Array<[string, number]>): IncomingVm[] {
  return vms.map(([name, mib]) => ({ name, normalMiB: mib, ...defaultVmPolicy(name, mib) }));
}

const GUMI_HOST = host(8192, 1024, 128);

describe("MozillaGumi: xen1 fails, xen2 survives", () => {
  /*
   * By hand. capacity = 8192 - 1024 - 128 = 7040.
   * Running on xen2 (current, min, priority): mail2 1024/512/80, web-ssl2 1024/512/70,
   *   web1 2048/1024/70, lvs2 512/256/60, admin2 1024/512/50, ftp1 512/256/30.
   *   Sum current 6144, sum min 3072.
   * Required from xen1: db1 1024/512/90, cron1 1024/512/40, irc1 512/256/30 (sum normal 2560).
   * 6144 + 2560 = 8704 > 7040, so ballooning.
   * Phase 1: 7040 - 3072 = 3968; db1 512 -> 3456; cron1 512 -> 2944; irc1 256 -> 2688 left.
   * Phase 2, by level:
   *   90 db1 +512 (2176 left)  80 mail2 +512 (1664)  70 web-ssl2 +512, web1 +1024 (128)
   *   60 lvs2 wants 256, gets 128 -> 384 (0 left)  50, 40, 30: nothing.
   * Phase 3: 0 left, so lvs1, admin1, web-ssl1, mail1 (optional, twins on xen2) stay down.
   * Running total 1024 + 1024 + 2048 + 384 + 512 + 256 = 5248; incoming 1024 + 512 + 256 = 1792;
   * total 7040.
   */
  const plan = planMemory({
    survivor: GUMI_HOST,
    running: gumiRunning(XEN2_VMS),
    incoming: gumiIncoming(XEN1_VMS),
  });

  it("fits, starts db1, irc1 and cron1 and stays within 7040 MiB", () => {
    expect(plan.capacityMiB).toBe(7040);
    expect(plan.fits).toBe(true);
    expect(plan.requiredUnstarted).toEqual([]);
    for (const name of ["db1", "irc1", "cron1"]) expect(incomingOf(plan, name).startMiB).not.toBeNull();
    expect(plan.totalAfterMiB).toBeLessThanOrEqual(7040);
    expect(plan.totalAfterMiB).toBe(7040);
  });

  it("balloons the running VMs as computed by hand", () => {
    expect(plan.running.map((r) => [r.name, r.fromMiB, r.targetMiB, r.reason.code])).toEqual([
      ["mail2", 1024, 1024, "kept-by-priority"],
      ["web-ssl2", 1024, 1024, "kept-by-priority"],
      ["web1", 2048, 2048, "kept-by-priority"],
      ["lvs2", 512, 384, "shrunk-to-fit"],
      ["admin2", 1024, 512, "at-minimum"],
      ["ftp1", 512, 256, "at-minimum"],
    ]);
  });

  it("starts the incoming VMs as computed by hand", () => {
    expect(plan.incoming.map((i) => [i.name, i.startMiB, i.order, i.reason.code])).toEqual([
      ["db1", 1024, 1, "started-normal"],
      ["cron1", 512, 2, "started-minimum"],
      ["irc1", 256, 3, "started-minimum"],
      ["mail1", null, null, "not-required-no-room"],
      ["web-ssl1", null, null, "not-required-no-room"],
      ["lvs1", null, null, "not-required-no-room"],
      ["admin1", null, null, "not-required-no-room"],
    ]);
  });

  it("explains every decision in a non-empty sentence", () => {
    const lines = [
      ...plan.running.map((r) => explainReason(r.reason, r.name)),
      ...plan.incoming.map((i) => explainReason(i.reason, i.name)),
    ];
    expect(lines).toHaveLength(13);
    for (const line of lines) expect(line.length).toBeGreaterThan(0);
    expect(explainReason(runningOf(plan, "lvs2").reason, "lvs2")).toBe(
      "lvs2 is ballooned down from 512 MiB to 384 MiB (minimum 256 MiB): memory shared by priority after " +
        "every required VM got its minimum ran short at priority 60.",
    );
    expect(explainReason(incomingOf(plan, "cron1").reason, "cron1")).toBe(
      "cron1 starts with its minimum 512 MiB (normal 1024 MiB): no memory was left for priority 40 once " +
        "higher priorities got theirs.",
    );
  });
});

describe("nPlusOne", () => {
  it("MozillaGumi: each host can carry the other's required VMs, but only by ballooning", () => {
    // 6144 running + 6144 incoming at normal - 7040 = 5248 missing, in both directions (symmetric).
    const xen2Carries = nPlusOne(GUMI_HOST, gumiRunning(XEN2_VMS), gumiIncoming(XEN1_VMS));
    const xen1Carries = nPlusOne(GUMI_HOST, gumiRunning(XEN1_VMS), gumiIncoming(XEN2_VMS));
    for (const check of [xen2Carries, xen1Carries]) {
      expect(check).toEqual({
        fits: true,
        fitsWithoutBallooning: false,
        requiredUnstarted: [],
        shortfallMiB: 5248,
      });
    }
  });

  it("fits without ballooning when everything incoming fits at normal", () => {
    expect(nPlusOne(host(4000), [run("a", 1000, 500, 1)], [inc("b", 3000, 1000, 1, false)])).toEqual({
      fits: true,
      fitsWithoutBallooning: true,
      requiredUnstarted: [],
      shortfallMiB: 0,
    });
  });

  it("counts optional VMs in the shortfall even though they do not affect fits", () => {
    expect(nPlusOne(host(4000), [run("a", 1000, 500, 1)], [inc("b", 3500, 1000, 1, false)])).toEqual({
      fits: true,
      fitsWithoutBallooning: false,
      requiredUnstarted: [],
      shortfallMiB: 500,
    });
  });

  it("reports the required VMs that would not start", () => {
    expect(nPlusOne(host(1000), [run("a", 800, 800, 1)], [inc("db1", 1024, 512, 90, true)])).toEqual({
      fits: false,
      fitsWithoutBallooning: false,
      requiredUnstarted: ["db1"],
      shortfallMiB: 824,
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Properties over random inputs

const priorityArb = fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: -100, max: 100 }));

const runningSpecArb = fc.record({
  currentMiB: fc.integer({ min: 0, max: 4096 }),
  minMiB: fc.integer({ min: 0, max: 2048 }),
  extraMaxMiB: fc.integer({ min: 0, max: 1024 }),
  priority: priorityArb,
});

const incomingSpecArb = fc.record({
  a: fc.integer({ min: 0, max: 2048 }),
  b: fc.integer({ min: 0, max: 2048 }),
  priority: priorityArb,
  required: fc.boolean(),
});

const inputArb: fc.Arbitrary<MemoryPlanInput> = fc
  .record({
    survivor: fc.record({
      name: fc.constant("survivor"),
      totalMiB: fc.integer({ min: 0, max: 20_000 }),
      dom0MiB: fc.integer({ min: 0, max: 2048 }),
      marginMiB: fc.integer({ min: 0, max: 512 }),
    }),
    running: fc.array(runningSpecArb, { maxLength: 8 }),
    incoming: fc.array(incomingSpecArb, { maxLength: 8 }),
    names: fc.uniqueArray(fc.string({ minLength: 1, maxLength: 3 }), { minLength: 16, maxLength: 16 }),
  })
  .map(({ survivor, running, incoming, names }) => ({
    survivor,
    running: running.map((s, i) => ({
      name: names[i] ?? `r${i}`,
      currentMiB: s.currentMiB,
      minMiB: s.minMiB,
      maxMiB: Math.max(s.minMiB, s.currentMiB) + s.extraMaxMiB,
      priority: s.priority,
    })),
    incoming: incoming.map((s, i) => ({
      name: names[8 + i] ?? `i${i}`,
      normalMiB: Math.max(s.a, s.b),
      minMiB: Math.min(s.a, s.b),
      priority: s.priority,
      required: s.required,
    })),
  }));

const RUNS = { numRuns: 400 };

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function floorOf(vm: RunningVm): number {
  return Math.min(vm.minMiB, vm.currentMiB);
}

/** Facts about an input the properties need, computed independently of the planner. */
function facts(input: MemoryPlanInput) {
  const capacityMiB = Math.max(
    0,
    input.survivor.totalMiB - input.survivor.dom0MiB - input.survivor.marginMiB,
  );
  const required = input.incoming.filter((vm) => vm.required);
  return {
    capacityMiB,
    floorMiB: sum(input.running.map(floorOf)),
    needsNoBallooning:
      sum(input.running.map((vm) => vm.currentMiB)) + sum(required.map((vm) => vm.normalMiB)) <= capacityMiB,
    runningByName: new Map(input.running.map((vm) => [vm.name, vm])),
    incomingByName: new Map(input.incoming.map((vm) => [vm.name, vm])),
  };
}

function incomingVm(input: MemoryPlanInput, name: string): IncomingVm {
  const vm = facts(input).incomingByName.get(name);
  if (!vm) throw new Error(`unknown incoming VM ${name}`);
  return vm;
}

function runningVm(input: MemoryPlanInput, name: string): RunningVm {
  const vm = facts(input).runningByName.get(name);
  if (!vm) throw new Error(`unknown running VM ${name}`);
  return vm;
}

describe("planMemory properties", () => {
  it("lists every VM once, with integer values and start orders 1..n", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const plan = planMemory(input);
        expect(plan.running.map((r) => r.name).sort()).toEqual(input.running.map((r) => r.name).sort());
        expect(plan.incoming.map((i) => i.name).sort()).toEqual(input.incoming.map((i) => i.name).sort());
        const numbers = [
          plan.capacityMiB,
          plan.totalAfterMiB,
          ...plan.running.flatMap((r) => [r.fromMiB, r.targetMiB]),
          ...plan.incoming.flatMap((i) => [i.startMiB ?? 0, i.order ?? 0]),
          ...[...plan.running, ...plan.incoming].flatMap((e) =>
            Object.values(e.reason.params).filter((v) => typeof v === "number"),
          ),
        ];
        for (const n of numbers) expect(Number.isSafeInteger(n)).toBe(true);
        for (const i of plan.incoming) expect(i.startMiB === null).toBe(i.order === null);
        const orders = plan.incoming.flatMap((i) => (i.order === null ? [] : [i.order]));
        expect(orders).toEqual(orders.map((_, k) => k + 1));
        expect(plan.totalAfterMiB).toBe(
          sum(plan.running.map((r) => r.targetMiB)) + sum(plan.incoming.map((i) => i.startMiB ?? 0)),
        );
      }),
      RUNS,
    );
  });

  it("keeps every running target in [floor, current] and fromMiB = current", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        for (const r of planMemory(input).running) {
          const vm = runningVm(input, r.name);
          expect(r.fromMiB).toBe(vm.currentMiB);
          expect(r.targetMiB).toBeLessThanOrEqual(vm.currentMiB);
          expect(r.targetMiB).toBeGreaterThanOrEqual(floorOf(vm));
          if (vm.currentMiB >= vm.minMiB) expect(r.targetMiB).toBeGreaterThanOrEqual(vm.minMiB);
          else expect(r.reason.code).toBe("below-minimum");
        }
      }),
      RUNS,
    );
  });

  it("starts every incoming VM with memory in [minMiB, normalMiB]", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        for (const i of planMemory(input).incoming) {
          if (i.startMiB === null) continue;
          const vm = incomingVm(input, i.name);
          expect(i.startMiB).toBeGreaterThanOrEqual(vm.minMiB);
          expect(i.startMiB).toBeLessThanOrEqual(vm.normalMiB);
        }
      }),
      RUNS,
    );
  });

  it("never exceeds the capacity, unless the running floors alone do (then all at floor, nothing started)", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const plan = planMemory(input);
        const { capacityMiB, floorMiB } = facts(input);
        expect(plan.capacityMiB).toBe(capacityMiB);
        if (floorMiB <= capacityMiB) {
          expect(plan.totalAfterMiB).toBeLessThanOrEqual(capacityMiB);
          return;
        }
        expect(plan.totalAfterMiB).toBe(floorMiB);
        expect(plan.incoming.every((i) => i.startMiB === null && i.reason.code === "no-capacity")).toBe(true);
        expect(plan.fits).toBe(!input.incoming.some((vm) => vm.required));
      }),
      RUNS,
    );
  });

  it("fits exactly when every required VM starts, and lists the others in requiredUnstarted", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const plan = planMemory(input);
        const unstarted = plan.incoming
          .filter((i) => i.startMiB === null && incomingVm(input, i.name).required)
          .map((i) => i.name);
        expect(plan.requiredUnstarted).toEqual(unstarted);
        expect(plan.fits).toBe(unstarted.length === 0);
      }),
      RUNS,
    );
  });

  it("never starts an optional VM while a required VM is down", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const plan = planMemory(input);
        const optionalStarted = plan.incoming.some(
          (i) => i.startMiB !== null && !incomingVm(input, i.name).required,
        );
        if (optionalStarted) expect(plan.requiredUnstarted).toEqual([]);
      }),
      RUNS,
    );
  });

  it("never starts a required VM while a required VM of higher priority is down", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const plan = planMemory(input);
        const required = plan.incoming.filter((i) => incomingVm(input, i.name).required);
        const priorityOf = (name: string) => incomingVm(input, name).priority;
        for (const down of required.filter((i) => i.startMiB === null)) {
          for (const up of required.filter((i) => i.startMiB !== null)) {
            expect(priorityOf(down.name)).toBeLessThanOrEqual(priorityOf(up.name));
          }
        }
      }),
      RUNS,
    );
  });

  it("is deterministic and does not depend on input order", () => {
    const withShuffle = inputArb.chain((input) =>
      fc.record({
        input: fc.constant(input),
        running: fc.shuffledSubarray(input.running, {
          minLength: input.running.length,
          maxLength: input.running.length,
        }),
        incoming: fc.shuffledSubarray(input.incoming, {
          minLength: input.incoming.length,
          maxLength: input.incoming.length,
        }),
      }),
    );
    fc.assert(
      fc.property(withShuffle, ({ input, running, incoming }) => {
        const plan = planMemory(input);
        expect(planMemory(input)).toEqual(plan);
        expect(planMemory({ survivor: input.survivor, running, incoming })).toEqual(plan);
      }),
      RUNS,
    );
  });

  it("does not change anything running when everything required fits at normal", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        if (!facts(input).needsNoBallooning) return;
        const plan = planMemory(input);
        for (const r of plan.running) expect(r.targetMiB).toBe(r.fromMiB);
        for (const i of plan.incoming) {
          if (incomingVm(input, i.name).required)
            expect(i.startMiB).toBe(incomingVm(input, i.name).normalMiB);
        }
      }),
      RUNS,
    );
  });

  it("leaves no optional VM down whose minimum fits in the memory left unused", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const plan = planMemory(input);
        if (!plan.fits || plan.totalAfterMiB > plan.capacityMiB) return;
        const unusedMiB = plan.capacityMiB - plan.totalAfterMiB;
        for (const i of plan.incoming.filter((x) => x.startMiB === null)) {
          expect(incomingVm(input, i.name).minMiB).toBeGreaterThan(unusedMiB);
        }
      }),
      RUNS,
    );
  });

  it("when ballooning, uses all the capacity and gives memory back strictly by priority", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const { capacityMiB, floorMiB, needsNoBallooning } = facts(input);
        if (needsNoBallooning || floorMiB > capacityMiB) return;
        const plan = planMemory(input);
        if (plan.fits) expect(plan.totalAfterMiB).toBe(capacityMiB);
        // Every running VM and started required VM, with what it got back above its floor.
        const recipients = [
          ...plan.running.map((r) => {
            const vm = runningVm(input, r.name);
            return {
              priority: vm.priority,
              got: r.targetMiB - floorOf(vm),
              wanted: vm.currentMiB - floorOf(vm),
            };
          }),
          ...plan.incoming
            .filter((i) => i.startMiB !== null && incomingVm(input, i.name).required)
            .map((i) => {
              const vm = incomingVm(input, i.name);
              return {
                priority: vm.priority,
                got: (i.startMiB ?? 0) - vm.minMiB,
                wanted: vm.normalMiB - vm.minMiB,
              };
            }),
        ];
        for (const short of recipients.filter((r) => r.got < r.wanted)) {
          for (const lower of recipients.filter((r) => r.priority < short.priority))
            expect(lower.got).toBe(0);
        }
      }),
      RUNS,
    );
  });

  it("explains every decision in a non-empty sentence naming the VM", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const plan = planMemory(input);
        for (const e of [...plan.running, ...plan.incoming]) {
          const text = explainReason(e.reason, e.name);
          expect(text.startsWith(`${e.name} `)).toBe(true);
          expect(text.length).toBeGreaterThan(e.name.length + 10);
        }
      }),
      RUNS,
    );
  });

  it("agrees with nPlusOne", () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const plan = planMemory(input);
        const check = nPlusOne(input.survivor, input.running, input.incoming);
        expect(check.fits).toBe(plan.fits);
        expect(check.requiredUnstarted).toEqual(plan.requiredUnstarted);
        expect(check.shortfallMiB).toBeGreaterThanOrEqual(0);
        expect(check.fitsWithoutBallooning).toBe(check.shortfallMiB === 0);
        if (check.fitsWithoutBallooning) {
          for (const r of plan.running) expect(r.targetMiB).toBe(r.fromMiB);
          for (const i of plan.incoming) expect(i.startMiB).toBe(incomingVm(input, i.name).normalMiB);
        }
      }),
      RUNS,
    );
  });

  it("rejects any corrupted MiB field, naming the VM and the field", () => {
    const corrupted = inputArb
      .filter((input) => input.running.length > 0 && input.incoming.length > 0)
      .chain((input) =>
        fc.record({
          input: fc.constant(input),
          list: fc.constantFrom("running" as const, "incoming" as const),
          index: fc.nat(),
          bad: fc.constantFrom(-1, 0.5, Number.NaN),
        }),
      );
    fc.assert(
      fc.property(corrupted, ({ input, list, index, bad }) => {
        const copy: MemoryPlanInput = structuredClone(input);
        if (list === "running") {
          const vm = copy.running[index % copy.running.length] as RunningVm;
          vm.currentMiB = bad;
          expect(() => planMemory(copy)).toThrow(
            `running[${vm.name}].currentMiB: must be a non-negative integer`,
          );
        } else {
          const vm = copy.incoming[index % copy.incoming.length] as IncomingVm;
          vm.normalMiB = bad;
          expect(() => planMemory(copy)).toThrow(
            `incoming[${vm.name}].normalMiB: must be a non-negative integer`,
          );
        }
      }),
      { numRuns: 100 },
    );
  });
});
