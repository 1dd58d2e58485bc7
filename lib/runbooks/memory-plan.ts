/**
 * Memory planner for failover (farm-design.md, "Memory in degraded mode").
 *
 * When host A fails, the survivor B must carry A's VMs, and B usually lacks the memory. The
 * MozillaGumi practice: balloon the VMs already running on B down towards their minimum, then
 * start those of A's VMs that must run, with reduced memory. `planMemory` decides all of it. It is
 * a pure function: no I/O, no clock, and the same input (in any order) gives the same plan.
 *
 * Order: "priority order" means priority descending (a higher number is more important), ties
 * broken by name ascending, compared by UTF-16 code units (not by locale, so every machine agrees).
 * Output lists follow it: `running` in priority order, `incoming` required VMs first then optional
 * ones, each in priority order. `order` numbers the started incoming VMs 1, 2, ... along that list.
 *
 * Policy:
 * 1. capacity = total - dom0 - margin, never negative.
 * 2. No ballooning: if the running VMs at their current memory plus every required incoming VM at
 *    its normal memory fit, nothing running changes and the required VMs start at normal. Then the
 *    optional VMs, in priority order, start at normal while that fits, else at their minimum if that
 *    fits, else not at all.
 * 3. Ballooning, otherwise (unless case 5 applies):
 *    - Phase 1: every running VM goes to its floor (its minimum, see 4); the required VMs, in
 *      priority order, start at their minimum while it fits. One that does not fit stays down
 *      (`required-no-room`); the others of its priority are still tried, but no required VM of a
 *      LOWER priority starts (`required-blocked`): a less important service never runs while a more
 *      important one is down.
 *    - Phase 2: the memory left goes back by priority level, highest first, to the running VMs (up
 *      to their current memory: a running VM is never ballooned UP) and to the started required VMs
 *      (up to their normal memory). A level that cannot be served in full shares what is left in
 *      proportion to each VM's shortfall, in whole MiB rounded down; the rounding remainder goes
 *      1 MiB at a time to the level's VMs in name order. Lower levels then get nothing.
 *    - Phase 3: the optional VMs, in priority order, start at their minimum if it fits in what is
 *      still left; they never take memory from running or required VMs. None starts while a required
 *      VM is down (`not-required-blocked`). When every required VM started, phase 2 has used all the
 *      memory (otherwise step 2 would have applied), so in practice only a zero minimum still fits.
 * 4. Running VMs below their minimum: a running VM whose current memory is already below its
 *    declared minimum keeps its current memory, in every case, with reason `below-minimum` (so the
 *    odd configuration is visible); its floor is its current memory.
 *    Everywhere else a running VM's floor is its `minMiB`.
 * 5. Over capacity: if the running VMs' floors alone exceed the capacity, every running VM goes to
 *    its floor (`floor-exceeds-capacity`) and no incoming VM starts (`no-capacity`). This is the
 *    only case where `totalAfterMiB > capacityMiB`; `fits` is false only if some incoming VM is
 *    required.
 *
 * Guarantees (tests/unit/runbooks/memory-plan.test.ts checks them on random inputs): every value is
 * an integer; running targets lie in [floor, current]; started incoming memory lies in
 * [minMiB, normalMiB]; `totalAfterMiB <= capacityMiB` except in case 5; `fits` is true exactly when
 * every required VM starts; no optional VM starts while a required one is down; no required VM
 * starts while a required VM of higher priority is down; no optional VM is left down whose minimum
 * fits in the memory the plan leaves unused (when every required VM started).
 *
 * Input errors (duplicate or empty names, MiB values that are not non-negative safe integers, min
 * above normal or max, priorities that are not finite numbers) throw an `Error` naming the VM, the
 * field and the rule, e.g. `incoming[db1].minMiB: must be at most normalMiB (1024)`.
 */

/** The surviving host. capacity = totalMiB - dom0MiB - marginMiB. */
export interface PlanHost {
  name: string;
  totalMiB: number;
  dom0MiB: number;
  /** Kept free on purpose (hypervisor overhead, rounding). */
  marginMiB: number;
}

/** A VM already running on the survivor. */
export interface RunningVm {
  name: string;
  currentMiB: number;
  /** The least it may be ballooned down to. */
  minMiB: number;
  /** Its maximum (maxmem). Validated only: the planner never balloons up. */
  maxMiB: number;
  /** Higher is more important. */
  priority: number;
}

/** A VM of the failed host, to be started on the survivor. */
export interface IncomingVm {
  name: string;
  normalMiB: number;
  minMiB: number;
  priority: number;
  /** Must run even in degraded mode (its service has no twin on the survivor). */
  required: boolean;
}

export interface MemoryPlanInput {
  survivor: PlanHost;
  running: RunningVm[];
  incoming: IncomingVm[];
}

/**
 * Why a VM gets its memory. `code` is a stable key for translations; `params` holds the numbers and
 * names the sentence needs (see `explainReason` for the English sentence of each code).
 */
export type PlanReason =
  // Running VMs
  /** No ballooning was needed on the survivor: the VM keeps its current memory. */
  | { code: "unchanged"; params: { currentMiB: number } }
  /** Ballooning was needed, but the memory left covered this VM's priority level in full. */
  | { code: "kept-by-priority"; params: { currentMiB: number; priority: number } }
  /** Ballooned down, but not to its minimum: its level got part of the memory left. */
  | {
      code: "shrunk-to-fit";
      params: { fromMiB: number; targetMiB: number; minMiB: number; priority: number };
    }
  /** Ballooned down to (or already at) its minimum: nothing was left for its level. */
  | { code: "at-minimum"; params: { fromMiB: number; minMiB: number; priority: number } }
  /** Current memory already below the declared minimum: kept, since nothing is ballooned up. */
  | { code: "below-minimum"; params: { currentMiB: number; minMiB: number } }
  /** The running VMs' floors alone exceed the capacity: every running VM goes to its floor. */
  | {
      code: "floor-exceeds-capacity";
      params: { fromMiB: number; minMiB: number; floorMiB: number; capacityMiB: number };
    }
  // Incoming VMs
  /** Starts with its normal memory. */
  | { code: "started-normal"; params: { normalMiB: number } }
  /** Required; starts between its minimum and normal memory: its level got part of the memory left. */
  | {
      code: "started-reduced";
      params: { startMiB: number; normalMiB: number; minMiB: number; priority: number };
    }
  /** Required; starts at its minimum: nothing was left for its level. */
  | { code: "started-minimum"; params: { minMiB: number; normalMiB: number; priority: number } }
  /** Optional; starts at its minimum, from memory nobody else needed. */
  | { code: "optional-started-minimum"; params: { minMiB: number; normalMiB: number; freeMiB: number } }
  /** Required, but its minimum does not fit in the memory left: not started. */
  | { code: "required-no-room"; params: { minMiB: number; freeMiB: number } }
  /** Required, but a required VM of higher priority could not start: not started. */
  | { code: "required-blocked"; params: { priority: number; blockedBy: string; blockedByPriority: number } }
  /** Optional, and its minimum does not fit in the memory left: not started. */
  | { code: "not-required-no-room"; params: { minMiB: number; freeMiB: number } }
  /** Optional, and some required VM could not start: not started. */
  | { code: "not-required-blocked"; params: { blockedBy: string } }
  /** The running VMs' floors alone exceed the capacity: nothing starts. */
  | { code: "no-capacity"; params: { floorMiB: number; capacityMiB: number } };

export type PlanReasonCode = PlanReason["code"];

export interface RunningVmPlan {
  name: string;
  fromMiB: number;
  targetMiB: number;
  reason: PlanReason;
}

export interface IncomingVmPlan {
  name: string;
  /** Memory to start it with, or null when it is not started. */
  startMiB: number | null;
  /** Start order, 1-based, or null when it is not started. */
  order: number | null;
  reason: PlanReason;
}

export interface MemoryPlan {
  capacityMiB: number;
  /** In priority order. */
  running: RunningVmPlan[];
  /** Required VMs first, then optional ones, each in priority order. */
  incoming: IncomingVmPlan[];
  /** Sum of the running targets and of the started incoming memory. */
  totalAfterMiB: number;
  /** Required VMs that could not be started, in priority order. */
  requiredUnstarted: string[];
  /** True when every required incoming VM starts. */
  fits: boolean;
}

export interface NPlusOneCheck {
  /** Every required incoming VM would start (with ballooning if needed). */
  fits: boolean;
  /** Every incoming VM, required or not, would start at normal memory, nothing shrunk. */
  fitsWithoutBallooning: boolean;
  requiredUnstarted: string[];
  /** Memory missing for `fitsWithoutBallooning`; 0 when it holds. */
  shortfallMiB: number;
}

/** Plans the survivor's memory after its peer failed. Throws on invalid input (see top comment). */
export function planMemory(input: MemoryPlanInput): MemoryPlan {
  validateInput(input);
  const capacityMiB = capacityOf(input.survivor);
  const running = inPriorityOrder(input.running);
  const required = inPriorityOrder(input.incoming.filter((vm) => vm.required));
  const optional = inPriorityOrder(input.incoming.filter((vm) => !vm.required));

  const noBallooningMiB = sumOf(running, (vm) => vm.currentMiB) + sumOf(required, (vm) => vm.normalMiB);
  if (noBallooningMiB <= capacityMiB) {
    return planWithoutBallooning(capacityMiB, running, required, optional);
  }
  const floorMiB = sumOf(running, floorOf);
  if (floorMiB > capacityMiB) {
    return planOverCapacity(capacityMiB, floorMiB, running, [...required, ...optional]);
  }
  return planWithBallooning(capacityMiB, running, required, optional);
}

/** N+1 check: would the other host's VMs fit on this host today? */
export function nPlusOne(survivor: PlanHost, running: RunningVm[], incoming: IncomingVm[]): NPlusOneCheck {
  const plan = planMemory({ survivor, running, incoming });
  const neededMiB = sumOf(running, (vm) => vm.currentMiB) + sumOf(incoming, (vm) => vm.normalMiB);
  const shortfallMiB = Math.max(0, neededMiB - plan.capacityMiB);
  return {
    fits: plan.fits,
    fitsWithoutBallooning: shortfallMiB === 0,
    requiredUnstarted: plan.requiredUnstarted,
    shortfallMiB,
  };
}

/** capacity = total - dom0 - margin, never negative. */
export function capacityOf(host: PlanHost): number {
  return Math.max(0, host.totalMiB - host.dom0MiB - host.marginMiB);
}

// ---------------------------------------------------------------------------------------------
// The three cases of the policy

function planWithoutBallooning(
  capacityMiB: number,
  running: RunningVm[],
  required: IncomingVm[],
  optional: IncomingVm[],
): MemoryPlan {
  const runningPlans = running.map((vm) =>
    runningPlan(vm, vm.currentMiB, isBelowMinimum(vm) ? belowMinimum(vm) : unchanged(vm)),
  );
  const requiredDecisions = required.map((vm) => started(vm, vm.normalMiB, startedNormal(vm)));
  let freeMiB = capacityMiB - sumOf(running, (vm) => vm.currentMiB) - sumOf(required, (vm) => vm.normalMiB);
  const optionalDecisions = optional.map((vm): Decision => {
    const decision = startOptionalIfRoom(vm, freeMiB, { allowNormal: true });
    freeMiB -= decision.startMiB ?? 0;
    return decision;
  });
  return assemblePlan(capacityMiB, runningPlans, [...requiredDecisions, ...optionalDecisions]);
}

function planOverCapacity(
  capacityMiB: number,
  floorMiB: number,
  running: RunningVm[],
  incoming: IncomingVm[],
): MemoryPlan {
  const runningPlans = running.map((vm) =>
    runningPlan(
      vm,
      floorOf(vm),
      isBelowMinimum(vm)
        ? belowMinimum(vm)
        : {
            code: "floor-exceeds-capacity",
            params: { fromMiB: vm.currentMiB, minMiB: vm.minMiB, floorMiB, capacityMiB },
          },
    ),
  );
  const decisions = incoming.map((vm) =>
    notStarted(vm, { code: "no-capacity", params: { floorMiB, capacityMiB } }),
  );
  return assemblePlan(capacityMiB, runningPlans, decisions);
}

function planWithBallooning(
  capacityMiB: number,
  running: RunningVm[],
  required: IncomingVm[],
  optional: IncomingVm[],
): MemoryPlan {
  // Phase 1: running VMs at their floor, required VMs at their minimum while they fit.
  const admission = admitRequired(required, capacityMiB - sumOf(running, floorOf));
  const admitted = required.filter((vm) => !admission.refused.has(vm.name));

  // Phase 2: give the memory left back by priority.
  const recipients = [
    ...running.map((vm) => recipient(vm, floorOf(vm), vm.currentMiB)),
    ...admitted.map((vm) => recipient(vm, vm.minMiB, vm.normalMiB)),
  ];
  const extraByName = giveBackByPriority(recipients, admission.freeMiB);
  const extraOf = (name: string): number => extraByName.get(name) ?? 0;
  let freeMiB = admission.freeMiB - sumOf(recipients, (r) => extraOf(r.name));

  const runningPlans = running.map((vm) => {
    const targetMiB = floorOf(vm) + extraOf(vm.name);
    return runningPlan(vm, targetMiB, reasonAfterBallooning(vm, targetMiB));
  });
  const requiredDecisions = required.map(
    (vm) =>
      admission.refused.get(vm.name) ??
      started(vm, vm.minMiB + extraOf(vm.name), requiredStartReason(vm, vm.minMiB + extraOf(vm.name))),
  );

  // Phase 3: optional VMs at their minimum, from what is still left.
  const blocker = required.find((vm) => admission.refused.has(vm.name));
  const optionalDecisions = optional.map((vm): Decision => {
    if (blocker) return notStarted(vm, { code: "not-required-blocked", params: { blockedBy: blocker.name } });
    const decision = startOptionalIfRoom(vm, freeMiB, { allowNormal: false });
    freeMiB -= decision.startMiB ?? 0;
    return decision;
  });
  return assemblePlan(capacityMiB, runningPlans, [...requiredDecisions, ...optionalDecisions]);
}

// ---------------------------------------------------------------------------------------------
// Phase 1: admit required VMs at their minimum

interface Admission {
  /** Not started, with the reason. */
  refused: Map<string, Decision>;
  /** Memory left after the running floors and the admitted minimums. */
  freeMiB: number;
}

function admitRequired(required: IncomingVm[], freeAtStartMiB: number): Admission {
  const refused = new Map<string, Decision>();
  let freeMiB = freeAtStartMiB;
  let blocker: IncomingVm | undefined;
  for (const vm of required) {
    if (blocker && blocker.priority > vm.priority) {
      const params = { priority: vm.priority, blockedBy: blocker.name, blockedByPriority: blocker.priority };
      refused.set(vm.name, notStarted(vm, { code: "required-blocked", params }));
    } else if (vm.minMiB <= freeMiB) {
      freeMiB -= vm.minMiB;
    } else {
      refused.set(
        vm.name,
        notStarted(vm, { code: "required-no-room", params: { minMiB: vm.minMiB, freeMiB } }),
      );
      blocker ??= vm;
    }
  }
  return { refused, freeMiB };
}

// ---------------------------------------------------------------------------------------------
// Phase 2: give memory back by priority, proportionally within a level

interface Recipient {
  name: string;
  priority: number;
  /** Most it may receive on top of its floor. */
  shortfallMiB: number;
}

function recipient(vm: { name: string; priority: number }, floorMiB: number, ceilingMiB: number): Recipient {
  return { name: vm.name, priority: vm.priority, shortfallMiB: ceilingMiB - floorMiB };
}

/** Extra MiB per recipient name, levels served from the highest priority down. */
function giveBackByPriority(recipients: Recipient[], budgetMiB: number): Map<string, number> {
  const extra = new Map<string, number>();
  let leftMiB = budgetMiB;
  for (const level of priorityLevels(recipients)) {
    for (const [name, mib] of shareLevel(level, leftMiB)) {
      extra.set(name, mib);
      leftMiB -= mib;
    }
  }
  return extra;
}

/**
 * Shares `budgetMiB` within one priority level: everyone gets their whole shortfall if the budget
 * allows, else floor(budget * shortfall / total) and the remainder 1 MiB each in name order. The
 * remainder is smaller than the number of VMs whose share was rounded down (each lost less than
 * 1 MiB), and each of those is still below its shortfall, so one pass hands it all out.
 */
function shareLevel(level: Recipient[], budgetMiB: number): Map<string, number> {
  const totalMiB = sumOf(level, (r) => r.shortfallMiB);
  if (budgetMiB >= totalMiB) return new Map(level.map((r) => [r.name, r.shortfallMiB]));
  const shares = new Map(level.map((r) => [r.name, proportionalShare(budgetMiB, r.shortfallMiB, totalMiB)]));
  let remainderMiB = budgetMiB - sumOf([...shares.values()], (mib) => mib);
  for (const r of [...level].sort((a, b) => compareNames(a.name, b.name))) {
    const share = shares.get(r.name) ?? 0;
    if (remainderMiB > 0 && share < r.shortfallMiB) {
      shares.set(r.name, share + 1);
      remainderMiB -= 1;
    }
  }
  return shares;
}

/** floor(budget * part / total), exact for any safe integers (BigInt avoids 2^53 overflow). */
function proportionalShare(budgetMiB: number, partMiB: number, totalMiB: number): number {
  return Number((BigInt(budgetMiB) * BigInt(partMiB)) / BigInt(totalMiB));
}

function priorityLevels(recipients: Recipient[]): Recipient[][] {
  const priorities = [...new Set(recipients.map((r) => r.priority))].sort((a, b) => b - a);
  return priorities.map((p) => recipients.filter((r) => r.priority === p));
}

// ---------------------------------------------------------------------------------------------
// Decisions and reasons

interface Decision {
  name: string;
  required: boolean;
  startMiB: number | null;
  reason: PlanReason;
}

function started(vm: IncomingVm, startMiB: number, reason: PlanReason): Decision {
  return { name: vm.name, required: vm.required, startMiB, reason };
}

function notStarted(vm: IncomingVm, reason: PlanReason): Decision {
  return { name: vm.name, required: vm.required, startMiB: null, reason };
}

/** Optional VM: normal memory if allowed and it fits, else its minimum if it fits, else not started. */
function startOptionalIfRoom(vm: IncomingVm, freeMiB: number, options: { allowNormal: boolean }): Decision {
  if (options.allowNormal && vm.normalMiB <= freeMiB) return started(vm, vm.normalMiB, startedNormal(vm));
  if (vm.minMiB <= freeMiB) {
    const params = { minMiB: vm.minMiB, normalMiB: vm.normalMiB, freeMiB };
    return started(vm, vm.minMiB, { code: "optional-started-minimum", params });
  }
  return notStarted(vm, { code: "not-required-no-room", params: { minMiB: vm.minMiB, freeMiB } });
}

function requiredStartReason(vm: IncomingVm, startMiB: number): PlanReason {
  if (startMiB === vm.normalMiB) return startedNormal(vm);
  if (startMiB === vm.minMiB) {
    return {
      code: "started-minimum",
      params: { minMiB: vm.minMiB, normalMiB: vm.normalMiB, priority: vm.priority },
    };
  }
  const params = { startMiB, normalMiB: vm.normalMiB, minMiB: vm.minMiB, priority: vm.priority };
  return { code: "started-reduced", params };
}

function startedNormal(vm: IncomingVm): PlanReason {
  return { code: "started-normal", params: { normalMiB: vm.normalMiB } };
}

function reasonAfterBallooning(vm: RunningVm, targetMiB: number): PlanReason {
  if (isBelowMinimum(vm)) return belowMinimum(vm);
  if (targetMiB === vm.minMiB) {
    return {
      code: "at-minimum",
      params: { fromMiB: vm.currentMiB, minMiB: vm.minMiB, priority: vm.priority },
    };
  }
  if (targetMiB === vm.currentMiB) {
    return { code: "kept-by-priority", params: { currentMiB: vm.currentMiB, priority: vm.priority } };
  }
  const params = { fromMiB: vm.currentMiB, targetMiB, minMiB: vm.minMiB, priority: vm.priority };
  return { code: "shrunk-to-fit", params };
}

function unchanged(vm: RunningVm): PlanReason {
  return { code: "unchanged", params: { currentMiB: vm.currentMiB } };
}

function belowMinimum(vm: RunningVm): PlanReason {
  return { code: "below-minimum", params: { currentMiB: vm.currentMiB, minMiB: vm.minMiB } };
}

function runningPlan(vm: RunningVm, targetMiB: number, reason: PlanReason): RunningVmPlan {
  return { name: vm.name, fromMiB: vm.currentMiB, targetMiB, reason };
}

function assemblePlan(capacityMiB: number, running: RunningVmPlan[], decisions: Decision[]): MemoryPlan {
  let order = 0;
  const incoming = decisions.map((d): IncomingVmPlan => {
    if (d.startMiB === null) return { name: d.name, startMiB: null, order: null, reason: d.reason };
    order += 1;
    return { name: d.name, startMiB: d.startMiB, order, reason: d.reason };
  });
  const requiredUnstarted = decisions.filter((d) => d.required && d.startMiB === null).map((d) => d.name);
  return {
    capacityMiB,
    running,
    incoming,
    totalAfterMiB: sumOf(running, (r) => r.targetMiB) + sumOf(incoming, (i) => i.startMiB ?? 0),
    requiredUnstarted,
    fits: requiredUnstarted.length === 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Explanations

/** One English sentence per reason code, with the numbers, for logs and the API. */
export function explainReason(reason: PlanReason, vmName: string): string {
  const vm = vmName;
  switch (reason.code) {
    case "unchanged": {
      const p = reason.params;
      return `${vm} keeps its ${p.currentMiB} MiB: the survivor has room for every required VM without ballooning.`;
    }
    case "kept-by-priority": {
      const p = reason.params;
      return `${vm} keeps its ${p.currentMiB} MiB: after every required VM got its minimum, the memory left covered priority ${p.priority} in full.`;
    }
    case "shrunk-to-fit": {
      const p = reason.params;
      return `${vm} is ballooned down from ${p.fromMiB} MiB to ${p.targetMiB} MiB (minimum ${p.minMiB} MiB): memory shared by priority after every required VM got its minimum ran short at priority ${p.priority}.`;
    }
    case "at-minimum": {
      const p = reason.params;
      return `${vm} goes from ${p.fromMiB} MiB to its minimum ${p.minMiB} MiB: no memory was left for priority ${p.priority} once higher priorities got theirs.`;
    }
    case "below-minimum": {
      const p = reason.params;
      return `${vm} keeps its ${p.currentMiB} MiB, already below its declared minimum ${p.minMiB} MiB: a running VM is never ballooned up.`;
    }
    case "floor-exceeds-capacity": {
      const p = reason.params;
      return `${vm} goes from ${p.fromMiB} MiB to its minimum ${p.minMiB} MiB: the running VMs' minimums (${p.floorMiB} MiB) alone exceed the host's capacity (${p.capacityMiB} MiB).`;
    }
    case "started-normal": {
      const p = reason.params;
      return `${vm} starts with its normal ${p.normalMiB} MiB.`;
    }
    case "started-reduced": {
      const p = reason.params;
      return `${vm} starts with ${p.startMiB} MiB (normal ${p.normalMiB} MiB, minimum ${p.minMiB} MiB): memory shared by priority after every required VM got its minimum ran short at priority ${p.priority}.`;
    }
    case "started-minimum": {
      const p = reason.params;
      return `${vm} starts with its minimum ${p.minMiB} MiB (normal ${p.normalMiB} MiB): no memory was left for priority ${p.priority} once higher priorities got theirs.`;
    }
    case "optional-started-minimum": {
      const p = reason.params;
      return `${vm} is optional and starts with its minimum ${p.minMiB} MiB (normal ${p.normalMiB} MiB), from the ${p.freeMiB} MiB left after the running and required VMs.`;
    }
    case "required-no-room": {
      const p = reason.params;
      return `${vm} is required but does not start: its minimum ${p.minMiB} MiB exceeds the ${p.freeMiB} MiB left after the running VMs' minimums and the required VMs before it.`;
    }
    case "required-blocked": {
      const p = reason.params;
      return `${vm} is required but does not start: ${p.blockedBy} (priority ${p.blockedByPriority}) could not start, and no required VM of lower priority (${p.priority}) starts before it.`;
    }
    case "not-required-no-room": {
      const p = reason.params;
      return `${vm} is optional and does not start: its minimum ${p.minMiB} MiB exceeds the ${p.freeMiB} MiB left.`;
    }
    case "not-required-blocked": {
      const p = reason.params;
      return `${vm} is optional and does not start: the required VM ${p.blockedBy} could not start, so no optional VM starts.`;
    }
    case "no-capacity": {
      const p = reason.params;
      return `${vm} does not start: the running VMs' minimums (${p.floorMiB} MiB) alone exceed the host's capacity (${p.capacityMiB} MiB).`;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Default policy of the simulated MozillaGumi farm (farm-design.md, Table 3)

/** No VM is planned below this, unless its normal memory is smaller (MiB). */
export const DEFAULT_MIN_FLOOR_MIB = 256;

/** Priority of names whose service is not in DEFAULT_VM_POLICY. */
export const DEFAULT_UNKNOWN_PRIORITY = 50;

/**
 * Per service (the VM name without its trailing digits). `required`: the service exists once in the
 * farm (db1, irc1, cron1, web1, ftp1), so it must run on the survivor. The others are redundant
 * pairs whose twin runs on the other host (lvs1/lvs2 load balancers, admin1/admin2 LDAP
 * provider/consumer, web-ssl1/web-ssl2, mail1/mail2): when one host fails, the twin still serves.
 */
export const DEFAULT_VM_POLICY: Readonly<Record<string, { priority: number; required: boolean }>> = {
  db: { priority: 90, required: true },
  mail: { priority: 80, required: false },
  web: { priority: 70, required: true },
  "web-ssl": { priority: 70, required: false },
  lvs: { priority: 60, required: false },
  admin: { priority: 50, required: false },
  cron: { priority: 40, required: true },
  irc: { priority: 30, required: true },
  ftp: { priority: 30, required: true },
};

/**
 * Default policy for a VM of the simulated farm: minMiB = max(256, half the normal memory rounded
 * down), never above normal; priority and `required` from DEFAULT_VM_POLICY by service name;
 * unknown services get priority 50 and are required: a VM Tandem knows nothing about must not be left down
 * after a failover unless an administrator says it may (its per-VM setting).
 */
export function defaultVmPolicy(
  name: string,
  normalMiB: number,
): { minMiB: number; priority: number; required: boolean } {
  assertMiB(normalMiB, `defaultVmPolicy(${name}).normalMiB`);
  const service = name.replace(/\d+$/, "");
  const policy = Object.hasOwn(DEFAULT_VM_POLICY, service) ? DEFAULT_VM_POLICY[service] : undefined;
  return {
    minMiB: Math.min(normalMiB, Math.max(DEFAULT_MIN_FLOOR_MIB, Math.floor(normalMiB / 2))),
    priority: policy?.priority ?? DEFAULT_UNKNOWN_PRIORITY,
    required: policy?.required ?? true,
  };
}

// ---------------------------------------------------------------------------------------------
// Validation

function validateInput(input: MemoryPlanInput): void {
  for (const field of ["totalMiB", "dom0MiB", "marginMiB"] as const) {
    assertMiB(input.survivor[field], `survivor.${field}`);
  }
  const seen = new Map<string, string>();
  input.running.forEach((vm, index) => {
    const label = vmLabel("running", vm.name, index);
    assertUniqueName(vm.name, label, "running", seen);
    for (const field of ["currentMiB", "minMiB", "maxMiB"] as const)
      assertMiB(vm[field], `${label}.${field}`);
    assertPriority(vm.priority, label);
    if (vm.minMiB > vm.maxMiB) throw new Error(`${label}.minMiB: must be at most maxMiB (${vm.maxMiB})`);
  });
  input.incoming.forEach((vm, index) => {
    const label = vmLabel("incoming", vm.name, index);
    assertUniqueName(vm.name, label, "incoming", seen);
    for (const field of ["normalMiB", "minMiB"] as const) assertMiB(vm[field], `${label}.${field}`);
    assertPriority(vm.priority, label);
    if (vm.minMiB > vm.normalMiB)
      throw new Error(`${label}.minMiB: must be at most normalMiB (${vm.normalMiB})`);
    if (typeof vm.required !== "boolean") throw new Error(`${label}.required: must be a boolean`);
  });
}

/** `running[web1]`, or `running[#0]` when the name itself is unusable. */
function vmLabel(list: "running" | "incoming", name: unknown, index: number): string {
  return typeof name === "string" && name !== "" ? `${list}[${name}]` : `${list}[#${index}]`;
}

function assertUniqueName(name: unknown, label: string, list: string, seen: Map<string, string>): void {
  if (typeof name !== "string" || name === "") throw new Error(`${label}.name: must be a non-empty string`);
  const previous = seen.get(name);
  if (previous !== undefined) {
    throw new Error(`${label}.name: must be unique across running and incoming VMs (also in ${previous})`);
  }
  seen.set(name, list);
}

function assertMiB(value: unknown, label: string): void {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new Error(`${label}: must be a non-negative integer (got ${String(value)})`);
  }
  if (!Number.isSafeInteger(value)) {
    throw new Error(`${label}: must be at most ${Number.MAX_SAFE_INTEGER} (got ${String(value)})`);
  }
}

function assertPriority(value: unknown, label: string): void {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new Error(`${label}.priority: must be a finite number (got ${String(value)})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

/** The least a running VM can be ballooned to: its minimum, or its current memory if lower. */
function floorOf(vm: RunningVm): number {
  return Math.min(vm.minMiB, vm.currentMiB);
}

function isBelowMinimum(vm: RunningVm): boolean {
  return vm.currentMiB < vm.minMiB;
}

function inPriorityOrder<T extends { name: string; priority: number }>(vms: T[]): T[] {
  return [...vms].sort((a, b) => b.priority - a.priority || compareNames(a.name, b.name));
}

/** By UTF-16 code units, not locale: the same order on every machine. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function sumOf<T>(items: readonly T[], value: (item: T) => number): number {
  return items.reduce((total, item) => total + value(item), 0);
}
