"use client";

import { useTranslations } from "next-intl";
import { useEffect, useState } from "react";
import type { TFarmView } from "@/lib/farm/view";
import type { PlannedStep, RunbookKind, RunbookPlan } from "@/lib/runbooks/types";
import { ErrorMessage } from "./error-message";
import { Name } from "./i18n/term";
import { StepLabel, RuleText } from "./job-texts";
import { apiFetch } from "./api-fetch";

type Host = TFarmView["hosts"][number];
type ApiError = { code: string | null; message: string; details?: { rule?: string; jobId?: string } };

/** The runbooks that move this host's resources to the other host, as buttons that open their plan. */
export function RunbookActions({ host, hosts }: { host: Host; hosts: Host[] }) {
  const t = useTranslations("runbook");
  const other = hosts.find((h) => h.name !== host.name);
  const [open, setOpen] = useState<RunbookKind | null>(null);
  const [opened, setOpened] = useState(0); // each click plans afresh
  if (!other) return null;
  const kinds: RunbookKind[] = host.reachable
    ? other.reachable
      ? ["switchover", "failback"]
      : []
    : ["failover"];
  return (
    <div className="mt-2" data-testid={`runbooks-${host.name}`}>
      <div className="flex flex-wrap gap-2">
        {kinds.map((kind) => (
          <button
            key={kind}
            type="button"
            data-testid={`runbook-${kind}-${host.name}`}
            onClick={() => {
              setOpen(kind);
              setOpened(opened + 1);
            }}
            className={`rounded border px-2 py-0.5 text-xs ${kind === "failover" ? "border-red-400 bg-red-50 text-red-900 hover:bg-red-100" : "border-slate-300 bg-white text-slate-800 hover:bg-slate-50"}`}
          >
            {t(kind, { to: other.name })}
          </button>
        ))}
      </div>
      {open && (
        <RunbookPlanView
          key={opened}
          kind={open}
          from={host.name}
          to={other.name}
          onClose={() => setOpen(null)}
        />
      )}
    </div>
  );
}

/** The plan of one runbook (a dry run: nothing changes), its options and the confirmation that starts it. */
function RunbookPlanView({
  kind,
  from,
  to,
  onClose,
}: {
  kind: RunbookKind;
  from: string;
  to: string;
  onClose: () => void;
}) {
  const t = useTranslations("runbook");
  const [options, setOptions] = useState({ confirmDown: false, force: false, forceOff: false });
  // The plan and the request it answers: a plan for other options is not shown while the new one loads.
  const [planned, setPlanned] = useState<{ key: string; plan: RunbookPlan } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [typed, setTyped] = useState("");
  const [starting, setStarting] = useState(false);
  const [round, setRound] = useState(0);

  const requestKey = JSON.stringify([options, round]);
  useEffect(() => {
    let cancelled = false;
    void post({ kind, from, to, dryRun: true, ...options }).then((r) => {
      if (cancelled) return;
      if ("error" in r) setError(r.error);
      else {
        setError(null);
        setPlanned({ key: requestKey, plan: r.plan });
      }
    });
    return () => {
      cancelled = true;
    };
  }, [kind, from, to, options, requestKey]);
  const plan = planned?.key === requestKey ? planned.plan : null;

  const needsTyping = kind === "failover" || options.force;
  const blocked = !plan || plan.blockers.length > 0;
  const canStart = !blocked && !starting && (!needsTyping || typed === from);
  const start = async () => {
    setStarting(true);
    const r = await post({ kind, from, to, ...options });
    if ("jobId" in r) window.location.href = `/jobs/${encodeURIComponent(r.jobId)}`;
    else {
      if ("error" in r) setError(r.error);
      setStarting(false);
    }
  };
  const forceable = plan?.blockers.some((b) => b.forceable) ?? false;

  return (
    <section
      data-testid={`runbook-plan-${kind}`}
      aria-label={t(`title.${kind}`, { from, to })}
      className="mt-2 rounded border border-slate-300 bg-slate-50 p-3 text-sm"
    >
      <div className="flex items-baseline justify-between gap-2">
        <h3 className="font-semibold">{t(`title.${kind}`, { from, to })}</h3>
        <button type="button" onClick={onClose} className="text-xs text-slate-600 underline">
          {t("close")}
        </button>
      </div>
      {!plan && !error && <p className="text-slate-500">{t("planning")}</p>}
      {error && (
        <p role="alert" data-testid="runbook-error" className="mt-2 rounded bg-red-50 px-2 py-1 text-red-900">
          {t("refused")} {error.details?.rule ? <RuleText rule={error.details.rule} host={from} /> : null}{" "}
          <ErrorMessage error={error} />
        </p>
      )}
      {plan && (
        <>
          {plan.blockers.length > 0 && (
            <div
              data-testid="runbook-blockers"
              className="mt-2 rounded border border-red-300 bg-red-50 p-2 text-red-900"
            >
              <h4 className="font-semibold">{t("blockersTitle")}</h4>
              <ul className="list-disc pl-5">
                {plan.blockers.map((b, i) => (
                  <li key={i} data-rule={b.rule}>
                    <RuleText
                      rule={b.rule}
                      host={b.rule.startsWith("source") || b.rule === "nothing-to-move" ? from : to}
                    />{" "}
                    <ErrorMessage error={{ code: null, message: b.message }} />
                  </li>
                ))}
              </ul>
            </div>
          )}
          {plan.warnings.length > 0 && (
            <div className="mt-2 rounded border border-amber-300 bg-amber-50 p-2 text-amber-900">
              <h4 className="font-semibold">{t("warningsTitle")}</h4>
              <ul className="list-disc pl-5">
                {plan.warnings.map((w, i) => (
                  <li key={i}>
                    <ErrorMessage error={{ code: null, message: w.message }} />
                  </li>
                ))}
              </ul>
            </div>
          )}
          <h4 className="mt-3 font-semibold">{t("stepsTitle")}</h4>
          <ol className="list-decimal pl-5" data-testid="runbook-steps">
            {plan.steps.map((s) => (
              <PlanStep key={s.key} step={s} />
            ))}
          </ol>
          {plan.memory && <MemoryTable plan={plan} />}
          <div className="mt-3 space-y-1">
            {kind === "failover" && (
              <Check
                testId="runbook-confirm-down"
                checked={options.confirmDown}
                onChange={(v) => setOptions({ ...options, confirmDown: v })}
                label={t("confirmDown", { host: from })}
              />
            )}
            {kind !== "failover" && (
              <Check
                testId="runbook-force-off"
                checked={options.forceOff}
                onChange={(v) => setOptions({ ...options, forceOff: v })}
                label={t("forceOff")}
              />
            )}
            {(forceable || options.force) && (
              <Check
                testId="runbook-force"
                checked={options.force}
                onChange={(v) => setOptions({ ...options, force: v })}
                label={t("force", { host: from })}
              />
            )}
            {needsTyping && (
              <label className="block">
                {t("typeHost", { host: from })}{" "}
                <input
                  data-testid="runbook-type-host"
                  value={typed}
                  onChange={(e) => setTyped(e.target.value)}
                  className="rounded border border-slate-300 px-1 font-mono"
                  autoComplete="off"
                />
              </label>
            )}
          </div>
          <div className="mt-3 flex gap-2">
            <button
              type="button"
              data-testid="runbook-start"
              disabled={!canStart}
              onClick={() => void start()}
              className="rounded bg-slate-900 px-3 py-1 text-white disabled:opacity-40"
            >
              {starting ? t("starting") : t("start")}
            </button>
            <button
              type="button"
              onClick={() => setRound(round + 1)}
              className="rounded border border-slate-300 bg-white px-3 py-1"
            >
              {t("replan")}
            </button>
          </div>
        </>
      )}
    </section>
  );
}

function PlanStep({ step }: { step: PlannedStep }) {
  return (
    <li data-step={step.key}>
      <StepLabel name={step.name} host={step.host} params={step.params} />
      {step.commands.map((argv, i) => (
        <code key={i} translate="no" className="ml-2 font-mono text-xs text-slate-600">
          {argv.join(" ")}
        </code>
      ))}
    </li>
  );
}

function MemoryTable({ plan }: { plan: RunbookPlan }) {
  const t = useTranslations("runbook");
  const memory = plan.memory!;
  return (
    <div className="mt-3" data-testid="runbook-memory">
      <h4 className="font-semibold">{t("memoryTitle", { host: plan.to })}</h4>
      <p className="text-xs text-slate-600">
        {t("memoryCapacity", { used: memory.totalAfterMiB, capacity: memory.capacityMiB })}
      </p>
      <table className="mt-1 text-xs">
        <thead>
          <tr className="text-left text-slate-500">
            <th className="pr-3">{t("vm")}</th>
            <th className="pr-3">{t("before")}</th>
            <th className="pr-3">{t("after")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {memory.running.map((r) => (
            <tr key={r.name}>
              <td className="pr-3">
                <Name>{r.name}</Name>
              </td>
              <td className="pr-3">{r.fromMiB}</td>
              <td className="pr-3">{r.targetMiB}</td>
              <td>
                <ErrorMessage error={{ code: null, message: memory.explanations[r.name] ?? "" }} />
              </td>
            </tr>
          ))}
          {memory.incoming.map((r) => (
            <tr key={r.name} data-testid={`runbook-memory-${r.name}`}>
              <td className="pr-3">
                <Name>{r.name}</Name>
              </td>
              <td className="pr-3">–</td>
              <td className="pr-3">{r.startMiB ?? t("notStarted")}</td>
              <td>
                <ErrorMessage error={{ code: null, message: memory.explanations[r.name] ?? "" }} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Check({
  testId,
  checked,
  onChange,
  label,
}: {
  testId: string;
  checked: boolean;
  onChange: (v: boolean) => void;
  label: string;
}) {
  return (
    <label className="flex items-start gap-2">
      <input
        type="checkbox"
        data-testid={testId}
        checked={checked}
        onChange={(e) => onChange(e.target.checked)}
      />
      <span>{label}</span>
    </label>
  );
}

async function post(
  body: Record<string, unknown>,
): Promise<{ plan: RunbookPlan; jobId: string } | { plan: RunbookPlan } | { error: ApiError }> {
  try {
    const res = await apiFetch("/api/runbooks", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return (await res.json()) as { plan: RunbookPlan; jobId: string } | { error: ApiError };
  } catch (err) {
    return { error: { code: null, message: String(err) } };
  }
}
