"use client";

import { useFormatter, useTranslations } from "next-intl";
import { useEffect, useState } from "react";
import type { AvailabilityFigures, HistoryFigures } from "@/lib/monitor/availability";
import type { SampleSeries } from "@/lib/monitor/history";
import { PageHeader } from "./page-header";
import { ErrorMessage } from "./error-message";
import { Name } from "./i18n/term";
import { apiFetch } from "./api-fetch";

const PERIODS = { "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000 } as const;
type PeriodKey = keyof typeof PERIODS;
const COLORS = ["#1d4ed8", "#b91c1c", "#047857", "#a16207", "#7c3aed", "#0e7490"];

/** Availability per host and VM over a period (MTBF, MTTR, from the incidents), and the state history charts. */
export function HistoryPage() {
  const t = useTranslations("history");
  const [period, setPeriod] = useState<PeriodKey | "custom">("7d");
  /** A period of the reader's choosing (datetime-local values, the reader's time). */
  const [custom, setCustom] = useState<{ from: string; to: string }>({ from: "", to: "" });
  const [data, setData] = useState<{
    figures: HistoryFigures;
    memory: SampleSeries[];
    sync: SampleSeries[];
  } | null>(null);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  useEffect(() => {
    if (period === "custom" && (!custom.from || !custom.to)) return;
    const to = period === "custom" ? new Date(custom.to) : new Date();
    const from = period === "custom" ? new Date(custom.from) : new Date(to.getTime() - PERIODS[period]);
    const q = new URLSearchParams({ from: from.toISOString(), to: to.toISOString() }).toString();
    const get = async <T,>(url: string): Promise<T> => {
      const body = (await (await apiFetch(url, { cache: "no-store" })).json()) as
        T | { error: { code: string; message: string } };
      if (body && typeof body === "object" && "error" in body) throw body.error;
      return body as T;
    };
    Promise.all([
      get<HistoryFigures>(`/api/history?${q}`),
      get<{ series: SampleSeries[] }>(`/api/history/samples?metric=memory.freeMiB&${q}`),
      get<{ series: SampleSeries[] }>(`/api/history/samples?metric=drbd.syncPercent&${q}`),
    ]).then(
      ([figures, memory, sync]) => {
        setError(null);
        setData({ figures, memory: memory.series, sync: sync.series });
      },
      (e: { code: string; message: string }) => setError(e),
    );
  }, [period, custom]);
  return (
    <main className="mx-auto max-w-6xl p-4 sm:p-6">
      <PageHeader
        title={t("title")}
        links={[
          { href: "/incidents", label: t("incidentsLink") },
          { href: "/", label: t("back") },
        ]}
      />
      <p className="mb-3 flex flex-wrap items-center gap-2 text-sm">
        {t("period")}
        {(Object.keys(PERIODS) as PeriodKey[]).map((p) => (
          <button
            key={p}
            type="button"
            data-testid={`period-${p}`}
            aria-pressed={period === p}
            onClick={() => setPeriod(p)}
            className={`rounded border px-2 py-0.5 ${period === p ? "border-slate-800 bg-slate-800 text-white" : "border-slate-300 bg-white"}`}
          >
            {t(`periods.${p}`)}
          </button>
        ))}
      </p>
      <p className="mb-3 flex flex-wrap items-end gap-2 text-sm" data-testid="period-custom">
        {(["from", "to"] as const).map((k) => (
          <label key={k} className="flex flex-col">
            {t(k)}
            <input
              type="datetime-local"
              name={k}
              value={custom[k]}
              onChange={(e) => {
                setCustom({ ...custom, [k]: e.target.value });
                setPeriod("custom");
              }}
              className="rounded border border-slate-300 px-1 py-0.5"
            />
          </label>
        ))}
      </p>
      <p className="mb-4 text-xs text-slate-600">{t("formulas")}</p>
      {error && (
        <p role="alert" className="text-red-700">
          <ErrorMessage error={error} />
        </p>
      )}
      {data && (
        <>
          <FiguresTable title={t("hostsTitle")} rows={data.figures.hosts} testId="history-hosts" />
          <FiguresTable title={t("vmsTitle")} rows={data.figures.vms} testId="history-vms" />
          <AvailabilityBars rows={data.figures.vms} />
          <LineChart title={t("memoryTitle")} unit="MiB" series={data.memory} testId="chart-memory" />
          <LineChart title={t("syncTitle")} unit="%" series={data.sync} testId="chart-sync" max={100} />
          <RetentionForm />
        </>
      )}
    </main>
  );
}

function useDuration() {
  const t = useTranslations("history");
  return (sec: number | null) => {
    if (sec === null) return t("noFailure");
    if (sec < 120) return t("seconds", { s: Math.round(sec) });
    if (sec < 7200) return t("minutes", { m: Math.round(sec / 60) });
    if (sec < 172_800) return t("hours", { h: Math.round((sec / 3600) * 10) / 10 });
    return t("days", { d: Math.round((sec / 86_400) * 10) / 10 });
  };
}

function FiguresTable({
  title,
  rows,
  testId,
}: {
  title: string;
  rows: Array<{ name: string } & AvailabilityFigures>;
  testId: string;
}) {
  const t = useTranslations("history");
  const duration = useDuration();
  return (
    <section className="mb-4">
      <h2 className="mb-1 font-semibold">{title}</h2>
      <table className="w-full text-left text-sm" data-testid={testId}>
        <thead className="text-slate-500">
          <tr>
            <th className="py-1">{t("col.name")}</th>
            <th>{t("col.failures")}</th>
            <th>{t("col.downtime")}</th>
            <th>{t("col.mtbf")}</th>
            <th>{t("col.mttr")}</th>
            <th>{t("col.availability")}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => (
            <tr key={r.name} className="border-t border-slate-200" data-name={r.name}>
              <td className="py-1" translate="no">
                <Name>{r.name}</Name>
              </td>
              <td data-col="failures">{r.failures}</td>
              <td data-col="downtime">{duration(r.downtimeSec)}</td>
              <td data-col="mtbf">{duration(r.mtbfSec)}</td>
              <td data-col="mttr">{duration(r.mttrSec)}</td>
              <td data-col="availability">{(Math.floor(r.availability * 100_000) / 1000).toFixed(3)} %</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** Downtime per VM as bars (the longest first): where the period's unavailability went. */
function AvailabilityBars({ rows }: { rows: Array<{ name: string } & AvailabilityFigures> }) {
  const t = useTranslations("history");
  const duration = useDuration();
  const down = rows.filter((r) => r.downtimeSec > 0).sort((a, b) => b.downtimeSec - a.downtimeSec);
  if (down.length === 0) return null;
  const max = down[0]!.downtimeSec;
  return (
    <section className="mb-4" data-testid="chart-downtime">
      <h2 className="mb-1 font-semibold">{t("downtimeTitle")}</h2>
      <svg width="100%" height={down.length * 22} role="img" aria-label={t("downtimeTitle")}>
        {down.map((r, i) => (
          <g key={r.name} transform={`translate(0 ${i * 22})`}>
            <text x="0" y="14" fontSize="12">
              {r.name}
            </text>
            <rect
              x="110"
              y="3"
              height="14"
              width={`${Math.max(0.5, (r.downtimeSec / max) * 60)}%`}
              fill="#b91c1c"
            />
            <text x="110" dx={`${Math.max(0.5, (r.downtimeSec / max) * 60)}%`} y="14" fontSize="12">
              {" "}
              {duration(r.downtimeSec)}
            </text>
          </g>
        ))}
      </svg>
    </section>
  );
}

/** A line per series (host or resource) over the period. */
function LineChart({
  title,
  unit,
  series,
  testId,
  max,
}: {
  title: string;
  unit: string;
  series: SampleSeries[];
  testId: string;
  max?: number;
}) {
  const t = useTranslations("history");
  const format = useFormatter();
  const W = 720;
  const H = 180;
  const pad = { l: 72, r: 8, t: 8, b: 20 };
  const all = series.flatMap((s) => s.points);
  return (
    <section className="mb-4" data-testid={testId}>
      <h2 className="mb-1 font-semibold">{title}</h2>
      {all.length === 0 ? (
        <p className="text-sm text-slate-500">{t("noSamples")}</p>
      ) : (
        (() => {
          const times = all.map(([at]) => new Date(at).getTime());
          const t0 = Math.min(...times);
          const t1 = Math.max(...times, t0 + 1);
          const top = max ?? Math.max(1, ...all.map(([, v]) => v));
          const x = (ms: number) => pad.l + ((ms - t0) / (t1 - t0)) * (W - pad.l - pad.r);
          const y = (v: number) => pad.t + (1 - v / top) * (H - pad.t - pad.b);
          return (
            <>
              <svg viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-label={title}>
                <line x1={pad.l} x2={W - pad.r} y1={y(0)} y2={y(0)} stroke="#cbd5e1" />
                <text x={pad.l - 4} y={y(top) + 4} fontSize="10" textAnchor="end">
                  {top} {unit}
                </text>
                <text x={pad.l - 4} y={y(0)} fontSize="10" textAnchor="end">
                  0
                </text>
                <text x={pad.l} y={H - 4} fontSize="10">
                  {format.dateTime(new Date(t0), { dateStyle: "short", timeStyle: "short" })}
                </text>
                <text x={W - pad.r} y={H - 4} fontSize="10" textAnchor="end">
                  {format.dateTime(new Date(t1), { dateStyle: "short", timeStyle: "short" })}
                </text>
                {series.map((s, i) =>
                  s.points.map(([at, v]) => (
                    <circle
                      key={`${s.subject}@${at}`}
                      cx={x(new Date(at).getTime())}
                      cy={y(v)}
                      r="2"
                      fill={COLORS[i % COLORS.length]}
                    />
                  )),
                )}
                {series.map((s, i) => (
                  <polyline
                    key={s.subject}
                    data-subject={s.subject}
                    fill="none"
                    stroke={COLORS[i % COLORS.length]}
                    strokeWidth="1.5"
                    points={s.points.map(([at, v]) => `${x(new Date(at).getTime())},${y(v)}`).join(" ")}
                  />
                ))}
              </svg>
              <p className="flex flex-wrap gap-3 text-xs" translate="no">
                {series.map((s, i) => (
                  <span key={s.subject} style={{ color: COLORS[i % COLORS.length] }}>
                    ■ {s.subject}
                  </span>
                ))}
              </p>
            </>
          );
        })()
      )}
    </section>
  );
}

function RetentionForm() {
  const t = useTranslations("history");
  const [days, setDays] = useState<string>("");
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  useEffect(() => {
    void apiFetch("/api/settings/history", { cache: "no-store" })
      .then((r) => r.json() as Promise<{ retentionDays: number }>)
      .then((b) => setDays(String(b.retentionDays)));
  }, []);
  const save = async () => {
    const res = await apiFetch("/api/settings/history", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ retentionDays: Number(days) }),
    });
    const body = (await res.json()) as { errors?: Array<{ field: string; message: string }> };
    setMessage(
      res.ok ? { ok: true, text: t("retentionSaved") } : { ok: false, text: body.errors?.[0]?.message ?? "" },
    );
  };
  return (
    <section className="mt-6 text-sm" data-testid="retention">
      <label className="font-medium">
        {t("retentionLabel")}{" "}
        <input
          type="number"
          name="retentionDays"
          value={days}
          onChange={(e) => setDays(e.target.value)}
          className="w-20 rounded border border-slate-300 px-1 py-0.5"
        />
      </label>{" "}
      <button
        type="button"
        onClick={() => void save()}
        className="rounded border border-slate-300 px-2 py-0.5"
      >
        {t("save")}
      </button>
      <p className="text-xs text-slate-600">{t("retentionHelp")}</p>
      {message && (
        <p role={message.ok ? "status" : "alert"} className={message.ok ? "text-green-800" : "text-red-700"}>
          {message.ok ? message.text : `${t("retentionLabel")}: `}
          {!message.ok && <ErrorMessage error={{ code: null, message: message.text }} />}
        </p>
      )}
    </section>
  );
}
