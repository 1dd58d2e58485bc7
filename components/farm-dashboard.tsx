"use client";

import type { TFarmView } from "@/lib/farm/view";
import { HostCard } from "./host-card";
import { ResourcePair } from "./resource-pair";
import { useFarm } from "./use-farm";

export function FarmDashboard() {
  const state = useFarm();
  const farm = state.status === "loading" ? null : state.farm;
  return (
    <main className="mx-auto max-w-7xl p-4 sm:p-6">
      <header className="mb-4 flex flex-wrap items-baseline justify-between gap-2">
        <h1 className="text-2xl font-semibold tracking-tight">Tandem</h1>
        <LiveIndicator state={state} />
      </header>
      {farm?.simulated && (
        <p
          role="note"
          data-testid="simulated-banner"
          className="mb-4 rounded border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-900"
        >
          <strong>Simulated farm.</strong> These hosts, DRBD resources and VMs are simulated on this machine;
          no real host is managed. Add a tandem.config.json to manage real hosts (see the README).
        </p>
      )}
      {state.status === "error" && (
        <p
          role="alert"
          className="mb-4 rounded border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900"
        >
          {state.message}
        </p>
      )}
      {state.status === "loading" && <p className="text-slate-500">Loading the farm…</p>}
      {farm && <FarmGrid farm={farm} />}
    </main>
  );
}

function LiveIndicator({ state }: { state: ReturnType<typeof useFarm> }) {
  const live = state.status === "ok" && state.live;
  return (
    <span data-testid="live-indicator" className={`text-sm ${live ? "text-emerald-700" : "text-slate-500"}`}>
      <span
        aria-hidden
        className={`mr-1 inline-block h-2 w-2 rounded-full ${live ? "bg-emerald-500" : "bg-slate-400"}`}
      />
      {live ? "Live" : "Not live: showing the last data received"}
    </span>
  );
}

function FarmGrid({ farm }: { farm: TFarmView }) {
  const [left, right, ...others] = farm.hosts;
  return (
    <div className="grid gap-4 lg:grid-cols-[minmax(0,1fr)_minmax(18rem,26rem)_minmax(0,1fr)]">
      {left && <HostCard host={left} vms={farm.vms.filter((v) => v.host === left.name)} />}
      <section aria-labelledby="resources-title">
        <h2
          id="resources-title"
          className="mb-2 text-sm font-semibold uppercase tracking-wide text-slate-500"
        >
          DRBD resources
        </h2>
        {farm.resources.length === 0 && (
          <p className="text-sm text-slate-500">No DRBD resource reported yet.</p>
        )}
        <ul className="space-y-2">
          {farm.resources.map((r) => (
            <ResourcePair key={r.name} resource={r} hosts={farm.hosts.map((h) => h.name)} />
          ))}
        </ul>
      </section>
      {right && <HostCard host={right} vms={farm.vms.filter((v) => v.host === right.name)} />}
      {others.map((h) => (
        <HostCard key={h.name} host={h} vms={farm.vms.filter((v) => v.host === h.name)} />
      ))}
    </div>
  );
}
