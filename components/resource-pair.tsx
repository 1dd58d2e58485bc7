import { useFormatter, useTranslations } from "next-intl";
import type { TFarmView } from "@/lib/farm/view";
import { Name, Term } from "./i18n/term";
import { ResourceDelete } from "./resource-delete";
import { Can, useCan } from "./user-menu";
import { useFormatEta } from "./i18n/use-units";

type Resource = TFarmView["resources"][number];
type Side = Resource["sides"][number];

const DISK_STYLE: Record<string, string> = {
  UpToDate: "text-emerald-700",
  Consistent: "text-emerald-700",
  Inconsistent: "text-amber-700",
  Outdated: "text-amber-700",
  Negotiating: "text-amber-700",
  Attaching: "text-amber-700",
  DUnknown: "text-slate-500",
  Diskless: "text-red-700",
  Failed: "text-red-700",
  Detaching: "text-red-700",
};

function SideView({ side, align }: { side: Side | undefined; align: "left" | "right" }) {
  const t = useTranslations("resource");
  if (!side) return <div className="text-xs text-slate-400">{t("notOnHost")}</div>;
  return (
    <div
      data-testid={`side-${side.host}`}
      className={`min-w-0 ${align === "right" ? "text-right" : ""} ${side.stale ? "opacity-60" : ""}`}
    >
      <Name className="block truncate text-xs text-slate-500">{side.host}</Name>
      <div
        data-testid="role"
        className={side.role === "Primary" ? "font-semibold text-slate-900" : "text-slate-600"}
      >
        <Term kind="role" value={side.role} />
      </div>
      <div data-testid="disk" className={`text-xs ${DISK_STYLE[side.disk] ?? ""}`}>
        <Term kind="disk" value={side.disk} />
      </div>
    </div>
  );
}

export function ResourcePair({ resource, hosts }: { resource: Resource; hosts: string[] }) {
  const t = useTranslations("resource");
  const format = useFormatter();
  const formatEta = useFormatEta();
  const canPlace = useCan("vm:define");
  const [a, b] = hosts;
  const left = resource.sides.find((s) => s.host === a);
  const right = resource.sides.find((s) => s.host === b);
  // The link as a host that answers sees it: a stale side still shows what it saw before it stopped answering.
  const link = [left, right].find((s) => s && !s.stale) ?? left ?? right;
  const syncing = resource.sides.find((s) => s.syncPercent !== null);
  const healthy = resource.sides.every((s) => s.connection === "Connected" && s.disk === "UpToDate");
  return (
    <li
      data-testid={`resource-${resource.name}`}
      className={`rounded-lg border bg-white p-3 shadow-sm ${healthy ? "border-slate-200" : "border-amber-400"}`}
    >
      <div className="mb-1 flex items-baseline justify-between text-sm">
        <Name className="font-semibold">{resource.name}</Name>
        {resource.minor !== null && (
          <Name className="text-xs text-slate-500">{`/dev/drbd${resource.minor}`}</Name>
        )}
      </div>
      <div className="grid grid-cols-[1fr_auto_1fr] items-center gap-2">
        <SideView side={left} align="left" />
        <div className="text-center text-xs" data-testid="connection">
          <div
            aria-hidden
            className={`mx-auto h-0.5 w-10 ${link?.connection === "Connected" ? "bg-emerald-500" : "bg-red-400"}`}
          />
          <div className={link?.connection === "Connected" ? "text-slate-600" : "text-red-700"}>
            {link ? <Term kind="connection" value={link.connection} /> : t("connectionUnknown")}
          </div>
          {link && link.replication !== "Established" && link.replication !== "Off" && (
            <div className="text-slate-500">
              <Term kind="replication" value={link.replication} />
            </div>
          )}
        </div>
        <SideView side={right} align="right" />
      </div>
      {canPlace && resource.sides.some((s) => s.role === "Primary" && !s.stale) && (
        <a
          href={`/vms/new?resource=${encodeURIComponent(resource.name)}`}
          data-testid="place-vm-link"
          className="mt-1 inline-block text-xs text-sky-700 underline"
        >
          {t("placeVm")}
        </a>
      )}
      <Can permission="resource:create">
        <ResourceDelete name={resource.name} />
      </Can>
      {syncing && syncing.syncPercent !== null && (
        <div className="mt-2" data-testid="sync">
          <div className="h-1.5 overflow-hidden rounded bg-slate-100">
            <div className="h-full bg-sky-500" style={{ width: `${syncing.syncPercent}%` }} />
          </div>
          <div className="mt-0.5 flex justify-between text-xs text-slate-600">
            <span>
              {t("syncing", {
                percent: format.number(syncing.syncPercent, {
                  minimumFractionDigits: 1,
                  maximumFractionDigits: 1,
                }),
              })}
            </span>
            <span>{syncing.etaSeconds === null ? "" : formatEta(syncing.etaSeconds)}</span>
          </div>
        </div>
      )}
    </li>
  );
}
