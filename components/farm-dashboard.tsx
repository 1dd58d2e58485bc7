"use client";

import { useTranslations } from "next-intl";
import { useEffect, useState } from "react";
import type { HostCapacity } from "@/lib/runbooks/capacity";
import type { TFarmView } from "@/lib/farm/view";
import { HostCard } from "./host-card";
import { OpenIncidentsBanner } from "./incidents";
import { ErrorMessage } from "./error-message";
import { LanguageSwitcher } from "./language-switcher";
import { Can, UserMenu } from "./user-menu";
import { ResourcePair } from "./resource-pair";
import { SimulationPanel } from "./simulation-panel";
import { useFarm, type FarmState } from "./use-farm";
import { apiFetch } from "./api-fetch";

export function FarmDashboard() {
  const t = useTranslations("dashboard");
  const state = useFarm();
  const farm = state.status === "loading" ? null : state.farm;
  return (
    <main className="mx-auto max-w-7xl p-4 sm:p-6">
      <header className="mb-4 flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-2xl font-semibold tracking-tight">{t("brand")}</h1>
        <div className="flex flex-wrap items-center gap-4">
          <a href="/incidents" data-testid="incidents-link" className="text-sm underline">
            {t("incidentsLink")}
          </a>
          <a href="/history" className="text-sm underline">
            {t("historyLink")}
          </a>
          <a href="/jobs" className="text-sm underline">
            {t("jobsLink")}
          </a>
          <a href="/vms" className="text-sm underline">
            {t("vmsLink")}
          </a>
          <Can permission="resource:create">
            <a href="/resources/new" data-testid="new-resource-link" className="text-sm underline">
              {t("newResourceLink")}
            </a>
          </Can>
          <LiveIndicator state={state} />
          <UserMenu />
          <LanguageSwitcher />
        </div>
      </header>
      {farm?.simulated && (
        <p
          role="note"
          data-testid="simulated-banner"
          className="mb-4 rounded border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900"
        >
          <strong>{t("simulatedTitle")}</strong> {t("simulatedBody")}
        </p>
      )}
      {state.status === "error" && (
        <p
          role="alert"
          data-testid="farm-error"
          className="mb-4 rounded border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900"
        >
          {state.error.code === null ? t("panelNoAnswer") : t("requestFailed")}{" "}
          <ErrorMessage error={state.error} />
        </p>
      )}
      <OpenIncidentsBanner />
      {state.status === "loading" && <p className="text-slate-500">{t("loading")}</p>}
      {farm && <FarmGrid farm={farm} />}
      {farm?.simulated && (
        <Can permission="sim:fault">
          <SimulationPanel farm={farm} />
        </Can>
      )}
    </main>
  );
}

function LiveIndicator({ state }: { state: FarmState }) {
  const t = useTranslations("dashboard");
  const live = state.status === "ok" && state.live;
  return (
    <span data-testid="live-indicator" className={`text-sm ${live ? "text-emerald-700" : "text-slate-500"}`}>
      <span
        aria-hidden
        className={`mr-1 inline-block h-2 w-2 rounded-full ${live ? "bg-emerald-500" : "bg-slate-400"}`}
      />
      {live ? t("live") : t("notLive")}
    </span>
  );
}

/** The N+1 check per host (GET /api/capacity), refreshed with the farm. */
function useCapacity(generatedAt: string): HostCapacity[] {
  const [capacity, setCapacity] = useState<HostCapacity[]>([]);
  useEffect(() => {
    let cancelled = false;
    void apiFetch("/api/capacity", { cache: "no-store" })
      .then((r) => (r.ok ? (r.json() as Promise<HostCapacity[]>) : []))
      .then((c) => {
        if (!cancelled) setCapacity(c);
      })
      .catch(() => undefined);
    return () => {
      cancelled = true;
    };
  }, [generatedAt]);
  return capacity;
}

function FarmGrid({ farm }: { farm: TFarmView }) {
  const t = useTranslations("dashboard");
  const capacity = useCapacity(farm.generatedAt);
  const capacityOf = (host: string) => capacity.find((c) => c.host === host) ?? null;
  const [left, right, ...others] = farm.hosts;
  return (
    <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_minmax(18rem,26rem)_minmax(0,1fr)]">
      {left && (
        <HostCard
          host={left}
          capacity={capacityOf(left.name)}
          hosts={farm.hosts}
          vms={farm.vms.filter((v) => v.host === left.name)}
        />
      )}
      <section aria-labelledby="resources-title">
        <h2
          id="resources-title"
          className="mb-2 text-sm font-semibold uppercase tracking-wide text-slate-500"
        >
          {t("resourcesTitle")}
        </h2>
        {farm.resources.length === 0 && <p className="text-sm text-slate-500">{t("noResources")}</p>}
        <ul className="space-y-2">
          {farm.resources.map((r) => (
            <ResourcePair key={r.name} resource={r} hosts={farm.hosts.map((h) => h.name)} />
          ))}
        </ul>
      </section>
      {right && (
        <HostCard
          host={right}
          capacity={capacityOf(right.name)}
          hosts={farm.hosts}
          vms={farm.vms.filter((v) => v.host === right.name)}
        />
      )}
      {others.map((h) => (
        <HostCard
          key={h.name}
          host={h}
          capacity={capacityOf(h.name)}
          hosts={farm.hosts}
          vms={farm.vms.filter((v) => v.host === h.name)}
        />
      ))}
    </div>
  );
}
