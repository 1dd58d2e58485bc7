import { z } from "zod";
import { ParseError } from "../../../lib/errors/app-error";
import type { TLvmGroups, TLvmVolumes } from "../../parsers/shapes";

/*
 * Readers for LVM2 `lvs` / `vgs` reports (lvmreport(7)), in every output form LVM prints:
 *
 * 1. `--reportformat json` (strings) and `json_std` (numbers as numbers, null for undefined):
 *      {"report": [ {"lv": [ {"lv_name":"lvol1", "vg_name":"vg", "lv_size":"4194304"} ]} ]}
 *    `lvm fullreport` puts one object per VG in "report", with "vg", "pv", "lv", "pvseg", "seg" arrays;
 *    every "lv" / "vg" array is read. A top-level "log" array (report_command_log=1) is ignored.
 * 2. The default padded table, headings first (2-space left margin; sizes right-aligned):
 *      "  LV    VG Attr       LSize Pool Origin Move Log Cpy%Sync Convert"
 *      "  lvol0 vg -wi-a----- 4.00m"
 *      "  VG #PV #LV #SN Attr   VSize   VFree"
 *      "  vg   2   2   0 wz--n- 200.00m 180.00m"
 *    Columns are chosen by heading (LV, VG, LSize / VG, VSize, VFree) and cut at the positions where
 *    the headings start (LVM left-aligns every heading over its column), so empty cells are read as
 *    empty. Headings made of two words ("LV UUID", "LV Tags", ...) are kept whole. With
 *    `--headings full` the headings are the field names (lv_name vg_name lv_size ...). With
 *    `--separator " | "` (and `--aligned`) the headings and cells are split at the separator.
 * 3. `--noheadings`, padded or with `--separator` ("|" and ";" are recognised by themselves, any other
 *    one must be passed): columns are given by the caller (the `-o` list) or, when it does not know,
 *    are LVM's defaults (report/lvs_cols, report/vgs_cols in lvm.conf):
 *      lvs: lv_name,vg_name,lv_attr,lv_size,pool_lv,origin,data_percent,metadata_percent,move_pv,
 *           mirror_log,copy_percent,convert_lv
 *      vgs: vg_name,pv_count,lv_count,snap_count,vg_attr,vg_size,vg_free
 *    Padded rows are split at white space, so an empty cell shifts the next ones: only trailing cells
 *    may be empty there (use --separator, as lvsPlain()/vgsPlain() do).
 * 4. `--nameprefixes`: LVM2_LV_NAME='lvol1' LVM2_LV_SIZE='4.00m' ... (field names from the keys;
 *    `--unquoted` and a "|" or ";" separator between the pairs are read too).
 *
 * Sizes (parseLvmSize): whole bytes ("1073741824", what `--units b --nosuffix` prints, and json_std
 * numbers), bytes with a suffix ("1073741824B", `--units b`), sectors ("2048s"), or human-readable
 * values with 2 decimals: "4.00m", "20.00g", "<1.82t". Lower-case k m g t p e are powers of 1024;
 * upper-case K M G T P E powers of 1000 (LVM's rule since si_unit_consistency; very old LVM2 printed
 * upper-case letters for powers of 1024 too). A human-readable value is rounded to 0.01 of its unit,
 * so the bytes we compute are off by up to half of that (about 5 GiB for "t"): good for display, not
 * for arithmetic. A leading "<" means LVM rounded up (the true size is a little smaller), ">" the
 * reverse; we return the figure as printed. A size without a suffix must be a whole number of bytes:
 * "4.00" (--nosuffix with other units) is refused rather than misread.
 *
 * Messages that LVM writes on stderr, when they end up in the text, are skipped (isLvmDiagnostic):
 * "WARNING: ...", "Couldn't find device with uuid ...", "Couldn't find all physical volumes for volume
 * group xenvg.", "Volume group xenvg not found", "Cannot process volume group ...", "File descriptor 3
 * (...) leaked on vgs invocation. ...", "/dev/sdc: read failed after 0 of 4096 ...", "Found duplicate
 * PV ...". A VG with missing PVs is still reported (attr "wz-pn-"); one that cannot be read at all is
 * absent from the result. A first line holding a pasted prompt and LVM command ("# lvs",
 * "[root@pcmk-1 ~]# vgs") is skipped too. Any other line that is not a report row is a ParseError
 * naming the line.
 *
 * A report without a VG column (`lvs -o lv_name,lv_size`, `lvs vg/lv`) gives vg = options.vg, or ""
 * when the caller did not say which VG it asked about.
 */

export interface LvmReportOptions {
  /** The VG the command was about, for reports that have no vg_name column. */
  vg?: string;
}

export interface LvmPlainOptions extends LvmReportOptions {
  /** The `--separator` used; "|" and ";" are detected without it. */
  separator?: string;
}

type Kind = "lvs" | "vgs";
type Row = { fields: Map<string, string | number | null>; line: string };

const LVS_DEFAULT = [
  "lv_name",
  "vg_name",
  "lv_attr",
  "lv_size",
  "pool_lv",
  "origin",
  "data_percent",
  "metadata_percent",
  "move_pv",
  "mirror_log",
  "copy_percent",
  "convert_lv",
];
const VGS_DEFAULT = ["vg_name", "pv_count", "lv_count", "snap_count", "vg_attr", "vg_size", "vg_free"];

/** Headings (lib/report/columns.h) of the fields we read, plus common ones used to recognise a header. */
const HEADINGS: Record<Kind, Record<string, string>> = {
  lvs: { LV: "lv_name", VG: "vg_name", LSize: "lv_size", Attr: "lv_attr", Path: "lv_path" },
  vgs: { VG: "vg_name", VSize: "vg_size", VFree: "vg_free", Attr: "vg_attr", "#PV": "pv_count" },
};
const OTHER_HEADINGS = new Set(
  (
    "PV Fmt PSize PFree Pool Origin Move Log Cpy%Sync Convert Data% Meta% Snap% Copy% #LV #SN #Seg " +
    "Maj Min KMaj KMin Type #Str SSize Start Layout Role Devices Modules LProfile VProfile Ext #Ext Free"
  ).split(" "),
);
/** Headings with a space in them (columns.h); their two words are one column. */
const TWO_WORD_HEADINGS = new Set([
  "LV UUID",
  "LV Tags",
  "PV UUID",
  "PV Tags",
  "VG UUID",
  "VG Tags",
  "Seg Tags",
  "SYS ID",
  "1st PE",
  "PE Ranges",
]);

const SPEC: Record<
  Kind,
  { tool: string; name: string; field: string; defaults: string[]; prefix: string; key: "lv" | "vg" }
> = {
  lvs: { tool: "lvs", name: "LV", field: "lv_name", defaults: LVS_DEFAULT, prefix: "lv_", key: "lv" },
  vgs: { tool: "vgs", name: "VG", field: "vg_name", defaults: VGS_DEFAULT, prefix: "vg_", key: "vg" },
};

const DIAGNOSTICS = [
  /^WARNING:/i,
  /^Couldn't find /,
  /^Volume group "?[^"\s]+"? not found\.?$/,
  /^Cannot process volume group /,
  /^Skipping volume group /,
  /^File descriptor \d+ .* leaked on \S+ invocation\./,
  /^\S+: read failed after \d+ of \d+ at \d+: /,
  /^Found duplicate PV /,
];

/**
 * A shell prompt and LVM command pasted above the output in captured sessions ("# lvs",
 * "[root@pcmk-1 ~]# vgs --units b"); only on the first line, never a report row.
 */
const PROMPT = /^(?:\[[^\]]*\])?[#$] +(?:lvs|vgs|pvs|lvm)\b/;

/** True for a message line LVM prints beside a report (see the list above); `line` may be indented. */
export function isLvmDiagnostic(line: string): boolean {
  const text = line.trim();
  return DIAGNOSTICS.some((re) => re.test(text));
}

// ---------------------------------------------------------------------------------------------- sizes

const UNIT: Record<string, number> = {
  "": 1,
  b: 1,
  B: 1,
  s: 512,
  S: 512,
  k: 1024,
  m: 1024 ** 2,
  g: 1024 ** 3,
  t: 1024 ** 4,
  p: 1024 ** 5,
  e: 1024 ** 6,
  K: 1000,
  M: 1000 ** 2,
  G: 1000 ** 3,
  T: 1000 ** 4,
  P: 1000 ** 5,
  E: 1000 ** 6,
};

/**
 * Bytes from an LVM size: 1073741824, "1073741824", "1073741824B", "2048s", "4.00m", "<1.82t" (see the
 * header comment for units and precision). Throws ParseError naming `line` (or the value).
 */
export function parseLvmSize(value: string | number | null | undefined, tool = "lvm", line?: string): number {
  const fail = (why: string): never => {
    throw new ParseError(tool, `${why}: ${JSON.stringify(value)}`, line);
  };
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value) || value < 0) fail("size is not a whole number of bytes");
    return value as number;
  }
  if (typeof value !== "string") return fail("no size");
  const m = /^([<>]?)(\d+)(?:\.(\d+))?([A-Za-z]?)$/.exec(value.trim());
  if (!m) return fail("unreadable size");
  const [, , whole, fraction, unit = ""] = m;
  const factor = UNIT[unit];
  if (factor === undefined) return fail(`unknown size unit ${unit}`);
  // LVM prints bytes and sectors without decimals: "4.00" here is some other unit with --nosuffix.
  if (fraction !== undefined && (factor === 1 || factor === 512)) {
    return fail("size with a fraction is not bytes (ask --units b)");
  }
  const bytes = Math.round(Number(`${whole}.${fraction ?? "0"}`) * factor);
  if (!Number.isSafeInteger(bytes)) return fail("size out of range");
  return bytes;
}

// ----------------------------------------------------------------------------------------------- JSON

const ZReport = z.object({ report: z.array(z.record(z.string(), z.unknown())) });
const ZRows = z.array(z.record(z.string(), z.unknown()));

/** `lvs --reportformat json|json_std` → volumes (vg_name, lv_name, lv_size). */
export function parseLvsJson(text: string, options: LvmReportOptions = {}): TLvmVolumes {
  return { volumes: jsonRows("lvs", text).map((row) => volume(row, options)) };
}

/** `vgs --reportformat json|json_std` → groups (vg_name, vg_size, vg_free). */
export function parseVgsJson(text: string): TLvmGroups {
  return { groups: jsonRows("vgs", text).map((row) => group(row)) };
}

function jsonRows(kind: Kind, text: string): Row[] {
  const { tool, key } = SPEC[kind];
  const lines = text.split("\n");
  // Skip a pasted prompt line and stderr messages that came before the JSON document, if any.
  let first = lines[0] !== undefined && PROMPT.test(lines[0]) ? 1 : 0;
  while (first < lines.length && (lines[first]!.trim() === "" || isLvmDiagnostic(lines[first]!))) first++;
  const body = lines.slice(first).join("\n");
  if (body.trim() === "") throw new ParseError(tool, "empty output, expected a JSON report");
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new ParseError(tool, `not a JSON report (${why})`, lines[first]);
  }
  const parsed = ZReport.safeParse(json);
  if (!parsed.success) throw new ParseError(tool, 'expected {"report": [...]}', lines[first]);

  const rows: Row[] = [];
  let seen = false;
  for (const entry of parsed.data.report) {
    if (entry[key] === undefined) continue;
    seen = true;
    const list = ZRows.safeParse(entry[key]);
    if (!list.success)
      throw new ParseError(tool, `"${key}" is not an array of objects`, JSON.stringify(entry[key]));
    // lvm fullreport: one report entry per VG, whose "vg" array names the VG of its "lv" rows.
    const vgs = ZRows.safeParse(entry.vg);
    const only = vgs.success && vgs.data.length === 1 ? vgs.data[0]?.vg_name : undefined;
    for (const obj of list.data) {
      const fields = new Map<string, string | number | null>();
      for (const [name, value] of Object.entries(obj)) {
        if (typeof value === "string" || typeof value === "number" || value === null) fields.set(name, value);
      }
      if (kind === "lvs" && !fields.has("vg_name") && typeof only === "string") fields.set("vg_name", only);
      rows.push({ fields, line: JSON.stringify(obj) });
    }
  }
  if (!seen) throw new ParseError(tool, `no "${key}" report in the JSON`, lines[first]);
  return rows;
}

// ---------------------------------------------------------------------------------------------- plain

/**
 * `lvs` text output: the default table with headings, `--noheadings` (padded or `--separator`), or
 * `--nameprefixes`. `columns` is the `-o` list for output without headings (array or "a,b,c").
 */
export function parseLvsPlain(
  text: string,
  columns?: readonly string[] | string,
  options: LvmPlainOptions = {},
): TLvmVolumes {
  return { volumes: plainRows("lvs", text, columns, options).map((row) => volume(row, options)) };
}

/** `vgs` text output, in the same forms as parseLvsPlain. */
export function parseVgsPlain(
  text: string,
  columns?: readonly string[] | string,
  options: LvmPlainOptions = {},
): TLvmGroups {
  return { groups: plainRows("vgs", text, columns, options).map((row) => group(row)) };
}

function plainRows(
  kind: Kind,
  text: string,
  columns: readonly string[] | string | undefined,
  options: LvmPlainOptions,
): Row[] {
  const { tool, defaults } = SPEC[kind];
  const lines = text
    .split("\n")
    .map((l) => l.replace(/\r$/, ""))
    .filter((l, k) => l.trim() !== "" && !isLvmDiagnostic(l) && !(k === 0 && PROMPT.test(l)));
  const first = lines[0];
  if (first === undefined) return [];

  if (/^LVM2_[A-Z0-9_]+=/.test(first.trim())) return lines.map((line) => prefixedRow(tool, line));

  const sep = options.separator ?? (first.includes("|") ? "|" : first.includes(";") ? ";" : undefined);
  const given = columns === undefined ? undefined : normaliseColumns(kind, columns);

  const headerCells = sep === undefined ? first.trim().split(/\s+/) : first.split(sep).map((c) => c.trim());
  if (isHeader(kind, headerCells)) {
    const data = lines.slice(1);
    if (sep !== undefined) {
      const fields = headerCells.map((h) => headingField(kind, h));
      requireColumns(kind, fields, first);
      return data.map((line) => cellsRow(tool, fields, line.split(sep), line, true));
    }
    const cols = headerColumns(first, data);
    const fields = cols.map((c) => headingField(kind, c.heading));
    requireColumns(kind, fields, first);
    return data.map((line) => {
      const cells = cols.map((c, k) => line.slice(c.start, cols[k + 1]?.start ?? line.length));
      return cellsRow(tool, fields, cells, line, true);
    });
  }

  const fields = given ?? defaults;
  return lines.map((line) => {
    const cells = sep === undefined ? line.trim().split(/\s+/) : line.split(sep);
    if (sep !== undefined && given !== undefined && cells.length !== fields.length) {
      throw new ParseError(tool, `expected ${fields.length} fields separated by "${sep}"`, line);
    }
    if (cells.length > fields.length) throw new ParseError(tool, `more than ${fields.length} fields`, line);
    return cellsRow(tool, fields, cells, line, false);
  });
}

function cellsRow(tool: string, fields: string[], cells: string[], line: string, header: boolean): Row {
  if (header && cells.length !== fields.length) {
    throw new ParseError(tool, `expected ${fields.length} columns as in the heading line`, line);
  }
  const row = new Map<string, string | number | null>();
  fields.forEach((field, k) => {
    if (!row.has(field)) row.set(field, (cells[k] ?? "").trim());
  });
  return { fields: row, line };
}

/** The heading line must have the columns we read (the VG column is optional for lvs, see above). */
function requireColumns(kind: Kind, fields: string[], header: string): void {
  const needed = kind === "lvs" ? ["lv_name", "lv_size"] : ["vg_name", "vg_size", "vg_free"];
  for (const field of needed) {
    if (!fields.includes(field)) {
      const heading = Object.keys(HEADINGS[kind]).find((h) => HEADINGS[kind][h] === field);
      throw new ParseError(SPEC[kind].tool, `no ${heading ?? field} column`, header);
    }
  }
}

/** A heading line names the report's main column (LV / VG) and at least one other known heading. */
function isHeader(kind: Kind, cells: string[]): boolean {
  const { name, field } = SPEC[kind];
  // `--headings full`: the headings are the field names themselves.
  if (cells.includes(field) && cells.every((c) => /^[a-z][a-z0-9_]*$/.test(c))) return true;
  if (!cells.includes(name)) return false;
  const known = (c: string): boolean =>
    Object.hasOwn(HEADINGS.lvs, c) || Object.hasOwn(HEADINGS.vgs, c) || OTHER_HEADINGS.has(c);
  return cells.some((c) => c !== name && known(c));
}

function headingField(kind: Kind, heading: string): string {
  if (/^[a-z][a-z0-9_]*$/.test(heading)) return heading; // --headings full
  return Object.hasOwn(HEADINGS[kind], heading) ? HEADINGS[kind][heading]! : `heading:${heading}`;
}

/**
 * Column starts of a padded table: where each heading starts. A heading start is a real column start
 * only if every data row has the separating space just before it; otherwise (a heading of two words over
 * a wider value) it is part of the previous heading.
 */
function headerColumns(header: string, rows: string[]): Array<{ heading: string; start: number }> {
  const cols: Array<{ heading: string; start: number }> = [];
  for (const m of header.matchAll(/\S+/g)) {
    const prev = cols[cols.length - 1];
    const start = m.index;
    const joined = prev === undefined ? "" : `${prev.heading} ${m[0]}`;
    const adjacent = prev !== undefined && start === prev.start + prev.heading.length + 1;
    const spaceBefore = rows.every((r) => start - 1 >= r.length || r[start - 1] === " ");
    if (prev !== undefined && ((adjacent && TWO_WORD_HEADINGS.has(joined)) || !spaceBefore)) {
      prev.heading = `${prev.heading}${" ".repeat(start - prev.start - prev.heading.length)}${m[0]}`;
    } else {
      cols.push({ heading: m[0], start });
    }
  }
  return cols;
}

function prefixedRow(tool: string, line: string): Row {
  const fields = new Map<string, string | number | null>();
  // Pairs are separated by white space, or by a --separator such as " | " (lvmreport(7)).
  const re = /[\s|;]*LVM2_([A-Z0-9_]+)=(?:'([^']*)'|([^\s|;]*))/gy;
  let end = 0;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    const name = m[1]!.toLowerCase();
    if (!fields.has(name)) fields.set(name, m[2] ?? m[3] ?? "");
    end = re.lastIndex;
  }
  if (line.slice(end).trim() !== "") throw new ParseError(tool, "expected LVM2_FIELD=value pairs", line);
  return { fields, line };
}

/** "name" → "lv_name" (lvs) / "vg_name" (vgs), as LVM accepts field names without their prefix. */
function normaliseColumns(kind: Kind, columns: readonly string[] | string): string[] {
  const list = typeof columns === "string" ? columns.split(",") : [...columns];
  const known = new Set(["lv_name", "vg_name", "lv_size", "vg_size", "vg_free"]);
  return list.map((c) => {
    const name = c.trim().toLowerCase();
    const prefixed = `${SPEC[kind].prefix}${name}`;
    return !known.has(name) && known.has(prefixed) ? prefixed : name;
  });
}

// ------------------------------------------------------------------------------------------ records

function text(row: Row, tool: string, field: string, what: string): string {
  const value = row.fields.get(field);
  if (typeof value !== "string" || value === "")
    throw new ParseError(tool, `no ${what} (${field})`, row.line);
  return value;
}

function volume(row: Row, options: LvmReportOptions): TLvmVolumes["volumes"][number] {
  const tool = "lvs";
  const lv = text(row, tool, "lv_name", "LV name");
  const vg = row.fields.has("vg_name") ? text(row, tool, "vg_name", "VG name") : (options.vg ?? "");
  if (!row.fields.has("lv_size")) throw new ParseError(tool, "no LV size (lv_size) in the report", row.line);
  return { vg, lv, sizeBytes: parseLvmSize(row.fields.get("lv_size"), tool, row.line) };
}

function group(row: Row): TLvmGroups["groups"][number] {
  const tool = "vgs";
  const vg = text(row, tool, "vg_name", "VG name");
  for (const field of ["vg_size", "vg_free"]) {
    if (!row.fields.has(field)) throw new ParseError(tool, `no ${field} in the report`, row.line);
  }
  return {
    vg,
    sizeBytes: parseLvmSize(row.fields.get("vg_size"), tool, row.line),
    freeBytes: parseLvmSize(row.fields.get("vg_free"), tool, row.line),
  };
}

// --------------------------------------------------------------------------------------------- lvcreate

/**
 * `lvcreate` output: the name from `  Logical volume "drbd-demo" created.` (no trailing period before
 * LVM2 2.02.1xx). Other lines ("Rounding up size to full physical extent 4.00 MiB", "Wiping ext4
 * signature on ...", warnings) are ignored; no such line at all is a ParseError.
 */
export function parseLvcreateOutput(text: string): { lv: string } {
  for (const line of text.split("\n")) {
    const m = /^Logical volume "(.+)" created\.?$/.exec(line.trim());
    if (m) return { lv: m[1]! };
  }
  throw new ParseError("lvcreate", "no line 'Logical volume \"<name>\" created'", text.split("\n")[0]);
}
