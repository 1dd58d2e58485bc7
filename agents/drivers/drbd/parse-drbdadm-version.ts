import { ParseError } from "../../../lib/errors/app-error";

/*
 * `drbdadm --version` prints shell-style KEY=value lines (values backslash-escaped), e.g.
 *
 *   DRBDADM_BUILDTAG=GIT-hash:\ 409097fe02187f83790b88ac3e0d94f3c167adab\ reproducible\ build\,\ 2023-01-09\ 14:51:18
 *   DRBDADM_API_VERSION=2
 *   DRBD_KERNEL_VERSION_CODE=0x090208
 *   DRBD_KERNEL_VERSION=9.2.8
 *   DRBDADM_VERSION_CODE=0x091600
 *   DRBDADM_VERSION=9.22.0
 *
 * Without the kernel module, drbd-utils 9.22 prints DRBD_KERNEL_VERSION_CODE=0x000000 and
 * DRBD_KERNEL_VERSION=0 (older utils may omit the lines): both mean "no module", so no kernelVersion.
 * Older utils print only the *_CODE lines; the dotted version is then derived from the code.
 */

const TOOL = "drbdadm --version";

export interface DrbdadmVersion {
  utilsVersion: string;
  /** Version of the loaded DRBD kernel module; absent when the module is not loaded. */
  kernelVersion?: string;
  apiVersion?: number;
}

const VERSION = /^\d+\.\d+(?:\.\d+)?(?:[-.+~][0-9A-Za-z.+~-]*)?$/;

export function parseDrbdadmVersion(text: string): DrbdadmVersion {
  const vars = new Map<string, string>();
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const m = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(line.trim());
    if (!m) throw new ParseError(TOOL, "expected KEY=value", line);
    vars.set(m[1]!, m[2]!.replace(/\\(.)/g, "$1"));
  }

  const utilsVersion = version(vars, "DRBDADM_VERSION") ?? fromCode(vars, "DRBDADM_VERSION_CODE");
  if (utilsVersion === undefined)
    throw new ParseError(TOOL, "no DRBDADM_VERSION or DRBDADM_VERSION_CODE line");
  const kernelVersion = version(vars, "DRBD_KERNEL_VERSION") ?? fromCode(vars, "DRBD_KERNEL_VERSION_CODE");
  const api = vars.get("DRBDADM_API_VERSION");
  if (api !== undefined && !/^\d+$/.test(api))
    throw new ParseError(TOOL, "DRBDADM_API_VERSION is not a number", `DRBDADM_API_VERSION=${api}`);
  return {
    utilsVersion,
    ...(kernelVersion === undefined ? {} : { kernelVersion }),
    ...(api === undefined ? {} : { apiVersion: Number(api) }),
  };
}

/** A dotted version; "0" (or empty) means "not loaded". */
function version(vars: Map<string, string>, key: string): string | undefined {
  const value = vars.get(key);
  if (value === undefined || value === "" || value === "0") return undefined;
  if (!VERSION.test(value)) throw new ParseError(TOOL, `${key} is not a version`, `${key}=${value}`);
  return value;
}

/** 0xMMmmpp → "M.m.p"; 0x000000 → undefined. */
function fromCode(vars: Map<string, string>, key: string): string | undefined {
  const value = vars.get(key);
  if (value === undefined) return undefined;
  if (!/^0x[0-9a-fA-F]{1,6}$/.test(value))
    throw new ParseError(TOOL, `${key} is not a hex version code`, `${key}=${value}`);
  const code = Number.parseInt(value.slice(2), 16);
  if (code === 0) return undefined;
  return `${code >> 16}.${(code >> 8) & 0xff}.${code & 0xff}`;
}
