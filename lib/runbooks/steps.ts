/**
 * What each kind of step does. Every step has `done` (re-reads the host's real state: is the effect already
 * there?) and `run` (precondition, the agent call, then waiting until `done` holds or the deadline passes).
 * The engine runs `done` first, so a step whose effect is already there is not run again; after a restart it
 * uses `done` to reconcile the step that was interrupted.
 */
import { AppError } from "../errors";
import type { MethodName, ParamsOf, ResultOf } from "../../agents/protocol/methods";
import { explainReason, planMemory } from "./memory-plan";
import { decidePromotion } from "./promotion";
import { report, splitBrainReported } from "./plan";
import type { PlannedStep, RunbookPlan, StepName } from "./types";
import type { PowerStatus } from "./fence";

/** Balloons are done within this many MiB of their target. */
export const BALLOON_TOLERANCE_MIB = 32;

export interface StepContext {
  plan: RunbookPlan;
  /** A call that changes the host, journaled before and after with the commands it ran. */
  act<M extends MethodName>(host: string, method: M, params: ParamsOf<M>): Promise<ResultOf<M>>;
  /** A read of the host's state (not journaled). */
  read<M extends MethodName>(host: string, method: M, params: ParamsOf<M>): Promise<ResultOf<M>>;
  /**
   * Runs the host's fence device with `--action=off` or `--action=status` on the panel's machine, journaled as
   * a call; resolves with what the device reports ("unknown" when it failed or the host has none).
   */
  fence(host: string, action: "off" | "status"): Promise<PowerStatus>;
  /** Records a new resource pair in the inventory and the panel's resource list (create-resource's last step). */
  registerResource(meta: {
    name: string;
    minor: number;
    port: number;
    protocol: string;
    mountPoint: string | null;
  }): Promise<void>;
  /** Forgets a deleted resource pair (inventory and the panel's resource list). */
  unregisterResource(name: string): Promise<void>;
  /** Records a VM placed on a resource with its failover settings (the inventory's Vm row). */
  registerVm(vm: {
    name: string;
    resource: string;
    memoryMiB: number;
    maxMemoryMiB: number;
    vcpus: number;
    priority: number;
    minMemoryMiB: number;
    required: boolean;
  }): Promise<void>;
  /** Forgets a VM whose definition was removed from both hosts. */
  unregisterVm(name: string): Promise<void>;
  /** Whether the panel has a working session to the host now. */
  reachable(host: string): boolean;
  sleep(ms: number): Promise<void>;
  /** Interval between re-reads while waiting for an effect. */
  pollMs: number;
  /** Appends to the step's note (shown in the job view). */
  note(text: string): void;
  /** Timestamps the report uses: `stopped:<vm>`, `started:<vm>`. */
  mark(key: string): void;
  /** Changes a later step (check-memory's re-plan): new params, or skipped with a reason. */
  amendStep(key: string, change: { params?: PlannedStep["params"]; skip?: string }): void;
  /** The step's deadline, as an absolute time (ms). */
  deadline: number;
}

export interface StepBehaviour {
  done(ctx: StepContext, step: PlannedStep): Promise<boolean>;
  run(ctx: StepContext, step: PlannedStep): Promise<void>;
}

const str = (step: PlannedStep, key: string) => String(step.params[key]);
const peerOf = (plan: RunbookPlan, host: string) => (host === plan.from ? plan.to : plan.from);

/** What DRBD on `host` reports now for one resource (re-read, not the plan's view). */
export async function roleOn(ctx: StepContext, host: string, resource: string) {
  return report(await ctx.read(host, "drbd.status", {}), resource);
}

async function vmOn(ctx: StepContext, host: string, vm: string) {
  return (await ctx.read(host, "vm.list", {})).vms.find((v) => v.name === vm && v.domId !== null);
}

/** Polls `check` until it holds; at the deadline throws COMMAND_TIMEOUT naming `what`. */
export async function waitUntil(
  ctx: StepContext,
  what: string,
  check: () => Promise<boolean>,
): Promise<void> {
  for (;;) {
    if (await check()) return;
    if (Date.now() >= ctx.deadline)
      throw new AppError("COMMAND_TIMEOUT", `${what} did not happen before the step's deadline`);
    await ctx.sleep(ctx.pollMs);
  }
}

const promote: StepBehaviour = {
  async done(ctx, step) {
    return (await roleOn(ctx, step.host, str(step, "resource"))).role === "Primary";
  },
  async run(ctx, step) {
    const resource = str(step, "resource");
    const peer = peerOf(ctx.plan, step.host);
    let peerReachable = ctx.reachable(peer);
    let peerRole;
    if (peerReachable) {
      try {
        peerRole = (await roleOn(ctx, peer, resource)).role;
      } catch {
        peerReachable = false;
      }
    }
    // The gate decides on what the hosts report now, not on what the plan saw; a fenced peer is asked again.
    const fenced =
      !peerReachable && ctx.plan.steps.some((s) => s.name === "fence" && s.host === peer)
        ? (await ctx.fence(peer, "status")) === "off"
        : false;
    const localStatus = await ctx.read(step.host, "drbd.status", {});
    const decision = decidePromotion({
      resource,
      localHost: step.host,
      peerHost: peer,
      local: report(localStatus, resource),
      peerObserved: { reachable: peerReachable, ...(peerReachable && peerRole ? { role: peerRole } : {}) },
      peerConfirmedDown: peerReachable
        ? null
        : fenced
          ? { by: "fence", command: fenceCommandOf(ctx.plan, peer) }
          : ctx.plan.options.confirmDown
            ? { by: "operator" }
            : null,
      splitBrain: splitBrainReported(localStatus, resource),
      ...(ctx.plan.options.force ? { force: { acceptDataLoss: true, byAdmin: true } } : {}),
    });
    if (!decision.allowed)
      throw new AppError("CONFLICT", decision.message, {
        userMessage: decision.message,
        details: { rule: decision.rule, forceable: decision.forceable },
      });
    for (const w of decision.warnings) ctx.note(w);
    if (decision.forced) ctx.note(`FORCED: ${resource} promoted on ${step.host} without UpToDate data.`);
    if (decision.action === "none") return;
    await ctx.act(step.host, "drbd.primary", { resource, force: decision.forced });
    await waitUntil(ctx, `${resource} Primary on ${step.host}`, () => promote.done(ctx, step));
  },
};

const fenceCommandOf = (plan: RunbookPlan, host: string) =>
  (plan.steps.find((s) => s.name === "fence" && s.host === host)?.commands[0] ?? []).join(" ");

/**
 * Powers the host off through its fence device. Done when the device reports it off. When the device fails,
 * the failover stops before anything is promoted, unless an operator confirmed the host is off (`required`
 * false): then the failure is noted and the promotion rests on that confirmation.
 */
const fence: StepBehaviour = {
  async done(ctx, step) {
    return (await ctx.fence(step.host, "status")) === "off";
  },
  async run(ctx, step) {
    if ((await ctx.fence(step.host, "off")) === "off" && (await ctx.fence(step.host, "status")) === "off") {
      ctx.note(`${step.host} is powered off (its fence device confirmed it).`);
      return;
    }
    if (step.params.required === true)
      throw new AppError(
        "FENCE_FAILED",
        `the fence device of ${step.host} did not confirm that it is powered off; nothing was promoted. Check ${step.host} (power it off by hand), then fail over again confirming it is off.`,
        { details: { host: step.host } },
      );
    ctx.note(
      `The fence device of ${step.host} did not confirm the power off; going on, on the operator's confirmation that ${step.host} is off.`,
    );
  },
};

const demote: StepBehaviour = {
  async done(ctx, step) {
    return (await roleOn(ctx, step.host, str(step, "resource"))).role === "Secondary";
  },
  async run(ctx, step) {
    await ctx.act(step.host, "drbd.secondary", { resource: str(step, "resource") });
    await waitUntil(ctx, `${str(step, "resource")} Secondary on ${step.host}`, () => demote.done(ctx, step));
  },
};

const mounted = async (ctx: StepContext, step: PlannedStep) =>
  (await ctx.read(step.host, "fs.isMounted", { mountPoint: str(step, "mountPoint") })).mounted;

const fsck: StepBehaviour = {
  // Never on a mounted filesystem: once mounted (after a restart, say), the check is behind us.
  done: mounted,
  async run(ctx, step) {
    const result = await ctx.act(step.host, "fs.fsck", { device: str(step, "device") });
    if (!result.clean)
      throw new AppError(
        "CONFLICT",
        `fsck found problems on ${str(step, "device")} (${str(step, "resource")}) on ${step.host} that it will not repair by itself (exit ${result.exitCode}): a human must check it before it is mounted.`,
        { details: { output: result.output.slice(-2000) } },
      );
    if (result.exitCode !== 0) ctx.note(`fsck repaired ${str(step, "device")} (exit ${result.exitCode}).`);
  },
};

const mount: StepBehaviour = {
  done: mounted,
  async run(ctx, step) {
    await ctx.act(step.host, "fs.mount", {
      device: str(step, "device"),
      mountPoint: str(step, "mountPoint"),
    });
    await waitUntil(ctx, `${str(step, "mountPoint")} mounted on ${step.host}`, () => mounted(ctx, step));
  },
};

const umount: StepBehaviour = {
  done: async (ctx, step) => !(await mounted(ctx, step)),
  async run(ctx, step) {
    await ctx.act(step.host, "fs.umount", { mountPoint: str(step, "mountPoint") });
    await waitUntil(
      ctx,
      `${str(step, "mountPoint")} unmounted on ${step.host}`,
      umount.done.bind(null, ctx, step),
    );
  },
};

const shutdownVm: StepBehaviour = {
  async done(ctx, step) {
    const off = (await vmOn(ctx, step.host, str(step, "vm"))) === undefined;
    if (off) ctx.mark(`stopped:${str(step, "vm")}`);
    return off;
  },
  async run(ctx, step) {
    const vm = str(step, "vm");
    await ctx.act(step.host, "vm.shutdown", { name: vm });
    const giveUpAt = Date.now() + Number(step.params.timeoutSec) * 1000;
    while (!(await shutdownVm.done(ctx, step))) {
      if (Date.now() >= giveUpAt) {
        if (step.params.forceOff !== true)
          throw new AppError(
            "CONFLICT",
            `${vm} did not shut down within ${step.params.timeoutSec} s and still runs on ${step.host}; nothing else was done. Check it, or run the ${ctx.plan.kind} again with "force off" to pull its plug.`,
            { details: { rule: "shutdown-timeout", vm } },
          );
        ctx.note(`${vm} did not shut down within ${step.params.timeoutSec} s: forced off.`);
        await ctx.act(step.host, "vm.destroy", { name: vm });
        await waitUntil(ctx, `${vm} off on ${step.host}`, () => shutdownVm.done(ctx, step));
        return;
      }
      await ctx.sleep(ctx.pollMs);
    }
  },
};

const startVm: StepBehaviour = {
  async done(ctx, step) {
    const on = (await vmOn(ctx, step.host, str(step, "vm"))) !== undefined;
    if (on) ctx.mark(`started:${str(step, "vm")}`);
    return on;
  },
  async run(ctx, step) {
    const vm = str(step, "vm");
    const peer = peerOf(ctx.plan, step.host);
    // Never a second copy: if the peer answers, the VM must not run there.
    if (ctx.reachable(peer) && (await vmOn(ctx, peer, vm).catch(() => undefined)) !== undefined)
      throw new AppError("CONFLICT", `${vm} runs on ${peer}: it was not started on ${step.host}.`, {
        details: { rule: "vm-runs-elsewhere", vm },
      });
    await ctx.act(step.host, "vm.start", { name: vm, memoryMiB: Number(step.params.memoryMiB) });
    await waitUntil(ctx, `${vm} running on ${step.host}`, () => startVm.done(ctx, step));
  },
};

const balloon: StepBehaviour = {
  async done(ctx, step) {
    const vm = await vmOn(ctx, step.host, str(step, "vm"));
    return (
      vm === undefined || Math.abs(vm.memoryMiB - Number(step.params.targetMiB)) <= BALLOON_TOLERANCE_MIB
    );
  },
  async run(ctx, step) {
    const vm = str(step, "vm");
    const target = Number(step.params.targetMiB);
    await ctx.act(step.host, "vm.setMemory", { name: vm, memoryMiB: target });
    // Wait while the balloon moves; one that stops short (the guest gives no more) is left for check-memory.
    let last = Number.NaN;
    let still = 0;
    while (!(await balloon.done(ctx, step))) {
      const now = (await vmOn(ctx, step.host, vm))?.memoryMiB ?? target;
      still = now === last ? still + 1 : 0;
      last = now;
      if (still >= 5 || Date.now() >= ctx.deadline) {
        ctx.note(`${vm}'s balloon stopped at ${now} MiB (target ${target} MiB).`);
        return;
      }
      await ctx.sleep(ctx.pollMs);
    }
  },
};

/**
 * Before the starts: does the host have the memory the plan counted on? If a balloon stopped short, the
 * remaining starts are planned again from what the host really has (running VMs as they are now).
 */
const checkMemory: StepBehaviour = {
  done: async () => false,
  async run(ctx, step) {
    const starts = ctx.plan.steps.filter(
      (s) => s.name === "start-vm" && s.host === step.host && s.params.skipped === undefined,
    );
    const facts = await ctx.read(step.host, "host.facts", {});
    const freeMiB = Math.floor(facts.memory.freeKiB / 1024);
    const needMiB = starts.reduce((s, x) => s + Number(x.params.memoryMiB), 0);
    if (freeMiB >= needMiB) {
      ctx.note(`${step.host} has ${freeMiB} MiB free for ${needMiB} MiB of VMs to start.`);
      return;
    }
    const vms = (await ctx.read(step.host, "vm.list", {})).vms.filter((v) => v.domId !== null);
    const plan = planMemory({
      survivor: {
        name: step.host,
        totalMiB: freeMiB + vms.reduce((s, v) => s + v.memoryMiB, 0),
        dom0MiB: 0,
        marginMiB: 0,
      },
      running: vms.map((v) => ({
        name: v.name,
        currentMiB: v.memoryMiB,
        minMiB: v.memoryMiB, // they gave what they could
        maxMiB: Math.max(v.maxMemoryMiB, v.memoryMiB),
        priority: 0,
      })),
      incoming: starts.map((s) => ({
        name: str(s, "vm"),
        normalMiB: Number(s.params.normalMiB),
        minMiB: Number(s.params.minMiB),
        priority: Number(s.params.priority),
        required: s.params.required === true,
      })),
    });
    ctx.note(`Only ${freeMiB} MiB free for ${needMiB} MiB planned: the starts were planned again.`);
    for (const s of starts) {
      const entry = plan.incoming.find((i) => i.name === str(s, "vm"))!;
      if (entry.startMiB === null) ctx.amendStep(s.key, { skip: explainReason(entry.reason, entry.name) });
      else ctx.amendStep(s.key, { params: { ...s.params, memoryMiB: entry.startMiB } });
    }
  },
};

/** The runbooks' steps; the resource steps are in lib/resources/steps.ts (the engine merges both). */
export const STEP_BEHAVIOURS: Partial<Record<StepName, StepBehaviour>> = {
  fence,
  promote,
  demote,
  fsck,
  mount,
  umount,
  "shutdown-vm": shutdownVm,
  "start-vm": startVm,
  balloon,
  "check-memory": checkMemory,
};
