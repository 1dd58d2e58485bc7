"use client";

import { useTranslations } from "next-intl";
import { useEffect, useState } from "react";
import type { FieldError } from "@/lib/resources/create";
import type { RunbookPlan } from "@/lib/runbooks/types";
import type { DefineVmCheck } from "@/lib/vms/define";
import { ErrorMessage } from "./error-message";
import { Field, FieldErrors, PlanSteps, Warnings } from "./form-parts";
import { Name } from "./i18n/term";
import { PageHeader } from "./page-header";
import { apiFetch } from "./api-fetch";

export interface PlaceableResource {
  name: string;
  /** Where it is Primary (the VM is started there), or null. */
  primary: string | null;
  /** Its two hosts. */
  hosts: string[];
  mountPoint: string | null;
}

type Review = DefineVmCheck & { plan: RunbookPlan | null };

interface Input {
  resource: string;
  name: string;
  vcpus: string;
  memoryMiB: string;
  maxMemoryMiB: string;
  imageSizeMiB: string;
  bridge: string;
  vlan: string;
  priority: string;
  minMemoryMiB: string;
  required: boolean;
  start: boolean;
}

/** A number field: empty stays absent (the server's default), anything else is sent as typed (it checks it). */
const num = (text: string) => (text.trim() === "" ? undefined : Number(text));

function toRequest(input: Input, raw: boolean, dryRun: boolean): Record<string, unknown> {
  return {
    name: input.name,
    resource: input.resource,
    vcpus: num(input.vcpus),
    memoryMiB: num(input.memoryMiB),
    maxMemoryMiB: num(input.maxMemoryMiB),
    imageSizeMiB: raw ? undefined : num(input.imageSizeMiB),
    network: { bridge: input.bridge, vlan: num(input.vlan) },
    failover: {
      priority: num(input.priority),
      minMemoryMiB: num(input.minMemoryMiB),
      required: input.required,
    },
    start: input.start,
    dryRun,
  };
}

/** POST /api/vms: a VM defined on both hosts of a resource, from the farm's template, reviewed before it is applied. */
export function VmPlacement({
  resources,
  initial,
}: {
  resources: PlaceableResource[];
  initial: string | null;
}) {
  const t = useTranslations("placeVm");
  const [input, setInput] = useState<Input>({
    resource: initial ?? resources.find((r) => r.primary)?.name ?? "",
    name: "",
    vcpus: "1",
    memoryMiB: "512",
    maxMemoryMiB: "",
    imageSizeMiB: "4096",
    bridge: "",
    vlan: "",
    priority: "50",
    minMemoryMiB: "",
    required: true,
    start: true,
  });
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [review, setReview] = useState<Review | null>(null);
  // null while both hosts' bridges are being read.
  const [bridges, setBridges] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<{ code: string | null; message: string } | null>(null);
  const resource = resources.find((r) => r.name === input.resource);
  const raw = resource?.mountPoint === null;
  const set = (patch: Partial<Input>) => {
    setInput((i) => ({ ...i, ...patch }));
    setReview(null);
  };

  const post = async (dryRun: boolean) => {
    const res = await apiFetch("/api/vms", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(toRequest(input, raw, dryRun)),
    });
    return (await res.json()) as Partial<Review> & {
      jobId?: string;
      errors?: FieldError[];
      error?: { code: string; message: string };
    };
  };

  // The bridges both hosts of the resource have (a VM must find its network after a failover).
  useEffect(() => {
    const hosts = resource?.hosts ?? [];
    if (hosts.length === 0) return;
    void Promise.all(
      hosts.map((h) =>
        apiFetch(`/api/hosts/${encodeURIComponent(h)}/storage`, { cache: "no-store" })
          .then((r) => r.json() as Promise<{ bridges?: Array<{ name: string }> }>)
          .then((b) => (b.bridges ?? []).map((x) => x.name)),
      ),
    ).then((lists) => {
      const common = lists[0]!.filter((b) => lists.every((l) => l.includes(b)));
      setBridges(common);
      setInput((i) => (common.includes(i.bridge) ? i : { ...i, bridge: common[0] ?? "" }));
    });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per resource
  }, [input.resource]);

  const act = async (dryRun: boolean) => {
    setBusy(true);
    setFailure(null);
    try {
      const body = await post(dryRun);
      if (body.jobId) window.location.assign(`/jobs/${body.jobId}`);
      else if (body.error) setFailure(body.error);
      else {
        setErrors(body.errors ?? []);
        setReview(dryRun && body.errors?.length === 0 ? (body as Review) : null);
      }
    } catch (e) {
      setFailure({ code: null, message: (e as Error).message });
    } finally {
      setBusy(false);
    }
  };

  const text = (key: keyof Input, testId: string, extra: { placeholder?: string; mono?: boolean } = {}) => (
    <input
      data-testid={testId}
      value={String(input[key])}
      placeholder={extra.placeholder}
      onChange={(e) => set({ [key]: e.target.value } as Partial<Input>)}
      className={`w-40 rounded border border-slate-300 px-1 ${extra.mono ? "font-mono" : ""}`}
    />
  );
  const labels: Record<string, string> = {
    resource: t("resource"),
    name: t("name"),
    vcpus: t("vcpus"),
    memoryMiB: t("memory"),
    maxMemoryMiB: t("maxMemory"),
    imageSizeMiB: t("imageSize"),
    "network.bridge": t("bridge"),
    "network.vlan": t("vlan"),
    "failover.priority": t("priority"),
    "failover.minMemoryMiB": t("minMemory"),
  };
  const fieldErrors = (pattern: RegExp) => (
    <FieldErrors
      errors={errors}
      pattern={pattern}
      testId="place-vm-error"
      labelOf={(f) => labels[f] ?? null}
    />
  );

  return (
    <main className="mx-auto max-w-4xl p-4 sm:p-6">
      <PageHeader title={t("title")} links={[{ href: "/", label: t("back") }]} />
      <p className="mb-3 max-w-3xl text-sm text-slate-700">{t("intro")}</p>
      <section className="space-y-3 rounded border border-slate-200 bg-white p-4" data-testid="place-vm-form">
        <Field
          label={t("resource")}
          help={raw ? t("diskRaw") : t("diskImage", { mountPoint: resource?.mountPoint ?? "" })}
        >
          <select
            data-testid="place-vm-resource"
            value={input.resource}
            onChange={(e) => {
              setBridges(null); // read again for the new resource's hosts
              set({ resource: e.target.value, bridge: "" });
            }}
            className="rounded border border-slate-300 px-1"
          >
            {resources.map((r) => (
              <option key={r.name} value={r.name} disabled={r.primary === null}>
                {r.primary === null
                  ? t("resourceNoPrimary", { name: r.name })
                  : t("resourceOption", { name: r.name, host: r.primary })}
              </option>
            ))}
          </select>
        </Field>
        {fieldErrors(/^resource$/)}
        <Field label={t("name")} help={t("nameHelp")}>
          {text("name", "place-vm-name", { placeholder: "web9", mono: true })}
        </Field>
        {fieldErrors(/^name$/)}
        <Field label={t("vcpus")} help={t("vcpusHelp")}>
          {text("vcpus", "place-vm-vcpus")}
        </Field>
        {fieldErrors(/^vcpus$/)}
        <Field label={t("memory")} help={t("memoryHelp")}>
          {text("memoryMiB", "place-vm-memory")}
        </Field>
        {fieldErrors(/^memoryMiB$/)}
        <Field label={t("maxMemory")} help={t("maxMemoryHelp")}>
          {text("maxMemoryMiB", "place-vm-max-memory", { placeholder: input.memoryMiB })}
        </Field>
        {fieldErrors(/^maxMemoryMiB$/)}
        {!raw && (
          <Field
            label={t("imageSize")}
            help={t("imageSizeHelp", { path: `${resource?.mountPoint ?? ""}/${input.name || "…"}.img` })}
          >
            {text("imageSizeMiB", "place-vm-image-size")}
          </Field>
        )}
        {fieldErrors(/^imageSizeMiB$/)}
        <Field label={t("bridge")} help={t("bridgeHelp")}>
          <select
            data-testid="place-vm-bridge"
            value={input.bridge}
            onChange={(e) => set({ bridge: e.target.value })}
            className="rounded border border-slate-300 px-1 font-mono"
          >
            {bridges === null && <option value="">{t("loadingBridges")}</option>}
            {bridges?.length === 0 && <option value="">{t("noBridge")}</option>}
            {bridges?.map((b) => (
              <option key={b} value={b}>
                {b}
              </option>
            ))}
          </select>
        </Field>
        {fieldErrors(/^network\.bridge$/)}
        <Field label={t("vlan")} help={t("vlanHelp")}>
          {text("vlan", "place-vm-vlan")}
        </Field>
        {fieldErrors(/^network\.vlan$/)}
        <fieldset className="space-y-2 rounded border border-slate-200 p-2">
          <legend className="px-1 font-semibold">{t("failoverTitle")}</legend>
          <Field label={t("priority")} help={t("priorityHelp")}>
            {text("priority", "place-vm-priority")}
          </Field>
          {fieldErrors(/^failover\.priority$/)}
          <Field label={t("minMemory")} help={t("minMemoryHelp")}>
            {text("minMemoryMiB", "place-vm-min-memory")}
          </Field>
          {fieldErrors(/^failover\.minMemoryMiB$/)}
          <label className="block">
            <input
              type="checkbox"
              data-testid="place-vm-required"
              checked={input.required}
              onChange={(e) => set({ required: e.target.checked })}
            />{" "}
            {t("required")}
          </label>
        </fieldset>
        <label className="block">
          <input
            type="checkbox"
            data-testid="place-vm-start"
            checked={input.start}
            onChange={(e) => set({ start: e.target.checked })}
          />{" "}
          {t("start", { host: resource?.primary ?? "?" })}
        </label>
        {fieldErrors(/^(start|body|failover|network)$|, /)}
        {failure && (
          <p role="alert" className="text-red-700">
            <ErrorMessage error={failure} />
          </p>
        )}
      </section>
      {review && (
        <section
          className="mt-3 space-y-2 rounded border border-slate-200 bg-white p-4"
          data-testid="place-vm-review"
        >
          <Warnings warnings={review.warnings} />
          {review.configs.map((c) => (
            <div key={c.host}>
              <h3 className="font-semibold">
                {t("configTitle")} <Name>{c.host}</Name> (<Name>{c.hypervisor}</Name>)
              </h3>
              <pre
                data-testid={`place-vm-config-${c.host}`}
                translate="no"
                className="overflow-x-auto rounded bg-slate-900 p-2 text-xs text-slate-100"
              >
                {c.config}
              </pre>
            </div>
          ))}
          {review.plan && (
            <>
              <h3 className="font-semibold">{t("planTitle")}</h3>
              <PlanSteps steps={review.plan.steps} testId="place-vm-plan" />
            </>
          )}
        </section>
      )}
      <div className="mt-3 flex gap-2">
        <button
          type="button"
          data-testid="place-vm-check"
          disabled={busy || bridges === null}
          onClick={() => void act(true)}
          className="rounded border border-slate-300 bg-white px-3 py-1 disabled:opacity-50"
        >
          {busy ? t("checking") : t("check")}
        </button>
        <button
          type="button"
          data-testid="place-vm-define"
          disabled={busy || !review?.plan}
          onClick={() => void act(false)}
          className="rounded bg-emerald-700 px-3 py-1 text-white disabled:opacity-50"
        >
          {t("define")}
        </button>
      </div>
    </main>
  );
}
