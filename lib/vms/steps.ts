/**
 * The steps of placing a VM on a resource, and of removing its definition (issue 6), as the runbook engine runs
 * them: `done` re-reads the host, `run` makes the agent call and waits for `done`. The VM's disk is never touched
 * by a removal: an image file stays on the resource's filesystem.
 */
import { AppError } from "../errors";
import { waitUntil, type StepBehaviour, type StepContext } from "../runbooks/steps";
import type { NewVmPlan, PlannedStep, StepName } from "../runbooks/types";

const str = (step: PlannedStep, key: string) => String(step.params[key]);

function vmPlanOf(ctx: StepContext): NewVmPlan {
  const v = ctx.plan.newVm;
  if (!v) throw new AppError("INTERNAL", "a VM definition step in a job without a VM plan");
  return v;
}

const definedOn = async (ctx: StepContext, host: string, vm: string) =>
  (await ctx.read(host, "vm.list", {})).vms.find((v) => v.name === vm);

const createImage: StepBehaviour = {
  // The image is there once the VM is defined on this host (the next step); before that, dd conv=excl refuses
  // a file that exists, so an interrupted job fails here with the evidence rather than reuse an unknown file.
  done: async (ctx, step) => (await definedOn(ctx, step.host, str(step, "vm"))) !== undefined,
  async run(ctx, step) {
    await ctx.act(step.host, "fs.createImage", {
      path: str(step, "path"),
      sizeMiB: Number(step.params.sizeMiB),
    });
  },
};

const defineVm: StepBehaviour = {
  done: async (ctx, step) => (await definedOn(ctx, step.host, str(step, "vm"))) !== undefined,
  async run(ctx, step) {
    const { config, path } = await ctx.act(step.host, "vm.define", { definition: vmPlanOf(ctx).definition });
    ctx.note(
      path === null ? `Defined in libvirt.` : `Written to ${path} (${config.split("\n").length - 1} lines).`,
    );
    await waitUntil(ctx, `${str(step, "vm")} defined on ${step.host}`, () => defineVm.done(ctx, step));
  },
};

const registerVm: StepBehaviour = {
  done: async () => false,
  async run(ctx) {
    const v = vmPlanOf(ctx);
    await ctx.registerVm({
      name: v.definition.name,
      resource: v.resource,
      memoryMiB: v.definition.memoryMiB,
      maxMemoryMiB: v.definition.maxMemoryMiB,
      vcpus: v.definition.vcpus,
      ...v.policy,
    });
  },
};

const undefineVm: StepBehaviour = {
  done: async (ctx, step) => (await definedOn(ctx, step.host, str(step, "vm"))) === undefined,
  async run(ctx, step) {
    const vm = await definedOn(ctx, step.host, str(step, "vm"));
    if (vm?.domId !== null && vm?.domId !== undefined)
      throw new AppError("CONFLICT", `${vm.name} runs on ${step.host}: its definition is kept.`, {
        details: { rule: "vm-running", vm: vm.name },
      });
    await ctx.act(step.host, "vm.undefine", { name: str(step, "vm") });
    await waitUntil(ctx, `${str(step, "vm")} gone from ${step.host}`, () => undefineVm.done(ctx, step));
  },
};

const unregisterVm: StepBehaviour = {
  done: async () => false,
  async run(ctx, step) {
    await ctx.unregisterVm(str(step, "vm"));
  },
};

export const VM_STEP_BEHAVIOURS: Partial<Record<StepName, StepBehaviour>> = {
  "create-image": createImage,
  "define-vm": defineVm,
  "register-vm": registerVm,
  "undefine-vm": undefineVm,
  "unregister-vm": unregisterVm,
};
