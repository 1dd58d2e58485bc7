/**
 * Finds user-facing text written into UI source instead of the message catalogues (issue 11): the TypeScript
 * syntax tree of each .tsx/.ts file under app/ and components/, not a regex over the text.
 *
 * Flagged:
 * - JSX text with a letter in it (`<p>Loading</p>`);
 * - a string or template literal with a letter used as a JSX child (`{"Loading"}`, `{cond ? "a" : "b"}`) or as
 *   the value of an attribute people read or hear: title, alt, placeholder, label, aria-label,
 *   aria-description, aria-valuetext, aria-roledescription;
 * - anywhere else in the file, a literal that reads like a sentence: two or more words of letters separated
 *   by a space where no word looks like a CSS class (`a-b`, `a:b`), or any capitalised word followed by more
 *   text, or non-ASCII letters (Japanese written in code instead of ja.json).
 * Not flagged: absolute paths (`/dev/drbd${minor}`), module names, directives, object keys, type-level literals, comparisons and `case` labels
 * (state names such as "Primary" are matched, not shown), and the first argument of t()/useTranslations().
 */
import ts from "typescript";

export interface LiteralFinding {
  file: string;
  line: number;
  text: string;
  why: string;
}

const READ_ATTRIBUTES = new Set([
  "title",
  "alt",
  "placeholder",
  "label",
  "aria-label",
  "aria-description",
  "aria-valuetext",
  "aria-roledescription",
]);
/** Attributes whose values are identifiers for code, styles and tests, never read by a person. */
const CODE_ATTRIBUTES = new Set([
  "className",
  "id",
  "key",
  "htmlFor",
  "role",
  "lang",
  "translate",
  "href",
  "src",
  "type",
  "name",
  "value",
]);
const TRANSLATION_CALLS = new Set(["t", "useTranslations", "getTranslations", "t.rich", "t.has"]);

const LETTER = /\p{L}/u;

function looksLikeSentence(text: string): boolean {
  if (/\p{L}/u.test(text.replace(/[\p{Script=Latin}\P{L}]/gu, ""))) return true; // Japanese and other scripts
  const words = text.trim().split(/\s+/);
  if (words.length < 2) return false;
  // A class list ("rounded border bg-white"): lowercase tokens, one at least with a Tailwind separator.
  if (words.every((w) => /^[a-z0-9!:.\-[\]/%#_()]+$/.test(w)) && words.some((w) => /[a-z0-9][-:/[]/.test(w)))
    return false;
  return words.filter((w) => LETTER.test(w)).length >= 2;
}

export function findUiLiterals(file: string, source: string): LiteralFinding[] {
  const sf = ts.createSourceFile(
    file,
    source,
    ts.ScriptTarget.Latest,
    true,
    file.endsWith(".tsx") ? ts.ScriptKind.TSX : ts.ScriptKind.TS,
  );
  const findings: LiteralFinding[] = [];
  const report = (node: ts.Node, text: string, why: string) =>
    findings.push({
      file,
      line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1,
      text: text.trim(),
      why,
    });

  const visit = (node: ts.Node): void => {
    if (ts.isJsxText(node)) {
      if (LETTER.test(node.text)) report(node, node.text, "JSX text");
      return;
    }
    if (
      ts.isStringLiteral(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isTemplateExpression(node)
    ) {
      const text = ts.isTemplateExpression(node)
        ? [node.head.text, ...node.templateSpans.map((s) => s.literal.text)].join(" ")
        : node.text;
      if (LETTER.test(text)) {
        const why = classify(node, text);
        if (why) report(node, text, why);
      }
      return;
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return findings;
}

/** Why this literal is user-facing text, or null when it is code. */
function classify(node: ts.Node, text: string): string | null {
  if (/^\/[A-Za-z0-9._/-]*$/.test(text.trim())) return null; // a path such as /dev/drbd (data, not words)
  let child: ts.Node = node;
  let parent = node.parent;
  // Climb through expressions that only pass the value on: `a ? "x" : "y"`, `(...)`, `a ?? "x"`, `a || "x"`.
  while (
    ts.isConditionalExpression(parent) ||
    ts.isParenthesizedExpression(parent) ||
    (ts.isBinaryExpression(parent) &&
      [
        ts.SyntaxKind.QuestionQuestionToken,
        ts.SyntaxKind.BarBarToken,
        ts.SyntaxKind.AmpersandAmpersandToken,
      ].includes(parent.operatorToken.kind)) ||
    ts.isTemplateSpan(parent) ||
    ts.isTemplateExpression(parent)
  ) {
    if (ts.isConditionalExpression(parent) && parent.condition === child) return null;
    child = parent;
    parent = parent.parent;
  }
  if (ts.isJsxExpression(parent)) {
    const holder = parent.parent;
    if (ts.isJsxAttribute(holder)) {
      const name = holder.name.getText();
      if (READ_ATTRIBUTES.has(name)) return `attribute ${name}`;
      if (CODE_ATTRIBUTES.has(name) || name.startsWith("data-")) return null;
      return looksLikeSentence(text) ? `attribute ${name}` : null;
    }
    return "JSX child";
  }
  if (ts.isJsxAttribute(parent)) {
    const name = parent.name.getText();
    if (READ_ATTRIBUTES.has(name)) return `attribute ${name}`;
    if (CODE_ATTRIBUTES.has(name) || name.startsWith("data-")) return null;
    return looksLikeSentence(text) ? `attribute ${name}` : null;
  }
  if (
    ts.isImportDeclaration(parent) ||
    ts.isExportDeclaration(parent) ||
    ts.isExternalModuleReference(parent) ||
    ts.isLiteralTypeNode(parent) ||
    (ts.isPropertyAssignment(parent) && parent.name === child) ||
    ts.isCaseClause(parent) ||
    ts.isElementAccessExpression(parent) ||
    (ts.isExpressionStatement(parent) && ts.isSourceFile(parent.parent)) // "use client"
  )
    return null;
  if (
    ts.isBinaryExpression(parent) &&
    [
      ts.SyntaxKind.EqualsEqualsEqualsToken,
      ts.SyntaxKind.ExclamationEqualsEqualsToken,
      ts.SyntaxKind.EqualsEqualsToken,
      ts.SyntaxKind.ExclamationEqualsToken,
    ].includes(parent.operatorToken.kind)
  )
    return null;
  if (ts.isCallExpression(parent) && parent.arguments[0] === child) {
    const callee = parent.expression.getText();
    if (TRANSLATION_CALLS.has(callee) || /^t[A-Z]?\w*$/.test(callee)) return null;
  }
  return looksLikeSentence(text) ? "sentence-like literal" : null;
}
