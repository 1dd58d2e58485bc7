"use client";

import { useTranslations } from "next-intl";
import { useState } from "react";
import type { TFarmView } from "@/lib/farm/view";
import { FAULT_ACTIONS, FAULTABLE_TOOLS } from "@/agents/sim/fault-names";
import type { TFault } from "@/agents/sim/faults";
import { ErrorMessage } from "./error-message";
import { apiFetch } from "./api-fetch";

type Action = (typeof FAULT_ACTIONS)[number];
type Outcome =
  | { status: "idle" }
  | { status: "running" }
  | { status: "done"; action: Action }
  | { status: "failed"; error: { code: string | null; message: string } };

/** Which fields each fault takes (agents/sim/faults.ts says which are required). */
const FIELDS: Record<
  Action,
  Array<"host" | "resource" | "allResources" | "direction" | "tool" | "delayMs" | "vm" | "kiBps">
> = {
  "power-off": ["host"],
  "power-on": ["host"],
  crash: ["host"],
  "cut-link": ["resource", "allResources", "direction", "host"],
  "restore-link": ["resource", "allResources"],
  "cut-mgmt": ["host"],
  "restore-mgmt": ["host"],
  "cut-bmc": ["host"],
  "restore-bmc": ["host"],
  "fail-disk": ["host", "resource"],
  "replace-disk": ["host", "resource"],
  "hang-command": ["host", "tool"],
  "slow-command": ["host", "tool", "delayMs"],
  "clear-command": ["host", "tool"],
  "write-load": ["vm", "kiBps"],
};
const DIRECTIONS = ["both", "outbound", "inbound"] as const;
const ALL = "";

/** The simulated farm's fault injection (POST /api/sim/faults), clearly marked as simulation only. */
export function SimulationPanel({ farm }: { farm: TFarmView }) {
  const t = useTranslations("sim");
  const [action, setAction] = useState<Action>("power-off");
  const [host, setHost] = useState(farm.hosts[0]?.name ?? "");
  const [resource, setResource] = useState(ALL);
  const [direction, setDirection] = useState<(typeof DIRECTIONS)[number]>("both");
  const [tool, setTool] = useState<(typeof FAULTABLE_TOOLS)[number]>("drbdadm");
  const [delayMs, setDelayMs] = useState(5000);
  const [vm, setVm] = useState(farm.vms[0]?.name ?? "");
  const [kiBps, setKiBps] = useState(10240);
  const [outcome, setOutcome] = useState<Outcome>({ status: "idle" });
  const fields = new Set(FIELDS[action]);
  const resourceRequired = !fields.has("allResources");

  const fault = (): TFault => ({
    action,
    ...(fields.has("host") && !(action === "cut-link" && direction === "both") ? { host } : {}),
    ...(fields.has("resource") && (resource !== ALL || resourceRequired)
      ? { resource: resource || farm.resources[0]?.name }
      : {}),
    ...(fields.has("direction") ? { direction } : {}),
    ...(fields.has("tool") ? { tool } : {}),
    ...(fields.has("delayMs") ? { delayMs } : {}),
    ...(fields.has("vm") ? { vm } : {}),
    ...(fields.has("kiBps") ? { kiBps } : {}),
  });

  const inject = async () => {
    setOutcome({ status: "running" });
    try {
      const res = await apiFetch("/api/sim/faults", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(fault()),
      });
      const body = (await res.json()) as { ok: true } | { error: { code: string; message: string } };
      setOutcome("error" in body ? { status: "failed", error: body.error } : { status: "done", action });
    } catch (err) {
      setOutcome({ status: "failed", error: { code: null, message: String(err) } });
    }
  };

  const select = "rounded border border-slate-300 bg-white px-1 py-0.5";
  return (
    <section
      data-testid="simulation-panel"
      aria-labelledby="simulation-title"
      className="mt-6 rounded-lg border-2 border-dashed border-amber-400 bg-amber-50/50 p-4"
    >
      <h2 id="simulation-title" className="text-sm font-semibold uppercase tracking-wide text-amber-900">
        {t("title")}
      </h2>
      <p className="mb-3 text-sm text-amber-900">{t("note")}</p>
      <form
        className="flex flex-wrap items-end gap-3 text-sm"
        onSubmit={(e) => {
          e.preventDefault();
          void inject();
        }}
      >
        <Field label={t("action")}>
          <select
            data-testid="sim-action"
            className={select}
            value={action}
            onChange={(e) => setAction(e.target.value as Action)}
          >
            {FAULT_ACTIONS.map((a) => (
              <option key={a} value={a}>
                {t(`actions.${a}`)}
              </option>
            ))}
          </select>
        </Field>
        {fields.has("host") && (
          <Field label={t("host")}>
            <select
              data-testid="sim-host"
              className={select}
              value={host}
              onChange={(e) => setHost(e.target.value)}
            >
              {farm.hosts.map((h) => (
                <option key={h.name} value={h.name} translate="no">
                  {h.name}
                </option>
              ))}
            </select>
          </Field>
        )}
        {fields.has("resource") && (
          <Field label={t("resource")}>
            <select
              data-testid="sim-resource"
              className={select}
              value={resource}
              onChange={(e) => setResource(e.target.value)}
            >
              {!resourceRequired && <option value={ALL}>{t("allResources")}</option>}
              {farm.resources.map((r) => (
                <option key={r.name} value={r.name} translate="no">
                  {r.name}
                </option>
              ))}
            </select>
          </Field>
        )}
        {fields.has("direction") && (
          <Field label={t("direction")}>
            <select
              className={select}
              value={direction}
              onChange={(e) => setDirection(e.target.value as typeof direction)}
            >
              {DIRECTIONS.map((d) => (
                <option key={d} value={d}>
                  {t(`directions.${d}`)}
                </option>
              ))}
            </select>
          </Field>
        )}
        {fields.has("tool") && (
          <Field label={t("tool")}>
            <select className={select} value={tool} onChange={(e) => setTool(e.target.value as typeof tool)}>
              {FAULTABLE_TOOLS.map((x) => (
                <option key={x} value={x} translate="no">
                  {x}
                </option>
              ))}
            </select>
          </Field>
        )}
        {fields.has("delayMs") && (
          <Field label={t("delayMs")}>
            <input
              type="number"
              min={1}
              max={600000}
              className={select}
              value={delayMs}
              onChange={(e) => setDelayMs(Number(e.target.value))}
            />
          </Field>
        )}
        {fields.has("vm") && (
          <Field label={t("vm")}>
            <select className={select} value={vm} onChange={(e) => setVm(e.target.value)}>
              {farm.vms.map((v) => (
                <option key={v.name} value={v.name} translate="no">
                  {v.name}
                </option>
              ))}
            </select>
          </Field>
        )}
        {fields.has("kiBps") && (
          <Field label={t("kiBps")}>
            <input
              type="number"
              min={0}
              className={select}
              value={kiBps}
              onChange={(e) => setKiBps(Number(e.target.value))}
            />
          </Field>
        )}
        <button
          type="submit"
          data-testid="sim-inject"
          disabled={outcome.status === "running"}
          className="rounded bg-amber-600 px-3 py-1 font-medium text-white hover:bg-amber-700 disabled:opacity-50"
        >
          {outcome.status === "running" ? t("injecting") : t("inject")}
        </button>
      </form>
      {outcome.status === "done" && (
        <p role="status" data-testid="sim-result" className="mt-2 text-sm text-amber-900">
          {t("injected", { action: t(`actions.${outcome.action}`) })}
        </p>
      )}
      {outcome.status === "failed" && (
        <p role="alert" data-testid="sim-result" className="mt-2 text-sm text-red-700">
          {t("failed")} <ErrorMessage error={outcome.error} />
        </p>
      )}
    </section>
  );
}

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <label className="flex flex-col gap-0.5">
      <span>{label}</span>
      {children}
    </label>
  );
}
