import { ParseError } from "../../../lib/errors/app-error";

/*
 * `xl info` / `xm info`: one "key : value" per line, keys padded to 23 columns, some values empty or
 * with trailing spaces:
 *
 *   host                   : host.example.com
 *   total_memory           : 16378
 *   xen_major              : 4
 *   xen_minor              : 0
 *   xen_extra              : .1
 *   xen_commandline        : placeholder dom0_mem=1024M com1=115200,8n1 console=com1
 */

const TOOL = "xl info";

export interface XlInfo {
  host: string;
  totalMemoryMiB: number;
  freeMemoryMiB: number;
  nrCpus: number;
  /** xen_major.xen_minor + xen_extra, e.g. "4.0.1" (xen_version where the parts are missing). */
  xenVersion: string;
  /**
   * The dom0_mem= argument as written on the Xen command line, e.g. "dom0_mem=1024M" or
   * "dom0_mem=4096M,max:8192M"; several of them (Xen applies each in turn) are joined with a space.
   */
  dom0MemArg?: string;
  /** Every key with its trimmed value. */
  raw: Record<string, string>;
}

export function parseXlInfo(text: string): XlInfo {
  const raw: Record<string, string> = {};
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const m = /^([A-Za-z0-9_]+)\s*:(.*)$/.exec(line.trim());
    if (!m) throw new ParseError(TOOL, "expected 'key : value'", line);
    raw[m[1]!] = m[2]!.trim();
  }

  const need = (key: string): string => {
    const value = raw[key];
    if (value === undefined) throw new ParseError(TOOL, `no ${key} line`);
    return value;
  };
  const int = (key: string): number => {
    const value = need(key);
    if (!/^\d+$/.test(value)) throw new ParseError(TOOL, `${key} is not a number`, `${key} : ${value}`);
    return Number(value);
  };

  const major = raw.xen_major;
  const minor = raw.xen_minor;
  const xenVersion =
    major !== undefined && minor !== undefined ? `${major}.${minor}${raw.xen_extra ?? ""}` : raw.xen_version;
  if (xenVersion === undefined) throw new ParseError(TOOL, "no xen_major/xen_minor or xen_version line");

  const dom0Mem = (raw.xen_commandline ?? "").split(/\s+/).filter((arg) => arg.startsWith("dom0_mem="));

  return {
    host: need("host"),
    totalMemoryMiB: int("total_memory"),
    freeMemoryMiB: int("free_memory"),
    nrCpus: int("nr_cpus"),
    xenVersion,
    ...(dom0Mem.length === 0 ? {} : { dom0MemArg: dom0Mem.join(" ") }),
    raw,
  };
}
