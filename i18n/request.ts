import { cookies, headers } from "next/headers";
import { getRequestConfig } from "next-intl/server";
import { chooseLocale, LOCALE_COOKIE, type Locale } from "./locales";
import en from "../messages/en.json";
import ja from "../messages/ja.json";

const MESSAGES: Record<Locale, typeof en> = { en, ja };

/** The server's own time zone: every time shown carries its zone name, so it is never ambiguous. */
export const SERVER_TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone;

export default getRequestConfig(async () => {
  const locale = chooseLocale(
    (await cookies()).get(LOCALE_COOKIE)?.value,
    (await headers()).get("accept-language"),
  );
  return { locale, messages: MESSAGES[locale], timeZone: SERVER_TIME_ZONE };
});
