"use client";

import { useTranslations } from "next-intl";
import { useEffect, useState } from "react";
import { io } from "socket.io-client";
import type { JobView as TJobView } from "@/lib/runbooks/types";
import { ErrorMessage } from "./error-message";
import { PageHeader } from "./page-header";
import { StepLabel } from "./job-texts";
import { apiFetch } from "./api-fetch";
import { Can, useCan } from "./user-menu";

const STATUS_STYLE: Record<string, string> = {
  succeeded: "text-emerald-700",
  running: "text-sky-700",
  failed: "text-red-700",
  cancelled: "text-amber-700",
  skipped: "text-slate-500",
  pending: "text-slate-500",
  queued: "text-slate-500",
};

/** One job, live: each step's state, duration and commands, pushed over socket.io (`job:changed`). */
export function JobView({ id }: { id: string }) {
  const canRun = useCan("runbook:run");
  const t = useTranslations("job");
  const [job, setJob] = useState<TJobView | null>(null);
  const [error, setError] = useState<{ code: string | null; message: string } | null>(null);
  const [cancelAsked, setCancelAsked] = useState(false);

  useEffect(() => {
    let cancelled = false;
    const load = async () => {
      try {
        const res = await apiFetch(`/api/jobs/${encodeURIComponent(id)}`, { cache: "no-store" });
        const body = (await res.json()) as unknown;
        if (cancelled) return;
        if (res.ok) setJob(body as TJobView);
        else setError((body as { error: { code: string; message: string } }).error);
      } catch (err) {
        if (!cancelled) setError({ code: null, message: String(err) });
      }
    };
    const socket = io({ transports: ["websocket"] });
    socket.on("job:changed", (change: { id: string }) => {
      if (change.id === id) void load();
    });
    socket.on("connect", () => void load());
    void load();
    return () => {
      cancelled = true;
      socket.close();
    };
  }, [id]);

  const cancel = async () => {
    setCancelAsked(true);
    await apiFetch(`/api/jobs/${encodeURIComponent(id)}/cancel`, { method: "POST" });
  };

  return (
    <main className="mx-auto max-w-5xl p-4 sm:p-6">
      <PageHeader
        links={[
          { href: "/", label: t("back") },
          { href: "/jobs", label: t("all") },
        ]}
      />
      {error && (
        <p role="alert" className="rounded bg-red-50 px-2 py-1 text-red-900">
          <ErrorMessage error={error} />
        </p>
      )}
      {!job && !error && <p className="text-slate-500">{t("loading")}</p>}
      {job && (
        <>
          <h1 className="text-xl font-semibold">
            {t("title", { kind: job.kind, from: job.from, to: job.to })}{" "}
            <span data-testid="job-status" data-status={job.status} className={STATUS_STYLE[job.status]}>
              {t(`status.${job.status}`)}
            </span>
          </h1>
          {job.status === "running" && canRun && (
            <button
              type="button"
              data-testid="job-cancel"
              disabled={cancelAsked}
              onClick={() => void cancel()}
              className="mt-2 rounded border border-slate-300 bg-white px-2 py-0.5 text-sm disabled:opacity-50"
            >
              {t("cancel")}
            </button>
          )}
          {job.kind === "create-resource" && (job.status === "failed" || job.status === "cancelled") && (
            <Can permission="resource:create">
              <UndoButton jobId={job.id} />
            </Can>
          )}
          {cancelAsked && job.status === "running" && (
            <p className="text-sm text-amber-800">{t("cancelRequested")}</p>
          )}
          {job.report && (
            <div className="mt-3 rounded border border-slate-200 bg-white p-3 text-sm">
              <p>
                <strong>{t("summary")}</strong>{" "}
                <ErrorMessage error={{ code: null, message: job.report.summary }} />
              </p>
              {job.report.reconciliation && (
                <p className="mt-1">
                  <strong>{t("reconciliation")}</strong>{" "}
                  <ErrorMessage error={{ code: null, message: job.report.reconciliation }} />
                </p>
              )}
              {job.report.restoredAfter && (
                <>
                  <h2 className="mt-2 font-semibold">{t("restoredTitle")}</h2>
                  <ul data-testid="job-restored">
                    {job.report.restoredAfter.map((d) => (
                      <li key={d.vm}>
                        <span translate="no">{d.vm}</span>: {t("duration", { seconds: d.seconds })}
                      </li>
                    ))}
                  </ul>
                </>
              )}
              {job.report.downtime.length > 0 && (
                <>
                  <h2 className="mt-2 font-semibold">{t("downtimeTitle")}</h2>
                  <ul data-testid="job-downtime">
                    {job.report.downtime.map((d) => (
                      <li key={d.vm}>
                        <span translate="no">{d.vm}</span>: {t("duration", { seconds: d.seconds })}
                      </li>
                    ))}
                  </ul>
                </>
              )}
            </div>
          )}
          <ol className="mt-4 space-y-2" data-testid="job-steps">
            {job.steps.map((s) => (
              <li
                key={s.key}
                data-step={s.key}
                data-status={s.status}
                className="rounded border border-slate-200 bg-white p-2 text-sm"
              >
                <div className="flex flex-wrap items-baseline justify-between gap-2">
                  <StepLabel name={s.name} host={s.host} params={s.params} />
                  <span className={STATUS_STYLE[s.status]}>
                    {t(`status.${s.status}`)}
                    {s.startedAt && s.finishedAt && (
                      <>
                        {" · "}
                        {t("duration", {
                          seconds:
                            Math.round((Date.parse(s.finishedAt) - Date.parse(s.startedAt)) / 100) / 10,
                        })}
                      </>
                    )}
                  </span>
                </div>
                {s.error && (
                  <p className="mt-1 text-red-800">
                    <ErrorMessage error={s.error} />
                  </p>
                )}
                {s.note && (
                  <p className="mt-1 text-slate-600">
                    <ErrorMessage error={{ code: null, message: s.note }} />
                  </p>
                )}
                {s.commands.length > 0 && (
                  <details className="mt-1">
                    <summary className="cursor-pointer text-xs text-slate-500">
                      {t("commands", { count: s.commands.length })}
                    </summary>
                    <ul className="mt-1 space-y-1">
                      {s.commands.map((c, i) => (
                        <li key={i} className="font-mono text-xs" translate="no">
                          <span className="text-slate-500">{c.host}#</span> {c.argv.join(" ")}{" "}
                          <span className={c.exitCode === 0 ? "text-emerald-700" : "text-red-700"}>
                            {t("exit", { code: String(c.exitCode) })}
                          </span>{" "}
                          <span className="text-slate-500">{t("durationMs", { ms: c.durationMs })}</span>
                          {c.output && (
                            <pre className="mt-0.5 whitespace-pre-wrap text-slate-600">{c.output}</pre>
                          )}
                        </li>
                      ))}
                    </ul>
                  </details>
                )}
              </li>
            ))}
          </ol>
        </>
      )}
    </main>
  );
}

/** GET /api/jobs, newest first, each linking to its live view. */
export function JobList() {
  const t = useTranslations("job");
  const [jobs, setJobs] = useState<TJobView[] | null>(null);
  useEffect(() => {
    void apiFetch("/api/jobs", { cache: "no-store" })
      .then((r) => r.json() as Promise<{ jobs: TJobView[] }>)
      .then((b) => setJobs(b.jobs));
  }, []);
  return (
    <main className="mx-auto max-w-5xl p-4 sm:p-6">
      <PageHeader title={t("listTitle")} links={[{ href: "/", label: t("back") }]} />
      {jobs === null && <p className="text-slate-500">{t("loading")}</p>}
      {jobs?.length === 0 && <p className="text-slate-500">{t("none")}</p>}
      <ul className="space-y-1" data-testid="job-list">
        {jobs?.map((j) => (
          <li key={j.id} className="text-sm">
            <a href={`/jobs/${j.id}`} className="underline">
              {t("title", { kind: j.kind, from: j.from, to: j.to })}
            </a>{" "}
            <span className={STATUS_STYLE[j.status]}>{t(`status.${j.status}`)}</span>{" "}
            <span className="text-slate-500">{j.createdAt}</span>
          </li>
        ))}
      </ul>
    </main>
  );
}

/** A failed resource creation: undo exactly what it made (a new job), then show that job. */
function UndoButton({ jobId }: { jobId: string }) {
  const t = useTranslations("job");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const undo = async () => {
    setBusy(true);
    const res = await apiFetch(`/api/jobs/${encodeURIComponent(jobId)}/undo`, { method: "POST" });
    const body = (await res.json()) as { jobId?: string; error?: { code: string; message: string } };
    if (body.jobId) window.location.assign(`/jobs/${body.jobId}`);
    else {
      setError(body.error ?? null);
      setBusy(false);
    }
  };
  return (
    <p className="mt-2">
      <button
        type="button"
        data-testid="job-undo"
        disabled={busy}
        onClick={() => void undo()}
        className="rounded border border-red-300 bg-white px-2 py-0.5 text-sm text-red-900 disabled:opacity-50"
      >
        {t("undo")}
      </button>{" "}
      <span className="text-sm text-slate-600">{t("undoHelp")}</span>
      {error && (
        <span role="alert" className="ml-2 text-red-700">
          <ErrorMessage error={error} />
        </span>
      )}
    </p>
  );
}
