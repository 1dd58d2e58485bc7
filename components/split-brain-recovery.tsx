"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import type { SplitBrainEvidence } from "@/lib/monitor/detect";
import type { RunbookPlan } from "@/lib/runbooks/types";
import type { FieldError } from "@/lib/resources/create";
import { FieldErrors, PlanSteps, Warnings } from "./form-parts";
import { ErrorMessage } from "./error-message";
import { Name } from "./i18n/term";
import { apiFetch } from "./api-fetch";

/**
 * The guided recovery of a split brain: the operator picks the side whose changes are discarded, types its name
 * again, sees the plan (a dry run of the same request) and starts it; then follows the job.
 */
export function SplitBrainRecovery({
  resource,
  evidence,
}: {
  resource: string;
  evidence: SplitBrainEvidence | null;
}) {
  const t = useTranslations("splitBrain");
  const hosts = evidence?.sides.map((s) => s.host) ?? [];
  const [discard, setDiscard] = useState("");
  const [confirm, setConfirm] = useState("");
  const [plan, setPlan] = useState<RunbookPlan | null>(null);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [failure, setFailure] = useState<{ code: string; message: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const send = async (dryRun: boolean) => {
    setBusy(true);
    setFailure(null);
    const res = await apiFetch(`/api/resources/${encodeURIComponent(resource)}/split-brain`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ discard, confirm, dryRun }),
    });
    const body = (await res.json()) as {
      plan?: RunbookPlan;
      jobId?: string;
      errors?: FieldError[];
      error?: { code: string; message: string };
    };
    setBusy(false);
    setErrors(body.errors ?? []);
    if (body.error) setFailure(body.error);
    if (body.jobId) window.location.assign(`/jobs/${body.jobId}`);
    else setPlan(body.plan ?? null);
  };
  const labelOf = (field: string) =>
    field === "discard" ? t("discardLabel") : field === "confirm" ? t("confirmLabel") : null;
  const ready = discard !== "" && confirm === discard;
  return (
    <section className="mb-4 rounded border border-red-300 p-3" data-testid="split-brain-recovery">
      <h2 className="mb-1 font-semibold">{t("title")}</h2>
      <p className="mb-2 text-sm">{t("intro")}</p>
      <fieldset className="mb-2 text-sm">
        <legend className="font-medium">{t("discardLabel")}</legend>
        {hosts.map((h) => {
          const side = evidence?.sides.find((s) => s.host === h);
          return (
            <label key={h} className="mr-4 block">
              <input
                type="radio"
                name="discard"
                value={h}
                checked={discard === h}
                onChange={() => {
                  setDiscard(h);
                  setPlan(null);
                }}
              />{" "}
              <Name>{h}</Name>{" "}
              <span className="text-slate-600">
                {side && side.vmsWhileApart.length > 0
                  ? t("sideWrote", { vms: side.vmsWhileApart.join(", ") })
                  : t("sideNoVms")}
              </span>
            </label>
          );
        })}
      </fieldset>
      <FieldErrors errors={errors} pattern={/^discard$/} testId="split-brain-error" labelOf={labelOf} />
      <label className="block text-sm font-medium">
        {t("confirmLabel")}{" "}
        <input
          name="confirm"
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
          autoComplete="off"
          translate="no"
          className="rounded border border-slate-300 px-1 py-0.5"
        />
      </label>
      <p className="text-xs text-slate-600">{t("confirmHelp")}</p>
      <FieldErrors
        errors={errors}
        pattern={/^(confirm|resource)$/}
        testId="split-brain-error"
        labelOf={labelOf}
      />
      {failure && (
        <p role="alert" className="text-sm text-red-700">
          <ErrorMessage error={failure} />
        </p>
      )}
      <p className="mt-2 flex gap-2">
        <button
          type="button"
          data-testid="split-brain-plan"
          disabled={busy || discard === ""}
          onClick={() => void send(true)}
          className="rounded border border-slate-300 bg-white px-2 py-0.5 text-sm disabled:opacity-50"
        >
          {t("showPlan")}
        </button>
        <button
          type="button"
          data-testid="split-brain-start"
          disabled={busy || !ready || plan === null}
          onClick={() => void send(false)}
          className="rounded bg-red-700 px-2 py-0.5 text-sm text-white disabled:opacity-50"
        >
          {discard ? t("start", { host: discard }) : t("startNoHost")}
        </button>
      </p>
      {plan && (
        <div className="mt-2">
          <Warnings warnings={plan.warnings.map((w) => w.message)} />
          <PlanSteps steps={plan.steps} testId="split-brain-steps" />
        </div>
      )}
    </section>
  );
}
