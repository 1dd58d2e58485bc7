"use client";

import { useFormatter, useTranslations } from "next-intl";
import { useCallback, useEffect, useState } from "react";
import { apiError, apiFetch, sendJson, signOut, type ApiError } from "./api-fetch";
import { Failure } from "./error-message";
import { PageHeader } from "./page-header";
import { registerKey } from "./security-key";
import { useMe } from "./user-menu";

type Token = {
  id: string;
  name: string;
  prefix: string;
  role: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
};
type SessionRow = { ref: string; createdAt: string; lastSeenAt: string; address: string; userAgent: string };

const input = "rounded border border-slate-300 px-2 py-1";
const button = "rounded border border-slate-400 px-3 py-1 text-sm disabled:opacity-50";
const section = "mb-6 rounded border border-slate-200 bg-white p-4";

/** The signed-in account: two-factor sign-in, API tokens, open sessions. */
export function AccountPage() {
  const t = useTranslations("account");
  const me = useMe();
  // Security keys go beside the app: shown once two-factor is on (as loaded, or turned on on this page).
  const [twoFactorOn, setTwoFactorOn] = useState<boolean | null>(null);
  return (
    <main className="mx-auto max-w-4xl p-4 sm:p-6">
      <PageHeader title={t("title")} links={[{ href: "/", label: t("backToFarm") }]} />
      {me?.mustEnroll && (
        <p
          role="alert"
          data-testid="must-enroll"
          className="mb-4 rounded bg-amber-50 p-2 text-sm text-amber-900"
        >
          {t("mustEnroll")}
        </p>
      )}
      {/* Once the account is known (after hydration): its state starts from the server's. */}
      {me && <TwoFactor enabled={me.twoFactor} onChange={setTwoFactorOn} />}
      {(twoFactorOn ?? me?.twoFactor) && <SecurityKeys />}
      <Tokens ownRole={me?.role ?? "viewer"} />
      <Sessions />
    </main>
  );
}

function TwoFactor({ enabled, onChange }: { enabled: boolean; onChange: (on: boolean) => void }) {
  const t = useTranslations("account");
  const [on, setState] = useState(enabled);
  const setOn = (value: boolean) => {
    setState(value);
    onChange(value);
  };
  const [setup, setSetup] = useState<{ secret: string; qrDataUrl: string } | null>(null);
  const [code, setCode] = useState("");
  const [recovery, setRecovery] = useState<string[] | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  return (
    <section className={section} data-testid="two-factor">
      <h2 className="mb-2 font-semibold">{t("twoFactorTitle")}</h2>
      <p className="mb-2 text-sm text-slate-600">{on ? t("twoFactorOn") : t("twoFactorOff")}</p>
      {recovery && (
        <div className="mb-3 rounded bg-slate-50 p-2">
          <p className="text-sm font-medium">{t("recoveryTitle")}</p>
          <ul
            className="grid grid-cols-2 gap-1 font-mono text-sm"
            data-testid="recovery-codes"
            translate="no"
          >
            {recovery.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
        </div>
      )}
      {!on && !setup && (
        <button
          type="button"
          className={button}
          data-testid="totp-begin"
          onClick={() => {
            setError(null);
            void apiFetch("/api/auth/totp", { method: "POST" }).then(async (res) =>
              res.ok
                ? setSetup((await res.json()) as { secret: string; qrDataUrl: string })
                : setError(await apiError(res)),
            );
          }}
        >
          {t("twoFactorBegin")}
        </button>
      )}
      {!on && setup && (
        <div className="flex flex-wrap items-start gap-4">
          <img src={setup.qrDataUrl} alt={t("qrAlt")} width={180} height={180} />
          <div className="flex flex-col gap-2 text-sm">
            <p>{t("twoFactorScan")}</p>
            <code translate="no" data-testid="totp-secret" className="break-all">
              {setup.secret}
            </code>
            <CodeAction
              testId="totp"
              buttonTestId="totp-confirm"
              label={t("twoFactorConfirm")}
              code={code}
              setCode={setCode}
              send={() => sendJson("POST", "/api/auth/totp/confirm", { code })}
              done={async (res) => {
                setRecovery(((await res.json()) as { recoveryCodes: string[] }).recoveryCodes);
                setOn(true);
                setSetup(null);
              }}
              onError={setError}
            />
          </div>
        </div>
      )}
      {on && (
        <div className="flex items-center gap-2 text-sm">
          <CodeAction
            testId="totp-off"
            buttonTestId="totp-off"
            label={t("twoFactorTurnOff")}
            code={code}
            setCode={setCode}
            send={() => sendJson("DELETE", "/api/auth/totp", { code })}
            done={() => {
              setOn(false);
              setRecovery(null);
            }}
            onError={setError}
          />
        </div>
      )}
      <Failure error={error} testId="two-factor-error" />
    </section>
  );
}

type KeyRow = { id: string; name: string; label: string; createdAt: string; lastUsedAt: string | null };

/** Security keys (WebAuthn) as a second factor beside the authenticator app: add one, see them, remove one. */
function SecurityKeys() {
  const t = useTranslations("account");
  const format = useFormatter();
  const [keys, setKeys] = useState<KeyRow[]>([]);
  const [name, setName] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [keyFailed, setKeyFailed] = useState(false);
  const [busy, setBusy] = useState(false);
  const load = useCallback(() => {
    void apiFetch("/api/auth/keys", { cache: "no-store" }).then(async (r) =>
      r.ok ? setKeys(((await r.json()) as { keys: KeyRow[] }).keys) : setError(await apiError(r)),
    );
  }, []);
  useEffect(load, [load]);
  const add = async () => {
    setBusy(true);
    setError(null);
    setKeyFailed(false);
    const answer = await registerKey("/api/auth/keys/options");
    const res = answer.ok
      ? await sendJson("POST", "/api/auth/keys", { name, response: answer.response })
      : null;
    setBusy(false);
    if (!answer.ok) {
      setKeyFailed(answer.byBrowser);
      return setError(answer.error);
    }
    if (res && !res.ok) return setError(await apiError(res));
    setName("");
    load();
  };
  return (
    <section className={section} data-testid="security-keys">
      <h2 className="mb-2 font-semibold">{t("keysTitle")}</h2>
      <p className="mb-2 text-sm text-slate-600">{t("keysIntro")}</p>
      <ul className="mb-2 text-sm" data-testid="security-key-list">
        {keys.map((k) => (
          <li key={k.id} className="flex items-center gap-2 py-1">
            <span className="font-medium">{k.name}</span>
            <span className="text-xs text-slate-500">
              {t("keyAdded", {
                when: format.dateTime(new Date(k.createdAt), { dateStyle: "short", timeStyle: "short" }),
              })}
              {k.lastUsedAt &&
                ` · ${t("keyUsed", { when: format.dateTime(new Date(k.lastUsedAt), { dateStyle: "short", timeStyle: "short" }) })}`}
            </span>
            <button
              type="button"
              className={button}
              data-testid={`security-key-remove-${k.label}`}
              onClick={() =>
                void apiFetch(`/api/auth/keys/${encodeURIComponent(k.id)}`, { method: "DELETE" }).then(
                  async (r) => (r.ok ? load() : setError(await apiError(r))),
                )
              }
            >
              {t("keyRemove")}
            </button>
          </li>
        ))}
      </ul>
      <div className="flex flex-wrap items-end gap-2 text-sm">
        <label>
          {t("keyName")}{" "}
          <input
            className={input}
            data-testid="security-key-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <button
          type="button"
          className={button}
          data-testid="security-key-add"
          disabled={busy || name.trim() === ""}
          onClick={() => void add()}
        >
          {t("keyAdd")}
        </button>
      </div>
      {keyFailed && <p className="text-sm text-red-700">{t("keyFailed")}</p>}
      <Failure error={error} testId="security-keys-error" />
    </section>
  );
}

/** A code field and the button that sends it (turning two-factor on with a first code, or off). */
function CodeAction(props: {
  /** Test ids: `<testId>-code` for the field, `buttonTestId` for the button. */
  testId: string;
  buttonTestId: string;
  label: string;
  code: string;
  setCode: (code: string) => void;
  send: () => Promise<Response>;
  done: (res: Response) => void | Promise<void>;
  onError: (error: ApiError | null) => void;
}) {
  const t = useTranslations("account");
  return (
    <>
      <label>
        {t("codeLabel")}{" "}
        <input
          className={input}
          data-testid={`${props.testId}-code`}
          inputMode="numeric"
          value={props.code}
          onChange={(e) => props.setCode(e.target.value)}
        />
      </label>
      <button
        type="button"
        className={button}
        data-testid={props.buttonTestId}
        onClick={() => {
          props.onError(null);
          void props.send().then(async (res) => {
            if (!res.ok) return props.onError(await apiError(res));
            await props.done(res);
            props.setCode("");
          });
        }}
      >
        {props.label}
      </button>
    </>
  );
}

const ROLE_ORDER = ["viewer", "operator", "admin"] as const;

function Tokens({ ownRole }: { ownRole: (typeof ROLE_ORDER)[number] }) {
  const t = useTranslations("account");
  const tr = useTranslations("auth.role");
  const format = useFormatter();
  const [tokens, setTokens] = useState<Token[]>([]);
  const [name, setName] = useState("");
  const [role, setRole] = useState<string>("viewer");
  const [created, setCreated] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const load = useCallback(() => {
    void apiFetch("/api/tokens", { cache: "no-store" })
      .then((r) => (r.ok ? (r.json() as Promise<{ tokens: Token[] }>) : { tokens: [] }))
      .then((b) => setTokens(b.tokens));
  }, []);
  useEffect(load, [load]);
  const roles = ROLE_ORDER.slice(0, ROLE_ORDER.indexOf(ownRole) + 1);
  return (
    <section className={section} data-testid="tokens">
      <h2 className="mb-2 font-semibold">{t("tokensTitle")}</h2>
      <p className="mb-2 text-sm text-slate-600">{t("tokensIntro")}</p>
      {created && (
        <p className="mb-2 rounded bg-emerald-50 p-2 text-sm" data-testid="token-created">
          {t("tokenShownOnce")}{" "}
          <code translate="no" className="break-all">
            {created}
          </code>
        </p>
      )}
      <table className="mb-3 w-full text-left text-sm">
        <thead>
          <tr className="text-slate-500">
            <th>{t("tokenName")}</th>
            <th>{t("tokenRole")}</th>
            <th>{t("created")}</th>
            <th>{t("lastUsed")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {tokens.map((tok) => (
            <tr
              key={tok.id}
              data-testid={`token-${tok.name}`}
              className={tok.revokedAt ? "text-slate-400" : ""}
            >
              <td>
                <span translate="no">{tok.name}</span>{" "}
                <code translate="no" className="text-xs">
                  {tok.prefix}…
                </code>
              </td>
              <td>{ROLE_ORDER.includes(tok.role as "viewer") ? tr(tok.role as "viewer") : tok.role}</td>
              <td>{format.dateTime(new Date(tok.createdAt), { dateStyle: "short", timeStyle: "short" })}</td>
              <td>
                {tok.lastUsedAt
                  ? format.dateTime(new Date(tok.lastUsedAt), { dateStyle: "short", timeStyle: "short" })
                  : t("never")}
              </td>
              <td>
                {tok.revokedAt ? (
                  t("revoked")
                ) : (
                  <button
                    type="button"
                    className="text-red-700 underline"
                    data-testid={`token-revoke-${tok.name}`}
                    onClick={() =>
                      void apiFetch(`/api/tokens/${encodeURIComponent(tok.id)}`, { method: "DELETE" }).then(
                        load,
                      )
                    }
                  >
                    {t("revoke")}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        className="flex flex-wrap items-end gap-2 text-sm"
        onSubmit={(e) => {
          e.preventDefault();
          setError(null);
          void sendJson("POST", "/api/tokens", { name, role }).then(async (res) => {
            if (!res.ok) return setError(await apiError(res));
            setCreated(((await res.json()) as { token: string }).token);
            setName("");
            load();
          });
        }}
      >
        <label>
          {t("tokenName")}{" "}
          <input
            className={input}
            data-testid="token-name"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label>
          {t("tokenRole")}{" "}
          <select
            className={input}
            data-testid="token-role"
            value={role}
            onChange={(e) => setRole(e.target.value)}
          >
            {roles.map((r) => (
              <option key={r} value={r}>
                {tr(r)}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className={button} data-testid="token-create" disabled={name === ""}>
          {t("tokenCreate")}
        </button>
      </form>
      <Failure error={error} testId="token-error" />
    </section>
  );
}

export function SessionTable({ sessions }: { sessions: SessionRow[] }) {
  const t = useTranslations("account");
  const format = useFormatter();
  return (
    <table className="mb-3 w-full text-left text-sm">
      <thead>
        <tr className="text-slate-500">
          <th>{t("signedInAt")}</th>
          <th>{t("lastSeen")}</th>
          <th>{t("address")}</th>
          <th>{t("browser")}</th>
        </tr>
      </thead>
      <tbody>
        {sessions.map((s) => (
          <tr key={s.ref}>
            <td>{format.dateTime(new Date(s.createdAt), { dateStyle: "short", timeStyle: "short" })}</td>
            <td>{format.dateTime(new Date(s.lastSeenAt), { dateStyle: "short", timeStyle: "short" })}</td>
            <td translate="no">{s.address}</td>
            <td translate="no" className="max-w-xs truncate" title={s.userAgent}>
              {s.userAgent}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Sessions() {
  const t = useTranslations("account");
  const [sessions, setSessions] = useState<SessionRow[]>([]);
  useEffect(() => {
    void apiFetch("/api/auth/sessions", { cache: "no-store" })
      .then((r) => (r.ok ? (r.json() as Promise<{ sessions: SessionRow[] }>) : { sessions: [] }))
      .then((b) => setSessions(b.sessions));
  }, []);
  return (
    <section className={section} data-testid="sessions">
      <h2 className="mb-2 font-semibold">{t("sessionsTitle")}</h2>
      <SessionTable sessions={sessions} />
      <button
        type="button"
        className={button}
        data-testid="sign-out-everywhere"
        onClick={() => signOut(true)}
      >
        {t("signOutEverywhere")}
      </button>
    </section>
  );
}
