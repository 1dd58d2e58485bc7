import { ParseError } from "../../../lib/errors/app-error";
import type { TDomainList } from "../../parsers/shapes";
import type { TVmState } from "../../protocol/schemas";
import { dropCommandEcho, virshStateToVmState } from "./parse-virsh-list";

/*
 * `virsh dominfo <domain>` prints "%-15s %s" lines (tools/virsh-domain-monitor.c cmdDominfo):
 *
 *   Id:             8
 *   Name:           vm1
 *   UUID:           7d8a79cf-7c6e-4288-8f31-7729620268f5
 *   OS Type:        hvm
 *   State:          running
 *   CPU(s):         1
 *   CPU time:       16.4s
 *   Max memory:     2097152 KiB
 *   Used memory:    2097152 KiB
 *   Persistent:     yes
 *   Autostart:      disable
 *   Managed save:   no
 *   Security model: apparmor
 *   Security DOI:   0
 *   Security label: libvirt-7d8a79cf-7c6e-4288-8f31-7729620268f5 (enforcing)
 *   Messages:       tainted: network configuration using opaque shell scripts
 *                   tainted: use of host cdrom passthrough
 *
 * Id is "-" for an inactive domain. "CPU time" appears only when non-zero (printed with the locale's
 * decimal separator), "Max memory" may read "no limit", Persistent is yes/no/unknown, Autostart
 * enable/disable, the Security lines only with an active security driver. Messages continue on
 * lines indented past the key column. Unknown keys are kept in `raw`.
 * Only one record is read: output of several dominfo calls (blank-line separated) is refused.
 */

const TOOL = "virsh dominfo";

export interface VirshDominfo {
  name: string;
  /** Hypervisor domain id; null when the domain is not running ("Id: -"). */
  id: number | null;
  uuid?: string;
  state: TVmState;
  /** "CPU(s)": the domain's current number of virtual CPUs. */
  vcpus?: number;
  /** "Max memory" in KiB; null when virsh prints "no limit". */
  maxMemoryKiB: number | null;
  /** "Used memory" in KiB: the current balloon target of a running domain. */
  usedMemoryKiB: number;
  /** Absent when virsh prints "unknown". */
  persistent?: boolean;
  autostart?: boolean;
  /** Every key (without the colon) with its trimmed value; continuation lines joined with "\n". */
  raw: Record<string, string>;
}

/** virsh's labels are capitalised; a lower-case "error: ..." line (stderr mixed in) is not a key. */
const KEY_LINE = /^([A-Z][A-Za-z0-9 ()/._-]*):(?:\s+(.*))?$/;

export function parseVirshDominfo(text: string): VirshDominfo {
  const raw = readRecord(text);
  const lineOf = (key: string) => `${key}: ${raw[key] ?? ""}`;
  const need = (key: string): string => {
    const value = raw[key];
    if (value === undefined) throw new ParseError(TOOL, `no "${key}:" line`);
    return value;
  };

  const idText = need("Id");
  if (!/^(?:\d+|-)$/.test(idText)) throw new ParseError(TOOL, "Id is not a number or '-'", lineOf("Id"));
  const name = need("Name");
  if (name === "") throw new ParseError(TOOL, "empty Name", lineOf("Name"));
  const state = virshStateToVmState(need("State"), TOOL, lineOf("State"));
  const maxText = need("Max memory");
  const maxMemoryKiB = maxText === "no limit" ? null : kib("Max memory", maxText);
  const usedMemoryKiB = kib("Used memory", need("Used memory"));

  const info: VirshDominfo = {
    name,
    id: idText === "-" ? null : Number(idText),
    state,
    maxMemoryKiB,
    usedMemoryKiB,
    raw,
  };
  if (raw.UUID !== undefined && raw.UUID !== "") info.uuid = raw.UUID;
  const cpus = raw["CPU(s)"];
  if (cpus !== undefined) {
    if (!/^\d+$/.test(cpus)) throw new ParseError(TOOL, "CPU(s) is not a number", lineOf("CPU(s)"));
    info.vcpus = Number(cpus);
  }
  const persistent = yesNo("Persistent", { yes: true, no: false, unknown: undefined });
  if (persistent !== undefined) info.persistent = persistent;
  const autostart = yesNo("Autostart", { enable: true, disable: false });
  if (autostart !== undefined) info.autostart = autostart;
  return info;

  function yesNo(key: string, values: Record<string, boolean | undefined>): boolean | undefined {
    const value = raw[key];
    if (value === undefined) return undefined;
    if (!Object.prototype.hasOwnProperty.call(values, value)) {
      throw new ParseError(TOOL, `unknown ${key} value ${JSON.stringify(value)}`, lineOf(key));
    }
    return values[value];
  }

  /**
   * virsh prints "%lu KiB" (releases before 2012 printed "kB" for the same KiB value). Text after the
   * unit and white space is ignored: pasted transcripts carry annotations ("2097152 KiB   // Before");
   * another unit or a glued suffix ("KiBB") is refused.
   */
  function kib(key: string, value: string): number {
    const m = /^(\d+) (?:KiB|kB)(?:\s|$)/.exec(value);
    if (!m) throw new ParseError(TOOL, `${key} is not "<number> KiB"`, lineOf(key));
    return Number(m[1]);
  }
}

/** The key/value pairs of one record; continuation lines (indented past the keys) join the previous key. */
function readRecord(text: string): Record<string, string> {
  const lines = dropCommandEcho(text);
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === "") lines.pop();
  const first = lines[0];
  if (first === undefined) throw new ParseError(TOOL, "empty output");
  const indent = /^\s*/.exec(first)![0];

  const raw: Record<string, string> = {};
  let lastKey: string | undefined;
  let sawBlank = false;
  for (const line of lines) {
    if (line.trim() === "") {
      sawBlank = true;
      continue;
    }
    if (sawBlank) throw new ParseError(TOOL, "unexpected line after a blank line (several records?)", line);
    const lead = /^\s*/.exec(line)![0];
    if (lead.length > indent.length && lastKey !== undefined) {
      raw[lastKey] = `${raw[lastKey]}\n${line.trim()}`;
      continue;
    }
    const m = lead === indent ? KEY_LINE.exec(line.slice(indent.length).trimEnd()) : null;
    if (!m) throw new ParseError(TOOL, "expected 'Key: value'", line);
    const key = m[1]!;
    if (Object.prototype.hasOwnProperty.call(raw, key)) {
      throw new ParseError(TOOL, `duplicate "${key}:" line (several records?)`, line);
    }
    raw[key] = (m[2] ?? "").trim();
    lastKey = key;
  }
  return raw;
}

/**
 * The TDomainList view of one dominfo record: memoryKiB is "Used memory", maxMemoryKiB "Max memory"
 * (omitted when virsh says "no limit"), vcpus "CPU(s)".
 */
export function dominfoToDomainList(info: VirshDominfo): TDomainList {
  return {
    domains: [
      {
        name: info.name,
        id: info.id,
        state: info.state,
        memoryKiB: info.usedMemoryKiB,
        ...(info.maxMemoryKiB === null ? {} : { maxMemoryKiB: info.maxMemoryKiB }),
        ...(info.vcpus === undefined ? {} : { vcpus: info.vcpus }),
      },
    ],
  };
}
