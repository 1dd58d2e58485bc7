"use client";

import { useTranslations } from "next-intl";
import { useEffect, useState } from "react";
import type { VmPolicyView } from "@/lib/runbooks/policies";
import { ErrorMessage } from "./error-message";
import { Name } from "./i18n/term";
import { PageHeader } from "./page-header";
import { apiFetch } from "./api-fetch";
import { Can } from "./user-menu";

/** Each VM's settings for degraded mode (minimum memory, priority, required), editable and stored. */
export function VmPolicies() {
  const t = useTranslations("vmPolicy");
  const [vms, setVms] = useState<VmPolicyView[] | null>(null);
  useEffect(() => {
    void apiFetch("/api/vms/policies", { cache: "no-store" })
      .then((r) => r.json() as Promise<VmPolicyView[]>)
      .then(setVms);
  }, []);
  return (
    <main className="mx-auto max-w-5xl p-4 sm:p-6">
      <PageHeader title={t("title")} links={[{ href: "/", label: t("back") }]} />
      <p className="mb-3 max-w-3xl text-sm text-slate-700">{t("intro")}</p>
      <table className="text-sm" data-testid="vm-policies">
        <thead>
          <tr className="text-left text-slate-500">
            <th className="pr-4">{t("vm")}</th>
            <th className="pr-4">{t("max")}</th>
            <th className="pr-4">{t("min")}</th>
            <th className="pr-4">{t("priority")}</th>
            <th className="pr-4">{t("required")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {vms?.map((vm) => (
            <PolicyRow key={vm.name} vm={vm} />
          ))}
        </tbody>
      </table>
    </main>
  );
}

function PolicyRow({ vm }: { vm: VmPolicyView }) {
  const t = useTranslations("vmPolicy");
  const [min, setMin] = useState(vm.own.minMiB === null ? "" : String(vm.own.minMiB));
  const [priority, setPriority] = useState(vm.own.priority === null ? "" : String(vm.own.priority));
  const [required, setRequired] = useState(vm.required);
  const [result, setResult] = useState<"saved" | { code: string | null; message: string } | null>(null);
  const save = async () => {
    const body = {
      minMiB: min === "" ? null : Number(min),
      priority: priority === "" ? null : Number(priority),
      required: required === vm.required && vm.own.required === null ? null : required,
    };
    const res = await apiFetch(`/api/vms/${encodeURIComponent(vm.name)}/policy`, {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    const answer = (await res.json()) as { error?: { code: string; message: string } };
    setResult(answer.error ?? "saved");
  };
  return (
    <tr data-testid={`vm-policy-${vm.name}`}>
      <td className="pr-4">
        <Name>{vm.name}</Name>
      </td>
      <td className="pr-4">{vm.maxMemoryMiB}</td>
      <td className="pr-4">
        <input
          data-testid="policy-min"
          inputMode="numeric"
          value={min}
          placeholder={String(vm.minMiB)}
          onChange={(e) => setMin(e.target.value)}
          className="w-20 rounded border border-slate-300 px-1"
        />
      </td>
      <td className="pr-4">
        <input
          data-testid="policy-priority"
          inputMode="numeric"
          value={priority}
          placeholder={String(vm.priority)}
          onChange={(e) => setPriority(e.target.value)}
          className="w-16 rounded border border-slate-300 px-1"
        />
      </td>
      <td className="pr-4">
        <input
          type="checkbox"
          data-testid="policy-required"
          checked={required}
          onChange={(e) => setRequired(e.target.checked)}
        />
      </td>
      <td>
        <Can permission="runbook:run">
          <button
            type="button"
            data-testid="policy-save"
            onClick={() => void save()}
            className="rounded border border-slate-300 bg-white px-2 py-0.5"
          >
            {t("save")}
          </button>
        </Can>{" "}
        {result === "saved" && <span className="text-emerald-700">{t("saved")}</span>}
        {result && result !== "saved" && (
          <span role="alert" className="text-red-700">
            <ErrorMessage error={result} />
          </span>
        )}
      </td>
    </tr>
  );
}
