import { AppError } from "../../../lib/errors/app-error";

/**
 * argv builders for libvirt's `virsh`. Commands are data (docs/adr/0001): never join these into a shell
 * string. https://libvirt.org/manpages/virsh.html
 *
 * - Connection: with a URI, `virsh -c <uri> ...` (qemu:///system, xen:///system, ...); without one, virsh
 *   uses LIBVIRT_DEFAULT_URI or its built-in default.
 * - Options come first, then `--`, then the positional operands. virsh's parser (tools/vsh.c
 *   vshCommandParse) reads every token after a bare `--` as data, so a domain named "--all" or "-x" is
 *   never taken for an option.
 * - virsh looks a domain argument up as an ID first, then a UUID, then a name (virshLookupDomainBy with
 *   VIRSH_BYID | VIRSH_BYUUID | VIRSH_BYNAME): a purely numeric name would act on the domain with that
 *   ID, so such names are refused here (pass the domain's UUID instead). Names are otherwise validated
 *   by the method's params; this is the last line of defence.
 * - virsh translates its output: run it with LC_ALL=C so the parsers see the English labels.
 */

export interface MemoryFlags {
  /** `--live`: change the running domain. */
  live?: boolean;
  /** `--config`: change the persistent definition (next boot). */
  config?: boolean;
}

/** Every domain, running or not: the `Id Name State` table (parse-virsh-list). */
export function listAll(uri?: string): string[] {
  return virsh(uri, "list", "--all");
}

/** `Key: value` lines: state, memory, vCPUs, persistence (parse-virsh-dominfo). */
export function dominfo(name: string, uri?: string): string[] {
  return virsh(uri, "dominfo", "--", domainArg(name));
}

/** Balloon statistics of a running domain, `<name> <value>` lines in KiB (parse-virsh-dommemstat). */
export function dommemstat(name: string, uri?: string): string[] {
  return virsh(uri, "dommemstat", "--", domainArg(name));
}

/** The domain XML; `inactive` asks for the persistent definition rather than the live one. */
export function dumpxml(name: string, options: { inactive?: boolean } = {}, uri?: string): string[] {
  return virsh(uri, "dumpxml", ...(options.inactive ? ["--inactive"] : []), "--", domainArg(name));
}

/** `<state> (<reason>)`, e.g. "shut off (crashed)" (parse-virsh-domstate). */
export function domstateReason(name: string, uri?: string): string[] {
  return virsh(uri, "domstate", "--reason", "--", domainArg(name));
}

/** Boot a defined, inactive domain. */
export function start(name: string, uri?: string): string[] {
  return virsh(uri, "start", "--", domainArg(name));
}

/** Ask the guest to shut down (ACPI / agent); returns before the domain is off. */
export function shutdown(name: string, uri?: string): string[] {
  return virsh(uri, "shutdown", "--", domainArg(name));
}

/** Stop the domain at once (power cut); the definition is kept. */
export function destroy(name: string, uri?: string): string[] {
  return virsh(uri, "destroy", "--", domainArg(name));
}

/** Define (or redefine) a persistent domain from an XML file on the host. */
export function define(xmlPath: string, uri?: string): string[] {
  if (xmlPath === "" || xmlPath.includes("\0")) {
    throw new AppError("VALIDATION_FAILED", "invalid XML file path", {
      details: { field: "xmlPath", rule: "non-empty, no NUL" },
    });
  }
  return virsh(uri, "define", "--", xmlPath);
}

/** Remove a domain's persistent definition (libvirt allows it on a running domain, which becomes transient). */
export function undefine(name: string, uri?: string): string[] {
  return virsh(uri, "undefine", "--", domainArg(name));
}

/**
 * Set the balloon target. The size is a bare number, which virsh reads as KiB (vshCommandOptScaledInt
 * with scale 1024). Neither flag: virsh's --current (the live domain if it runs, else the definition).
 */
export function setmem(name: string, kib: number, flags: MemoryFlags = {}, uri?: string): string[] {
  return virsh(uri, "setmem", ...memoryFlags(flags), "--", domainArg(name), kibArg(kib));
}

/**
 * Set the maximum memory (<memory>). QEMU refuses it on a running domain ("cannot resize the maximum
 * memory on an active domain"): use `{ config: true }` there.
 */
export function setmaxmem(name: string, kib: number, flags: MemoryFlags = {}, uri?: string): string[] {
  return virsh(uri, "setmaxmem", ...memoryFlags(flags), "--", domainArg(name), kibArg(kib));
}

/** Host CPUs and memory size (parse-virsh-nodeinfo); it has no free memory figure. */
export function nodeinfo(uri?: string): string[] {
  return virsh(uri, "nodeinfo");
}

/** Free memory per NUMA cell and the host Total (parseVirshFreecell). */
export function freecellAll(uri?: string): string[] {
  return virsh(uri, "freecell", "--all");
}

/** Host memory fields total/free/buffers/cached in KiB (parseVirshNodememstats). */
export function nodememstats(uri?: string): string[] {
  return virsh(uri, "nodememstats");
}

function virsh(uri: string | undefined, ...args: string[]): string[] {
  if (uri === undefined) return ["virsh", ...args];
  if (uri === "" || uri.startsWith("-") || uri.includes("\0")) {
    throw invalid("uri", "a libvirt connection URI", uri);
  }
  return ["virsh", "-c", uri, ...args];
}

function domainArg(name: string): string {
  if (name === "" || name.includes("\0")) throw invalid("name", "non-empty, no NUL", name);
  if (/^\d+$/.test(name)) throw invalid("name", "not all digits (virsh would read it as a domain ID)", name);
  return name;
}

function kibArg(kib: number): string {
  if (!Number.isSafeInteger(kib) || kib <= 0) throw invalid("kib", "a positive whole number of KiB", kib);
  return String(kib);
}

function memoryFlags(flags: MemoryFlags): string[] {
  return [...(flags.live ? ["--live"] : []), ...(flags.config ? ["--config"] : [])];
}

function invalid(field: string, rule: string, value: unknown): AppError {
  return new AppError("VALIDATION_FAILED", `invalid virsh ${field} ${JSON.stringify(value)}: ${rule}`, {
    details: { field, rule },
  });
}

/** The host's name as libvirt sees it (one line). */
export function hostname(uri?: string): string[] {
  return uri === undefined ? ["virsh", "hostname"] : ["virsh", "-c", uri, "hostname"];
}

/** virsh's own version (one line, e.g. "9.0.0"). */
export function virshVersion(): string[] {
  return ["virsh", "--version"];
}
