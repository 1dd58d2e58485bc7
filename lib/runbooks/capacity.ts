/**
 * The N+1 check of issue 5, per host: would the other host's running VMs fit here today, if the other host
 * failed now? With ballooning (the memory plan: every required VM starts) and without (everything at its normal
 * memory, nothing shrunk).
 */
import type { TFarmView } from "../farm/view";
import { nPlusOne, type NPlusOneCheck } from "./memory-plan";
import { RUNNING_STATES, type VmPolicy } from "./plan";

export interface HostCapacity extends NPlusOneCheck {
  host: string;
  /** The host whose VMs would come here. */
  from: string;
  incoming: number;
}

export function capacityChecks(
  view: TFarmView,
  policyOf: (vm: string, normalMiB: number) => VmPolicy,
  marginMiB = 128,
): HostCapacity[] {
  return view.hosts.flatMap((host) => {
    const other = view.hosts.find((h) => h.name !== host.name);
    if (!other || !host.memory) return [];
    const mine = view.vms.filter((v) => v.host === host.name && RUNNING_STATES.has(v.state));
    const theirs = view.vms.filter((v) => v.host === other.name && RUNNING_STATES.has(v.state));
    const running = mine.map((v) => {
      const p = policyOf(v.name, v.maxMemoryMiB);
      return {
        name: v.name,
        currentMiB: v.memoryMiB,
        minMiB: Math.min(p.minMiB, v.memoryMiB),
        maxMiB: v.maxMemoryMiB,
        priority: p.priority,
      };
    });
    const incoming = theirs.map((v) => {
      const p = policyOf(v.name, v.maxMemoryMiB);
      return {
        name: v.name,
        normalMiB: v.maxMemoryMiB,
        minMiB: p.minMiB,
        priority: p.priority,
        required: p.required,
      };
    });
    const guestMiB = host.memory.freeMiB + running.reduce((s, v) => s + v.currentMiB, 0);
    return [
      {
        host: host.name,
        from: other.name,
        incoming: incoming.length,
        ...nPlusOne({ name: host.name, totalMiB: guestMiB, dom0MiB: 0, marginMiB }, running, incoming),
      },
    ];
  });
}
