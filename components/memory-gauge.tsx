import { useTranslations } from "next-intl";
import type { TFarmView } from "@/lib/farm/view";
import { useFormatMiB } from "./i18n/use-units";

type Memory = NonNullable<TFarmView["hosts"][number]["memory"]>;

/** Used (dom0 + VMs), standby (kept free to take over the peer's VMs) and the rest free. */
export function MemoryGauge({ host, memory }: { host: string; memory: Memory }) {
  const t = useTranslations("memory");
  const mib = useFormatMiB();
  const { totalMiB, usedMiB, freeMiB, standbyMiB } = memory;
  const otherFree = Math.max(0, freeMiB - standbyMiB);
  const pct = (v: number) => (totalMiB > 0 ? (v / totalMiB) * 100 : 0);
  const belowStandby = freeMiB < standbyMiB;
  return (
    <div className="mt-3" data-testid={`memory-${host}`}>
      <div className="flex justify-between text-xs text-slate-600">
        <span>{t("title")}</span>
        <span>{t("usedOfTotal", { used: mib(usedMiB), total: mib(totalMiB) })}</span>
      </div>
      <div
        className="mt-1 flex h-3 overflow-hidden rounded bg-slate-100"
        role="img"
        aria-label={t("summary", {
          host,
          used: mib(usedMiB),
          standby: mib(standbyMiB),
          free: mib(otherFree),
          total: mib(totalMiB),
        })}
      >
        <div className="bg-slate-600" style={{ width: `${pct(usedMiB)}%` }} />
        <div className="bg-amber-300" style={{ width: `${pct(standbyMiB)}%` }} />
        <div className="bg-emerald-200" style={{ width: `${pct(otherFree)}%` }} />
      </div>
      <div className="mt-1 flex flex-wrap gap-x-3 text-xs text-slate-600">
        <span>
          <span aria-hidden className="mr-1 inline-block h-2 w-2 bg-slate-600" />
          {t("used", { value: mib(usedMiB) })}
        </span>
        <span title={t("standbyHelp")} className="cursor-help">
          <span aria-hidden className="mr-1 inline-block h-2 w-2 bg-amber-300" />
          {t("standby", { value: mib(standbyMiB) })}
        </span>
        <span>
          <span aria-hidden className="mr-1 inline-block h-2 w-2 bg-emerald-200" />
          {t("free", { value: mib(otherFree) })}
        </span>
        {belowStandby && <span className="text-red-700">{t("belowStandby")}</span>}
      </div>
    </div>
  );
}
