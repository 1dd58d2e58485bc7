/**
 * Builds a runbook's plan (issue 5): which resources and VMs move, the steps in order with their commands, the
 * memory plan on the host that receives the VMs, the promotion gate's decision per resource, warnings, and what
 * blocks the runbook. Pure: the engine gathers the farm view and live DRBD reports and passes them in, so the
 * plan shown by a dry run is exactly what a job would run.
 *
 * - failover (from failed/unreachable -> to): per resource that was Primary on `from`: promote on `to`, fsck
 *   (`fsck -p`: a no-op on a cleanly unmounted filesystem), mount; then balloon `to`'s VMs to their planned
 *   memory, check the memory, and start `from`'s VMs in plan order with their planned memory.
 * - switchover (both healthy): shut `from`'s VMs down cleanly, then per resource unmount, demote on `from`,
 *   promote and mount on `to`; balloon, check, start on `to`.
 * - failback (to = home, repaired): as a switchover of what the last failover (or switchover) moved, allowed
 *   only once every resource is Connected and UpToDate on both sides; then `from`'s own VMs get back the memory
 *   they had before the failover.
 */
import { AppError } from "../errors";
import type { TDrbdStatus } from "../../agents/protocol/schemas";
import type { ResourceMeta, TFarmView } from "../farm/view";
import { explainReason, planMemory, type IncomingVm, type RunningVm } from "./memory-plan";
import { decidePromotion, type LocalDrbdReport } from "./promotion";
import { previewCommands } from "./preview";
import type { JobView, PlanBlocker, PlanWarning, PlannedStep, RunbookPlan, TRunbookRequest } from "./types";

/** Per-VM settings for degraded mode (stored per VM; defaults in policies.ts). */
export interface VmPolicy {
  minMiB: number;
  priority: number;
  required: boolean;
}

export interface PlanInput {
  request: TRunbookRequest;
  view: TFarmView;
  resources: ResourceMeta[];
  /** Live `drbd.status` of each host that answered (absent: unreachable). */
  drbd: Partial<Record<string, TDrbdStatus>>;
  policyOf: (vm: string, normalMiB: number) => VmPolicy;
  /** For failback: the last job that moved resources from `to` (home) to `from`. */
  lastMove: JobView | null;
  /** Memory kept free on the receiving host beyond the plan (MiB). */
  marginMiB: number;
  /** Each host's fence command, when one is configured (argv without `--action`; see fence.ts). */
  fences?: Partial<Record<string, readonly string[]>>;
}

/** VM states in which a domain exists on its host (it holds memory, its disk is open). */
export const RUNNING_STATES: ReadonlySet<string> = new Set(["running", "blocked", "paused", "shutdown"]);
/** Real-time deadlines per step. */
const DEADLINE_MS = {
  promote: 120_000,
  /** Beyond the fence agent's own timeout (it is its own deadline); see engine.ts. */
  fence: 30_000,
  demote: 60_000,
  fsck: 3_600_000,
  mount: 120_000,
  umount: 60_000,
  "start-vm": 180_000,
  balloon: 120_000,
  "check-memory": 30_000,
} as const;

export function buildPlan(input: PlanInput): RunbookPlan {
  const { request, view } = input;
  const { kind, from, to } = request;
  for (const [field, host] of [
    ["from", from],
    ["to", to],
  ] as const)
    if (!view.hosts.some((h) => h.name === host))
      throw new AppError("VALIDATION_FAILED", `${field}: no host ${host} in the farm`, {
        userMessage: `Invalid ${field}: no host named ${host}`,
        details: { field, rule: "must name a host of the farm" },
      });
  if (from === to)
    throw new AppError("VALIDATION_FAILED", "to: must differ from from", {
      userMessage: "Invalid to: must be the other host",
      details: { field: "to", rule: "must differ from from" },
    });

  const blockers: PlanBlocker[] = [];
  const warnings: PlanWarning[] = [];
  const fromHost = view.hosts.find((h) => h.name === from)!;
  const toHost = view.hosts.find((h) => h.name === to)!;
  const fromUp = fromHost.reachable && input.drbd[from] !== undefined;
  const toUp = toHost.reachable && input.drbd[to] !== undefined;
  if (!toUp)
    blockers.push({ rule: "target-unreachable", message: `${to} does not answer: it cannot take over.` });
  if (kind === "failover" && fromUp)
    blockers.push({
      rule: "source-reachable",
      message: `${from} answers: plan a switchover instead (a failover is for a host that failed or cannot be reached).`,
    });
  if (kind !== "failover" && !fromUp)
    blockers.push({
      rule: "source-unreachable",
      message: `${from} does not answer: a ${kind} needs both hosts; use a failover to ${to}.`,
    });

  // What moves.
  let resources: string[];
  let vms: TFarmView["vms"];
  if (kind === "failback") {
    const moved = input.lastMove;
    if (!moved) {
      blockers.push({
        rule: "nothing-to-fail-back",
        message: `No failover or switchover from ${to} to ${from} is waiting to be failed back.`,
      });
      resources = [];
    } else resources = moved.plan.resources.filter((r) => sideOf(view, r, from)?.role === "Primary");
    // Every VM the failover moved, whether it was started on `from` or left down for lack of memory.
    const names = new Set(moved?.plan.vms ?? []);
    vms = view.vms.filter((v) => names.has(v.name) && (v.host === from || !RUNNING_STATES.has(v.state)));
  } else {
    resources = view.resources
      .filter((r) => sideOf(view, r.name, from)?.role === "Primary")
      .map((r) => r.name);
    const moving = new Set(resources);
    vms = view.vms.filter(
      (v) => v.resource !== null && moving.has(v.resource) && v.host === from && RUNNING_STATES.has(v.state),
    );
  }
  if (resources.length === 0 && kind !== "failback")
    blockers.push({
      rule: "nothing-to-move",
      message: `No DRBD resource is known to be Primary on ${from}.`,
    });

  // Failback waits for the resync: both sides Connected and UpToDate, nothing left to sync.
  if (kind === "failback")
    for (const name of resources) {
      const home = report(input.drbd[to], name);
      const res = view.resources.find((r) => r.name === name);
      const homeSide = res?.sides.find((s) => s.host === to);
      const synced =
        home.connection === "Connected" &&
        home.disk === "UpToDate" &&
        home.peerDisk === "UpToDate" &&
        home.replication === "Established";
      if (!synced)
        blockers.push({
          rule: "resync-running",
          resource: name,
          message:
            homeSide?.syncPercent !== null && homeSide?.syncPercent !== undefined
              ? `${name} is still resyncing to ${to} (${homeSide.syncPercent.toFixed(1)} %, about ${homeSide.etaSeconds ?? "?"} s left): fail back when both sides are UpToDate.`
              : `${name} is not in sync on ${to} (disk ${home.disk}, connection ${home.connection}, replication ${home.replication}): fail back when both sides are Connected and UpToDate.`,
        });
    }

  // A failover to a host that does not answer fences it first, when it has a fence device: the promotion then
  // rests on the device's word that it is off. With the operator's confirmation too, a failing fence is noted,
  // not fatal (the device may have lost power with its host).
  const fenceCommand = kind === "failover" && !fromUp ? input.fences?.[from] : undefined;
  if (fenceCommand)
    warnings.push({
      code: "fence",
      message: `${from} does not answer: it will be powered off by its fence device (${fenceCommand[0]}) before anything is promoted on ${to}.`,
    });

  // The promotion gate, as the farm is now (a switchover's `from` is still Primary: judged as after its demotion).
  const promotions = resources.map((resource) => {
    const local = report(input.drbd[to], resource);
    const planned = kind === "failover" ? local : { ...local, peerRole: "Secondary" as const };
    const peerRole = input.drbd[from]?.resources.find((r) => r.name === resource)?.role;
    const decision = decidePromotion({
      resource,
      localHost: to,
      peerHost: from,
      local: planned,
      peerObserved:
        kind === "failover"
          ? { reachable: fromUp, ...(fromUp && peerRole ? { role: peerRole } : {}) }
          : { reachable: true },
      peerConfirmedDown: fromUp
        ? null
        : fenceCommand
          ? { by: "fence", command: fenceCommand.join(" ") }
          : request.confirmDown
            ? { by: "operator" }
            : null,
      // DRBD's own report (its split-brain helper), from either side that answers.
      splitBrain: [to, from].some((h) => splitBrainReported(input.drbd[h], resource)),
      ...(request.force ? { force: { acceptDataLoss: true, byAdmin: true } } : {}),
    });
    if (!decision.allowed)
      blockers.push({
        rule: decision.rule,
        message: decision.message,
        resource,
        forceable: decision.forceable,
      });
    else for (const w of decision.warnings) warnings.push({ code: "promotion", message: w });
    return { resource, host: to, decision };
  });

  // Memory on the receiving host.
  const running: RunningVm[] = view.vms
    .filter((v) => v.host === to && RUNNING_STATES.has(v.state) && !v.stale)
    .map((v) => {
      const policy = input.policyOf(v.name, v.maxMemoryMiB);
      return {
        name: v.name,
        currentMiB: v.memoryMiB,
        minMiB: Math.min(policy.minMiB, v.maxMemoryMiB),
        maxMiB: v.maxMemoryMiB,
        priority: policy.priority,
      };
    });
  const incoming: IncomingVm[] = vms.map((v) => {
    const policy = input.policyOf(v.name, v.maxMemoryMiB);
    return {
      name: v.name,
      normalMiB: v.maxMemoryMiB,
      minMiB: Math.min(policy.minMiB, v.maxMemoryMiB),
      priority: policy.priority,
      required: kind === "failover" ? policy.required : true,
    };
  });
  const freeMiB = toHost.memory?.freeMiB ?? 0;
  const guestMiB = freeMiB + running.reduce((s, v) => s + v.currentMiB, 0);
  const memoryPlan =
    incoming.length === 0
      ? null
      : planMemory({
          survivor: { name: to, totalMiB: guestMiB, dom0MiB: 0, marginMiB: input.marginMiB },
          running,
          incoming,
        });
  const memory = memoryPlan
    ? {
        ...memoryPlan,
        explanations: Object.fromEntries(
          [...memoryPlan.running, ...memoryPlan.incoming].map((e) => [
            e.name,
            explainReason(e.reason, e.name),
          ]),
        ),
      }
    : null;
  // A host that does not answer has no known free memory: its own blocker says so, not a memory shortage.
  if (memoryPlan && !memoryPlan.fits && toUp) {
    const names = memoryPlan.requiredUnstarted.join(", ");
    if (kind === "failover")
      warnings.push({
        code: "required-not-started",
        message: `${to} cannot carry every required VM: ${names} will not start (see the memory plan).`,
      });
    else
      blockers.push({
        rule: "no-memory",
        message: `${to} cannot carry every VM of ${from}: ${names} would stay down. Free memory on ${to} first.`,
      });
  }
  for (const vm of memoryPlan?.incoming ?? [])
    if (vm.startMiB === null && !memoryPlan?.requiredUnstarted.includes(vm.name))
      warnings.push({ code: "optional-not-started", message: explainReason(vm.reason, vm.name) });

  // Failback: `from`'s own VMs get back what they had before the failover.
  const restoreMemory =
    kind === "failback" && input.lastMove?.plan.memory
      ? input.lastMove.plan.memory.running
          .filter((r) => r.targetMiB < r.fromMiB)
          .filter((r) =>
            view.vms.some((v) => v.name === r.name && v.host === from && RUNNING_STATES.has(v.state)),
          )
          .map((r) => ({ vm: r.name, memoryMiB: r.fromMiB }))
      : [];

  const steps = buildSteps({ ...input, moving: resources, vms, memoryPlan, restoreMemory, promotions });
  if (fenceCommand && resources.length > 0)
    steps.unshift({
      key: `fence:${from}`,
      name: "fence",
      host: from,
      // required: without the operator's confirmation, nothing is promoted unless the device confirms the power off.
      params: { host: from, required: !request.confirmDown },
      call: null,
      commands: [[...fenceCommand, "--action=off"]],
      idempotent: true,
      deadlineMs: DEADLINE_MS.fence,
    });
  return {
    kind,
    from,
    to,
    resources,
    vms: vms.map((v) => v.name),
    steps,
    memory,
    promotions,
    restoreMemory,
    warnings,
    blockers,
    options: { confirmDown: request.confirmDown, force: request.force, forceOff: request.forceOff },
  };
}

function buildSteps(
  x: PlanInput & {
    moving: string[];
    vms: TFarmView["vms"];
    memoryPlan: ReturnType<typeof planMemory> | null;
    restoreMemory: RunbookPlan["restoreMemory"];
    promotions: RunbookPlan["promotions"];
  },
): PlannedStep[] {
  const { kind, from, to } = x.request;
  const hypervisorOf = (host: string) => x.view.hosts.find((h) => h.name === host)?.hypervisor ?? null;
  const steps: PlannedStep[] = [];
  const add = (step: Omit<PlannedStep, "commands">) =>
    steps.push({ ...step, commands: previewCommands(step, hypervisorOf(step.host)) });
  const device = (r: string) => `/dev/drbd${x.view.resources.find((v) => v.name === r)?.minor ?? "?"}`;
  const mountPoint = (r: string) => x.resources.find((m) => m.name === r)?.mountPoint ?? null;
  const timeoutMs = x.request.shutdownTimeoutSec * 1000;

  if (kind !== "failover") {
    // Least important first: the important ones run as long as possible.
    const order = x.vms
      .filter((v) => v.host === from && RUNNING_STATES.has(v.state))
      .sort(
        (a, b) => x.policyOf(a.name, a.maxMemoryMiB).priority - x.policyOf(b.name, b.maxMemoryMiB).priority,
      );
    for (const vm of order)
      add({
        key: `shutdown-vm:${vm.name}@${from}`,
        name: "shutdown-vm",
        host: from,
        vm: vm.name,
        params: { vm: vm.name, timeoutSec: x.request.shutdownTimeoutSec, forceOff: x.request.forceOff },
        call: { method: "vm.shutdown", params: { name: vm.name } },
        idempotent: true,
        deadlineMs: timeoutMs + 60_000,
      });
  }
  for (const r of x.moving) {
    const mp = mountPoint(r);
    if (kind !== "failover") {
      if (mp)
        add({
          key: `umount:${r}@${from}`,
          name: "umount",
          host: from,
          resource: r,
          params: { resource: r, mountPoint: mp },
          call: { method: "fs.umount", params: { mountPoint: mp } },
          idempotent: true,
          deadlineMs: DEADLINE_MS.umount,
        });
      add({
        key: `demote:${r}@${from}`,
        name: "demote",
        host: from,
        resource: r,
        params: { resource: r },
        call: { method: "drbd.secondary", params: { resource: r } },
        idempotent: true,
        deadlineMs: DEADLINE_MS.demote,
      });
    }
    const decision = x.promotions.find((p) => p.resource === r)?.decision;
    const force = decision?.allowed === true && decision.forced;
    add({
      key: `promote:${r}@${to}`,
      name: "promote",
      host: to,
      resource: r,
      params: { resource: r, force },
      call: { method: "drbd.primary", params: { resource: r, force } },
      idempotent: false,
      deadlineMs: DEADLINE_MS.promote,
    });
    if (mp) {
      if (kind === "failover")
        add({
          key: `fsck:${r}@${to}`,
          name: "fsck",
          host: to,
          resource: r,
          params: { resource: r, device: device(r), mountPoint: mp },
          call: { method: "fs.fsck", params: { device: device(r) } },
          idempotent: true,
          deadlineMs: DEADLINE_MS.fsck,
        });
      add({
        key: `mount:${r}@${to}`,
        name: "mount",
        host: to,
        resource: r,
        params: { resource: r, device: device(r), mountPoint: mp },
        call: { method: "fs.mount", params: { device: device(r), mountPoint: mp } },
        idempotent: true,
        deadlineMs: DEADLINE_MS.mount,
      });
    }
  }
  const plan = x.memoryPlan;
  if (plan) {
    // Shrink the least important first.
    const shrinking = plan.running.filter((r) => r.targetMiB < r.fromMiB).reverse();
    for (const r of shrinking) add(balloonStep(r.name, to, r.targetMiB, r.fromMiB));
    const starts = plan.incoming
      .filter((i) => i.startMiB !== null)
      .sort((a, b) => (a.order ?? 0) - (b.order ?? 0));
    if (starts.length > 0)
      add({
        key: `check-memory@${to}`,
        name: "check-memory",
        host: to,
        params: { neededMiB: starts.reduce((s, i) => s + (i.startMiB ?? 0), 0) },
        call: { method: "host.facts", params: {} },
        idempotent: true,
        deadlineMs: DEADLINE_MS["check-memory"],
      });
    for (const i of starts) {
      const vm = x.vms.find((v) => v.name === i.name)!;
      const policy = x.policyOf(vm.name, vm.maxMemoryMiB);
      // The start memory is always given: a definition may still hold a degraded start's size (libvirt).
      const memoryMiB = i.startMiB ?? vm.maxMemoryMiB;
      add({
        key: `start-vm:${i.name}@${to}`,
        name: "start-vm",
        host: to,
        vm: i.name,
        params: {
          vm: i.name,
          normalMiB: vm.maxMemoryMiB,
          minMiB: Math.min(policy.minMiB, vm.maxMemoryMiB),
          priority: policy.priority,
          required: kind === "failover" ? policy.required : true,
          memoryMiB,
        },
        call: { method: "vm.start", params: { name: i.name, memoryMiB } },
        idempotent: false,
        deadlineMs: DEADLINE_MS["start-vm"],
      });
    }
  }
  for (const r of x.restoreMemory) {
    const current = x.view.vms.find((v) => v.name === r.vm)?.memoryMiB ?? 0;
    add(balloonStep(r.vm, from, r.memoryMiB, current));
  }
  return steps;
}

function balloonStep(
  vm: string,
  host: string,
  targetMiB: number,
  fromMiB: number,
): Omit<PlannedStep, "commands"> {
  return {
    key: `balloon:${vm}@${host}`,
    name: "balloon",
    host,
    vm,
    params: { vm, targetMiB, fromMiB },
    call: { method: "vm.setMemory", params: { name: vm, memoryMiB: targetMiB } },
    idempotent: true,
    deadlineMs: DEADLINE_MS.balloon,
  };
}

function sideOf(view: TFarmView, resource: string, host: string) {
  return view.resources.find((r) => r.name === resource)?.sides.find((s) => s.host === host);
}

/** Whether DRBD on a host reported split brain for the resource (events2's helper call, kept by the agent). */
export function splitBrainReported(status: TDrbdStatus | undefined, resource: string): boolean {
  return status?.resources.find((x) => x.name === resource)?.splitBrain === true;
}

/** What DRBD on a host reports for one resource, in the promotion gate's shape ("Unknown" when absent). */
export function report(status: TDrbdStatus | undefined, resource: string): LocalDrbdReport {
  const r = status?.resources.find((x) => x.name === resource);
  const conn = r?.connections[0];
  const pd = conn?.peerDevices[0];
  const connected = conn?.connection === "Connected";
  return {
    role: r?.role ?? "Unknown",
    disk: r?.devices[0]?.disk ?? "DUnknown",
    connection: conn?.connection ?? "StandAlone",
    replication: pd?.replication ?? "Off",
    peerRole: connected ? conn.peerRole : "Unknown",
    peerDisk: connected ? (pd?.peerDisk ?? "DUnknown") : "DUnknown",
  };
}
