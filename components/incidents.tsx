"use client";

import { useFormatter, useNow, useTranslations } from "next-intl";
import { useCallback, useEffect, useState } from "react";
import { io } from "socket.io-client";
import type { IncidentDetail, IncidentView, TimelineEntry } from "@/lib/monitor/types";
import { INCIDENT_KINDS, SEVERITIES } from "@/lib/monitor/types";
import type { SplitBrainEvidence } from "@/lib/monitor/detect";
import { PageHeader } from "./page-header";
import { ErrorMessage } from "./error-message";
import { Name } from "./i18n/term";
import { SplitBrainRecovery } from "./split-brain-recovery";
import { Can } from "./user-menu";
import { apiFetch } from "./api-fetch";

export const SEVERITY_STYLE: Record<string, string> = {
  critical: "bg-red-700 text-white",
  major: "bg-orange-600 text-white",
  warning: "bg-amber-300 text-amber-950",
  info: "bg-slate-200 text-slate-800",
};

/** Refetches `load` now and whenever an incident opens, escalates or closes (socket.io `incident:changed`). */
function useIncidentUpdates(load: () => void, everyMs?: number): void {
  useEffect(() => {
    load();
    const socket = io({ transports: ["websocket"] });
    socket.on("incident:changed", () => load());
    const timer = everyMs ? setInterval(load, everyMs) : undefined;
    return () => {
      socket.close();
      if (timer) clearInterval(timer);
    };
  }, [load, everyMs]);
}

export function SeverityBadge({ severity }: { severity: string }) {
  const t = useTranslations("incidents.severity");
  const known = (SEVERITIES as readonly string[]).includes(severity);
  return (
    <span
      data-severity={severity}
      className={`rounded px-1.5 py-0.5 text-xs font-medium ${SEVERITY_STYLE[severity] ?? SEVERITY_STYLE.info}`}
    >
      {known ? t(severity as "info") : severity}
    </span>
  );
}

export function KindLabel({ kind }: { kind: string }) {
  const t = useTranslations("incidents.kind");
  return <>{(INCIDENT_KINDS as readonly string[]).includes(kind) ? t(kind as "resync") : kind}</>;
}

/** What an incident is about: its host, resource or VM (names are never translated). */
function Subject({ incident }: { incident: IncidentView }) {
  const names = [incident.host, incident.resource, incident.vm].filter((n): n is string => n !== null);
  return (
    <span translate="no">
      {names.map((n, i) => (
        <span key={n}>
          {i > 0 && " · "}
          <Name>{n}</Name>
        </span>
      ))}
    </span>
  );
}

function Duration({ from, to }: { from: string; to: string | null }) {
  const t = useTranslations("incidents");
  const now = useNow(to ? {} : { updateInterval: 1000 });
  const ms = (to ? new Date(to).getTime() : now.getTime()) - new Date(from).getTime();
  const s = Math.max(0, Math.round(ms / 1000));
  const text =
    s < 60
      ? t("seconds", { s })
      : s < 3600
        ? t("minutes", { m: Math.floor(s / 60), s: s % 60 })
        : t("hours", { h: Math.floor(s / 3600), m: Math.floor((s % 3600) / 60) });
  return <span>{to ? text : t("openFor", { duration: text })}</span>;
}

type Filters = Partial<
  Record<"host" | "resource" | "vm" | "kind" | "severity" | "open" | "from" | "to", string>
>;

/** `datetime-local` (the reader's local time) ↔ the API's ISO 8601. */
const toIso = (local: string) => (local ? new Date(local).toISOString() : "");
const toLocal = (iso: string | undefined) => {
  if (!iso) return "";
  const d = new Date(iso);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
};

/** GET /api/incidents with the filters of the page's address (shareable), live. */
export function IncidentList({ initial }: { initial: Filters }) {
  const t = useTranslations("incidents");
  const format = useFormatter();
  const [filters, setFilters] = useState<Filters>(initial);
  const [incidents, setIncidents] = useState<IncidentView[] | null>(null);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const query = new URLSearchParams(
    Object.entries(filters).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""),
  ).toString();
  const load = useCallback(() => {
    const params = new URLSearchParams(query);
    params.set("limit", "500");
    void apiFetch(`/api/incidents?${params.toString()}`, { cache: "no-store" })
      .then((r) => r.json() as Promise<IncidentView[] | { error: { code: string; message: string } }>)
      .then((b) => {
        if (Array.isArray(b)) {
          setIncidents(b);
          setError(null);
        } else setError(b.error);
      });
  }, [query]);
  useIncidentUpdates(load);
  const set = (key: keyof Filters, value: string) => {
    const next = { ...filters, [key]: value };
    setFilters(next);
    const q = new URLSearchParams(
      Object.entries(next).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""),
    );
    window.history.replaceState(null, "", `/incidents${q.size ? `?${q}` : ""}`);
  };
  const input = "rounded border border-slate-300 px-1 py-0.5";
  return (
    <main className="mx-auto max-w-6xl p-4 sm:p-6">
      <PageHeader
        title={t("title")}
        links={[
          { href: "/", label: t("back") },
          { href: "/history", label: t("historyLink") },
          { href: "/settings/notifications", label: t("notificationsLink") },
        ]}
      />
      <form
        className="mb-4 flex flex-wrap items-end gap-3 text-sm"
        data-testid="incident-filters"
        onSubmit={(e) => e.preventDefault()}
      >
        {(["host", "resource", "vm"] as const).map((k) => (
          <label key={k} className="flex flex-col">
            {t(`filter.${k}`)}
            <input
              name={k}
              value={filters[k] ?? ""}
              onChange={(e) => set(k, e.target.value)}
              className={`${input} w-28`}
              translate="no"
            />
          </label>
        ))}
        <label className="flex flex-col">
          {t("filter.kind")}
          <select
            name="kind"
            value={filters.kind ?? ""}
            onChange={(e) => set("kind", e.target.value)}
            className={input}
          >
            <option value="">{t("filter.any")}</option>
            {INCIDENT_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`kind.${k}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col">
          {t("filter.severity")}
          <select
            name="severity"
            value={filters.severity ?? ""}
            onChange={(e) => set("severity", e.target.value)}
            className={input}
          >
            <option value="">{t("filter.any")}</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {t(`severity.${s}`)}
              </option>
            ))}
          </select>
        </label>
        <label className="flex flex-col">
          {t("filter.state")}
          <select
            name="open"
            value={filters.open ?? ""}
            onChange={(e) => set("open", e.target.value)}
            className={input}
          >
            <option value="">{t("filter.any")}</option>
            <option value="true">{t("filter.open")}</option>
            <option value="false">{t("filter.closed")}</option>
          </select>
        </label>
        {(["from", "to"] as const).map((k) => (
          <label key={k} className="flex flex-col">
            {t(`filter.${k}`)}
            <input
              type="datetime-local"
              name={k}
              value={toLocal(filters[k])}
              onChange={(e) => set(k, toIso(e.target.value))}
              className={input}
            />
          </label>
        ))}
      </form>
      {error && (
        <p role="alert" className="mb-2 text-sm text-red-700">
          <ErrorMessage error={error} />
        </p>
      )}
      {incidents === null && !error && <p className="text-slate-500">{t("loading")}</p>}
      {incidents?.length === 0 && <p className="text-slate-500">{t("none")}</p>}
      {incidents && incidents.length > 0 && (
        <table className="w-full text-left text-sm" data-testid="incident-list">
          <thead className="text-slate-500">
            <tr>
              <th className="py-1">{t("col.severity")}</th>
              <th>{t("col.kind")}</th>
              <th>{t("col.subject")}</th>
              <th>{t("col.opened")}</th>
              <th>{t("col.duration")}</th>
            </tr>
          </thead>
          <tbody>
            {incidents.map((i) => (
              <tr
                key={i.id}
                className="border-t border-slate-200"
                data-testid="incident-row"
                data-kind={i.kind}
              >
                <td className="py-1">
                  <SeverityBadge severity={i.severity} />
                </td>
                <td>
                  <a href={`/incidents/${i.id}`} className="underline">
                    <KindLabel kind={i.kind} />
                  </a>
                </td>
                <td>
                  <Subject incident={i} />
                </td>
                <td>{format.dateTime(new Date(i.openedAt), { dateStyle: "short", timeStyle: "medium" })}</td>
                <td>
                  <Duration from={i.openedAt} to={i.closedAt} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}

/** One incident: what, where, how long, its evidence, its timeline; the guided recovery of a split brain. */
export function IncidentDetailView({ id }: { id: string }) {
  const t = useTranslations("incidents");
  const format = useFormatter();
  const [incident, setIncident] = useState<IncidentDetail | null>(null);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const load = useCallback(() => {
    void apiFetch(`/api/incidents/${encodeURIComponent(id)}`, { cache: "no-store" })
      .then((r) => r.json() as Promise<IncidentDetail | { error: { code: string; message: string } }>)
      .then((b) => ("error" in b ? setError(b.error) : setIncident(b)));
  }, [id]);
  // The timeline grows without an incident change (events, notifications): refetch every 3 s while open.
  useIncidentUpdates(load, incident && incident.closedAt === null ? 3_000 : undefined);
  return (
    <main className="mx-auto max-w-5xl p-4 sm:p-6">
      <PageHeader
        title={
          incident ? (
            <>
              <KindLabel kind={incident.kind} /> <Subject incident={incident} />
            </>
          ) : (
            t("detailTitle")
          )
        }
        links={[
          { href: "/incidents", label: t("listLink") },
          { href: "/", label: t("back") },
        ]}
      />
      {error && (
        <p role="alert" className="text-red-700">
          <ErrorMessage error={error} />
        </p>
      )}
      {incident && (
        <>
          <p className="mb-2 flex flex-wrap items-center gap-2 text-sm" data-testid="incident-head">
            <SeverityBadge severity={incident.severity} />
            <span data-testid="incident-state" data-open={incident.closedAt === null ? "true" : "false"}>
              {incident.closedAt === null ? t("stateOpen") : t("stateClosed")}
            </span>
            <span>
              {t("openedAt", {
                at: format.dateTime(new Date(incident.openedAt), { dateStyle: "short", timeStyle: "medium" }),
              })}
            </span>
            {incident.closedAt && (
              <span>
                {t("closedAt", {
                  at: format.dateTime(new Date(incident.closedAt), {
                    dateStyle: "short",
                    timeStyle: "medium",
                  }),
                })}
              </span>
            )}
            <Duration from={incident.openedAt} to={incident.closedAt} />
            {incident.jobId && (
              <a href={`/jobs/${incident.jobId}`} className="underline">
                {t("jobLink")}
              </a>
            )}
          </p>
          <p className="mb-4 rounded bg-slate-50 p-2 text-sm" data-testid="incident-summary">
            <q translate="no" lang="en">
              {incident.summary}
            </q>
          </p>
          {incident.kind === "split-brain" && incident.detail !== null && (
            <SplitBrainEvidenceView evidence={incident.detail as SplitBrainEvidence} />
          )}
          {incident.kind === "split-brain" && incident.closedAt === null && incident.resource && (
            <Can permission="runbook:force">
              <SplitBrainRecovery
                resource={incident.resource}
                evidence={(incident.detail as SplitBrainEvidence | null) ?? null}
              />
            </Can>
          )}
          <h2 className="mt-4 mb-1 font-semibold">{t("timelineTitle")}</h2>
          <p className="mb-2 text-xs text-slate-500">{t("timelineHelp")}</p>
          <Timeline entries={incident.timeline} />
        </>
      )}
    </main>
  );
}

function Timeline({ entries }: { entries: TimelineEntry[] }) {
  const t = useTranslations("incidents");
  const format = useFormatter();
  return (
    <ol className="space-y-0.5 text-sm" data-testid="incident-timeline">
      {entries.map((e) => (
        <li key={e.seq} data-source={e.source} data-kind={e.kind} className="flex gap-2">
          <span className="w-24 shrink-0 text-slate-500 tabular-nums">
            {format.dateTime(new Date(e.at), { timeStyle: "medium" })}
          </span>
          <span className="w-24 shrink-0 text-xs text-slate-600">{t(`source.${e.source as "panel"}`)}</span>
          <span translate="no" lang="en">
            {e.message}
          </span>
        </li>
      ))}
    </ol>
  );
}

function SplitBrainEvidenceView({ evidence }: { evidence: SplitBrainEvidence }) {
  const t = useTranslations("incidents.evidence");
  const format = useFormatter();
  const time = (iso: string | null) =>
    iso ? format.dateTime(new Date(iso), { dateStyle: "short", timeStyle: "medium" }) : t("never");
  return (
    <section className="mb-4" data-testid="split-brain-evidence">
      <h2 className="mb-1 font-semibold">{t("title")}</h2>
      <p className="mb-2 text-sm">
        {t("detectedOn", { hosts: evidence.detectedOn.join(", ") })}{" "}
        {evidence.apartSince && t("apartSince", { at: time(evidence.apartSince) })}
      </p>
      <table className="text-left text-sm">
        <thead className="text-slate-500">
          <tr>
            <th className="pr-4">{t("host")}</th>
            <th className="pr-4">{t("state")}</th>
            <th className="pr-4">{t("primaryWhileApart")}</th>
            <th className="pr-4">{t("outOfSync")}</th>
            <th>{t("vmsWhileApart")}</th>
          </tr>
        </thead>
        <tbody>
          {evidence.sides.map((s) => (
            <tr key={s.host} data-testid="evidence-side" data-host={s.host}>
              <td className="pr-4" translate="no">
                <Name>{s.host}</Name>
              </td>
              <td className="pr-4" translate="no">
                {s.role} · {s.connection} · {s.disk}
              </td>
              <td className="pr-4">{time(s.primaryWhileApartAt)}</td>
              <td className="pr-4">{s.outOfSyncKiB === null ? "?" : t("kib", { kib: s.outOfSyncKiB })}</td>
              <td translate="no">{s.vmsWhileApart.length ? s.vmsWhileApart.join(", ") : t("noVms")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="mt-1 text-xs text-slate-500">{t("generationsHelp")}</p>
    </section>
  );
}

/** The dashboard's line about open incidents (critical and major first), linking to the list. */
export function OpenIncidentsBanner() {
  const t = useTranslations("incidents");
  const [open, setOpen] = useState<IncidentView[] | null>(null);
  const load = useCallback(() => {
    void apiFetch("/api/incidents?open=true&limit=500", { cache: "no-store" })
      .then((r) => r.json() as Promise<IncidentView[]>)
      .then((b) => Array.isArray(b) && setOpen(b));
  }, []);
  useIncidentUpdates(load);
  if (!open || open.length === 0) return null;
  const serious = open.filter((i) => i.severity === "critical" || i.severity === "major");
  return (
    <p
      role="status"
      data-testid="open-incidents"
      className={`mb-4 rounded border px-3 py-2 text-sm ${serious.length ? "border-red-300 bg-red-50 text-red-900" : "border-amber-300 bg-amber-50 text-amber-900"}`}
    >
      <a href="/incidents?open=true" className="underline">
        {t("openCount", { count: open.length, serious: serious.length })}
      </a>
    </p>
  );
}
