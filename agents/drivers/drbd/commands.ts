/**
 * argv builders for the DRBD tools. Commands are data: never join these into a shell string.
 * https://linbit.com/drbd-user-guide/drbd-guide-9_0-en/#s-drbdsetup-events2
 */

/** One-shot dump of every object with counters; ends with the line `exists -`. */
export function drbdEvents2NowArgv(): string[] {
  return ["drbdsetup", "events2", "--now", "--statistics", "all"];
}

/** Initial dump (ending with `exists -`) followed by one line per change, until killed. */
export function drbdEvents2StreamArgv(): string[] {
  return ["drbdsetup", "events2", "--statistics", "all"];
}

/** JSON status of all resources (drbd-utils >= 9.x, DRBD 9 kernel). */
export function drbdStatusJsonArgv(): string[] {
  return ["drbdsetup", "status", "--json", "all"];
}

/** `KEY=value` lines with the drbd-utils and kernel-module versions. */
export function drbdadmVersionArgv(): string[] {
  return ["drbdadm", "--version"];
}

/**
 * DRBD's command syntax changed between 8.3 and 8.4: 8.3 passes options to drbdsetup after `--`
 * (`drbdadm -- --overwrite-data-of-peer primary r0`), 8.4 and 9 take them before the resource
 * (`drbdadm primary --force r0`). See the DRBD 8.3 / 8.4 / 9 user's guides.
 */
export type DrbdSyntax = "8.3" | "8.4" | "9";

/** Resource names are validated by the method's params; this is the last line of defence. */
function resourceArg(resource: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]{0,62}$/.test(resource))
    throw new Error(`invalid DRBD resource name ${JSON.stringify(resource)}`);
  return resource;
}

function drbdadm(syntax: DrbdSyntax, command: string, resource: string, options: string[] = []): string[] {
  const res = resourceArg(resource);
  if (options.length === 0) return ["drbdadm", command, res];
  return syntax === "8.3"
    ? ["drbdadm", "--", ...options, command, res]
    : ["drbdadm", command, ...options, res];
}

/** Attach the backing disk and connect (the whole resource). */
export const drbdUpArgv = (syntax: DrbdSyntax, resource: string) => drbdadm(syntax, "up", resource);
/** Disconnect and detach. */
export const drbdDownArgv = (syntax: DrbdSyntax, resource: string) => drbdadm(syntax, "down", resource);
/** Apply the resource file's settings to the running resource. */
export const drbdAdjustArgv = (syntax: DrbdSyntax, resource: string) => drbdadm(syntax, "adjust", resource);
export const drbdSecondaryArgv = (syntax: DrbdSyntax, resource: string) =>
  drbdadm(syntax, "secondary", resource);
export const drbdDisconnectArgv = (syntax: DrbdSyntax, resource: string) =>
  drbdadm(syntax, "disconnect", resource);
/** Discard this side's data and resync it from the peer. */
export const drbdInvalidateArgv = (syntax: DrbdSyntax, resource: string) =>
  drbdadm(syntax, "invalidate", resource);

/**
 * Promote. `force` overrides DRBD's refusal to promote without UpToDate data (first promotion of a new
 * resource, or a deliberate decision after a failure): only when the caller says so.
 */
export function drbdPrimaryArgv(
  syntax: DrbdSyntax,
  resource: string,
  options: { force?: boolean } = {},
): string[] {
  if (!options.force) return drbdadm(syntax, "primary", resource);
  return drbdadm(syntax, "primary", resource, [syntax === "8.3" ? "--overwrite-data-of-peer" : "--force"]);
}

/** Connect; with `discardMyData` this side becomes the split-brain victim and resyncs from the peer. */
export function drbdConnectArgv(
  syntax: DrbdSyntax,
  resource: string,
  options: { discardMyData?: boolean } = {},
): string[] {
  return drbdadm(syntax, "connect", resource, options.discardMyData ? ["--discard-my-data"] : []);
}

/** Create DRBD metadata on the backing device; `--force` only to answer drbdmeta's questions non-interactively. */
export function drbdCreateMdArgv(
  syntax: DrbdSyntax,
  resource: string,
  options: { force?: boolean } = {},
): string[] {
  return drbdadm(syntax, "create-md", resource, options.force ? ["--force"] : []);
}

/** Skip the initial full sync of a new resource whose both backing devices are new (DRBD 8.4 and 9 only). */
export function drbdNewCurrentUuidArgv(
  syntax: DrbdSyntax,
  resource: string,
  options: { clearBitmap: boolean },
): string[] {
  if (syntax === "8.3") throw new Error("new-current-uuid --clear-bitmap needs DRBD 8.4 or later");
  return drbdadm(syntax, "new-current-uuid", resource, options.clearBitmap ? ["--clear-bitmap"] : []);
}

/**
 * Parse and print a resource's configuration; exits 10 with file:line on a syntax error. `drbdadm` names the
 * binary: drbd-utils 9 ships the 8.4 and 8.3 parsers as /lib/drbd/drbdadm-84 and drbdadm-83.
 */
export function drbdDumpArgv(
  resource: string,
  options: { configFile?: string; drbdadm?: string } = {},
): string[] {
  return [
    options.drbdadm ?? "drbdadm",
    ...(options.configFile ? ["-c", options.configFile] : []),
    "dump",
    resourceArg(resource),
  ];
}

/** Every resource of the configuration as XML (hosts, volumes with minors and disks, addresses and ports). */
export function drbdDumpXmlArgv(options: { configFile?: string; drbdadm?: string } = {}): string[] {
  return [
    options.drbdadm ?? "drbdadm",
    ...(options.configFile ? ["-c", options.configFile] : []),
    "dump-xml",
  ];
}

/** Names of the resources configured for this host (one line, space-separated); every DRBD utils version. */
export function drbdShResourcesArgv(): string[] {
  return ["drbdadm", "sh-resources"];
}

/** The minor of each of the resource's volumes on this host, one per line, in volume-number order. */
export function drbdShMinorArgv(resource: string): string[] {
  return ["drbdadm", "sh-minor", resourceArg(resource)];
}
