import { ParseError } from "../../../lib/errors/app-error";

/*
 * A small reader for the S-expressions (SXP) that xend prints, e.g. `xm list --long`:
 *
 *   (domain
 *       (domid 119)
 *       (bootloader )
 *       (cpus (()))
 *       (image (linux (kernel /boot/vmlinuz-ganetixenu) (args 'root=/dev/xvda1 ro')))
 *       (state -b----)
 *   )
 *
 * The format is the one of xen/xend/sxp.py (the reader) and PrettyPrint.py / sxp.show (the writer):
 * - lists in parentheses, split over lines at will by the pretty-printer;
 * - bare atoms: any run of characters up to white space or a parenthesis (numbers stay strings);
 * - quoted strings, written with Python's repr(): '...' or "...", with the escapes \a \b \t \n \v \f \r
 *   \\ \' \", \xHH and octal \NNN; an unknown escape is kept as written (sxp.py drops its letter);
 * - `#` at the start of a token opens a comment up to the end of the line (sxp.py); xend quotes every
 *   string holding `#`, so real output has none;
 * - an empty string is printed as nothing: `(bootloader )` reads back as the one-element list
 *   ["bootloader"], exactly as sxp.py reads it.
 *
 * The reader is strict about structure: an unbalanced parenthesis or an unterminated string is a
 * ParseError naming the line where the problem starts.
 */

export type SxpNode = string | SxpList;
export type SxpList = SxpNode[];

/** Line (0-based) where each list was opened, so that callers can name the offending line. */
const OPENED_AT = new WeakMap<SxpList, number>();

const SPACE = new Set([" ", "\t", "\n", "\v", "\f", "\r"]);
const ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  t: "\t",
  n: "\n",
  v: "\v",
  f: "\f",
  r: "\r",
  "\\": "\\",
  "'": "'",
  '"': '"',
};

/** Reads every top-level expression of `text` (atoms and lists). Empty text gives []. */
export function parseSxp(text: string, tool = "sxp"): SxpNode[] {
  const lines = text.split("\n");
  const lineText = (n: number): string => lines[n] ?? "";
  const top: SxpNode[] = [];
  const stack: SxpList[] = [];
  let line = 0;
  let i = 0;

  const emit = (node: SxpNode): void => {
    const parent = stack[stack.length - 1];
    if (parent) parent.push(node);
    else top.push(node);
  };

  while (i < text.length) {
    const c = text[i]!;
    if (c === "\n") {
      line++;
      i++;
    } else if (SPACE.has(c)) {
      i++;
    } else if (c === "#") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (c === "(") {
      const list: SxpList = [];
      OPENED_AT.set(list, line);
      emit(list);
      stack.push(list);
      i++;
    } else if (c === ")") {
      if (stack.pop() === undefined) throw new ParseError(tool, "unbalanced ')'", lineText(line));
      i++;
    } else if (c === "'" || c === '"') {
      const start = line;
      let value = "";
      i++;
      for (;;) {
        if (i >= text.length) throw new ParseError(tool, "unterminated string", lineText(start));
        const d = text[i]!;
        if (d === c) {
          i++;
          break;
        }
        if (d === "\n") line++;
        if (d !== "\\") {
          value += d;
          i++;
          continue;
        }
        const e = text[i + 1];
        if (e === undefined) throw new ParseError(tool, "unterminated string", lineText(start));
        const simple = ESCAPES[e];
        const hex = /^x([0-9A-Fa-f]{1,2})/.exec(text.slice(i + 1, i + 4));
        const oct = /^[0-7]{1,3}/.exec(text.slice(i + 1, i + 4));
        if (simple !== undefined) {
          value += simple;
          i += 2;
        } else if (hex) {
          value += String.fromCharCode(parseInt(hex[1]!, 16));
          i += 1 + hex[0].length;
        } else if (oct && parseInt(oct[0], 8) <= 0xff) {
          value += String.fromCharCode(parseInt(oct[0], 8));
          i += 1 + oct[0].length;
        } else {
          value += `\\${e}`;
          if (e === "\n") line++;
          i += 2;
        }
      }
      emit(value);
    } else {
      let j = i;
      while (j < text.length && !SPACE.has(text[j]!) && text[j] !== "(" && text[j] !== ")") j++;
      emit(text.slice(i, j));
      i = j;
    }
  }
  const open = stack[0];
  if (open !== undefined) {
    throw new ParseError(tool, "unbalanced '(': list not closed", lineText(OPENED_AT.get(open) ?? 0));
  }
  return top;
}

/** The 0-based line where `list` was opened in the text given to parseSxp, if it came from there. */
export function sxpLineOf(list: SxpList): number | undefined {
  return OPENED_AT.get(list);
}

/** True for a list whose first element is the atom `key` (sxp.py `elementp`). */
export function isSxpElement(node: SxpNode | undefined, key?: string): node is SxpList {
  return Array.isArray(node) && node.length > 0 && (key === undefined || node[0] === key);
}

/** Every child `(key ...)` of `node` (its elements after the name), in order (sxp.py `children`). */
export function sxpChildren(node: SxpNode, key: string): SxpList[] {
  if (!Array.isArray(node)) return [];
  return node.slice(1).filter((child): child is SxpList => isSxpElement(child, key));
}

/** The first child `(key ...)` of `node`, or undefined (sxp.py `child`). */
export function sxpChild(node: SxpNode, key: string): SxpList | undefined {
  return sxpChildren(node, key)[0];
}

/**
 * The atom value of the first child `(key value)` (sxp.py `child_value`): undefined when there is no
 * such child or it holds no value (`(bootloader )`). A list where an atom belongs is a ParseError.
 */
export function sxpValue(node: SxpNode, key: string, tool = "sxp"): string | undefined {
  const child = sxpChild(node, key);
  if (child === undefined) return undefined;
  const value = child[1];
  if (Array.isArray(value)) {
    const at = sxpLineOf(child);
    const where = at === undefined ? "" : ` (line ${at + 1})`;
    throw new ParseError(tool, `(${key} ...) holds a list, expected a value${where}`);
  }
  return value;
}
