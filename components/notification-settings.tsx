"use client";

import { useTranslations } from "next-intl";
import { useEffect, useState } from "react";
import { SEVERITIES } from "@/lib/monitor/types";
import type { FieldError } from "@/lib/resources/create";
import { PageHeader } from "./page-header";
import { FieldErrors } from "./form-parts";
import { apiFetch } from "./api-fetch";

interface WebhookForm {
  enabled: boolean;
  url: string;
  minSeverity: string;
  /** Write-only: typed to set a new one; `secretSet` says whether one is stored. */
  secret: string;
  secretSet: boolean;
}
interface EmailForm {
  enabled: boolean;
  host: string;
  port: string;
  security: "tls" | "starttls" | "none";
  user: string;
  password: string;
  passwordSet: boolean;
  from: string;
  to: string;
  minSeverity: string;
}

const EMPTY_WEBHOOK: WebhookForm = {
  enabled: true,
  url: "",
  minSeverity: "major",
  secret: "",
  secretSet: false,
};
const EMPTY_EMAIL: EmailForm = {
  enabled: true,
  host: "",
  port: "587",
  security: "starttls",
  user: "",
  password: "",
  passwordSet: false,
  from: "",
  to: "",
  minSeverity: "critical",
};

type Stored = {
  webhook: { enabled: boolean; url: string; minSeverity: string; secretSet: boolean } | null;
  email: {
    enabled: boolean;
    host: string;
    port: number;
    security: EmailForm["security"];
    user?: string;
    passwordSet: boolean;
    from: string;
    to: string[];
    minSeverity: string;
  } | null;
};

/** Where incidents are sent, by severity: a webhook and e-mail over SMTP, each with a "send test" button. */
export function NotificationSettings() {
  const t = useTranslations("notifications");
  const [webhook, setWebhook] = useState<WebhookForm | null>(null);
  const [email, setEmail] = useState<EmailForm | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [errors, setErrors] = useState<FieldError[]>([]);
  const [saved, setSaved] = useState(false);
  const [test, setTest] = useState<
    Record<string, { ok: boolean; attempts: number; detail: string } | "sending">
  >({});

  useEffect(() => {
    void apiFetch("/api/settings/notifications", { cache: "no-store" })
      .then((r) => r.json() as Promise<Stored>)
      .then((s) => {
        setWebhook(s.webhook ? { ...s.webhook, secret: "" } : null);
        setEmail(
          s.email
            ? {
                ...s.email,
                port: String(s.email.port),
                user: s.email.user ?? "",
                password: "",
                to: s.email.to.join(", "),
              }
            : null,
        );
        setLoaded(true);
      });
  }, []);

  const body = () => ({
    webhook: webhook
      ? {
          enabled: webhook.enabled,
          url: webhook.url.trim(),
          minSeverity: webhook.minSeverity,
          ...(webhook.secret ? { secret: webhook.secret } : {}),
        }
      : null,
    email: email
      ? {
          enabled: email.enabled,
          host: email.host.trim(),
          port: Number(email.port),
          security: email.security,
          ...(email.user.trim() ? { user: email.user.trim() } : {}),
          ...(email.password ? { password: email.password } : {}),
          from: email.from.trim(),
          to: email.to
            .split(",")
            .map((a) => a.trim())
            .filter(Boolean),
          minSeverity: email.minSeverity,
        }
      : null,
  });

  const save = async (): Promise<boolean> => {
    setSaved(false);
    const res = await apiFetch("/api/settings/notifications", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body()),
    });
    const answer = (await res.json()) as { errors?: FieldError[] };
    setErrors(answer.errors ?? []);
    setSaved(res.ok);
    return res.ok;
  };

  const sendTest = async (channel: "webhook" | "email") => {
    setTest((x) => ({ ...x, [channel]: "sending" }));
    if (!(await save())) {
      setTest((x) => Object.fromEntries(Object.entries(x).filter(([k]) => k !== channel)));
      return;
    }
    const res = await apiFetch("/api/settings/notifications/test", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ channel }),
    });
    const r = (await res.json()) as { ok: boolean; attempts: number; detail: string };
    setTest((x) => ({ ...x, [channel]: r }));
  };

  const labelOf = (field: string) => {
    const key = field.replace(/\.\d+$/, "");
    const labels: Record<string, string> = {
      "webhook.url": t("webhookUrl"),
      "webhook.minSeverity": t("minSeverity"),
      "webhook.secret": t("webhookSecret"),
      "email.host": t("smtpHost"),
      "email.port": t("smtpPort"),
      "email.security": t("security"),
      "email.user": t("user"),
      "email.password": t("password"),
      "email.from": t("from"),
      "email.to": t("to"),
      "email.minSeverity": t("minSeverity"),
    };
    return labels[key] ?? null;
  };
  const input = "rounded border border-slate-300 px-1 py-0.5";
  const severity = (value: string, onChange: (v: string) => void, name: string) => (
    <select name={name} value={value} onChange={(e) => onChange(e.target.value)} className={input}>
      {SEVERITIES.map((s) => (
        <option key={s} value={s}>
          {t(`atLeast.${s}`)}
        </option>
      ))}
    </select>
  );
  const testResult = (channel: string) => {
    const r = test[channel];
    if (!r) return null;
    if (r === "sending") return <span className="text-slate-500">{t("sending")}</span>;
    return (
      <span
        role={r.ok ? "status" : "alert"}
        data-testid={`test-${channel}`}
        className={r.ok ? "text-green-800" : "text-red-700"}
      >
        {r.ok ? t("testOk", { attempts: r.attempts }) : t("testFailed", { attempts: r.attempts })}{" "}
        <q translate="no" lang="en" className="font-mono text-xs">
          {r.detail}
        </q>
      </span>
    );
  };

  return (
    <main className="mx-auto max-w-3xl p-4 sm:p-6">
      <PageHeader
        title={t("title")}
        links={[
          { href: "/incidents", label: t("incidentsLink") },
          { href: "/", label: t("back") },
        ]}
      />
      <p className="mb-4 text-sm text-slate-600">{t("intro")}</p>
      {!loaded && <p className="text-slate-500">{t("loading")}</p>}
      {loaded && (
        <form className="space-y-6 text-sm" onSubmit={(e) => (e.preventDefault(), void save())}>
          <section data-testid="webhook-settings">
            <h2 className="mb-1 font-semibold">{t("webhookTitle")}</h2>
            {webhook === null ? (
              <button type="button" className="underline" onClick={() => setWebhook({ ...EMPTY_WEBHOOK })}>
                {t("addWebhook")}
              </button>
            ) : (
              <div className="space-y-1">
                <label className="block">
                  <input
                    type="checkbox"
                    name="webhook.enabled"
                    checked={webhook.enabled}
                    onChange={(e) => setWebhook({ ...webhook, enabled: e.target.checked })}
                  />{" "}
                  {t("enabled")}
                </label>
                <label className="block">
                  {t("webhookUrl")}{" "}
                  <input
                    name="webhook.url"
                    value={webhook.url}
                    onChange={(e) => setWebhook({ ...webhook, url: e.target.value })}
                    className={`${input} w-96`}
                    translate="no"
                  />
                </label>
                <label className="block">
                  {t("webhookSecret")}{" "}
                  <input
                    name="webhook.secret"
                    type="password"
                    value={webhook.secret}
                    placeholder={webhook.secretSet ? t("passwordKept") : ""}
                    onChange={(e) => setWebhook({ ...webhook, secret: e.target.value })}
                    className={input}
                    autoComplete="new-password"
                  />
                </label>
                <FieldErrors errors={errors} pattern={/^webhook\./} testId="notify-error" labelOf={labelOf} />
                <label className="block">
                  {t("minSeverity")}{" "}
                  {severity(
                    webhook.minSeverity,
                    (v) => setWebhook({ ...webhook, minSeverity: v }),
                    "webhook.minSeverity",
                  )}
                </label>
                <p className="text-xs text-slate-600">{t("webhookHelp")}</p>
                <p className="text-xs text-slate-600">{t("webhookSecretHelp")}</p>
                <p className="flex gap-2">
                  <button
                    type="button"
                    data-testid="test-webhook-button"
                    onClick={() => void sendTest("webhook")}
                    className="rounded border border-slate-300 px-2 py-0.5"
                  >
                    {t("sendTest")}
                  </button>
                  <button type="button" className="underline" onClick={() => setWebhook(null)}>
                    {t("remove")}
                  </button>
                  {testResult("webhook")}
                </p>
              </div>
            )}
          </section>
          <section data-testid="email-settings">
            <h2 className="mb-1 font-semibold">{t("emailTitle")}</h2>
            {email === null ? (
              <button type="button" className="underline" onClick={() => setEmail({ ...EMPTY_EMAIL })}>
                {t("addEmail")}
              </button>
            ) : (
              <div className="space-y-1">
                <label className="block">
                  <input
                    type="checkbox"
                    name="email.enabled"
                    checked={email.enabled}
                    onChange={(e) => setEmail({ ...email, enabled: e.target.checked })}
                  />{" "}
                  {t("enabled")}
                </label>
                <label className="block">
                  {t("smtpHost")}{" "}
                  <input
                    name="email.host"
                    value={email.host}
                    onChange={(e) => setEmail({ ...email, host: e.target.value })}
                    className={input}
                    translate="no"
                  />
                </label>
                <label className="block">
                  {t("smtpPort")}{" "}
                  <input
                    name="email.port"
                    type="number"
                    value={email.port}
                    onChange={(e) => setEmail({ ...email, port: e.target.value })}
                    className={`${input} w-24`}
                  />
                </label>
                <label className="block">
                  {t("security")}{" "}
                  <select
                    name="email.security"
                    value={email.security}
                    onChange={(e) =>
                      setEmail({ ...email, security: e.target.value as EmailForm["security"] })
                    }
                    className={input}
                  >
                    {(["starttls", "tls", "none"] as const).map((s) => (
                      <option key={s} value={s}>
                        {t(`securities.${s}`)}
                      </option>
                    ))}
                  </select>
                </label>
                <label className="block">
                  {t("user")}{" "}
                  <input
                    name="email.user"
                    value={email.user}
                    onChange={(e) => setEmail({ ...email, user: e.target.value })}
                    className={input}
                    autoComplete="off"
                    translate="no"
                  />
                </label>
                <label className="block">
                  {t("password")}{" "}
                  <input
                    name="email.password"
                    type="password"
                    value={email.password}
                    placeholder={email.passwordSet ? t("passwordKept") : ""}
                    onChange={(e) => setEmail({ ...email, password: e.target.value })}
                    className={input}
                    autoComplete="new-password"
                  />
                </label>
                <label className="block">
                  {t("from")}{" "}
                  <input
                    name="email.from"
                    value={email.from}
                    onChange={(e) => setEmail({ ...email, from: e.target.value })}
                    className={`${input} w-64`}
                    translate="no"
                  />
                </label>
                <label className="block">
                  {t("to")}{" "}
                  <input
                    name="email.to"
                    value={email.to}
                    onChange={(e) => setEmail({ ...email, to: e.target.value })}
                    className={`${input} w-96`}
                    translate="no"
                  />
                </label>
                <label className="block">
                  {t("minSeverity")}{" "}
                  {severity(
                    email.minSeverity,
                    (v) => setEmail({ ...email, minSeverity: v }),
                    "email.minSeverity",
                  )}
                </label>
                <FieldErrors errors={errors} pattern={/^email\./} testId="notify-error" labelOf={labelOf} />
                <p className="text-xs text-slate-600">{t("emailHelp")}</p>
                <p className="flex gap-2">
                  <button
                    type="button"
                    data-testid="test-email-button"
                    onClick={() => void sendTest("email")}
                    className="rounded border border-slate-300 px-2 py-0.5"
                  >
                    {t("sendTest")}
                  </button>
                  <button type="button" className="underline" onClick={() => setEmail(null)}>
                    {t("remove")}
                  </button>
                  {testResult("email")}
                </p>
              </div>
            )}
          </section>
          <FieldErrors
            errors={errors}
            pattern={/^(body|webhook|email)$/}
            testId="notify-error"
            labelOf={labelOf}
          />
          <p className="flex items-center gap-2">
            <button
              type="submit"
              data-testid="notify-save"
              className="rounded bg-slate-800 px-3 py-1 text-white"
            >
              {t("save")}
            </button>
            {saved && (
              <span role="status" className="text-green-800">
                {t("saved")}
              </span>
            )}
          </p>
        </form>
      )}
    </main>
  );
}
