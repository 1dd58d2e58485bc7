import { useFormatter, useTranslations } from "next-intl";

/** Memory sizes in the locale's number format: "512 MiB", "1.5 GiB" (binary units, as the tools print them). */
export function useFormatMiB(): (mib: number) => string {
  const t = useTranslations("units");
  const format = useFormatter();
  return (mib) =>
    mib >= 1024
      ? t("gib", { value: format.number(mib / 1024, { maximumFractionDigits: 1 }) })
      : t("mib", { value: format.number(mib, { maximumFractionDigits: 0 }) });
}

/** Time left as the catalogue words it: seconds under 90 s, minutes under 90 min, else hours. */
export function useFormatEta(): (seconds: number) => string {
  const t = useTranslations("resource");
  const format = useFormatter();
  return (seconds) => {
    if (seconds < 90) return t("etaSeconds", { count: format.number(seconds) });
    if (seconds < 5400) return t("etaMinutes", { count: format.number(Math.round(seconds / 60)) });
    return t("etaHours", { count: format.number(seconds / 3600, { maximumFractionDigits: 1 }) });
  };
}

/** A date and time with its time zone named, in the locale's order ("2026/11/22 4:31:07 UTC"). */
export function useFormatDateTime(): (iso: string) => string {
  const format = useFormatter();
  return (iso) =>
    format.dateTime(new Date(iso), {
      year: "numeric",
      month: "short",
      day: "numeric",
      hour: "numeric",
      minute: "2-digit",
      second: "2-digit",
      timeZoneName: "short",
    });
}
