"use client";

import { useTranslations } from "next-intl";
import { useState, type ReactNode } from "react";
import { apiError, sendJson, type ApiError } from "./api-fetch";
import { Failure } from "./error-message";
import { LanguageSwitcher } from "./language-switcher";
import { answerWithKey } from "./security-key";

/** Where to go after signing in: a path on this panel only (never another site). */
function nextPath(): string {
  const next = new URLSearchParams(window.location.search).get("next");
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/\\") ? next : "/";
}

function Card({ title, intro, children }: { title: string; intro: ReactNode; children: ReactNode }) {
  const t = useTranslations("dashboard");
  return (
    <main className="mx-auto mt-16 max-w-sm p-4">
      <header className="mb-4 flex items-baseline justify-between">
        <span className="text-2xl font-semibold tracking-tight">{t("brand")}</span>
        <LanguageSwitcher />
      </header>
      <h1 className="mb-2 text-xl font-semibold">{title}</h1>
      <div className="mb-4 text-sm text-slate-600">{intro}</div>
      {children}
    </main>
  );
}

function Input(props: {
  label: string;
  testId: string;
  value: string;
  onChange: (v: string) => void;
  type?: string;
  autoComplete?: string;
  help?: string;
}) {
  return (
    <label className="block text-sm">
      {props.label}
      <input
        type={props.type ?? "text"}
        data-testid={props.testId}
        autoComplete={props.autoComplete}
        value={props.value}
        onChange={(e) => props.onChange(e.target.value)}
        className="mt-1 block w-full rounded border border-slate-300 px-2 py-1"
      />
      {props.help && <span className="text-xs text-slate-500">{props.help}</span>}
    </label>
  );
}

/** First run: the first administrator (the page exists only while there is none). */
export function SetupForm() {
  const t = useTranslations("auth");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [again, setAgain] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const mismatch = again !== "" && again !== password;
  return (
    <Card title={t("setupTitle")} intro={t("setupIntro")}>
      <form
        className="flex flex-col gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          void sendJson("POST", "/api/auth/setup", { username, password }).then(async (res) => {
            setBusy(false);
            if (res.ok) window.location.assign("/");
            else setError(await apiError(res));
          });
        }}
      >
        <Input
          label={t("username")}
          testId="setup-username"
          value={username}
          onChange={setUsername}
          autoComplete="username"
          help={t("usernameHelp")}
        />
        <Input
          label={t("password")}
          testId="setup-password"
          type="password"
          value={password}
          onChange={setPassword}
          autoComplete="new-password"
          help={t("passwordHelp")}
        />
        <Input
          label={t("passwordAgain")}
          testId="setup-password-again"
          type="password"
          value={again}
          onChange={setAgain}
          autoComplete="new-password"
        />
        {mismatch && (
          <p role="alert" className="text-sm text-red-700">
            {t("passwordsDiffer")}
          </p>
        )}
        <Failure error={error} testId="auth-error" />
        <button
          type="submit"
          data-testid="setup-submit"
          disabled={busy || username === "" || password === "" || again !== password}
          className="rounded bg-slate-800 px-3 py-1.5 text-white disabled:opacity-50"
        >
          {t("setupSubmit")}
        </button>
      </form>
    </Card>
  );
}

/** Sign-in: the password, then the code when the account has two-factor. */
export function LoginForm() {
  const t = useTranslations("auth");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [stage, setStage] = useState<"password" | "code">("password");
  const [hasKey, setHasKey] = useState(false);
  const [keyFailed, setKeyFailed] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const signInWithKey = async () => {
    setBusy(true);
    setError(null);
    setKeyFailed(false);
    const answer = await answerWithKey("/api/auth/key-sign-in/options");
    const res = answer.ok
      ? await sendJson("POST", "/api/auth/key-sign-in", { response: answer.response })
      : null;
    setBusy(false);
    if (!answer.ok) {
      setKeyFailed(answer.byBrowser);
      return setError(answer.error);
    }
    if (res?.ok) window.location.assign(nextPath());
    else if (res) setError(await apiError(res));
  };
  const submit = async () => {
    setBusy(true);
    setError(null);
    const res =
      stage === "password"
        ? await sendJson("POST", "/api/auth/login", { username, password })
        : await sendJson("POST", "/api/auth/code", { code });
    setBusy(false);
    if (!res.ok) return setError(await apiError(res));
    const body = (await res.json()) as { stage: "full" | "password"; securityKey?: boolean };
    if (body.stage === "password") {
      setStage("code");
      setHasKey(body.securityKey === true);
      setPassword("");
    } else window.location.assign(nextPath());
  };
  return (
    <Card title={t("signInTitle")} intro={stage === "code" ? t("codeIntro") : t("signInIntro")}>
      <form
        className="flex flex-col gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        {stage === "password" ? (
          <>
            <Input
              label={t("username")}
              testId="login-username"
              value={username}
              onChange={setUsername}
              autoComplete="username"
            />
            <Input
              label={t("password")}
              testId="login-password"
              type="password"
              value={password}
              onChange={setPassword}
              autoComplete="current-password"
            />
          </>
        ) : (
          <Input
            label={t("code")}
            testId="login-code"
            value={code}
            onChange={setCode}
            autoComplete="one-time-code"
            help={t("codeHelp")}
          />
        )}
        {keyFailed && <p className="text-sm text-red-700">{t("keyFailed")}</p>}
        <Failure error={error} testId="auth-error" />
        <button
          type="submit"
          data-testid="login-submit"
          disabled={busy}
          className="rounded bg-slate-800 px-3 py-1.5 text-white disabled:opacity-50"
        >
          {t("signIn")}
        </button>
        {stage === "code" && hasKey && (
          <button
            type="button"
            data-testid="login-key"
            disabled={busy}
            onClick={() => void signInWithKey()}
            className="rounded border border-slate-400 px-3 py-1.5 disabled:opacity-50"
          >
            {t("useKey")}
          </button>
        )}
      </form>
    </Card>
  );
}
