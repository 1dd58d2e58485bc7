import { ParseError } from "../../../lib/errors/app-error";

/*
 * xl.cfg domain configuration files (xl.cfg(5), parsed by libxlu):
 *
 *   # Guest name
 *   name = "example.pvlinux"
 *   memory = 128
 *   vcpus = 2
 *   disk = [ 'phy:/dev/drbd1,xvda,w',
 *            'phy:/dev/drbd2,xvdb,w' ]
 *
 * A setting is KEY = VALUE (or KEY += VALUE, which appends), ended by a newline or ";". A value is a
 * number, a string in single or double quotes, or a list of those in [ ] that may span lines.
 * "#" starts a comment. Later settings of the same key win. Anything else is a ParseError.
 */

const TOOL = "xl.cfg";

export type XlCfgValue = string | number | string[];

export interface XlCfg {
  name: string;
  memoryMiB: number;
  /** maxmem, or memory when maxmem is not set. */
  maxMemoryMiB: number;
  vcpus?: number;
  /** The diskspec strings of `disk = [ ... ]`, e.g. "phy:/dev/drbd1,xvda,w". */
  disks: string[];
  raw: Record<string, XlCfgValue>;
}

export function parseXlCfg(text: string): XlCfg {
  const raw = parseSettings(text);
  const name = raw.name;
  if (typeof name !== "string" || name === "") throw new ParseError(TOOL, 'no name = "..." setting');
  const memoryMiB = numberSetting(raw, "memory");
  if (memoryMiB === undefined) throw new ParseError(TOOL, `no memory setting for ${name}`);
  const vcpus = numberSetting(raw, "vcpus");
  const disk = raw.disk;
  return {
    name,
    memoryMiB,
    maxMemoryMiB: numberSetting(raw, "maxmem") ?? memoryMiB,
    ...(vcpus === undefined ? {} : { vcpus }),
    disks: disk === undefined ? [] : Array.isArray(disk) ? disk : [String(disk)],
    raw,
  };
}

/** libxlu keeps every value as text, so `memory = "512"` is as valid as `memory = 512`. */
function numberSetting(raw: Record<string, XlCfgValue>, key: string): number | undefined {
  const value = raw[key];
  if (value === undefined || typeof value === "number") return value;
  if (typeof value === "string" && /^\d+$/.test(value)) return Number(value);
  throw new ParseError(TOOL, `${key} is not a number`, `${key} = ${JSON.stringify(value)}`);
}

// ---------------------------------------------------------------------------------------------------

type Token =
  | { kind: "word"; text: string; line: number }
  | { kind: "string"; text: string; line: number }
  | { kind: "number"; text: string; line: number }
  | { kind: "punct"; text: "=" | "+=" | "[" | "]" | "," | "\n"; line: number };

const RULES: ReadonlyArray<readonly [RegExp, Token["kind"] | "skip"]> = [
  [/[ \t\r]+|#[^\n]*/y, "skip"],
  [/\n|;|\+=|=|\[|\]|,/y, "punct"],
  [/"(?:[^"\\\n]|\\.)*"|'[^'\n]*'/y, "string"],
  [/(?:0x[0-9a-fA-F]+|\d+(?:\.\d+)?)(?![\w.])/y, "number"],
  [/[A-Za-z_][A-Za-z0-9_]*/y, "word"],
];

function tokenize(text: string, lines: string[]): Token[] {
  const tokens: Token[] = [];
  let pos = 0;
  let line = 0;
  outer: while (pos < text.length) {
    for (const [re, kind] of RULES) {
      re.lastIndex = pos;
      const m = re.exec(text);
      if (!m) continue;
      pos += m[0].length;
      if (kind === "string") tokens.push({ kind, text: dequote(m[0]), line });
      else if (kind === "punct")
        tokens.push({ kind, text: m[0] === ";" ? "\n" : (m[0] as "=" | "+=" | "[" | "]" | ","), line });
      else if (kind !== "skip") tokens.push({ kind, text: m[0], line });
      if (m[0] === "\n") line++;
      continue outer;
    }
    throw new ParseError(TOOL, `unexpected character ${JSON.stringify(text[pos])}`, lines[line]);
  }
  return tokens;
}

function dequote(quoted: string): string {
  const body = quoted.slice(1, -1);
  if (quoted.startsWith("'")) return body;
  const escapes: Record<string, string> = { n: "\n", t: "\t", r: "\r" };
  return body.replace(/\\(.)/g, (_, c: string) => escapes[c] ?? c);
}

function parseSettings(text: string): Record<string, XlCfgValue> {
  const lines = text.split("\n");
  const tokens = tokenize(text, lines);
  const raw: Record<string, XlCfgValue> = {};
  let i = 0;
  const error = (message: string, tok: Token | undefined) =>
    new ParseError(TOOL, message, lines[tok?.line ?? lines.length - 1]);
  const isPunct = (tok: Token | undefined, text: string) => tok?.kind === "punct" && tok.text === text;
  const skipNewlines = () => {
    while (isPunct(tokens[i], "\n")) i++;
  };
  const atom = (where: string): string | number => {
    const tok = tokens[i++];
    if (tok?.kind === "string") return tok.text;
    if (tok?.kind === "number") return Number(tok.text);
    throw error(`expected a string or a number ${where}`, tok);
  };

  for (skipNewlines(); i < tokens.length; skipNewlines()) {
    const key = tokens[i++];
    if (key?.kind !== "word") throw error("expected a setting name", key);
    const op = tokens[i++];
    if (!isPunct(op, "=") && !isPunct(op, "+=")) throw error(`expected = after ${key.text}`, op ?? key);

    let value: XlCfgValue;
    if (isPunct(tokens[i], "[")) {
      i++;
      const list: string[] = [];
      for (skipNewlines(); !isPunct(tokens[i], "]"); skipNewlines()) {
        list.push(String(atom(`in the list of ${key.text}`)));
        skipNewlines();
        if (isPunct(tokens[i], ",")) i++;
        else if (!isPunct(tokens[i], "]"))
          throw error(`expected , or ] in the list of ${key.text}`, tokens[i] ?? key);
      }
      i++;
      value = list;
    } else {
      value = atom(`for ${key.text}`);
    }
    if (i < tokens.length && !isPunct(tokens[i], "\n"))
      throw error("expected the end of the setting", tokens[i]);

    const name = key.text;
    const old = raw[name];
    if (isPunct(op, "+=") && old !== undefined) {
      if (Array.isArray(old) && Array.isArray(value)) value = [...old, ...value];
      else if (typeof old === "string" && typeof value === "string") value = old + value;
      else throw error(`cannot append to ${name}`, key);
    }
    raw[name] = value;
  }
  return raw;
}
