"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import type { TFarmView } from "@/lib/farm/view";
import { AGENT_VERSION } from "@/agents/protocol/version";
import { useCan } from "./user-menu";
import { ErrorMessage } from "./error-message";
import { apiFetch } from "./api-fetch";

type Host = TFarmView["hosts"][number];
type Outcome =
  | { status: "idle" }
  | { status: "running" }
  | { status: "done"; version: string; path: string }
  | { status: "failed"; error: { code: string | null; message: string } };

/**
 * The host's agent version, a warning when it is not the panel's, and "install/upgrade agent" for hosts the
 * panel reaches over SSH (POST /api/hosts/<name>/agent).
 */
export function AgentStatus({ host }: { host: Host }) {
  const t = useTranslations("agent");
  const [outcome, setOutcome] = useState<Outcome>({ status: "idle" });
  const { version, current, installable } = host.agent;
  const missing = host.error?.code === "AGENT_MISSING";
  const canInstall = useCan("agent:install");
  const offer = canInstall && installable && ((version !== null && !current) || missing);

  const install = async () => {
    setOutcome({ status: "running" });
    try {
      const res = await apiFetch(`/api/hosts/${encodeURIComponent(host.name)}/agent`, { method: "POST" });
      const body = (await res.json()) as
        { agentVersion: string; path: string } | { error: { code: string; message: string } };
      if ("error" in body) setOutcome({ status: "failed", error: body.error });
      else setOutcome({ status: "done", version: body.agentVersion, path: body.path });
    } catch (err) {
      setOutcome({ status: "failed", error: { code: null, message: String(err) } });
    }
  };

  return (
    <div className="mt-1 text-xs" data-testid={`agent-${host.name}`}>
      {version !== null && <span className="text-slate-500">{t("label", { version })}</span>}
      {version !== null && !current && (
        <p role="status" className="mt-1 rounded bg-amber-50 px-2 py-1 text-amber-900">
          {t("outdated", { version, expected: AGENT_VERSION })}
        </p>
      )}
      {offer && (
        <button
          type="button"
          data-testid={`agent-install-${host.name}`}
          title={t("installHelp")}
          disabled={outcome.status === "running"}
          onClick={() => void install()}
          className="mt-1 rounded border border-slate-300 bg-white px-2 py-0.5 text-slate-800 hover:bg-slate-50 disabled:opacity-50"
        >
          {missing ? t("install") : t("upgrade")}
        </button>
      )}
      {outcome.status === "running" && <p className="mt-1 text-slate-600">{t("installing")}</p>}
      {outcome.status === "done" && (
        <p role="status" className="mt-1 text-emerald-700">
          {t("installed", { version: outcome.version, path: outcome.path })}
        </p>
      )}
      {outcome.status === "failed" && (
        <p role="alert" className="mt-1 text-red-700">
          {t("failed")} <ErrorMessage error={outcome.error} />
        </p>
      )}
    </div>
  );
}
