import { useTranslations } from "next-intl";
import type { TFarmView } from "@/lib/farm/view";
import { AgentStatus } from "./agent-status";
import { ErrorMessage } from "./error-message";
import { Name, Term } from "./i18n/term";
import { useFormatDateTime } from "./i18n/use-units";
import { MemoryGauge } from "./memory-gauge";
import { RunbookActions } from "./runbook-panel";
import { Can } from "./user-menu";
import type { HostCapacity } from "@/lib/runbooks/capacity";
import { VmRow } from "./vm-row";

type Host = TFarmView["hosts"][number];
type Vm = TFarmView["vms"][number];

export function HostCard({
  host,
  vms,
  hosts,
  capacity,
}: {
  host: Host;
  vms: Vm[];
  hosts: Host[];
  capacity: HostCapacity | null;
}) {
  const t = useTranslations("host");
  const tc = useTranslations("capacity");
  const formatDateTime = useFormatDateTime();
  const running = vms.filter((v) => v.state !== "shutoff").length;
  return (
    <section
      data-testid={`host-${host.name}`}
      aria-labelledby={`host-title-${host.name}`}
      className={`rounded-lg border bg-white p-4 shadow-sm ${host.reachable ? "border-slate-200" : "border-red-300"}`}
    >
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h2 id={`host-title-${host.name}`} className="text-lg font-semibold">
          <Name>{host.name}</Name>
        </h2>
        <span className="text-xs text-slate-500">
          {host.hypervisor ? <Term kind="hypervisor" value={host.hypervisor} /> : t("hypervisorUnknown")}
        </span>
      </div>
      {host.reachable ? (
        <p className="text-sm text-emerald-700" data-testid={`host-${host.name}-status`}>
          {t("reachable", { running, total: vms.length })}
        </p>
      ) : (
        <p className="text-sm text-red-700" data-testid={`host-${host.name}-status`}>
          {t("unreachable")}
          {host.error && (
            <>
              {": "}
              <ErrorMessage error={host.error} />
            </>
          )}
          {host.stale && host.lastSeenAt && (
            <>
              {" · "}
              {t("staleSince", { time: formatDateTime(host.lastSeenAt) })}
            </>
          )}
        </p>
      )}
      <AgentStatus host={host} />
      <Can permission="runbook:run">
        <RunbookActions host={host} hosts={hosts} />
      </Can>
      {host.memory && <MemoryGauge host={host.name} memory={host.memory} />}
      {capacity && capacity.incoming > 0 && host.reachable && (
        <p
          data-testid={`capacity-${host.name}`}
          className={`mt-1 text-xs ${capacity.fits ? "text-slate-600" : "text-red-700"}`}
        >
          {capacity.fitsWithoutBallooning
            ? tc("fitsFree", { from: capacity.from, incoming: capacity.incoming })
            : capacity.fits
              ? tc("fitsBalloon", { from: capacity.from, shortfall: capacity.shortfallMiB })
              : tc("short", { from: capacity.from, vms: capacity.requiredUnstarted.join(", ") })}
        </p>
      )}
      <h3 className="mt-4 mb-1 text-sm font-semibold uppercase tracking-wide text-slate-500">
        {t("vmsTitle")}
      </h3>
      {vms.length === 0 ? (
        <p className="text-sm text-slate-500">
          {host.reachable || host.stale ? t("noVms") : t("vmsUnknown")}
        </p>
      ) : (
        <ul className={`divide-y divide-slate-100 ${host.stale ? "opacity-60" : ""}`}>
          {vms.map((vm) => (
            <VmRow key={vm.name} vm={vm} />
          ))}
        </ul>
      )}
    </section>
  );
}
