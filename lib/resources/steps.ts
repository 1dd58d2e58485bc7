/**
 * The steps of creating a DRBD resource pair (issue 6), and of undoing it, as the runbook engine runs them:
 * each has `done` (re-reads the host) and `run` (the agent call, then waits for `done`). A step never touches a
 * volume this job did not create: `remove-lv` exists only for the volumes the plan marks `create`.
 */
import { AppError } from "../errors";
import { waitUntil, type StepBehaviour, type StepContext } from "../runbooks/steps";
import { report } from "../runbooks/plan";
import type { NewResourcePlan, PlannedStep, StepName } from "../runbooks/types";

const str = (step: PlannedStep, key: string) => String(step.params[key]);

function resourceOf(ctx: StepContext): NewResourcePlan {
  const r = ctx.plan.newResource;
  if (!r) throw new AppError("INTERNAL", "a resource step in a job without a resource plan");
  return r;
}

/** The step's logical volume: `lv` when given (an existing volume), else the resource's name. */
const lvOf = (step: PlannedStep) => (step.params.lv === undefined ? str(step, "resource") : str(step, "lv"));

const lvExists = async (ctx: StepContext, step: PlannedStep) =>
  (await ctx.read(step.host, "lvm.listVolumes", { vg: str(step, "vg") })).volumes.some(
    (v) => v.lv === lvOf(step),
  );

const isUp = async (ctx: StepContext, host: string, resource: string) =>
  (await ctx.read(host, "drbd.status", {})).resources.some((r) => r.name === resource);

const isConfigured = async (ctx: StepContext, host: string, resource: string) =>
  (await ctx.read(host, "drbd.configured", {})).resources.some((r) => r.name === resource);

const createLv: StepBehaviour = {
  done: lvExists,
  async run(ctx, step) {
    await ctx.act(step.host, "lvm.createVolume", {
      vg: str(step, "vg"),
      name: str(step, "resource"),
      sizeBytes: resourceOf(ctx).sizeBytes,
    });
  },
};

const writeConfig: StepBehaviour = {
  async done(ctx, step) {
    try {
      const { content } = await ctx.read(step.host, "drbd.readConfig", { resource: str(step, "resource") });
      return content === resourceOf(ctx).file;
    } catch {
      return false;
    }
  },
  async run(ctx, step) {
    await ctx.act(step.host, "drbd.writeConfig", {
      resource: str(step, "resource"),
      content: resourceOf(ctx).file,
    });
  },
};

const createMd: StepBehaviour = {
  // Metadata is there once the resource is up (attach needs it); before that, create-md is repeated harmlessly
  // on a volume this job created. An existing volume is never forced: drbdmeta then refuses to overwrite data.
  done: (ctx, step) => isUp(ctx, step.host, str(step, "resource")),
  async run(ctx, step) {
    await ctx.act(step.host, "drbd.createMd", {
      resource: str(step, "resource"),
      force: step.params.force === true,
    });
  },
};

const drbdUp: StepBehaviour = {
  done: (ctx, step) => isUp(ctx, step.host, str(step, "resource")),
  async run(ctx, step) {
    await ctx.act(step.host, "drbd.up", { resource: str(step, "resource") });
    await waitUntil(ctx, `${str(step, "resource")} up on ${step.host}`, () => drbdUp.done(ctx, step));
  },
};

const connected = async (ctx: StepContext, step: PlannedStep) =>
  report(await ctx.read(step.host, "drbd.status", {}), str(step, "resource")).connection === "Connected";

const waitConnected: StepBehaviour = {
  done: connected,
  async run(ctx, step) {
    await waitUntil(ctx, `${str(step, "resource")} connected`, () => connected(ctx, step));
  },
};

/**
 * The initial sync decision, on the initial Primary only. full: `primary --force` makes its (empty) data the
 * reference and DRBD copies it all to the peer, the resource usable at once. skip: `new-current-uuid
 * --clear-bitmap` declares both new, empty volumes identical (no sync), then a normal promotion.
 */
const initialSync: StepBehaviour = {
  async done(ctx, step) {
    const r = report(await ctx.read(step.host, "drbd.status", {}), str(step, "resource"));
    return r.role === "Primary" && (r.disk === "UpToDate" || r.disk === "Consistent");
  },
  async run(ctx, step) {
    const resource = str(step, "resource");
    const r = report(await ctx.read(step.host, "drbd.status", {}), resource);
    if (r.connection !== "Connected" || r.peerRole !== "Secondary")
      throw new AppError(
        "CONFLICT",
        `${resource} is not Connected to a Secondary peer on ${step.host}: no initial promotion`,
      );
    if (str(step, "mode") === "skip") {
      if (r.disk !== "Inconsistent" || r.peerDisk !== "Inconsistent")
        throw new AppError(
          "CONFLICT",
          `${resource} is ${r.disk}/${r.peerDisk}: the sync is skipped only on two new volumes, both Inconsistent`,
        );
      await ctx.act(step.host, "drbd.newCurrentUuid", { resource, clearBitmap: true });
      await waitUntil(ctx, `${resource} UpToDate on both hosts`, async () => {
        const now = report(await ctx.read(step.host, "drbd.status", {}), resource);
        return now.disk === "UpToDate" && now.peerDisk === "UpToDate";
      });
      await ctx.act(step.host, "drbd.primary", { resource, force: false });
    } else await ctx.act(step.host, "drbd.primary", { resource, force: true });
    await waitUntil(ctx, `${resource} Primary on ${step.host}`, () => initialSync.done(ctx, step));
  },
};

const mkfs: StepBehaviour = {
  async done(ctx, step) {
    return (await ctx.read(step.host, "fs.blkid", { device: str(step, "device") })).type === "ext4";
  },
  async run(ctx, step) {
    // Only on the new resource's device, only when it has no filesystem: mke2fs itself refuses a mounted one.
    const found = await ctx.read(step.host, "fs.blkid", { device: str(step, "device") });
    if (found.type !== null)
      throw new AppError(
        "CONFLICT",
        `${str(step, "device")} already holds a ${found.type} filesystem: it was not formatted`,
      );
    await ctx.act(step.host, "fs.mkfsExt4", { device: str(step, "device"), label: str(step, "resource") });
  },
};

const register: StepBehaviour = {
  done: async () => false,
  async run(ctx) {
    const r = resourceOf(ctx);
    await ctx.registerResource({
      name: r.name,
      minor: r.minor,
      port: r.port,
      protocol: r.protocol,
      mountPoint: r.mountPoint,
    });
  },
};

// Undo.

const drbdDown: StepBehaviour = {
  done: async (ctx, step) => !(await isUp(ctx, step.host, str(step, "resource"))),
  async run(ctx, step) {
    await ctx.act(step.host, "drbd.down", { resource: str(step, "resource") });
    await waitUntil(ctx, `${str(step, "resource")} down on ${step.host}`, () => drbdDown.done(ctx, step));
  },
};

const removeConfig: StepBehaviour = {
  done: async (ctx, step) => !(await isConfigured(ctx, step.host, str(step, "resource"))),
  async run(ctx, step) {
    await ctx.act(step.host, "drbd.removeConfig", { resource: str(step, "resource") });
  },
};

const removeLv: StepBehaviour = {
  done: async (ctx, step) => !(await lvExists(ctx, step)),
  async run(ctx, step) {
    await ctx.act(step.host, "lvm.removeVolume", { vg: str(step, "vg"), name: lvOf(step) });
  },
};

const unregister: StepBehaviour = {
  done: async () => false,
  async run(ctx, step) {
    await ctx.unregisterResource(str(step, "resource"));
  },
};

export const RESOURCE_STEP_BEHAVIOURS: Partial<Record<StepName, StepBehaviour>> = {
  "create-lv": createLv,
  "write-config": writeConfig,
  "create-md": createMd,
  "drbd-up": drbdUp,
  "wait-connected": waitConnected,
  "initial-sync": initialSync,
  mkfs,
  register,
  "drbd-down": drbdDown,
  "remove-config": removeConfig,
  "remove-lv": removeLv,
  unregister,
};
