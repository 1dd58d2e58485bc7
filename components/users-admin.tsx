"use client";

import { useTranslations } from "next-intl";
import { useCallback, useEffect, useState } from "react";
import { apiError, apiFetch, sendJson, type ApiError } from "./api-fetch";
import { Failure } from "./error-message";
import { PageHeader } from "./page-header";

type UserRow = {
  id: string;
  username: string;
  role: "viewer" | "operator" | "admin";
  twoFactor: boolean;
  disabled: boolean;
  locked: boolean;
  openSessions: number;
};

const ROLES = ["viewer", "operator", "admin"] as const;
const input = "rounded border border-slate-300 px-2 py-1";
const button = "rounded border border-slate-400 px-2 py-0.5 text-sm disabled:opacity-50";

/** Administrators: accounts and roles, ending sessions, resetting two-factor, the two-factor requirement. */
export function UsersAdmin() {
  const t = useTranslations("users");
  const tr = useTranslations("auth.role");
  const [users, setUsers] = useState<UserRow[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [requireTwoFactor, setRequire] = useState(false);
  const load = useCallback(() => {
    void apiFetch("/api/users", { cache: "no-store" })
      .then(async (r) =>
        r.ok ? ((await r.json()) as { users: UserRow[] }).users : (setError(await apiError(r)), []),
      )
      .then(setUsers);
    void apiFetch("/api/settings/security", { cache: "no-store" })
      .then((r) => r.json() as Promise<{ requireTwoFactor: boolean }>)
      .then((s) => setRequire(s.requireTwoFactor));
  }, []);
  useEffect(load, [load]);
  const act = (res: Promise<Response>) =>
    void res.then(async (r) => {
      setError(r.ok ? null : await apiError(r));
      load();
    });

  return (
    <main className="mx-auto max-w-5xl p-4 sm:p-6">
      <PageHeader title={t("title")} links={[{ href: "/", label: t("backToFarm") }]} />
      <Failure error={error} testId="users-error" />
      <table className="mb-6 w-full text-left text-sm" data-testid="users">
        <thead>
          <tr className="text-slate-500">
            <th>{t("username")}</th>
            <th>{t("role")}</th>
            <th>{t("twoFactor")}</th>
            <th>{t("status")}</th>
            <th>{t("sessions")}</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {users.map((u) => (
            <tr key={u.id} data-testid={`user-${u.username}`} className="border-t border-slate-100">
              <td translate="no">{u.username}</td>
              <td>
                <select
                  className={input}
                  data-testid={`user-role-${u.username}`}
                  value={u.role}
                  onChange={(e) => act(sendJson("PATCH", `/api/users/${u.id}`, { role: e.target.value }))}
                >
                  {ROLES.map((r) => (
                    <option key={r} value={r}>
                      {tr(r)}
                    </option>
                  ))}
                </select>
              </td>
              <td>{u.twoFactor ? t("on") : t("off")}</td>
              <td>{u.disabled ? t("disabled") : u.locked ? t("locked") : t("active")}</td>
              <td>{u.openSessions}</td>
              <td className="flex flex-wrap gap-1 py-1">
                <button
                  type="button"
                  className={button}
                  data-testid={`user-end-sessions-${u.username}`}
                  disabled={u.openSessions === 0}
                  onClick={() => act(apiFetch(`/api/users/${u.id}/sessions`, { method: "DELETE" }))}
                >
                  {t("endSessions")}
                </button>
                <button
                  type="button"
                  className={button}
                  data-testid={`user-disable-${u.username}`}
                  onClick={() => act(sendJson("PATCH", `/api/users/${u.id}`, { disabled: !u.disabled }))}
                >
                  {u.disabled ? t("enable") : t("disable")}
                </button>
                {u.twoFactor && (
                  <button
                    type="button"
                    className={button}
                    onClick={() => act(sendJson("PATCH", `/api/users/${u.id}`, { resetTwoFactor: true }))}
                  >
                    {t("resetTwoFactor")}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <NewUser onCreated={load} />
      <section className="mt-6 rounded border border-slate-200 bg-white p-4">
        <label className="flex items-center gap-2 text-sm">
          <input
            type="checkbox"
            data-testid="require-two-factor"
            checked={requireTwoFactor}
            onChange={(e) =>
              act(sendJson("PUT", "/api/settings/security", { requireTwoFactor: e.target.checked }))
            }
          />
          {t("requireTwoFactor")}
        </label>
        <p className="text-sm text-slate-600">{t("requireTwoFactorHelp")}</p>
      </section>
    </main>
  );
}

function NewUser({ onCreated }: { onCreated: () => void }) {
  const t = useTranslations("users");
  const tr = useTranslations("auth.role");
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [role, setRole] = useState<string>("viewer");
  const [error, setError] = useState<ApiError | null>(null);
  return (
    <form
      className="flex flex-wrap items-end gap-2 rounded border border-slate-200 bg-white p-4 text-sm"
      onSubmit={(e) => {
        e.preventDefault();
        void sendJson("POST", "/api/users", { username, password, role }).then(async (res) => {
          if (!res.ok) return setError(await apiError(res));
          setError(null);
          setUsername("");
          setPassword("");
          onCreated();
        });
      }}
    >
      <h2 className="w-full font-semibold">{t("newUser")}</h2>
      <label>
        {t("username")}{" "}
        <input
          className={input}
          data-testid="new-user-name"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
      </label>
      <label>
        {t("password")}{" "}
        <input
          className={input}
          type="password"
          autoComplete="new-password"
          data-testid="new-user-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      <label>
        {t("role")}{" "}
        <select
          className={input}
          data-testid="new-user-role"
          value={role}
          onChange={(e) => setRole(e.target.value)}
        >
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {tr(r)}
            </option>
          ))}
        </select>
      </label>
      <button type="submit" className={button} data-testid="new-user-create">
        {t("create")}
      </button>
      <div className="w-full">
        <Failure error={error} testId="new-user-error" />
      </div>
    </form>
  );
}
