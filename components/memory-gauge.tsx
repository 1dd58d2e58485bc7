import type { TFarmView } from "@/lib/farm/view";

type Memory = NonNullable<TFarmView["hosts"][number]["memory"]>;

function mib(value: number): string {
  return value >= 1024 ? `${(value / 1024).toFixed(value % 1024 === 0 ? 0 : 1)} GiB` : `${value} MiB`;
}

/** Used (dom0 + VMs), standby (kept free to take over the peer's VMs) and the rest free. */
export function MemoryGauge({ host, memory }: { host: string; memory: Memory }) {
  const { totalMiB, usedMiB, freeMiB, standbyMiB } = memory;
  const otherFree = Math.max(0, freeMiB - standbyMiB);
  const pct = (v: number) => (totalMiB > 0 ? (v / totalMiB) * 100 : 0);
  const belowStandby = freeMiB < standbyMiB;
  return (
    <div className="mt-3" data-testid={`memory-${host}`}>
      <div className="flex justify-between text-xs text-slate-600">
        <span>Memory</span>
        <span>
          {mib(usedMiB)} used of {mib(totalMiB)}
        </span>
      </div>
      <div
        className="mt-1 flex h-3 overflow-hidden rounded bg-slate-100"
        role="img"
        aria-label={`Memory of ${host}: ${mib(usedMiB)} used, ${mib(standbyMiB)} standby, ${mib(otherFree)} free, of ${mib(totalMiB)}`}
      >
        <div className="bg-slate-600" style={{ width: `${pct(usedMiB)}%` }} />
        <div className="bg-amber-300" style={{ width: `${pct(standbyMiB)}%` }} />
        <div className="bg-emerald-200" style={{ width: `${pct(otherFree)}%` }} />
      </div>
      <div className="mt-1 flex flex-wrap gap-x-3 text-xs text-slate-600">
        <span>
          <span aria-hidden className="mr-1 inline-block h-2 w-2 bg-slate-600" />
          used {mib(usedMiB)}
        </span>
        <span>
          <span aria-hidden className="mr-1 inline-block h-2 w-2 bg-amber-300" />
          standby {mib(standbyMiB)}
        </span>
        <span>
          <span aria-hidden className="mr-1 inline-block h-2 w-2 bg-emerald-200" />
          free {mib(otherFree)}
        </span>
        {belowStandby && <span className="text-red-700">free memory is below the standby reserve</span>}
      </div>
    </div>
  );
}
