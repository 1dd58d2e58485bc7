"use client";

import { useTranslations } from "next-intl";
import { useEffect, useRef, useState } from "react";
import { registerStepUp, sendJson } from "./api-fetch";
import { ErrorMessage } from "./error-message";
import { answerWithKey } from "./security-key";

/**
 * The step-up dialog: a dangerous action (failover, the wizard's apply, a deletion...) was refused because the
 * password was not proved in the last 5 minutes. The reader types it (and their code) again, or cancels.
 */
export function StepUpDialog() {
  const t = useTranslations("auth");
  const [open, setOpen] = useState(false);
  const [twoFactor, setTwoFactor] = useState(false);
  const [hasKey, setHasKey] = useState(false);
  const [keyFailed, setKeyFailed] = useState(false);
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [error, setError] = useState<{ code: string | null; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const resolver = useRef<((ok: boolean) => void) | null>(null);
  const dialog = useRef<HTMLDialogElement>(null);

  useEffect(
    () =>
      registerStepUp(
        () =>
          new Promise<boolean>((resolve) => {
            resolver.current = resolve;
            setPassword("");
            setCode("");
            setError(null);
            setKeyFailed(false);
            setOpen(true);
            void fetch("/api/auth/me", { cache: "no-store" })
              .then((r) => r.json() as Promise<{ twoFactor?: boolean; securityKeys?: number }>)
              .then((me) => {
                setTwoFactor(me.twoFactor === true);
                setHasKey((me.securityKeys ?? 0) > 0);
              })
              .catch(() => undefined);
          }),
      ),
    [],
  );
  useEffect(() => {
    if (open && !dialog.current?.open) dialog.current?.showModal();
    if (!open && dialog.current?.open) dialog.current.close();
  }, [open]);

  const finish = (ok: boolean) => {
    setOpen(false);
    resolver.current?.(ok);
    resolver.current = null;
  };

  const submit = async (withKey = false) => {
    setBusy(true);
    setError(null);
    setKeyFailed(false);
    let second: { code?: string; key?: unknown } = twoFactor ? { code } : {};
    if (withKey) {
      const answer = await answerWithKey("/api/auth/step-up/options");
      if (!answer.ok) {
        setBusy(false);
        setKeyFailed(answer.byBrowser);
        return setError(answer.error);
      }
      second = { key: answer.response };
    }
    const res = await sendJson("POST", "/api/auth/step-up", { password, ...second });
    setBusy(false);
    if (res.ok) return finish(true);
    const body = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
    setError({ code: body.error?.code ?? null, message: body.error?.message ?? res.statusText });
  };

  return (
    <dialog
      ref={dialog}
      data-testid="step-up-dialog"
      onCancel={(e) => {
        e.preventDefault();
        finish(false);
      }}
      className="rounded border border-slate-300 p-4 shadow-lg backdrop:bg-slate-900/40"
    >
      <form
        className="flex w-80 flex-col gap-3"
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <h2 className="font-semibold">{t("stepUpTitle")}</h2>
        <p className="text-sm text-slate-600">{t("stepUpBody")}</p>
        <label className="text-sm">
          {t("password")}
          <input
            type="password"
            autoComplete="current-password"
            data-testid="step-up-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            className="mt-1 block w-full rounded border border-slate-300 px-2 py-1"
            autoFocus
          />
        </label>
        {twoFactor && (
          <label className="text-sm">
            {t("code")}
            <input
              inputMode="numeric"
              autoComplete="one-time-code"
              data-testid="step-up-code"
              value={code}
              onChange={(e) => setCode(e.target.value)}
              className="mt-1 block w-full rounded border border-slate-300 px-2 py-1"
            />
          </label>
        )}
        {keyFailed && <p className="text-sm text-red-700">{t("keyFailed")}</p>}
        {error && (
          <p role="alert" data-testid="step-up-error" className="text-sm text-red-700">
            <ErrorMessage error={error} />
          </p>
        )}
        <div className="flex justify-end gap-2">
          <button type="button" onClick={() => finish(false)} className="rounded border px-3 py-1 text-sm">
            {t("cancel")}
          </button>
          {hasKey && (
            <button
              type="button"
              disabled={busy || password === ""}
              data-testid="step-up-key"
              onClick={() => void submit(true)}
              className="rounded border border-slate-400 px-3 py-1 text-sm disabled:opacity-50"
            >
              {t("useKey")}
            </button>
          )}
          <button
            type="submit"
            disabled={busy || password === ""}
            data-testid="step-up-confirm"
            className="rounded bg-slate-800 px-3 py-1 text-sm text-white disabled:opacity-50"
          >
            {t("confirm")}
          </button>
        </div>
      </form>
    </dialog>
  );
}
