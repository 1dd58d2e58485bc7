"use client";

import { useFormatter, useTranslations } from "next-intl";
import { useCallback, useEffect, useState } from "react";
import { apiError, apiFetch, sendJson, type ApiError } from "./api-fetch";
import { Failure } from "./error-message";
import type { AuditRecord } from "@/lib/audit/log";
import { PageHeader } from "./page-header";

type Entry = Omit<AuditRecord, "at" | "prevHash" | "hash"> & { at: string };
type Verdict = { ok: true; entries: number } | { ok: false; entries: number; seq: number; reason: string };

const input = "rounded border border-slate-300 px-2 py-1";
const button = "rounded border border-slate-400 px-3 py-1 text-sm disabled:opacity-50";
const RESULT_STYLE: Record<string, string> = {
  ok: "text-emerald-700",
  refused: "text-red-700 font-medium",
  failed: "text-amber-700",
};

/** Administrators: the audit trail with filters, its chain verified on demand, and where it is shipped. */
export function AuditPage() {
  const t = useTranslations("audit");
  const format = useFormatter();
  const [filters, setFilters] = useState({ actor: "", action: "", result: "" });
  const [entries, setEntries] = useState<Entry[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [verdict, setVerdict] = useState<Verdict | null>(null);
  const load = useCallback(() => {
    const params = new URLSearchParams({ limit: "200" });
    for (const [k, v] of Object.entries(filters)) if (v) params.set(k, v);
    // The last 30 days by default; the filters narrow them.
    params.set("from", new Date(Date.now() - 30 * 86_400_000).toISOString());
    void apiFetch(`/api/audit?${params.toString()}`, { cache: "no-store" }).then(async (r) => {
      if (!r.ok) return setError(await apiError(r));
      setError(null);
      setEntries(((await r.json()) as { entries: Entry[] }).entries);
    });
  }, [filters]);
  useEffect(load, [load]);

  return (
    <main className="mx-auto max-w-7xl p-4 sm:p-6">
      <PageHeader title={t("title")} links={[{ href: "/", label: t("backToFarm") }]} />
      <p className="mb-3 text-sm text-slate-600">{t("intro")}</p>
      <div className="mb-3 flex flex-wrap items-end gap-2 text-sm">
        <label>
          {t("actor")}{" "}
          <input
            className={input}
            data-testid="audit-actor"
            value={filters.actor}
            onChange={(e) => setFilters({ ...filters, actor: e.target.value })}
          />
        </label>
        <label>
          {t("action")}{" "}
          <input
            className={input}
            data-testid="audit-action"
            value={filters.action}
            onChange={(e) => setFilters({ ...filters, action: e.target.value })}
          />
        </label>
        <label>
          {t("result")}{" "}
          <select
            className={input}
            data-testid="audit-result"
            value={filters.result}
            onChange={(e) => setFilters({ ...filters, result: e.target.value })}
          >
            <option value="">{t("any")}</option>
            <option value="ok">{t("resultOk")}</option>
            <option value="refused">{t("resultRefused")}</option>
            <option value="failed">{t("resultFailed")}</option>
          </select>
        </label>
        <button
          type="button"
          className={button}
          data-testid="audit-verify"
          onClick={() =>
            void apiFetch("/api/audit/verify", { cache: "no-store" }).then(async (r) =>
              r.ok ? setVerdict((await r.json()) as Verdict) : setError(await apiError(r)),
            )
          }
        >
          {t("verify")}
        </button>
        {verdict && (
          <span
            data-testid="audit-verdict"
            className={verdict.ok ? "text-emerald-700" : "font-medium text-red-700"}
          >
            {verdict.ok ? t("intact", { entries: verdict.entries }) : t("broken", { seq: verdict.seq })}{" "}
            {!verdict.ok && (
              <q translate="no" lang="en">
                {verdict.reason}
              </q>
            )}
          </span>
        )}
      </div>
      <Failure error={error} testId="audit-error" />
      <table className="w-full text-left text-sm" data-testid="audit-entries">
        <thead>
          <tr className="text-slate-500">
            <th>#</th>
            <th>{t("when")}</th>
            <th>{t("actor")}</th>
            <th>{t("action")}</th>
            <th>{t("target")}</th>
            <th>{t("from")}</th>
            <th>{t("result")}</th>
            <th>{t("detail")}</th>
          </tr>
        </thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.seq} className="border-t border-slate-100 align-top" data-testid="audit-entry">
              <td>{e.seq}</td>
              <td className="whitespace-nowrap">
                {format.dateTime(new Date(e.at), { dateStyle: "short", timeStyle: "long", timeZone: "UTC" })}
              </td>
              <td translate="no">{e.actor}</td>
              <td translate="no" className="font-mono text-xs">
                {e.action}
              </td>
              <td translate="no">{e.target}</td>
              <td translate="no">{e.address}</td>
              <td className={RESULT_STYLE[e.result] ?? ""}>{e.result}</td>
              <td translate="no" lang="en" className="max-w-md break-words text-xs text-slate-600">
                {e.detail}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <Syslog />
    </main>
  );
}

function Syslog() {
  const t = useTranslations("audit");
  const [host, setHost] = useState("");
  const [port, setPort] = useState("514");
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  useEffect(() => {
    void apiFetch("/api/settings/audit", { cache: "no-store" })
      .then((r) => r.json() as Promise<{ syslog: { host: string; port: number } | null }>)
      .then((s) => {
        if (s.syslog) {
          setHost(s.syslog.host);
          setPort(String(s.syslog.port));
        }
      });
  }, []);
  return (
    <form
      className="mt-6 flex flex-wrap items-end gap-2 rounded border border-slate-200 bg-white p-4 text-sm"
      onSubmit={(e) => {
        e.preventDefault();
        setSaved(false);
        void sendJson("PUT", "/api/settings/audit", {
          syslog: host ? { host, port: Number(port) } : null,
        }).then(async (r) => {
          setError(r.ok ? null : await apiError(r));
          setSaved(r.ok);
        });
      }}
    >
      <h2 className="w-full font-semibold">{t("syslogTitle")}</h2>
      <p className="w-full text-slate-600">{t("syslogHelp")}</p>
      <label>
        {t("syslogHost")}{" "}
        <input
          className={input}
          data-testid="syslog-host"
          value={host}
          onChange={(e) => setHost(e.target.value)}
        />
      </label>
      <label>
        {t("syslogPort")}{" "}
        <input
          className={input}
          data-testid="syslog-port"
          inputMode="numeric"
          value={port}
          onChange={(e) => setPort(e.target.value)}
        />
      </label>
      <button type="submit" className={button} data-testid="syslog-save">
        {t("save")}
      </button>
      {saved && <span className="text-emerald-700">{t("saved")}</span>}
      <div className="w-full">
        <Failure error={error} testId="syslog-error" />
      </div>
    </form>
  );
}
