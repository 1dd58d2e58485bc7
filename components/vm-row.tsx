import { useFormatter, useTranslations } from "next-intl";
import type { TFarmView } from "@/lib/farm/view";
import { Name, Term } from "./i18n/term";

type Vm = TFarmView["vms"][number];

const STATE_STYLE: Record<string, string> = {
  running: "bg-emerald-100 text-emerald-800",
  blocked: "bg-emerald-100 text-emerald-800",
  paused: "bg-amber-100 text-amber-800",
  shutdown: "bg-amber-100 text-amber-800",
  shutoff: "bg-slate-200 text-slate-700",
  crashed: "bg-red-100 text-red-800",
  dying: "bg-red-100 text-red-800",
};

export function VmRow({ vm }: { vm: Vm }) {
  const t = useTranslations("vm");
  const format = useFormatter();
  return (
    <li
      data-testid={`vm-${vm.name}`}
      className="flex flex-wrap items-center justify-between gap-x-3 py-1.5 text-sm"
    >
      <Name className="font-medium">{vm.name}</Name>
      <span className="flex items-center gap-2">
        {vm.resource && <Name className="text-xs text-slate-500">{vm.resource}</Name>}
        <span className="tabular-nums text-slate-600" data-testid={`vm-${vm.name}-memory`}>
          {t("memory", { current: format.number(vm.memoryMiB), max: format.number(vm.maxMemoryMiB) })}
        </span>
        <Term
          testId={`vm-${vm.name}-state`}
          kind="vmState"
          value={vm.state}
          className={`rounded px-1.5 py-0.5 text-xs ${STATE_STYLE[vm.state] ?? "bg-slate-100"}`}
        />
      </span>
    </li>
  );
}
