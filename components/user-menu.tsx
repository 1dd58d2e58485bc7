"use client";

import { useTranslations } from "next-intl";
import { useEffect, useState } from "react";
import { apiFetch, signOut } from "./api-fetch";

export interface Me {
  username: string;
  role: "viewer" | "operator" | "admin";
  via: "session" | "token";
  twoFactor: boolean;
  mustEnroll: boolean;
  stepUpUntil: string | null;
}

/** The signed-in account (null while loading). */
export function useMe(): Me | null {
  const [me, setMe] = useState<Me | null>(null);
  useEffect(() => {
    void apiFetch("/api/auth/me", { cache: "no-store" })
      .then((r) => (r.ok ? (r.json() as Promise<Me>) : null))
      .then(setMe)
      .catch(() => undefined);
  }, []);
  return me;
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
