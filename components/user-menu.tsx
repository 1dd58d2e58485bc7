"use client";

import { useTranslations } from "next-intl";
import { useEffect, useState, type ReactNode } from "react";
import { permits, type Permission } from "@/lib/auth/roles";
import { apiFetch, signOut } from "./api-fetch";

export interface Me {
  username: string;
  role: "viewer" | "operator" | "admin";
  via: "session" | "token";
  twoFactor: boolean;
  mustEnroll: boolean;
  stepUpUntil: string | null;
}

/** One request per page for everything that asks who is signed in (menus, buttons by role). */
let asked: Promise<Me | null> | null = null;
function fetchMe(): Promise<Me | null> {
  asked ??= apiFetch("/api/auth/me", { cache: "no-store" })
    .then((r) => (r.ok ? (r.json() as Promise<Me>) : null))
    .catch(() => null);
  return asked;
}

/** The signed-in account (null while loading). */
export function useMe(): Me | null {
  const [me, setMe] = useState<Me | null>(null);
  useEffect(() => {
    let live = true;
    void fetchMe().then((m) => live && setMe(m));
    return () => {
      live = false;
    };
  }, []);
  return me;
}

/**
 * Whether the signed-in person may do what `permission` covers (the server's rule, lib/auth/roles.ts): pages hide
 * what a role cannot do. The server still decides; this only spares a viewer buttons that would answer 403.
 */
export function useCan(permission: Permission): boolean {
  const me = useMe();
  return me !== null && permits(me, permission);
}

/** What a page says instead of a form its reader's role cannot use. */
export function NotAllowed() {
  const t = useTranslations("auth");
  const me = useMe();
  return (
    <main className="mx-auto max-w-3xl p-6">
      <p role="alert" data-testid="not-allowed" className="rounded bg-amber-50 p-3 text-sm text-amber-900">
        {t("notAllowed", { role: me?.role ?? "" })}{" "}
        <a href="/" className="underline">
          {t("backToFarm")}
        </a>
      </p>
    </main>
  );
}

/** Renders `children` only for a role that holds `permission` (`fallback` otherwise, once known). */
export function Can(props: { permission: Permission; children: ReactNode; fallback?: ReactNode }) {
  const me = useMe();
  if (me === null) return null;
  return <>{permits(me, props.permission) ? props.children : (props.fallback ?? null)}</>;
}

/** Who is signed in, their account page, the admin pages, and sign-out. */
export function UserMenu() {
  const t = useTranslations("auth");
  const me = useMe();
  if (!me) return null;
  return (
    <span className="flex items-center gap-3 text-sm" data-testid="user-menu">
      {me.role === "admin" && (
        <>
          <a href="/settings/users" className="underline">
            {t("usersLink")}
          </a>
          <a href="/audit" className="underline">
            {t("auditLink")}
          </a>
          <a href="/settings/hosts" className="underline" data-testid="hosts-link">
            {t("hostsLink")}
          </a>
        </>
      )}
      <a href="/account" className="underline" data-testid="account-link">
        <span translate="no">{me.username}</span> ({t(`role.${me.role}`)})
      </a>
      <button type="button" data-testid="sign-out" className="underline" onClick={() => signOut()}>
        {t("signOut")}
      </button>
    </span>
  );
}
