/**
 * Per-VM settings for degraded mode (priority, minimum memory, required on failover), stored on the Vm rows of
 * the inventory; a VM without its own setting follows the default policy (memory-plan.ts defaultVmPolicy: the
 * MozillaGumi practice for the simulated farm's VMs; any other VM is required, priority 50, minimum half).
 */
import { z } from "zod";
import type { Db } from "../db";
import { AppError } from "../errors";
import type { TFarmView } from "../farm/view";
import { defaultVmPolicy } from "./memory-plan";
import type { VmPolicy } from "./plan";

export async function loadVmPolicies(db: Db): Promise<(vm: string, normalMiB: number) => VmPolicy> {
  const rows = await db.vm.findMany({
    select: { name: true, minMemoryMiB: true, priority: true, requiredOnFailover: true },
  });
  const stored = new Map(rows.map((r) => [r.name, r]));
  return (vm, normalMiB) => {
    const base = defaultVmPolicy(vm, normalMiB);
    const own = stored.get(vm);
    return {
      minMiB: Math.min(normalMiB, own?.minMemoryMiB ?? base.minMiB),
      priority: own?.priority ?? base.priority,
      required: own?.requiredOnFailover ?? base.required,
    };
  };
}

export const ZVmPolicyChange = z
  .object({
    minMiB: z
      .number()
      .int()
      .min(64, "must be at least 64 MiB")
      .max(1024 * 1024)
      .nullable()
      .optional(),
    priority: z.number().int().min(0, "must be 0 to 100").max(100, "must be 0 to 100").nullable().optional(),
    required: z.boolean().nullable().optional(),
  })
  .strict();
export type TVmPolicyChange = z.infer<typeof ZVmPolicyChange>;

export interface VmPolicyView extends VmPolicy {
  name: string;
  maxMemoryMiB: number;
  /** The VM's own settings (null: the default policy applies). */
  own: { minMiB: number | null; priority: number | null; required: boolean | null };
}

/** Every VM of the farm with its effective policy and what of it is its own. */
export async function vmPolicies(db: Db, view: TFarmView): Promise<VmPolicyView[]> {
  const rows = await db.vm.findMany({
    select: { name: true, minMemoryMiB: true, priority: true, requiredOnFailover: true },
  });
  const policyOf = await loadVmPolicies(db);
  return view.vms.map((v) => {
    const row = rows.find((r) => r.name === v.name);
    return {
      name: v.name,
      maxMemoryMiB: v.maxMemoryMiB,
      ...policyOf(v.name, v.maxMemoryMiB),
      own: {
        minMiB: row?.minMemoryMiB ?? null,
        priority: row?.priority ?? null,
        required: row?.requiredOnFailover ?? null,
      },
    };
  });
}

/** Stores a VM's settings; a minimum above the VM's maximum memory is refused, naming the field. */
export async function saveVmPolicy(
  db: Db,
  view: TFarmView,
  name: string,
  change: TVmPolicyChange,
): Promise<VmPolicyView> {
  const vm = view.vms.find((v) => v.name === name);
  const row = await db.vm.findUnique({ where: { name } });
  if (!vm || !row) throw new AppError("NOT_FOUND", `no VM ${name} in the inventory`);
  if (change.minMiB !== undefined && change.minMiB !== null && change.minMiB > vm.maxMemoryMiB)
    throw new AppError(
      "VALIDATION_FAILED",
      `minMiB: must be at most the VM's maximum memory (${vm.maxMemoryMiB} MiB)`,
      {
        userMessage: `Invalid minMiB: must be at most ${vm.maxMemoryMiB} MiB`,
        details: {
          field: "minMiB",
          rule: `must be at most the VM's maximum memory (${vm.maxMemoryMiB} MiB)`,
        },
      },
    );
  await db.vm.update({
    where: { name },
    data: {
      ...(change.minMiB === undefined ? {} : { minMemoryMiB: change.minMiB }),
      ...(change.priority === undefined ? {} : { priority: change.priority }),
      ...(change.required === undefined ? {} : { requiredOnFailover: change.required }),
    },
  });
  return (await vmPolicies(db, view)).find((p) => p.name === name)!;
}
