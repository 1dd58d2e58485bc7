"use client";

import { useLocale, useTranslations } from "next-intl";
import { useRouter } from "next/navigation";
import { useTransition } from "react";
import { LOCALES, isLocale, localeCookie } from "@/i18n/locales";

/** Chooses the language for this browser (a cookie; per-user preferences come with accounts) and re-renders. */
export function LanguageSwitcher() {
  const t = useTranslations("language");
  const locale = useLocale();
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  return (
    <label className="flex items-center gap-1 text-sm text-slate-600">
      <span>{t("label")}</span>
      <select
        data-testid="language-switcher"
        value={locale}
        disabled={pending}
        className="rounded border border-slate-300 bg-white px-1 py-0.5"
        onChange={(e) => {
          const next = e.target.value;
          if (!isLocale(next)) return;
          document.cookie = localeCookie(next);
          startTransition(() => router.refresh());
        }}
      >
        {LOCALES.map((l) => (
          <option key={l} value={l} lang={l} translate="no">
            {t(l)}
          </option>
        ))}
      </select>
    </label>
  );
}
