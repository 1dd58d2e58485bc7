"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import type { RunbookPlan } from "@/lib/runbooks/types";
import { ErrorMessage } from "./error-message";
import { PlanSteps } from "./form-parts";
import { apiFetch } from "./api-fetch";

/**
 * Deleting a resource pair from its card (DELETE /api/resources/:name): first the plan or the guardrail that
 * refuses it (a VM on it, mounted, Primary, the only UpToDate copy, a host that does not answer); the backing
 * volumes go only when asked, with the resource's name typed.
 */
export function ResourceDelete({ name }: { name: string }) {
  const t = useTranslations("resourceDelete");
  const [removeVolumes, setRemoveVolumes] = useState(false);
  const [confirm, setConfirm] = useState("");
  const [plan, setPlan] = useState<RunbookPlan | null>(null);
  const [failure, setFailure] = useState<{ code: string | null; message: string } | null>(null);
  const [busy, setBusy] = useState(false);

  const call = async (dryRun: boolean) => {
    setBusy(true);
    setFailure(null);
    try {
      const query = new URLSearchParams({
        removeVolumes: String(removeVolumes),
        dryRun: String(dryRun),
        ...(removeVolumes ? { confirm } : {}),
      });
      const res = await apiFetch(`/api/resources/${encodeURIComponent(name)}?${query}`, { method: "DELETE" });
      const body = (await res.json()) as {
        plan?: RunbookPlan;
        jobId?: string;
        error?: { code: string; message: string };
      };
      if (body.jobId) window.location.assign(`/jobs/${body.jobId}`);
      else if (body.plan) setPlan(body.plan);
      else if (body.error) {
        setPlan(null);
        setFailure(body.error);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <details className="mt-1 text-xs" data-testid="resource-delete">
      <summary className="cursor-pointer text-red-700">{t("open")}</summary>
      <div className="mt-1 space-y-1 rounded border border-red-200 bg-red-50 p-2">
        <p>{t("help")}</p>
        <label className="block">
          <input
            type="checkbox"
            data-testid="resource-delete-volumes"
            checked={removeVolumes}
            onChange={(e) => {
              setRemoveVolumes(e.target.checked);
              setPlan(null);
            }}
          />{" "}
          {t("removeVolumes")}
        </label>
        {removeVolumes && (
          <label className="block">
            {t("typeName", { name })}{" "}
            <input
              data-testid="resource-delete-confirm"
              value={confirm}
              onChange={(e) => {
                setConfirm(e.target.value);
                setPlan(null);
              }}
              className="w-24 rounded border border-slate-300 px-1 font-mono"
            />
          </label>
        )}
        {failure && (
          <p role="alert" data-testid="resource-delete-refused" className="text-red-700">
            <ErrorMessage error={failure} />
          </p>
        )}
        {plan && <PlanSteps steps={plan.steps} testId="resource-delete-plan" />}
        <div className="flex gap-2">
          <button
            type="button"
            data-testid="resource-delete-check"
            disabled={busy}
            onClick={() => void call(true)}
            className="rounded border border-slate-300 bg-white px-2 py-0.5 disabled:opacity-50"
          >
            {t("check")}
          </button>
          <button
            type="button"
            data-testid="resource-delete-run"
            disabled={busy || !plan}
            onClick={() => void call(false)}
            className="rounded bg-red-700 px-2 py-0.5 text-white disabled:opacity-50"
          >
            {t("run")}
          </button>
        </div>
      </div>
    </details>
  );
}
