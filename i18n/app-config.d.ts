import type en from "../messages/en.json";
import type { Locale } from "./locales";

// Typed keys: a t() call with a key missing from the English catalogue fails `npm run typecheck`.
declare module "next-intl" {
  interface AppConfig {
    Locale: Locale;
    Messages: typeof en;
  }
}
