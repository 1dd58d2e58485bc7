/**
 * Per-VM settings for degraded mode (priority, minimum memory, required on failover), stored on the Vm rows of
 * the inventory; a VM without its own setting follows the default policy (memory-plan.ts defaultVmPolicy: the
 * MozillaGumi practice for the simulated farm's VMs; any other VM is required, priority 50, minimum half).
 */
import type { Db } from "../db";
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
