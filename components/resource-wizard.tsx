"use client";

import { useTranslations } from "next-intl";
import { useEffect, useState } from "react";
import type { CreateResourceDryRun, HostStorageView } from "@/lib/resources/storage";
import type { RunbookPlan } from "@/lib/runbooks/types";
import { ErrorMessage } from "./error-message";
import { Name } from "./i18n/term";
import { Field, FieldErrors, PlanSteps, Warnings } from "./form-parts";
import { PageHeader } from "./page-header";
import { apiFetch } from "./api-fetch";

type HostInput = { host: string; mode: "vg" | "device"; vg: string; device: string; address: string };
type Input = {
  hosts: [HostInput, HostInput];
  name: string;
  sizeMiB: string;
  minor: string;
  port: string;
  protocol: "A" | "B" | "C";
  fencing: "resource-only" | "resource-and-stonith";
  liveMigration: boolean;
  initialSync: "full" | "skip";
  initialPrimary: string;
  use: "raw" | "ext4";
  mountPoint: string;
};
type FieldError = { field: string; message: string };
type DryRunAnswer = (CreateResourceDryRun & { plan: RunbookPlan | null }) | { errors: FieldError[] };

const STEPS = ["storage", "resource", "safety", "sync", "use", "review"] as const;
type Step = (typeof STEPS)[number];
/** Which request fields each step asks for: a step is done when the dry run finds nothing wrong with them. */
const FIELDS: Record<Step, RegExp> = {
  storage: /^hosts/,
  resource: /^(name|sizeMiB|minor|port|protocol)$/,
  safety: /^(fencing|liveMigration)$/,
  sync: /^(initialSync|initialPrimary)$/,
  use: /^filesystem/,
  review: /./,
};

function toRequest(input: Input, dryRun: boolean): Record<string, unknown> {
  const num = (s: string) => (s.trim() === "" ? undefined : Number(s));
  return {
    name: input.name,
    ...(input.hosts.some((h) => h.mode === "vg") || input.sizeMiB !== ""
      ? { sizeMiB: num(input.sizeMiB) }
      : {}),
    hosts: input.hosts.map((h) => ({
      host: h.host,
      ...(h.mode === "vg" ? { vg: h.vg } : { device: h.device }),
      address: h.address,
    })),
    ...(input.minor === "" ? {} : { minor: num(input.minor) }),
    ...(input.port === "" ? {} : { port: num(input.port) }),
    protocol: input.protocol,
    fencing: input.fencing,
    liveMigration: input.liveMigration,
    initialPrimary: input.initialPrimary,
    initialSync: input.initialSync,
    filesystem:
      input.use === "ext4"
        ? { type: "ext4", mountPoint: input.mountPoint || `/srv/${input.name || "r5"}` }
        : null,
    dryRun,
  };
}

/** The guided creation of a DRBD resource pair: six steps, each checked by a dry run before the next. */
export function ResourceWizard({ hosts }: { hosts: [string, string] }) {
  const t = useTranslations("wizard");
  const [step, setStep] = useState<Step>("storage");
  const [storage, setStorage] = useState<Record<string, HostStorageView | { error: string }>>({});
  const [input, setInput] = useState<Input>({
    hosts: hosts.map((host) => ({ host, mode: "vg", vg: "", device: "", address: "" })) as [
      HostInput,
      HostInput,
    ],
    name: "",
    sizeMiB: "",
    minor: "",
    port: "",
    protocol: "C",
    fencing: "resource-only",
    liveMigration: false,
    initialSync: "full",
    initialPrimary: hosts[0],
    use: "ext4",
    mountPoint: "",
  });
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [review, setReview] = useState<(CreateResourceDryRun & { plan: RunbookPlan | null }) | null>(null);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<{ code: string | null; message: string } | null>(null);

  useEffect(() => {
    for (const host of hosts)
      void apiFetch(`/api/hosts/${encodeURIComponent(host)}/storage`, { cache: "no-store" })
        .then(async (r) => {
          const body = (await r.json()) as HostStorageView & { error?: { message: string } };
          setStorage((s) => ({ ...s, [host]: body.error ? { error: body.error.message } : body }));
          if (!body.error)
            setInput((i) => ({
              ...i,
              hosts: i.hosts.map((h) =>
                h.host === host
                  ? {
                      ...h,
                      vg: h.vg || (body.vgs[0]?.name ?? ""),
                      address: h.address || (body.addresses[0] ?? ""),
                    }
                  : h,
              ) as [HostInput, HostInput],
            }));
        })
        .catch((e: unknown) => setStorage((s) => ({ ...s, [host]: { error: String(e) } })));
  }, [hosts]);

  const set = (patch: Partial<Input>) => setInput((i) => ({ ...i, ...patch }));
  const setHost = (index: number, patch: Partial<HostInput>) =>
    setInput((i) => ({
      ...i,
      hosts: i.hosts.map((h, j) => (j === index ? { ...h, ...patch } : h)) as [HostInput, HostInput],
    }));
  const bothNew = input.hosts.every((h) => h.mode === "vg");
  const at = STEPS.indexOf(step);

  const dryRun = async (): Promise<DryRunAnswer> => {
    const res = await apiFetch("/api/resources", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(toRequest(input, true)),
    });
    const body = (await res.json()) as DryRunAnswer & { error?: { code: string; message: string } };
    if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code });
    return body;
  };

  const next = async () => {
    setBusy(true);
    setFailure(null);
    try {
      const answer = await dryRun();
      // Until the review, only this step's and earlier steps' fields must be right.
      const upTo = STEPS.slice(0, at + 1);
      const relevant = answer.errors.filter((e) =>
        upTo.some((s) => FIELDS[s].test(e.field) && (s !== "review" || step === "review")),
      );
      setErrors(relevant);
      if (relevant.length === 0) {
        const following = STEPS[at + 1]!;
        if (following === "review") setReview("validation" in answer ? answer : null);
        setStep(following);
      }
    } catch (e) {
      setFailure({ code: (e as { code?: string }).code ?? null, message: (e as Error).message });
    } finally {
      setBusy(false);
    }
  };

  const create = async () => {
    setBusy(true);
    setFailure(null);
    try {
      const res = await apiFetch("/api/resources", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(toRequest(input, false)),
      });
      const body = (await res.json()) as {
        jobId?: string;
        errors?: FieldError[];
        error?: { code: string; message: string };
      };
      if (body.jobId) window.location.assign(`/jobs/${body.jobId}`);
      else if (body.errors) setErrors(body.errors);
      else if (body.error) setFailure(body.error);
    } finally {
      setBusy(false);
    }
  };

  const labels: Record<string, string> = {
    name: t("name"),
    sizeMiB: t("size"),
    minor: t("minor"),
    port: t("port"),
    protocol: t("protocol"),
    fencing: t("fencing"),
    initialPrimary: t("initialPrimary"),
    initialSync: t("step.sync"),
    "filesystem.mountPoint": t("mountPoint"),
  };
  const hostLabels: Record<string, string> = {
    address: t("address"),
    vg: t("newVolume"),
    device: t("existingVolume"),
  };
  const labelOf = (field: string): string | null => {
    const host = /^hosts\.(\d)\.(\w+)$/.exec(field);
    if (host) {
      const label = hostLabels[host[2]!];
      return label ? `${input.hosts[Number(host[1])]?.host ?? ""}: ${label}` : null;
    }
    return labels[field] ?? null;
  };
  const fieldError = (pattern: RegExp) => (
    <FieldErrors errors={errors} pattern={pattern} testId="wizard-error" labelOf={labelOf} />
  );

  return (
    <main className="mx-auto max-w-4xl p-4 sm:p-6">
      <PageHeader title={t("title")} links={[{ href: "/", label: t("back") }]} />
      <ol className="mb-4 flex flex-wrap gap-2 text-sm" data-testid="wizard-steps">
        {STEPS.map((s, i) => (
          <li
            key={s}
            data-current={s === step}
            className={`rounded px-2 py-0.5 ${s === step ? "bg-slate-800 text-white" : i < at ? "bg-emerald-100" : "bg-slate-100"}`}
          >
            {i + 1}. {t(`step.${s}`)}
          </li>
        ))}
      </ol>
      <section
        data-testid={`wizard-step-${step}`}
        className="space-y-3 rounded border border-slate-200 bg-white p-4"
      >
        {step === "storage" &&
          input.hosts.map((h, i) => {
            const s = storage[h.host];
            return (
              <fieldset key={h.host} className="space-y-1" data-testid={`wizard-host-${h.host}`}>
                <legend className="font-semibold">
                  <Name>{h.host}</Name>
                </legend>
                {!s && <p className="text-slate-500">{t("loading")}</p>}
                {s && "error" in s && (
                  <p role="alert" className="text-red-700">
                    <ErrorMessage error={{ code: null, message: s.error }} />
                  </p>
                )}
                {s && !("error" in s) && (
                  <>
                    <label className="block">
                      <input
                        type="radio"
                        checked={h.mode === "vg"}
                        onChange={() => setHost(i, { mode: "vg" })}
                      />{" "}
                      {t("newVolume")}{" "}
                      <select
                        data-testid={`wizard-vg-${h.host}`}
                        value={h.vg}
                        onChange={(e) => setHost(i, { vg: e.target.value })}
                        className="rounded border border-slate-300"
                      >
                        {s.vgs.map((v) => (
                          <option key={v.name} value={v.name}>
                            {t("vgOption", { name: v.name, free: v.freeMiB, size: v.sizeMiB })}
                          </option>
                        ))}
                      </select>
                    </label>
                    <label className="block">
                      <input
                        type="radio"
                        checked={h.mode === "device"}
                        disabled={s.unusedVolumes.length === 0}
                        onChange={() =>
                          setHost(i, {
                            mode: "device",
                            device: h.device || (s.unusedVolumes[0]?.device ?? ""),
                          })
                        }
                      />{" "}
                      {s.unusedVolumes.length === 0 ? t("noUnusedVolume") : t("existingVolume")}{" "}
                      {s.unusedVolumes.length > 0 && (
                        <select
                          value={h.device}
                          onChange={(e) => setHost(i, { device: e.target.value })}
                          className="rounded border border-slate-300"
                        >
                          {s.unusedVolumes.map((v) => (
                            <option key={v.device} value={v.device}>
                              {t("volumeOption", { device: v.device, size: v.sizeMiB })}
                            </option>
                          ))}
                        </select>
                      )}
                    </label>
                    <label className="block">
                      {t("address")}{" "}
                      <select
                        data-testid={`wizard-address-${h.host}`}
                        value={h.address}
                        onChange={(e) => setHost(i, { address: e.target.value })}
                        className="rounded border border-slate-300"
                      >
                        {s.addresses.map((a) => (
                          <option key={a} value={a}>
                            {a}
                          </option>
                        ))}
                      </select>
                    </label>
                  </>
                )}
                {fieldError(new RegExp(`^hosts\\.${i}`))}
              </fieldset>
            );
          })}
        {step === "resource" && (
          <>
            <Field label={t("name")} help={t("nameHelp")}>
              <input
                data-testid="wizard-name"
                value={input.name}
                onChange={(e) => set({ name: e.target.value })}
                className="rounded border border-slate-300 px-1 font-mono"
              />
            </Field>
            {fieldError(/^name$/)}
            <Field label={t("size")} help={bothNew ? t("sizeHelp") : t("sizeExistingHelp")}>
              <input
                data-testid="wizard-size"
                inputMode="numeric"
                value={input.sizeMiB}
                onChange={(e) => set({ sizeMiB: e.target.value })}
                className="w-28 rounded border border-slate-300 px-1"
              />
            </Field>
            {fieldError(/^sizeMiB$/)}
            <Field label={t("minor")} help={t("proposedHelp")}>
              <input
                data-testid="wizard-minor"
                inputMode="numeric"
                value={input.minor}
                placeholder={t("proposed")}
                onChange={(e) => set({ minor: e.target.value })}
                className="w-24 rounded border border-slate-300 px-1"
              />
            </Field>
            {fieldError(/^minor$/)}
            <Field label={t("port")} help={t("proposedHelp")}>
              <input
                data-testid="wizard-port"
                inputMode="numeric"
                value={input.port}
                placeholder={t("proposed")}
                onChange={(e) => set({ port: e.target.value })}
                className="w-24 rounded border border-slate-300 px-1"
              />
            </Field>
            {fieldError(/^port$/)}
            <Field label={t("protocol")} help={t(`protocolHelp.${input.protocol}`)}>
              <select
                data-testid="wizard-protocol"
                value={input.protocol}
                onChange={(e) => set({ protocol: e.target.value as Input["protocol"] })}
                className="rounded border border-slate-300"
              >
                {(["C", "B", "A"] as const).map((p) => (
                  <option key={p} value={p}>
                    {t(`protocolOption.${p}`)}
                  </option>
                ))}
              </select>
            </Field>
          </>
        )}
        {step === "safety" && (
          <>
            <p className="text-sm">{t("splitBrainHelp")}</p>
            <Field label={t("fencing")} help={t(`fencingHelp.${input.fencing}`)}>
              <select
                data-testid="wizard-fencing"
                value={input.fencing}
                onChange={(e) => set({ fencing: e.target.value as Input["fencing"] })}
                className="rounded border border-slate-300"
              >
                <option value="resource-only">{t("fencingOption.resource-only")}</option>
                <option value="resource-and-stonith">{t("fencingOption.resource-and-stonith")}</option>
              </select>
            </Field>
            <label className="block">
              <input
                type="checkbox"
                data-testid="wizard-live-migration"
                checked={input.liveMigration}
                onChange={(e) =>
                  set({ liveMigration: e.target.checked, ...(e.target.checked ? { use: "raw" } : {}) })
                }
              />{" "}
              {t("liveMigration")}
            </label>
            <p className="text-sm text-slate-600">{t("liveMigrationHelp")}</p>
            {fieldError(/^(fencing|liveMigration)$/)}
          </>
        )}
        {step === "sync" && (
          <>
            <label className="block">
              <input
                type="radio"
                data-testid="wizard-sync-full"
                checked={input.initialSync === "full"}
                onChange={() => set({ initialSync: "full" })}
              />{" "}
              {t("syncFull")}
            </label>
            <label className="block">
              <input
                type="radio"
                data-testid="wizard-sync-skip"
                disabled={!bothNew}
                checked={input.initialSync === "skip"}
                onChange={() => set({ initialSync: "skip" })}
              />{" "}
              {t("syncSkip")}
            </label>
            <p className="text-sm text-slate-600">{bothNew ? t("syncSkipHelp") : t("syncSkipRefused")}</p>
            <Field label={t("initialPrimary")} help={t("initialPrimaryHelp")}>
              <select
                data-testid="wizard-primary"
                value={input.initialPrimary}
                onChange={(e) => set({ initialPrimary: e.target.value })}
                className="rounded border border-slate-300"
              >
                {hosts.map((h) => (
                  <option key={h} value={h}>
                    {h}
                  </option>
                ))}
              </select>
            </Field>
            {fieldError(/^(initialSync|initialPrimary)$/)}
          </>
        )}
        {step === "use" && (
          <>
            <label className="block">
              <input
                type="radio"
                data-testid="wizard-use-raw"
                checked={input.use === "raw"}
                onChange={() => set({ use: "raw" })}
              />{" "}
              {t("useRaw")}
            </label>
            <label className="block">
              <input
                type="radio"
                data-testid="wizard-use-ext4"
                disabled={input.liveMigration}
                checked={input.use === "ext4"}
                onChange={() => set({ use: "ext4" })}
              />{" "}
              {t("useExt4")}
            </label>
            {input.use === "ext4" && (
              <Field label={t("mountPoint")} help={t("mountPointHelp")}>
                <input
                  data-testid="wizard-mount-point"
                  value={input.mountPoint}
                  placeholder={`/srv/${input.name || "r5"}`}
                  onChange={(e) => set({ mountPoint: e.target.value })}
                  className="rounded border border-slate-300 px-1 font-mono"
                />
              </Field>
            )}
            {fieldError(/^filesystem/)}
          </>
        )}
        {step === "review" && review && (
          <div data-testid="wizard-review" className="space-y-2">
            <p>{t("reviewProposed", { minor: review.minor ?? "?", port: review.port ?? "?" })}</p>
            <Warnings warnings={review.warnings} />
            <h3 className="font-semibold">{t("fileTitle")}</h3>
            <pre
              data-testid="wizard-file"
              translate="no"
              className="overflow-x-auto rounded bg-slate-900 p-2 text-xs text-slate-100"
            >
              {review.file}
            </pre>
            <ul data-testid="wizard-validation" className="text-sm">
              {review.validation.map((v) => (
                <li key={v.host} data-ok={v.ok} className={v.ok ? "text-emerald-700" : "text-red-700"}>
                  {v.ok ? t("validOn", { host: v.host }) : t("invalidOn", { host: v.host })}{" "}
                  <ErrorMessage error={{ code: null, message: v.message }} />
                </li>
              ))}
            </ul>
            {review.plan && (
              <>
                <h3 className="font-semibold">{t("planTitle")}</h3>
                <PlanSteps steps={review.plan.steps} testId="wizard-plan" />
              </>
            )}
            {fieldError(/./)}
          </div>
        )}
        {failure && (
          <p role="alert" className="text-red-700">
            <ErrorMessage error={failure} />
          </p>
        )}
      </section>
      <div className="mt-3 flex gap-2">
        <button
          type="button"
          data-testid="wizard-back"
          disabled={at === 0 || busy}
          onClick={() => {
            setErrors([]);
            setStep(STEPS[at - 1]!);
          }}
          className="rounded border border-slate-300 bg-white px-3 py-1 disabled:opacity-50"
        >
          {t("previous")}
        </button>
        {step !== "review" ? (
          <button
            type="button"
            data-testid="wizard-next"
            disabled={busy}
            onClick={() => void next()}
            className="rounded bg-slate-800 px-3 py-1 text-white disabled:opacity-50"
          >
            {busy ? t("checking") : t("next")}
          </button>
        ) : (
          <button
            type="button"
            data-testid="wizard-create"
            disabled={busy || !review?.plan || review.validation.some((v) => !v.ok)}
            onClick={() => void create()}
            className="rounded bg-emerald-700 px-3 py-1 text-white disabled:opacity-50"
          >
            {busy ? t("creating") : t("create")}
          </button>
        )}
      </div>
    </main>
  );
}
