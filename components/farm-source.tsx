"use client";

import { useTranslations } from "next-intl";
import { useCallback, useEffect, useState } from "react";
import { apiError, apiFetch, sendJson, type ApiError } from "./api-fetch";
import { Failure } from "./error-message";

type Selection = {
  hosts: [string, string];
  standbyMiB: number;
  resources: Array<{ name: string; mountPoint: string | null }>;
};
type SourceAnswer = {
  source:
    { kind: "simulated" } | { kind: "config"; file: string } | { kind: "onboarded"; selection: Selection };
  restartable: boolean;
  chosen: Selection | null;
  ready: string[];
};

const input = "rounded border border-slate-300 px-2 py-1";
const button = "rounded border border-slate-400 px-3 py-1 text-sm disabled:opacity-50";
/** A raw resource (no filesystem the runbooks mount) in the mount point list. */
const RAW = "-";
const MOUNTS_PLACEHOLDER = ["r0 /srv/r0", "r1 /srv/r1", `r2 ${RAW}`].join("\n");

/** "r0 /srv/r0" per line ("r2 -" or "r2" for a raw resource); what the server validates, field by field. */
function parseMounts(text: string): Selection["resources"] {
  return text
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter((w) => w[0])
    .map(([name, mountPoint]) => ({
      name: name!,
      mountPoint: mountPoint === undefined || mountPoint === RAW ? null : mountPoint,
    }));
}
const formatMounts = (rs: Selection["resources"]) =>
  rs.map((r) => `${r.name} ${r.mountPoint ?? RAW}`).join("\n");

/**
 * Which farm the panel manages, and the switch to two onboarded hosts (or back to the simulated farm). A switch
 * restarts the panel: the page says so before, and reloads once the panel answers again.
 */
export function FarmSource({ refreshKey }: { refreshKey: number }) {
  const t = useTranslations("hosts.farm");
  const [answer, setAnswer] = useState<SourceAnswer | null>(null);
  const [pair, setPair] = useState<[string, string]>(["", ""]);
  const [standby, setStandby] = useState("1024");
  const [mounts, setMounts] = useState("");
  const [confirming, setConfirming] = useState<"choose" | "forget" | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [restarting, setRestarting] = useState(false);
  const [saved, setSaved] = useState(false);

  const load = useCallback(() => {
    void apiFetch("/api/farm/source", { cache: "no-store" }).then(async (r) => {
      if (!r.ok) return setError(await apiError(r));
      const a = (await r.json()) as SourceAnswer;
      setAnswer(a);
      const current = a.chosen ?? (a.source.kind === "onboarded" ? a.source.selection : null);
      if (current) {
        setPair(current.hosts);
        setStandby(String(current.standbyMiB));
        setMounts(formatMounts(current.resources));
      } else setPair(([x, y]) => [x || a.ready[0] || "", y || a.ready[1] || ""]);
    });
  }, []);
  useEffect(load, [load, refreshKey]);

  // After a switch: wait until the panel has gone down and answers again, then show it from scratch.
  useEffect(() => {
    if (!restarting) return;
    let wentDown = false;
    const timer = setInterval(() => {
      void fetch("/api/farm/source", { cache: "no-store" })
        .then((r) => {
          if (r.ok && wentDown) window.location.reload();
        })
        .catch(() => (wentDown = true));
    }, 1000);
    return () => clearInterval(timer);
  }, [restarting]);

  if (!answer) return <Failure error={error} testId="farm-source-error" />;
  const after = async (r: Response) => {
    setConfirming(null);
    if (!r.ok) return setError(await apiError(r));
    setError(null);
    if (((await r.json()) as { restarting: boolean }).restarting) setRestarting(true);
    else {
      setSaved(true);
      load();
    }
  };
  const source = answer.source;
  const canChoose = source.kind !== "config" && answer.ready.length >= 2;
  return (
    <section
      className="mb-6 rounded border border-slate-200 bg-white p-4 text-sm"
      data-testid="farm-source"
      aria-labelledby="farm-source-title"
    >
      <h2 id="farm-source-title" className="mb-1 font-semibold">
        {t("title")}
      </h2>
      <p data-testid="farm-source-current">
        {source.kind === "onboarded" ? (
          <>
            {t("current.onboarded")}{" "}
            <span translate="no" className="font-medium">
              {source.selection.hosts.join(" + ")}
            </span>
          </>
        ) : source.kind === "config" ? (
          <>
            {t("current.config")}{" "}
            <code translate="no" className="text-xs">
              {source.file}
            </code>
          </>
        ) : (
          t("current.simulated")
        )}
      </p>
      {restarting && (
        <p role="status" className="mt-2 font-medium text-amber-800" data-testid="farm-source-restarting">
          {t("restarting")}
        </p>
      )}
      {saved && (
        <p role="status" className="mt-2 text-slate-700" data-testid="farm-source-saved">
          {t("saved")}
        </p>
      )}
      {source.kind !== "config" && !canChoose && source.kind !== "onboarded" && (
        <p className="mt-2 text-slate-600">{t("needTwo")}</p>
      )}
      {canChoose && !restarting && (
        <div className="mt-3 flex flex-col gap-2">
          <p className="text-slate-600">{t("explain")}</p>
          <div className="flex flex-wrap items-end gap-2">
            {([0, 1] as const).map((i) => (
              <label key={i}>
                {t(i === 0 ? "first" : "second")}{" "}
                <select
                  className={input}
                  data-testid={`farm-source-host-${i}`}
                  value={pair[i]}
                  onChange={(e) => setPair(i === 0 ? [e.target.value, pair[1]] : [pair[0], e.target.value])}
                >
                  {answer.ready.map((name) => (
                    <option key={name} value={name} translate="no">
                      {name}
                    </option>
                  ))}
                </select>
              </label>
            ))}
            <label>
              {t("standby")}{" "}
              <input
                className={`${input} w-24`}
                inputMode="numeric"
                data-testid="farm-source-standby"
                value={standby}
                onChange={(e) => setStandby(e.target.value)}
              />
            </label>
          </div>
          <label className="flex flex-col gap-1">
            {t("mounts")}
            <textarea
              className={`${input} h-24 font-mono text-xs`}
              data-testid="farm-source-mounts"
              translate="no"
              placeholder={MOUNTS_PLACEHOLDER}
              value={mounts}
              onChange={(e) => setMounts(e.target.value)}
            />
          </label>
          {confirming === "choose" ? (
            <div className="flex flex-wrap items-center gap-2" role="group">
              <span className="font-medium text-amber-800">{t("confirmChoose")}</span>
              <button
                type="button"
                className={button}
                data-testid="farm-source-confirm"
                onClick={() =>
                  void sendJson("POST", "/api/farm/source", {
                    hosts: pair,
                    standbyMiB: Number(standby),
                    resources: parseMounts(mounts),
                  }).then(after)
                }
              >
                {t("confirm")}
              </button>
              <button type="button" className={button} onClick={() => setConfirming(null)}>
                {t("cancel")}
              </button>
            </div>
          ) : (
            <div>
              <button
                type="button"
                className={button}
                data-testid="farm-source-choose"
                onClick={() => setConfirming("choose")}
              >
                {t("choose")}
              </button>
            </div>
          )}
        </div>
      )}
      {(source.kind === "onboarded" || answer.chosen) && !restarting && (
        <div className="mt-3 flex flex-wrap items-center gap-2">
          {confirming === "forget" ? (
            <>
              <span className="font-medium text-amber-800">{t("confirmForget")}</span>
              <button
                type="button"
                className={button}
                data-testid="farm-source-confirm-forget"
                onClick={() => void apiFetch("/api/farm/source", { method: "DELETE" }).then(after)}
              >
                {t("confirm")}
              </button>
              <button type="button" className={button} onClick={() => setConfirming(null)}>
                {t("cancel")}
              </button>
            </>
          ) : (
            <button
              type="button"
              className={button}
              data-testid="farm-source-forget"
              onClick={() => setConfirming("forget")}
            >
              {t("forget")}
            </button>
          )}
        </div>
      )}
      <Failure error={error} testId="farm-source-error" />
    </section>
  );
}
