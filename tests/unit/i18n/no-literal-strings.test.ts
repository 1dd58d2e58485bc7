import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { findUiLiterals } from "../../helpers/ui-literals";

const ROOT = path.resolve(import.meta.dirname, "../../..");

function uiFiles(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true, recursive: true }).flatMap((e) => {
    if (!e.isFile() || !/\.tsx?$/.test(e.name) || e.name.endsWith(".d.ts")) return [];
    const file = path.relative(ROOT, path.join(e.parentPath, e.name));
    // API routes answer machines (codes + English evidence); the UI translates by code.
    return file.startsWith(path.join("app", "api")) ? [] : [file];
  });
}

describe("no user-facing text outside the catalogues", () => {
  it("app/ and components/ hold none", () => {
    const files = [...uiFiles("app"), ...uiFiles("components")];
    expect(files.length).toBeGreaterThan(5);
    const findings = files.flatMap((f) => findUiLiterals(f, fs.readFileSync(path.join(ROOT, f), "utf8")));
    expect(findings.map((f) => `${f.file}:${f.line} ${f.why}: ${JSON.stringify(f.text)}`)).toEqual([]);
  });

  it("the checker finds each way text gets written into a component", () => {
    const source = [
      "export function A({ ok, n }: { ok: boolean; n: number }) {",
      '  const message = "The panel does not answer.";',
      '  const ja = "読み込み中";',
      "  return (",
      '    <div title="Memory of host" className="text-sm font-semibold" data-testid="x">',
      "      Loading the farm",
      '      {ok ? "Live" : "Not live"}',
      "      {`${n} of ${n} VMs`}",
      '      <img alt="logo" aria-label={`Memory of ${n}`} />',
      "    </div>",
      "  );",
      "}",
    ].join("\n");
    const found = findUiLiterals("a.tsx", source).map((f) => [f.line, f.why, f.text]);
    expect(found).toEqual([
      [2, "sentence-like literal", "The panel does not answer."],
      [3, "sentence-like literal", "読み込み中"],
      [5, "attribute title", "Memory of host"],
      [6, "JSX text", "Loading the farm"],
      [7, "JSX child", "Live"],
      [7, "JSX child", "Not live"],
      [8, "JSX child", "of   VMs"],
      [9, "attribute alt", "logo"],
      [9, "attribute aria-label", "Memory of"],
    ]);
  });

  it("leaves code alone: classes, test ids, state names, keys, imports and translation keys", () => {
    const source = [
      '"use client";',
      'import { x } from "next-intl";',
      'const STYLE: Record<string, string> = { UpToDate: "text-emerald-700 font-semibold" };',
      'type S = "Primary" | "Secondary";',
      "export function B({ role }: { role: string }) {",
      '  const t = useTranslations("dashboard");',
      "  return (",
      '    <p className={role === "Primary" ? "font-semibold text-slate-900" : "text-slate-600"} data-testid="role">',
      '      {t("live")}',
      "    </p>",
      "  );",
      "}",
    ].join("\n");
    expect(findUiLiterals("b.tsx", source)).toEqual([]);
  });
});
