import { AppError } from "../../../lib/errors/app-error";
import type { XenTool } from "./commands";

/*
 * argv builders for Xen state changes, for `xl` and the older `xm` (xend). Commands are data: never join
 * these into a shell string. Arguments are checked here, because the tools read them loosely:
 * - a domain is given by name (string) or by domain id (number). A name made only of digits is refused:
 *   both xl and xm would take it for a domain id and act on another domain;
 * - a name or path starting with "-" is refused: it would be read as an option;
 * - memory is a whole number of MiB, passed WITH its unit ("512m"). xl's default unit is KiB
 *   (xl(1) mem-set/mem-max: "append 't' ... 'm' for megabytes, 'k' for kilobytes and 'b' for bytes"),
 *   xm's is MiB in xend mode but KiB for `xm mem-max` in Xen-API mode (xm/main.py int_unit(args[1],
 *   'k')); an explicit "m" means the same to both (xm's int_unit accepts k/m/g suffixes).
 */

const TOOLS: readonly XenTool[] = ["xl", "xm"];

export interface ShutdownOptions {
  /** `-w`: return only once the domain has shut down (xl and xm both have it). */
  wait?: boolean;
}

/**
 * `xl create /etc/xen/vm1.cfg [memory=768]`: start a domain from its config file (an absolute path). With
 * `memoryMiB`, the domain starts with that much memory instead of the file's: both xl and xm read trailing
 * `key=value` words as settings that override the file's (xl(1) create "[VAR=VALUE ...]"; xm create's
 * variable assignments). `memory` is in MiB for both.
 */
export function create(tool: XenTool, cfgPath: string, options: { memoryMiB?: number } = {}): string[] {
  checkTool(tool);
  if (!cfgPath.startsWith("/") || cfgPath.includes("\0")) {
    invalid("cfgPath", "absolute-path", `config path must be absolute: ${JSON.stringify(cfgPath)}`);
  }
  if (options.memoryMiB === undefined) return [tool, "create", cfgPath];
  mibArg(options.memoryMiB); // validates
  return [tool, "create", cfgPath, `memory=${options.memoryMiB}`];
}

/** Ask the guest OS to shut down (`-w` waits for it). */
export function shutdown(tool: XenTool, domain: string | number, options: ShutdownOptions = {}): string[] {
  checkTool(tool);
  return [tool, "shutdown", ...(options.wait ? ["-w"] : []), domainArg(domain)];
}

/** Pull the plug: the domain stops at once. */
export function destroy(tool: XenTool, domain: string | number): string[] {
  checkTool(tool);
  return [tool, "destroy", domainArg(domain)];
}

/** Balloon the domain's current memory to `mib` MiB. */
export function memSet(tool: XenTool, domain: string | number, mib: number): string[] {
  checkTool(tool);
  return [tool, "mem-set", domainArg(domain), mibArg(mib)];
}

/** Set the most memory the domain may use to `mib` MiB. */
export function memMax(tool: XenTool, domain: string | number, mib: number): string[] {
  checkTool(tool);
  return [tool, "mem-max", domainArg(domain), mibArg(mib)];
}

/**
 * The long listing: xl prints JSON with `-l` (parseXlListLong), xm prints SXP with `--long`
 * (parseXmListLong).
 */
export function xlListLongArgvFor(tool: XenTool): string[] {
  checkTool(tool);
  return tool === "xl" ? ["xl", "list", "-l"] : ["xm", "list", "--long"];
}

function checkTool(tool: string): void {
  if (!(TOOLS as readonly string[]).includes(tool)) invalid("tool", "xl-or-xm", `unknown Xen tool ${tool}`);
}

function domainArg(domain: string | number): string {
  if (typeof domain === "number") {
    if (!Number.isSafeInteger(domain) || domain < 0) invalid("domain", "domid", `bad domain id ${domain}`);
    return String(domain);
  }
  if (domain === "" || /[\s\0]/.test(domain)) {
    invalid("domain", "name", `bad domain name ${JSON.stringify(domain)}`);
  }
  if (domain.startsWith("-")) invalid("domain", "no-leading-dash", `domain name starts with '-': ${domain}`);
  if (/^\d+$/.test(domain)) {
    invalid("domain", "not-numeric", `domain name ${domain} would be read as a domain id`);
  }
  return domain;
}

function mibArg(mib: number): string {
  if (!Number.isSafeInteger(mib) || mib <= 0)
    invalid("mib", "positive-integer", `bad memory size ${mib} MiB`);
  return `${mib}m`;
}

function invalid(field: string, rule: string, message: string): never {
  throw new AppError("VALIDATION_FAILED", message, { details: { field, rule } });
}
