import { createTranslator } from "next-intl";
import { describe, expect, it } from "vitest";
import en from "../../../messages/en.json";
import ja from "../../../messages/ja.json";
import { ERROR_CODE_LIST } from "../../../lib/errors/codes";
import {
  DRBD_CONNECTION_STATES,
  DRBD_DISK_STATES,
  DRBD_REPLICATION_STATES,
  DRBD_ROLES,
  HYPERVISOR_KINDS,
  VM_STATES,
} from "../../../agents/protocol/schemas";
import { chooseLocale, LOCALES } from "../../../i18n/locales";

type Tree = { [key: string]: string | Tree };

function flatten(tree: Tree, prefix = ""): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(tree)) {
    const path = prefix ? `${prefix}.${key}` : key;
    if (typeof value === "string") out.set(path, value);
    else for (const [k, v] of flatten(value, path)) out.set(k, v);
  }
  return out;
}

const CATALOGUES: Record<(typeof LOCALES)[number], Map<string, string>> = {
  en: flatten(en as Tree),
  ja: flatten(ja as Tree),
};

/** ICU arguments of a message: `{name}`, `{n, number}`, `{n, plural, ...}`. */
function argumentsOf(message: string): string[] {
  return [...new Set([...message.matchAll(/\{\s*([A-Za-z_]\w*)\s*[,}]/g)].map((m) => m[1]!))].sort();
}

/** Messages that read the same in both languages: names, units and language names (autonyms). */
const SAME_IN_BOTH = new Set([
  "meta.title",
  "dashboard.brand",
  "language.en",
  "language.ja",
  "units.mib",
  "units.gib",
  "vm.memory",
  "wizard.volumeOption", // a device path and its size
  "wizard.fencingOption.resource-and-stonith", // DRBD's own keyword
  "incidents.source.drbd", // a name
  "incidents.evidence.kib", // a unit
  "history.col.mtbf", // the textbook's abbreviations, used as such in Japanese
  "history.col.mttr",
  "notifications.webhookTitle", // the word is used as such in Japanese
  "notifications.webhookUrl",
]);

describe("message catalogues", () => {
  it("have the same keys in every language", () => {
    const keys = (l: keyof typeof CATALOGUES) => [...CATALOGUES[l].keys()];
    for (const locale of LOCALES) {
      const missingHere = keys("en").filter((k) => !CATALOGUES[locale].has(k));
      const extraHere = keys(locale).filter((k) => !CATALOGUES.en.has(k));
      expect({ locale, missingHere, extraHere }).toEqual({ locale, missingHere: [], extraHere: [] });
    }
  });

  it("use the same ICU arguments for a key in every language, and every message formats", () => {
    for (const [key, message] of CATALOGUES.en) {
      const args = argumentsOf(message);
      expect(argumentsOf(CATALOGUES.ja.get(key) ?? ""), `ja ${key}`).toEqual(args);
      for (const locale of LOCALES) {
        const errors: string[] = [];
        const t = createTranslator({
          locale,
          messages: locale === "en" ? en : ja,
          onError: (e) => errors.push(e.message),
        });
        const values = Object.fromEntries(args.map((a) => [a, "1"]));
        const out = (t as unknown as (k: string, v: object) => string)(key, values);
        expect(errors, `${locale} ${key}`).toEqual([]);
        expect(out, `${locale} ${key}`).not.toMatch(/[{}]/);
      }
    }
  });

  it("are really translated: a Japanese message that equals the English one must be a name or a unit", () => {
    const untranslated = [...CATALOGUES.en].filter(
      ([k, v]) => CATALOGUES.ja.get(k) === v && !SAME_IN_BOTH.has(k),
    );
    expect(untranslated.map(([k]) => k)).toEqual([]);
    const withoutJapanese = [...CATALOGUES.ja]
      .filter(
        ([k, v]) =>
          !SAME_IN_BOTH.has(k) && !/[\p{Script=Hiragana}\p{Script=Katakana}\p{Script=Han}]/u.test(v),
      )
      .map(([k]) => k);
    expect(withoutJapanese).toEqual([]);
  });

  it("explain every error code Tandem has", () => {
    for (const locale of LOCALES)
      expect(
        ERROR_CODE_LIST.filter((code) => !CATALOGUES[locale].has(`errors.${code}`)),
        locale,
      ).toEqual([]);
  });

  it("explain every DRBD and hypervisor word the tools print", () => {
    const groups = {
      role: DRBD_ROLES,
      disk: DRBD_DISK_STATES,
      connection: DRBD_CONNECTION_STATES,
      replication: DRBD_REPLICATION_STATES,
      vmState: VM_STATES,
      hypervisor: HYPERVISOR_KINDS,
    };
    for (const locale of LOCALES)
      for (const [group, words] of Object.entries(groups))
        expect(
          words.filter((w) => !CATALOGUES[locale].has(`terms.${group}.${w}`)),
          `${locale} terms.${group}`,
        ).toEqual([]);
  });
});

describe("chooseLocale", () => {
  it("takes the cookie when it names a language Tandem speaks", () => {
    expect(chooseLocale("ja", "en-US,en;q=0.9")).toBe("ja");
    expect(chooseLocale("en", "ja")).toBe("en");
    expect(chooseLocale("fr", "ja-JP")).toBe("ja");
  });

  it("else follows Accept-Language by q-value, matching ja-JP to ja", () => {
    expect(chooseLocale(undefined, "ja-JP,ja;q=0.9,en-US;q=0.8,en;q=0.7")).toBe("ja");
    expect(chooseLocale(undefined, "fr-FR, en;q=0.5, ja;q=0.8")).toBe("ja");
    expect(chooseLocale(undefined, "de, en;q=0.9")).toBe("en");
    expect(chooseLocale(undefined, "ja;q=0, en;q=0.1")).toBe("en");
  });

  it("else English", () => {
    expect(chooseLocale(undefined, undefined)).toBe("en");
    expect(chooseLocale(undefined, "")).toBe("en");
    expect(chooseLocale(undefined, "fr, de")).toBe("en");
    expect(chooseLocale(undefined, "*")).toBe("en");
    expect(chooseLocale(undefined, ";;,q=x")).toBe("en");
  });
});

describe("runbook refusals", () => {
  it("every rule the plan or the promotion gate can give has words in both catalogues", async () => {
    const { PLAN_RULES } = await import("../../../lib/runbooks/rules");
    const { REFUSAL_RULES } = await import("../../../lib/runbooks/promotion");
    for (const locale of LOCALES)
      expect(
        [...PLAN_RULES, ...REFUSAL_RULES].filter((rule) => !CATALOGUES[locale].has(`runbook.rule.${rule}`)),
        locale,
      ).toEqual([]);
  });
});
