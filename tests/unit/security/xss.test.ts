/**
 * S13: strings from hosts are text. The components that show host output (a VM's name and state as the hypervisor
 * printed them, a tool's error evidence) are rendered with a corpus of hostile strings and must come out escaped;
 * and no component sets HTML (dangerouslySetInnerHTML) or builds a javascript: URL. The browser's side (a strict CSP
 * with no inline script) is checked in the e2e suite (tests/e2e/first-run.spec.ts).
 */
import fs from "node:fs";
import path from "node:path";
import { createElement, type ReactNode } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { NextIntlClientProvider } from "next-intl";
import { describe, expect, it } from "vitest";
import { ErrorMessage } from "../../../components/error-message";
import { VmRow } from "../../../components/vm-row";
import messages from "../../../messages/en.json";

const ROOT = path.resolve(import.meta.dirname, "../../..");
const CORPUS = [
  "<script>alert(1)</script>",
  '"><img src=x onerror=alert(1)>',
  "<svg/onload=alert(1)>",
  "javascript:alert(1)",
  "';alert(String.fromCharCode(88,83,83))//",
  "<iframe src=//evil.example>",
];

/**
 * The markup's tags and attribute names only: React writes every attribute value in double quotes with `"` escaped,
 * and escapes `<` in text, so the `<...>` runs left after removing quoted values are exactly the elements and
 * attributes a browser would parse.
 */
const structure = (html: string) => (html.replace(/="[^"]*"/g, '=""').match(/<[^>]*>/g) ?? []).join("");
const render = (node: ReactNode) =>
  renderToStaticMarkup(
    createElement(NextIntlClientProvider, { locale: "en", messages, timeZone: "UTC", children: node }),
  );

describe("host output is rendered as text", () => {
  it("a VM whose name and state are hostile", () => {
    for (const evil of CORPUS) {
      const html = render(
        createElement(VmRow, {
          vm: { name: evil, state: evil, resource: evil, memoryMiB: 1, maxMemoryMiB: 1 } as never,
        }),
      );
      expect(structure(html), evil).not.toMatch(/<(script|img|svg|iframe)\b/i);
      expect(structure(html), evil).not.toMatch(/ on\w+=/i);
    }
  });

  it("a tool's error evidence that is hostile", () => {
    for (const evil of CORPUS) {
      const html = render(createElement(ErrorMessage, { error: { code: "COMMAND_FAILED", message: evil } }));
      expect(structure(html), evil).not.toMatch(/<(script|img|svg|iframe)\b/i);
      expect(structure(html), evil).not.toMatch(/ on\w+=/i);
      if (evil.includes("<")) expect(html).toContain("&lt;");
    }
  });

  it("no component sets raw HTML or a javascript: URL", () => {
    const walk = (dir: string): string[] =>
      fs.readdirSync(dir).flatMap((n) => {
        const p = path.join(dir, n);
        return fs.statSync(p).isDirectory() ? walk(p) : /\.tsx?$/.test(n) ? [p] : [];
      });
    for (const file of [...walk(path.join(ROOT, "components")), ...walk(path.join(ROOT, "app"))]) {
      const text = fs.readFileSync(file, "utf8");
      expect(text, file).not.toContain("dangerouslySetInnerHTML");
      expect(text, file).not.toMatch(/javascript:/i);
    }
  });
});
