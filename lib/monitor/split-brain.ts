/**
 * Guided split-brain recovery (issue 7), never automatic: the operator names the side whose changes are discarded
 * (the victim) and types its name again. The job stops the victim's VMs on the resource, unmounts it there,
 * disconnects and demotes the victim, connects it with `--discard-my-data`, connects the survivor, and waits until
 * both sides are Connected and UpToDate (digest §1.1.9; DRBD User's Guide, "Manual split brain recovery").
 */
import { z } from "zod";
import { AppError } from "../errors";
import type { FarmService } from "../farm/farm-service";
import type { ResourceMeta, TFarmView } from "../farm/view";
import { jobPlan, type Step } from "../resources/plan";
import { RUNNING_STATES } from "../runbooks/plan";
import { roleOn, waitUntil, type StepBehaviour } from "../runbooks/steps";
import type { PlannedStep, RunbookPlan, StepName } from "../runbooks/types";

export const ZSplitBrainRecovery = z
  .object({
    /** The host whose changes since the split are discarded. */
    discard: z.string().regex(/^[a-zA-Z0-9][a-zA-Z0-9.-]{0,62}$/, "must be a host name"),
    /** The victim's name typed again (not needed for a dry run). */
    confirm: z.string().max(63).default(""),
    dryRun: z.boolean().default(false),
    /** Seconds each VM on the victim gets to shut down cleanly. */
    shutdownTimeoutSec: z.number().int().min(10).max(3600).default(120),
  })
  .strict();
export type TSplitBrainRecovery = z.infer<typeof ZSplitBrainRecovery>;

export interface FieldError {
  field: string;
  message: string;
}

/** Whether DRBD reported split brain on the resource (either side), or an open incident says it still is. */
export function checkSplitBrainRecovery(input: {
  resource: string;
  request: TSplitBrainRecovery;
  view: TFarmView;
  openSplitBrain: boolean;
}): { errors: FieldError[]; victim: string; survivor: string } {
  const { request, view } = input;
  const errors: FieldError[] = [];
  const r = view.resources.find((x) => x.name === input.resource);
  if (!r)
    throw new AppError("NOT_FOUND", `no resource ${input.resource}`, {
      userMessage: `No resource ${input.resource}.`,
    });
  const hosts = r.sides.map((s) => s.host);
  const victim = request.discard;
  const survivor = hosts.find((h) => h !== victim) ?? "";
  if (!hosts.includes(victim))
    errors.push({ field: "discard", message: `must be one of the resource's hosts (${hosts.join(", ")})` });
  // A dry run changes nothing: the plan is shown before the name is typed.
  if (!request.dryRun && request.confirm !== victim)
    errors.push({
      field: "confirm",
      message: `must be the name of the host whose changes are discarded, typed again (${victim})`,
    });
  const down = view.hosts.filter((h) => !h.reachable).map((h) => h.name);
  if (down.length > 0)
    errors.push({ field: "discard", message: `both hosts must answer (${down.join(", ")} does not)` });
  const reported = r.sides.some((s) => s.splitBrain);
  const standAlone = r.sides.some((s) => s.connection === "StandAlone");
  if (!reported && !(input.openSplitBrain && standAlone))
    errors.push({
      field: "resource",
      message: `${r.name} is not in split brain (DRBD reports none, and no side is StandAlone with an open split-brain incident)`,
    });
  return { errors, victim, survivor };
}

const DEADLINE_MS = {
  "shutdown-vm": 3_600_000,
  umount: 60_000,
  disconnect: 60_000,
  demote: 60_000,
  connect: 60_000,
  "wait-synced": 6 * 3_600_000,
} as const;

export function buildSplitBrainPlan(input: {
  resource: string;
  victim: string;
  survivor: string;
  view: TFarmView;
  resources: ResourceMeta[];
  shutdownTimeoutSec: number;
}): RunbookPlan {
  const { resource, victim, survivor, view } = input;
  const vms = view.vms.filter(
    (v) => v.resource === resource && v.host === victim && RUNNING_STATES.has(v.state),
  );
  const mountPoint = input.resources.find((m) => m.name === resource)?.mountPoint ?? null;
  const steps: Step[] = [];
  for (const vm of vms)
    steps.push({
      key: `shutdown-vm:${vm.name}@${victim}`,
      name: "shutdown-vm",
      host: victim,
      vm: vm.name,
      resource,
      params: { vm: vm.name, timeoutSec: input.shutdownTimeoutSec, forceOff: false },
      call: { method: "vm.shutdown", params: { name: vm.name } },
      idempotent: true,
      deadlineMs: DEADLINE_MS["shutdown-vm"],
    });
  if (mountPoint)
    steps.push({
      key: `umount:${resource}@${victim}`,
      name: "umount",
      host: victim,
      resource,
      params: { resource, mountPoint },
      call: { method: "fs.umount", params: { mountPoint } },
      idempotent: true,
      deadlineMs: DEADLINE_MS.umount,
    });
  steps.push(
    {
      key: `disconnect:${resource}@${victim}`,
      name: "disconnect",
      host: victim,
      resource,
      params: { resource },
      call: { method: "drbd.disconnect", params: { resource } },
      idempotent: true,
      deadlineMs: DEADLINE_MS.disconnect,
    },
    {
      key: `demote:${resource}@${victim}`,
      name: "demote",
      host: victim,
      resource,
      params: { resource },
      call: { method: "drbd.secondary", params: { resource } },
      idempotent: true,
      deadlineMs: DEADLINE_MS.demote,
    },
    {
      key: `connect:${resource}@${victim}`,
      name: "connect",
      host: victim,
      resource,
      params: { resource, discardMyData: true },
      call: { method: "drbd.connect", params: { resource, discardMyData: true } },
      idempotent: true,
      deadlineMs: DEADLINE_MS.connect,
    },
    {
      key: `connect:${resource}@${survivor}`,
      name: "connect",
      host: survivor,
      resource,
      params: { resource, discardMyData: false },
      call: { method: "drbd.connect", params: { resource, discardMyData: false } },
      idempotent: true,
      deadlineMs: DEADLINE_MS.connect,
    },
    {
      key: `wait-synced:${resource}`,
      name: "wait-synced",
      host: survivor,
      resource,
      params: { resource, victim },
      call: null,
      idempotent: true,
      deadlineMs: DEADLINE_MS["wait-synced"],
    },
  );
  return jobPlan({
    kind: "split-brain-recovery",
    from: victim,
    to: survivor,
    resources: [resource],
    vms: vms.map((v) => v.name),
    steps,
    warnings: [
      {
        code: "changes-discarded",
        message: `Everything written to ${resource} on ${victim} since the split is discarded; ${victim} then resyncs from ${survivor}.`,
      },
      ...vms.map((v) => ({
        code: "vm-stopped",
        message: `${v.name} runs on ${victim} on ${resource}: it is shut down, and its writes since the split are lost. Start it again on ${survivor} if it should run.`,
      })),
    ],
  });
}

/** Plans (dry run) or starts the recovery of `resource`; 400 with the fields refused, changing nothing. */
export async function recoverSplitBrain(
  runtime: {
    farm: FarmService;
    resources: ResourceMeta[];
    runbooks: { start(plan: RunbookPlan): Promise<string> };
  },
  resource: string,
  request: TSplitBrainRecovery,
  openSplitBrain: boolean,
): Promise<
  { kind: "refused"; errors: FieldError[] } | { kind: "planned"; plan: RunbookPlan; jobId?: string }
> {
  const view = await runtime.farm.freshView();
  const check = checkSplitBrainRecovery({ resource, request, view, openSplitBrain });
  if (check.errors.length > 0) return { kind: "refused", errors: check.errors };
  const plan = buildSplitBrainPlan({
    resource,
    victim: check.victim,
    survivor: check.survivor,
    view,
    resources: runtime.resources,
    shutdownTimeoutSec: request.shutdownTimeoutSec,
  });
  if (request.dryRun) return { kind: "planned", plan };
  return { kind: "planned", plan, jobId: await runtime.runbooks.start(plan) };
}

const str = (step: PlannedStep, key: string) => String(step.params[key]);

const disconnect: StepBehaviour = {
  done: async (ctx, step) =>
    (await roleOn(ctx, step.host, str(step, "resource"))).connection === "StandAlone",
  async run(ctx, step) {
    await ctx.act(step.host, "drbd.disconnect", { resource: str(step, "resource") });
    await waitUntil(ctx, `${str(step, "resource")} StandAlone on ${step.host}`, () =>
      disconnect.done(ctx, step),
    );
  },
};

const connect: StepBehaviour = {
  // Done once this side looks for its peer (or found it): the other side's connect completes the handshake.
  done: async (ctx, step) =>
    (await roleOn(ctx, step.host, str(step, "resource"))).connection !== "StandAlone",
  async run(ctx, step) {
    const resource = str(step, "resource");
    await ctx.act(step.host, "drbd.connect", { resource, discardMyData: step.params.discardMyData === true });
    await waitUntil(ctx, `${resource} connecting on ${step.host}`, () => connect.done(ctx, step));
  },
};

const waitSynced: StepBehaviour = {
  async done(ctx, step) {
    const resource = str(step, "resource");
    const hosts = [ctx.plan.from, ctx.plan.to];
    const reports = await Promise.all(hosts.map((h) => roleOn(ctx, h, resource)));
    return reports.every(
      (r) => r.connection === "Connected" && r.disk === "UpToDate" && r.peerDisk === "UpToDate",
    );
  },
  async run(ctx, step) {
    const resource = str(step, "resource");
    const victim = await roleOn(ctx, str(step, "victim"), resource);
    if (victim.connection === "StandAlone")
      throw new AppError(
        "CONFLICT",
        `${resource} on ${str(step, "victim")} went StandAlone again: DRBD refused the handshake. Its kernel log says why; nothing else was done.`,
        { details: { rule: "handshake-refused" } },
      );
    await waitUntil(ctx, `${resource} Connected and UpToDate on both hosts`, async () => {
      const now = await roleOn(ctx, str(step, "victim"), resource);
      if (now.connection === "StandAlone")
        throw new AppError("CONFLICT", `${resource} on ${str(step, "victim")} went StandAlone again.`, {
          details: { rule: "handshake-refused" },
        });
      return waitSynced.done(ctx, step);
    });
  },
};

export const SPLIT_BRAIN_STEP_BEHAVIOURS: Partial<Record<StepName, StepBehaviour>> = {
  disconnect,
  connect,
  "wait-synced": waitSynced,
};
